//! `cargo run -p order-webhook`, end to end: the built binary on the local
//! development server, called over real HTTP.

use std::process::Command;
use std::time::Duration;

use faas_testkit::local::send;
use faas_testkit::process::Spawned;

#[tokio::test]
async fn the_binary_serves_orders_on_the_local_server() {
    let (_binary, addr) = Spawned::serving(
        Command::new(env!("CARGO_BIN_EXE_order-webhook")).env("FAAS_PLATFORM", "local"),
        Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|err| panic!("order-webhook does not serve: {err}"));

    let body = br#"{"order_id":"o-7","amount_cents":990,"currency":"USD"}"#;
    let reply = send(
        addr,
        "POST",
        "/orders",
        &[("content-type", "application/json")],
        body,
    )
    .await
    .unwrap();
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["order_id"], "o-7");
    assert!(reply.header("x-request-id").is_some());

    let bad = br#"{"order_id":"o-8","amount_cents":0,"currency":"usd"}"#;
    let reply = send(addr, "POST", "/orders", &[], bad).await.unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.json()["violations"].as_array().unwrap().len(), 2);
}
