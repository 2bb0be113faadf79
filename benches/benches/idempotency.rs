//! `idempotency`: what idempotency costs on real stores.
//!
//! - **Redis**: an idempotent invocation (`Function::invoke` of a handler
//!   with `idempotency(key = "/order_id")` on a `RedisStore`: claim script,
//!   handler, completion script) against the floor of the same client
//!   doing the bare pair an idempotency layer cannot do without,
//!   `SET key NX PX` then `SET key result PX`, on a real `redis-server` on
//!   loopback. Every iteration uses a fresh key, so every invocation runs
//!   the handler. Interleaved rounds; median per-round ratio (goal ≤ 1.15×).
//!   A second line times the store alone (`claim` + `complete` of a fresh
//!   key, no function around them) against the same floor, to tell the
//!   store's scripts from the SDK's per-invocation work.
//! - **DynamoDB**: requests the store sends (counted by
//!   `DynamoDbStore::requests`) per fresh invocation and per duplicate, on
//!   a real moto server (goal 2 and 1).
//!
//! ```text
//! cargo bench -p faas-benches --bench idempotency             # 31 rounds
//! cargo bench -p faas-benches --bench idempotency -- --quick  # 11 rounds
//! ```

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use faas::idempotency::{DynamoDbStore, IdempotencyStore, RedisStore};
use faas::prelude::*;
use faas::reply::Outcome;
use faas::wire::Incoming;
use faas::{Function, InvocationInfo};
use faas_benches::Mode;
use faas_benches::compare::{Side, format_ns, interleave};
use faas_testkit::servers::moto::MotoServer;
use faas_testkit::servers::redis::RedisServer;
use serde_json::json;
use tokio::runtime::Runtime;

#[derive(Deserialize)]
struct Order {
    order_id: String,
}

/// The handler both stores protect: answers with a small receipt.
#[faas::handler(idempotency(key = "/order_id"))]
async fn create_order(order: Order) -> Result<serde_json::Value, FunctionError> {
    Ok(json!({"order_id": order.order_id, "status": "created"}))
}

/// A fresh order id per call.
fn next_order(counter: &AtomicU64) -> Incoming {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    Incoming::from(json!({"order_id": format!("o-{n}"), "amount_cents": 1250}))
}

/// Nanoseconds per call of `call`, over `iterations` calls on `rt`.
fn per_call<F: Future>(rt: &Runtime, iterations: u32, mut call: impl FnMut() -> F) -> f64 {
    let started = Instant::now();
    rt.block_on(async {
        for _ in 0..iterations {
            call().await;
        }
    });
    started.elapsed().as_nanos() as f64 / f64::from(iterations)
}

fn redis(rt: &Runtime, rounds: usize, iterations: u32) -> Vec<String> {
    let Some(server) = RedisServer::start() else {
        return vec!["idempotency/redis: skipped (no redis-server)".to_owned()];
    };
    let store = Arc::new(
        rt.block_on(RedisStore::connect(&server.url()))
            .expect("the store connects"),
    );
    let function = Function::builder(create_order {})
        .idempotency_store(Arc::clone(&store) as Arc<dyn IdempotencyStore>)
        .build()
        .expect("the function builds");
    let client = redis::Client::open(server.url()).expect("a redis URL");
    // The connection type `RedisStore` uses.
    let connection = rt
        .block_on(redis::aio::ConnectionManager::new(client))
        .expect("the baseline connects");
    let counter = AtomicU64::new(0);

    // The SDK: a whole idempotent invocation of a fresh order.
    let invocation = || {
        per_call(rt, iterations, || async {
            let outcome = function
                .invoke(next_order(&counter), InvocationInfo::default())
                .await;
            assert!(matches!(outcome, Outcome::Json(_)), "{outcome:?}");
        })
    };
    // The store alone: the claim and completion scripts of a fresh key.
    let store_only = || {
        per_call(rt, iterations, || async {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let claim = faas_testkit::idempotency::claim(&format!("store#{n}"), "t", 0);
            store.claim(&claim).await.expect("claim");
            let completion = faas_testkit::idempotency::completion(&claim, RESULT);
            store.complete(&completion).await.expect("complete");
        })
    };
    // The floor: the bare pair any idempotency needs.
    let bare_pair = || {
        per_call(rt, iterations, || {
            let mut connection = connection.clone();
            let key = format!("bare#{}", counter.fetch_add(1, Ordering::Relaxed));
            async move {
                let claimed: Option<String> = redis::cmd("SET")
                    .arg(&key)
                    .arg("INPROGRESS")
                    .arg("NX")
                    .arg("PX")
                    .arg(60_000)
                    .query_async(&mut connection)
                    .await
                    .expect("SET NX");
                assert!(claimed.is_some());
                let _: () = redis::cmd("SET")
                    .arg(&key)
                    .arg(RESULT)
                    .arg("PX")
                    .arg(3_600_000)
                    .query_async(&mut connection)
                    .await
                    .expect("SET");
            }
        })
    };
    // Warm everything (connections, the script cache).
    invocation();
    store_only();
    bare_pair();
    let lines = [
        ("idempotency/redis", &invocation as &dyn Fn() -> f64),
        ("idempotency/redis/store-only", &store_only),
    ]
    .map(|(name, faas)| {
        interleave(rounds, |side| match side {
            Side::Faas => faas(),
            Side::Baseline => bare_pair(),
        })
        .line(name, format_ns)
    });
    assert_eq!(
        function.executions(),
        u64::from(iterations) * (rounds as u64 + 1),
        "every fresh invocation ran once"
    );
    lines.into()
}

/// The result both sides store.
const RESULT: &str = r#"{"order_id":"o","status":"created"}"#;

fn dynamodb(rt: &Runtime) -> String {
    let Some(server) = MotoServer::start() else {
        return "idempotency/dynamodb: skipped (no moto_server)".to_owned();
    };
    for (name, value) in server.env() {
        // SAFETY: single-threaded here: the runtime's workers are idle and
        // nothing else reads the environment concurrently.
        unsafe { std::env::set_var(name, value) };
    }
    let store = rt.block_on(async {
        let store = DynamoDbStore::from_env("idempotency")
            .await
            .expect("the store opens");
        store.create_table().await.expect("the table is created");
        Arc::new(store)
    });
    let function = Function::builder(create_order {})
        .idempotency_store(Arc::clone(&store) as Arc<dyn IdempotencyStore>)
        .build()
        .expect("the function builds");
    let requests = |incoming: Incoming| {
        let before = store.requests();
        rt.block_on(function.invoke(incoming, InvocationInfo::default()));
        store.requests() - before
    };
    let event = || Incoming::from(json!({"order_id": "o-dynamo", "amount_cents": 1250}));
    let fresh = requests(event());
    let duplicate = requests(event());
    assert_eq!(function.executions(), 1);
    format!(
        "idempotency/dynamodb: {fresh} requests per fresh invocation, {duplicate} per duplicate (goal 2 and 1)"
    )
}

fn main() {
    let mode = Mode::from_args();
    if !mode.measures("idempotency") {
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let rounds = mode.pick(11, 31);
    let mut lines = redis(&rt, rounds, 200);
    lines.push(dynamodb(&rt));
    println!(
        "\nidempotent invocation on Redis vs bare `SET NX PX` + `SET`, loopback, 200 fresh keys a round, \
         {rounds} interleaved rounds (median; goal ≤ 1.15×); DynamoDB requests on moto:"
    );
    for line in lines {
        println!("{line}");
    }
}
