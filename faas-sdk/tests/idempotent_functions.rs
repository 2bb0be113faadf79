//! Idempotent functions on every store: the memory store, a real
//! `redis-server` and a real DynamoDB-compatible server (moto), each
//! started by the test. Outside CI a missing server skips its store; with
//! `CI=true` it fails the test.

use std::sync::Arc;
use std::time::Duration;

use faas::idempotency::{IdempotencyStore, MemoryStore, RedisStore};
use faas::prelude::*;
use faas::reply::Outcome;
use faas::wire::Incoming;
use faas::{Function, InvocationInfo};
use faas_testkit::servers::moto::MotoServer;
use faas_testkit::servers::redis::RedisServer;
use faas_testkit::{FakeClock, events, harness};
use serde_json::{Value, json};

mod stores;

#[derive(Deserialize)]
struct Order {
    order_id: String,
}

/// A new `execution_id` per run of the body; slow enough that concurrent
/// duplicates overlap it.
#[faas::handler(idempotency(key = "/order_id", ttl = "1h"))]
async fn create_order(order: Order) -> Result<Value, FunctionError> {
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(json!({"order_id": order.order_id, "execution_id": uuid::Uuid::new_v4().to_string()}))
}

#[faas::handler(batch, idempotency(key = "/job_id"))]
async fn run_job(job: QueueMessage<Value>) -> Result<(), FunctionError> {
    let _ = job;
    Ok(())
}

/// A store under test and the server behind it.
struct Backend {
    name: &'static str,
    store: Arc<dyn IdempotencyStore>,
    /// Runs until the backend is dropped.
    _server: Option<Box<dyn std::any::Any>>,
}

/// Every store whose server is installed (all of them in CI).
async fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend {
        name: "memory",
        store: Arc::new(MemoryStore::new()),
        _server: None,
    }];
    if let Some(redis) = RedisServer::start() {
        let store = RedisStore::connect(&redis.url())
            .await
            .expect("redis connects");
        backends.push(Backend {
            name: "redis",
            store: Arc::new(store),
            _server: Some(Box::new(redis)),
        });
    }
    if let Some(moto) = MotoServer::start() {
        let store = stores::store(&moto, "idempotency").await;
        backends.push(Backend {
            name: "dynamodb",
            store: Arc::new(store),
            _server: Some(Box::new(moto)),
        });
    }
    backends
}

fn order(id: &str) -> Value {
    json!({"order_id": id, "amount_cents": 1250})
}

#[tokio::test]
async fn a_duplicate_replays_until_the_ttl_ends_on_every_store() {
    for backend in backends().await {
        let clock = FakeClock::at("2026-01-01T00:00:00Z");
        let mut fx = harness(create_order {})
            .clock(&clock)
            .idempotency_store(Arc::clone(&backend.store));
        let first = fx.invoke(order("o-1")).await.wire();
        clock.advance(Duration::from_secs(3599));
        let again = fx.invoke(order("o-1")).await.wire();
        assert_eq!(again, first, "{}: the stored result", backend.name);
        assert_eq!(fx.executions(), 1, "{}", backend.name);
        clock.advance(Duration::from_secs(1));
        let after_ttl = fx.invoke(order("o-1")).await.wire();
        assert_ne!(
            after_ttl, first,
            "{}: runs again after the ttl",
            backend.name
        );
        assert_eq!(fx.executions(), 2, "{}", backend.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_duplicates_run_once_on_every_store() {
    for backend in backends().await {
        let function = Arc::new(
            Function::builder(create_order {})
                .idempotency_store(Arc::clone(&backend.store))
                .build()
                .expect("the function builds"),
        );
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let function = Arc::clone(&function);
            tasks.spawn(async move {
                let incoming = Incoming::from(order("o-race"));
                function.invoke(incoming, InvocationInfo::default()).await
            });
        }
        let (mut done, mut in_progress) = (0, 0);
        while let Some(outcome) = tasks.join_next().await {
            match outcome.expect("no task panicked") {
                Outcome::Json(_) => done += 1,
                Outcome::Failed(err) if err.kind() == ErrorKind::InProgress => in_progress += 1,
                other => panic!("{}: {other:?}", backend.name),
            }
        }
        assert_eq!(
            function.executions(),
            1,
            "{}: exactly one execution",
            backend.name
        );
        assert_eq!(done + in_progress, 200, "{}", backend.name);
        assert!(done >= 1, "{}", backend.name);
    }
}

#[tokio::test]
async fn batches_are_deduplicated_per_record_on_every_store() {
    for backend in backends().await {
        let mut fx = harness(run_job {}).idempotency_store(Arc::clone(&backend.store));
        let batch = events::sqs()
            .message(json!({"job_id": "j-1"}))
            .message(json!({"job_id": "j-2"}))
            .message(json!({"job_id": "j-1"}));
        let res = fx.invoke(batch).await;
        assert_eq!(
            res.batch_failures(),
            Vec::<String>::new(),
            "{}",
            backend.name
        );
        assert_eq!(
            fx.executions(),
            2,
            "{}: a duplicate inside the batch",
            backend.name
        );
        let next = events::sqs()
            .message(json!({"job_id": "j-2"}))
            .message(json!({"job_id": "j-3"}));
        fx.invoke(next).await;
        assert_eq!(
            fx.executions(),
            3,
            "{}: a duplicate across batches",
            backend.name
        );
    }
}

#[tokio::test]
async fn a_redis_outage_fails_invocations_without_running_them_until_it_is_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&redis.url())
        .await
        .expect("redis connects");
    let mut fx = harness(create_order {}).idempotency_store(Arc::new(store));
    fx.invoke(order("o-before")).await;
    assert_eq!(fx.executions(), 1);

    redis.kill();
    let during = fx.invoke(order("o-during")).await;
    let err = during.error().expect("the invocation fails");
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert!(
        err.to_string().contains("could not claim idempotency key"),
        "{err}"
    );
    assert_eq!(
        fx.executions(),
        1,
        "the handler never ran during the outage"
    );

    redis.restart();
    let retried = fx.invoke(order("o-during")).await;
    assert!(retried.error().is_none(), "{:?}", retried.error());
    let again = fx.invoke(order("o-during")).await;
    assert_eq!(again.wire(), retried.wire());
    assert_eq!(fx.executions(), 2, "the retry ran once");
}
