//! Two `order-webhook` processes sharing one idempotency store, as two
//! instances of a deployed function do: an order posted 200 times at once,
//! half to each, is created exactly once. Against a real `redis-server` and
//! a real DynamoDB-compatible server (moto), started here.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use faas_testkit::local::send;
use faas_testkit::process::Spawned;
use faas_testkit::servers::moto::MotoServer;
use faas_testkit::servers::redis::RedisServer;
use faas_testkit::tools::free_port;
use tokio::task::JoinSet;

/// How often one order is posted.
const DELIVERIES: usize = 200;

/// An `order-webhook` on the local server, with its store and environment.
async fn instance(store: &str, env: &[(String, String)]) -> (Spawned, SocketAddr) {
    Spawned::serving(
        Command::new(env!("CARGO_BIN_EXE_order-webhook"))
            .env("FAAS_PLATFORM", "local")
            .env("FAAS_IDEMPOTENCY_STORE", store)
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(name, value)| (name, value))),
        Duration::from_secs(30),
    )
    .await
    .unwrap_or_else(|err| panic!("order-webhook does not serve: {err}"))
}

/// Posts the order until it gets a `201` (a `409` in progress is retried,
/// as the shop's client would after `Retry-After`); the receipt's
/// `execution_id`.
async fn deliver(addr: SocketAddr) -> String {
    let body = br#"{"order_id":"o-twice","amount_cents":1250,"currency":"EUR"}"#;
    for _ in 0..100 {
        let reply = send(
            addr,
            "POST",
            "/orders",
            &[("content-type", "application/json")],
            body,
        )
        .await
        .expect("the instance answers");
        match reply.status {
            201 => {
                let receipt = reply.json();
                return receipt["execution_id"]
                    .as_str()
                    .expect("a receipt")
                    .to_owned();
            }
            409 => {
                assert_eq!(reply.json()["kind"], "in_progress", "{}", reply.json());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            status => panic!("{status}: {}", String::from_utf8_lossy(&reply.body)),
        }
    }
    panic!("the order stayed in progress")
}

/// Delivers the order [`DELIVERIES`] times, alternating between the two
/// instances, all at once; the distinct `execution_id`s in the receipts.
async fn deliver_to_both(a: SocketAddr, b: SocketAddr) -> HashSet<String> {
    let mut deliveries = JoinSet::new();
    for n in 0..DELIVERIES {
        deliveries.spawn(deliver(if n % 2 == 0 { a } else { b }));
    }
    let mut executions = HashSet::new();
    while let Some(execution_id) = deliveries.join_next().await {
        executions.insert(execution_id.expect("no delivery panicked"));
    }
    executions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_redis_create_an_order_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (_a, a) = instance(&redis.url(), &[]).await;
    let (_b, b) = instance(&redis.url(), &[]).await;
    let executions = deliver_to_both(a, b).await;
    assert_eq!(executions.len(), 1, "one execution: {executions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_dynamodb_create_an_order_once() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let env = moto.env();
    // The first instance creates the table; the second finds it.
    let (_a, a) = instance("dynamodb://orders-idempotency?create_table=true", &env).await;
    let (_b, b) = instance("dynamodb://orders-idempotency", &env).await;
    let executions = deliver_to_both(a, b).await;
    assert_eq!(executions.len(), 1, "one execution: {executions:?}");
}

#[tokio::test]
async fn an_unreachable_store_stops_the_instance_at_start_up() {
    let port = free_port();
    let output = Command::new(env!("CARGO_BIN_EXE_order-webhook"))
        .env("PORT", free_port().to_string())
        .env("FAAS_PLATFORM", "local")
        .env(
            "FAAS_IDEMPOTENCY_STORE",
            format!("redis://127.0.0.1:{port}"),
        )
        .output()
        .expect("order-webhook runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open the idempotency store (FAAS_IDEMPOTENCY_STORE)"),
        "{stderr}"
    );
}
