//! The idempotency layer, in process, on the memory store and stores that
//! fail on purpose; time from a `FakeClock`. The Redis and DynamoDB stores
//! run the same store contract in `redis_store.rs` and `dynamodb_store.rs`.

use std::sync::Arc;
use std::time::Duration;

use faas::clock::Clock as _;
use faas::http::StatusCode;
use faas::idempotency::{
    Claim, Claimed, Completion, IdempotencyStore, MemoryStore, StoreError, async_trait,
};
use faas::prelude::*;
use faas::wire::Incoming;
use faas::{Function, InvocationInfo};
use faas_testkit::{FakeClock, events, harness};
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
struct Order {
    order_id: String,
    #[serde(default)]
    amount_cents: u64,
}

/// Creates an order; a new `execution_id` per run of the body.
#[faas::handler(idempotency(key = "/order_id", ttl = "1h", validate = "/amount_cents"))]
async fn create_order(Json(order): Json<Order>) -> Result<HttpResponse, FunctionError> {
    if order.amount_cents == 0 {
        return Err(FunctionError::bad_input("amount_cents must be positive"));
    }
    if order.order_id == "flaky" {
        return Err(FunctionError::transient("the warehouse is down"));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let receipt =
        json!({"order_id": order.order_id, "execution_id": uuid::Uuid::new_v4().to_string()});
    Ok(HttpResponse::json(StatusCode::CREATED, &receipt)?
        .with_header("x-order".parse().unwrap(), order.order_id.parse().unwrap()))
}

fn order(id: &str, amount: u64) -> faas_testkit::events::HttpEvent {
    events::http_post("/orders", json!({"order_id": id, "amount_cents": amount}))
}

fn clock() -> FakeClock {
    FakeClock::at("2026-01-01T00:00:00Z")
}

#[tokio::test]
async fn a_duplicate_gets_the_stored_response_until_the_ttl_ends() {
    let clock = clock();
    let mut fx = harness(create_order {}).clock(&clock);
    let first = fx.invoke(order("o-1", 500)).await;
    assert_eq!(first.status(), Some(201));
    assert_eq!(first.header("idempotent-replayed"), None);

    clock.advance(Duration::from_secs(59 * 60));
    let again = fx.invoke(order("o-1", 500)).await;
    assert_eq!(again.status(), Some(201));
    assert_eq!(again.body_json(), first.body_json(), "the same body");
    assert_eq!(
        again.header("x-order").as_deref(),
        Some("o-1"),
        "the same headers"
    );
    assert_eq!(again.header("content-type"), first.header("content-type"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(fx.executions(), 1);

    clock.advance(Duration::from_secs(60));
    let after_ttl = fx.invoke(order("o-1", 500)).await;
    assert_eq!(after_ttl.status(), Some(201));
    assert_ne!(
        after_ttl.body_json()["execution_id"],
        first.body_json()["execution_id"]
    );
    assert_eq!(fx.executions(), 2);
}

#[tokio::test]
async fn concurrent_duplicates_run_once_and_the_others_are_told_to_retry() {
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryStore::new());
    let function = Function::builder(create_order {})
        .idempotency_store(Arc::clone(&store))
        .build()
        .unwrap();
    let invocations = (0..200).map(|_| {
        let incoming = Incoming::from(order("o-race", 500));
        function.invoke(incoming, InvocationInfo::default())
    });
    let outcomes = futures_util::future::join_all(invocations).await;
    // API Gateway responses: `{"statusCode": …, "headers": {…}, …}`.
    let responses: Vec<Value> = outcomes
        .iter()
        .map(|outcome| match outcome {
            faas::reply::Outcome::Json(json) => serde_json::from_slice(json).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    let statuses: Vec<u64> = responses
        .iter()
        .map(|response| response["statusCode"].as_u64().unwrap())
        .collect();
    assert_eq!(function.executions(), 1, "exactly one execution");
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 1);
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        199,
        "every other is `in progress`: {statuses:?}"
    );
    assert!(
        responses
            .iter()
            .filter(|response| response["statusCode"] == 409)
            .all(|response| response["headers"]["retry-after"].is_string()),
        "409 in progress carries Retry-After"
    );
}

#[tokio::test]
async fn two_instances_sharing_a_store_run_an_order_once() {
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryStore::new());
    let mut a = harness(create_order {}).idempotency_store(Arc::clone(&store));
    let mut b = harness(create_order {}).idempotency_store(Arc::clone(&store));
    let first = a.invoke(order("o-2", 500)).await;
    let second = b.invoke(order("o-2", 500)).await;
    assert_eq!(second.body_json(), first.body_json());
    assert_eq!(a.executions() + b.executions(), 1);
}

#[tokio::test]
async fn a_crashed_invocation_blocks_retries_until_its_lease_ends() {
    let clock = clock();
    let store = Arc::new(MemoryStore::new());
    let mut fx = harness(create_order {})
        .clock(&clock)
        .idempotency_store(store.clone());
    // An invocation with 30 s left claims the key, then its process dies.
    let key = stored_key_of(&mut fx, "o-3").await;
    store
        .claim(&Claim {
            key: key.clone(),
            token: "dead".into(),
            now_ms: clock.now().timestamp_millis(),
            lease_expires_at_ms: clock.now().timestamp_millis() + 30_000,
            expires_at_ms: clock.now().timestamp_millis() + 3_600_000,
            validation: None,
        })
        .await
        .unwrap();

    let blocked = fx.invoke(order("o-3", 500)).await;
    assert_eq!(blocked.status(), Some(409));
    assert_eq!(blocked.header("retry-after").as_deref(), Some("30"));
    assert_eq!(blocked.body_json()["kind"], "in_progress");
    assert_eq!(fx.executions(), 0);

    clock.advance(Duration::from_secs(30));
    let retried = fx.invoke(order("o-3", 500)).await;
    assert_eq!(retried.status(), Some(201));
    let again = fx.invoke(order("o-3", 500)).await;
    assert_eq!(again.body_json(), retried.body_json());
    assert_eq!(fx.executions(), 1, "runs once after the lease");
}

/// The stored key of order `id` in the harness's namespace: what the
/// handler's own key derivation gives.
async fn stored_key_of(fx: &mut faas_testkit::Harness<create_order>, id: &str) -> String {
    faas::idempotency::stored_key(fx.function().name(), json!(id).to_string().as_bytes())
}

#[tokio::test]
async fn the_lease_is_the_remaining_time_and_zero_is_zero() {
    let clock = clock();
    let store = Arc::new(Recording::default());
    let mut fx = harness(create_order {})
        .clock(&clock)
        .idempotency_store(store.clone());
    let info = InvocationInfo::default().with_deadline(clock.now() + chrono::Duration::seconds(7));
    fx.invoke_with(order("o-4", 500), info).await;
    let info = InvocationInfo::default().with_deadline(clock.now() - chrono::Duration::seconds(1));
    fx.invoke_with(order("o-5", 500), info).await;
    fx.invoke(order("o-6", 500)).await;
    let leases: Vec<i64> = store
        .claims()
        .iter()
        .map(|claim| claim.lease_expires_at_ms - claim.now_ms)
        .collect();
    assert_eq!(
        leases,
        [7_000, 0, 15 * 60 * 1000],
        "deadline, passed deadline, none"
    );
}

#[tokio::test]
async fn a_key_reused_with_another_payload_is_a_conflict() {
    let mut fx = harness(create_order {});
    fx.invoke(order("o-7", 500)).await;
    let reused = fx.invoke(order("o-7", 900)).await;
    assert_eq!(reused.status(), Some(409));
    assert_eq!(reused.body_json()["kind"], "conflict");
    let detail = reused.body_json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("different payload"), "{detail}");
    assert!(detail.contains("create_order#"), "names the key: {detail}");
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn a_payload_without_the_key_is_bad_input_unless_bypassed() {
    let mut fx = harness(create_order {});
    let missing = fx
        .invoke(events::http_post("/orders", json!({"amount_cents": 5})))
        .await;
    assert_eq!(missing.status(), Some(400));
    assert!(
        missing.body_json()["detail"]
            .as_str()
            .unwrap()
            .contains("no idempotency key at /order_id"),
        "{}",
        missing.body_json()
    );
    assert_eq!(fx.executions(), 0);

    #[faas::handler(idempotency(key = "/id", missing_key = "bypass"))]
    async fn lenient(payload: Value) -> Result<Value, FunctionError> {
        Ok(payload)
    }
    let mut fx = harness(lenient {});
    let run = fx.invoke(json!({"other": 1})).await;
    assert_eq!(run.wire(), Some(json!({"other": 1})));
    fx.invoke(json!({"other": 1})).await;
    assert_eq!(fx.executions(), 2, "no key, no protection");
    assert!(
        run.logs_containing("running unprotected").next().is_some(),
        "a warning says so"
    );
}

fn is_bad_input(err: &FunctionError) -> bool {
    err.kind() == ErrorKind::BadInput
}

#[faas::handler(idempotency(key = "/order_id", cache_errors = is_bad_input))]
async fn strict(Json(order): Json<Order>) -> Result<String, FunctionError> {
    match order.amount_cents {
        0 => Err(FunctionError::bad_input("amount_cents must be positive")),
        1 => Err(FunctionError::transient("try later")),
        _ => Ok(order.order_id),
    }
}

#[tokio::test]
async fn cacheable_errors_are_replayed_and_others_release_the_key() {
    let mut fx = harness(strict {});
    let rejected = fx.invoke(order("o-8", 0)).await;
    assert_eq!(rejected.status(), Some(400));
    let replayed = fx.invoke(order("o-8", 0)).await;
    assert_eq!(replayed.status(), Some(400));
    assert_eq!(
        replayed.body_json()["detail"],
        rejected.body_json()["detail"]
    );
    assert_eq!(fx.executions(), 1, "a cached error is not run again");

    let transient = fx.invoke(order("o-9", 1)).await;
    assert_eq!(transient.status(), Some(503));
    fx.invoke(order("o-9", 1)).await;
    assert_eq!(fx.executions(), 3, "a transient error releases the key");
}

#[tokio::test]
async fn a_store_outage_fails_closed_as_transient() {
    let mut fx = harness(create_order {}).idempotency_store(Arc::new(Down));
    let res = fx.invoke(order("o-10", 500)).await;
    assert_eq!(res.status(), Some(503));
    assert_eq!(res.body_json()["kind"], "transient");
    assert!(res.header("retry-after").is_some());
    assert_eq!(fx.executions(), 0, "the handler never ran");
}

#[tokio::test]
async fn a_result_too_large_for_the_store_is_a_clear_error_and_releases_the_key() {
    let store = Arc::new(Limited(MemoryStore::new()));
    let mut fx = harness(create_order {}).idempotency_store(store.clone());
    let res = fx.invoke(order("o-11", 500)).await;
    assert_eq!(res.status(), Some(500));
    let logs = format!("{:?}", res.logs());
    assert!(
        logs.contains(
            "the result is 208 bytes, more than the 64 bytes the idempotency store can keep"
        ),
        "the log names the limit: {logs}"
    );
    assert!(store.0.is_empty(), "the record is released");
}

#[faas::handler(batch, idempotency(key = "/job_id"))]
async fn job(message: QueueMessage<Value>) -> Result<(), FunctionError> {
    let _ = message;
    Ok(())
}

#[tokio::test]
async fn batch_records_are_deduplicated_one_by_one() {
    let mut fx = harness(job {});
    let batch = events::sqs()
        .message(json!({"job_id": "j-1"}))
        .message(json!({"job_id": "j-2"}))
        .message(json!({"job_id": "j-1"}));
    let res = fx.invoke(batch).await;
    assert_eq!(res.batch_failures(), Vec::<String>::new());
    assert_eq!(
        fx.executions(),
        2,
        "the duplicate inside the batch is replayed"
    );

    let next = events::sqs()
        .message(json!({"job_id": "j-2"}))
        .message(json!({"job_id": "j-3"}));
    fx.invoke(next).await;
    assert_eq!(fx.executions(), 3, "a duplicate across batches is replayed");
}

#[faas::handler(batch(concurrency = 4), idempotency(key = "/job_id"))]
async fn slow_job(message: QueueMessage<Value>) -> Result<(), FunctionError> {
    let _ = message;
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}

#[tokio::test]
async fn a_concurrent_duplicate_inside_a_batch_is_reported_for_redelivery() {
    let mut fx = harness(slow_job {});
    let batch = events::sqs()
        .message(json!({"job_id": "j-1"}))
        .message(json!({"job_id": "j-1"}));
    let ids = batch.message_ids();
    let res = fx.invoke(batch).await;
    assert_eq!(
        res.batch_failures(),
        [ids[1].clone()],
        "in progress: retried later"
    );
    assert_eq!(fx.executions(), 1);
}

#[faas::handler(idempotency(key = "/order_id", local_cache = 10))]
async fn cached(Json(order): Json<Order>) -> Result<String, FunctionError> {
    Ok(order.order_id)
}

#[tokio::test]
async fn the_local_cache_answers_duplicates_without_the_store() {
    let store = Arc::new(Recording::default());
    let mut fx = harness(cached {}).idempotency_store(store.clone());
    fx.invoke(order("o-12", 1)).await;
    let again = fx.invoke(order("o-12", 1)).await;
    assert!(again.wire().is_some());
    assert_eq!(
        store.claims().len(),
        1,
        "the duplicate never reached the store"
    );
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn a_stale_invocation_does_not_overwrite_the_record_that_took_over() {
    let clock = clock();
    let store = Arc::new(MemoryStore::new());
    let state = Stale {
        clock: clock.clone(),
        store: store.clone(),
    };
    let mut fx = harness(stale {})
        .with_state(state)
        .clock(&clock)
        .idempotency_store(store.clone());
    let info = InvocationInfo::default().with_deadline(clock.now() + chrono::Duration::seconds(5));
    let res = fx.invoke_with(json!({"id": "s-1"}), info).await;
    assert_eq!(
        res.wire(),
        Some(json!("stale result")),
        "its caller still gets it"
    );
    assert!(res.logs_containing("taken over").next().is_some());
    // The newer claim's record stands: a duplicate is told it is in progress.
    let duplicate = fx.invoke(json!({"id": "s-1"})).await;
    assert_eq!(
        duplicate.error().map(|err| err.kind()),
        Some(ErrorKind::InProgress)
    );
}

struct Stale {
    clock: FakeClock,
    store: Arc<MemoryStore>,
}

/// Runs past its lease; meanwhile a retry takes the key over.
#[faas::handler(idempotency(key = "/id"))]
async fn stale(payload: Value, state: &Stale, ctx: &Context) -> Result<String, FunctionError> {
    state.clock.advance(Duration::from_secs(6));
    let now = state.clock.now().timestamp_millis();
    let key =
        faas::idempotency::stored_key(ctx.function_name(), payload["id"].to_string().as_bytes());
    let takeover = Claim {
        key,
        token: "newer".into(),
        now_ms: now,
        lease_expires_at_ms: now + 60_000,
        expires_at_ms: now + 3_600_000,
        validation: None,
    };
    assert_eq!(state.store.claim(&takeover).await.unwrap(), Claimed::New);
    Ok("stale result".into())
}

/// Always down.
#[derive(Debug)]
struct Down;

#[async_trait]
impl IdempotencyStore for Down {
    async fn claim(&self, _: &Claim) -> Result<Claimed, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    async fn complete(&self, _: &Completion) -> Result<(), StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    async fn release(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
}

/// A memory store that keeps results of at most 64 bytes.
#[derive(Debug)]
struct Limited(MemoryStore);

#[async_trait]
impl IdempotencyStore for Limited {
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
        self.0.claim(claim).await
    }
    async fn complete(&self, completion: &Completion) -> Result<(), StoreError> {
        self.0.complete(completion).await
    }
    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
        self.0.release(key, token).await
    }
    fn max_data_len(&self) -> Option<usize> {
        Some(64)
    }
}

/// A memory store that records the claims it receives.
#[derive(Debug, Default)]
struct Recording {
    store: MemoryStore,
    claims: std::sync::Mutex<Vec<Claim>>,
}

impl Recording {
    fn claims(&self) -> Vec<Claim> {
        self.claims.lock().unwrap().clone()
    }
}

#[async_trait]
impl IdempotencyStore for Recording {
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
        self.claims.lock().unwrap().push(claim.clone());
        self.store.claim(claim).await
    }
    async fn complete(&self, completion: &Completion) -> Result<(), StoreError> {
        self.store.complete(completion).await
    }
    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
        self.store.release(key, token).await
    }
}
