//! The `x-api-key` check in front of the webhook: in process through the
//! production pipeline, then the built binary on the local development
//! server and on the HTTP platform (AWS Lambda and Azure are in
//! `lambda.rs` and `azure.rs`). A refused request never runs the
//! function, never claims the order's idempotency key, and never sees the
//! key echoed back.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use faas::Config;
use faas_testkit::events::{self, HttpFormat};
use faas_testkit::harness;
use faas_testkit::local::{HttpReply, send};
use faas_testkit::process::Spawned;
use order_webhook::{api_key_check, create_order};
use serde_json::{Value, json};

const KEY: &str = "k-7f3a-shop-secret";

fn order(id: &str) -> Value {
    json!({"order_id": id, "amount_cents": 1250, "currency": "EUR"})
}

fn with_key() -> Config {
    Config::from_pairs([("ORDERS_API_KEY", KEY)])
}

#[tokio::test]
async fn without_the_setting_every_request_passes() {
    for config in [
        Config::default(),
        Config::from_pairs([("ORDERS_API_KEY", "")]),
    ] {
        let mut fx = harness(create_order {}).layer(api_key_check(&config));
        let res = fx.invoke(events::http_post("/orders", order("o-1"))).await;
        assert_eq!(res.status(), Some(201));
    }
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_a_401_before_anything_runs() {
    let mut fx = harness(create_order {}).layer(api_key_check(&with_key()));
    for format in [
        HttpFormat::ApiGatewayRest,
        HttpFormat::ApiGatewayHttp,
        HttpFormat::FunctionUrl,
        HttpFormat::Alb,
    ] {
        let missing = events::http_post("/orders", order("o-1")).format(format);
        let wrong = events::http_post("/orders", order("o-1"))
            .format(format)
            .header("x-api-key", "guess");
        for event in [missing, wrong] {
            let res = fx.invoke(event).await;
            assert_eq!(res.status(), Some(401), "{format:?}");
            assert_eq!(
                res.header("content-type").as_deref(),
                Some("application/problem+json")
            );
            let problem = res.body_json();
            assert_eq!(problem["kind"], "unauthorized");
            assert!(!problem.to_string().contains(KEY), "{problem}");
            assert!(
                res.logs()
                    .iter()
                    .all(|line| !line.to_string().contains(KEY)),
                "the key is in a log line"
            );
        }
    }
    // Before validation: an invalid order without the key is refused as unauthorized.
    let invalid = json!({"order_id": "o-2", "amount_cents": 0, "currency": "eur"});
    let res = fx.invoke(events::http_post("/orders", invalid)).await;
    assert_eq!(res.status(), Some(401));
    assert_eq!(fx.executions(), 0);
}

#[tokio::test]
async fn a_refused_request_claims_no_idempotency_key() {
    let mut fx = harness(create_order {}).layer(api_key_check(&with_key()));
    let refused = fx
        .invoke(events::http_post("/orders", order("o-3")).header("x-api-key", "guess"))
        .await;
    assert_eq!(refused.status(), Some(401));

    let event = events::http_post("/orders", order("o-3")).header("x-api-key", KEY);
    let created = fx.invoke(&event).await;
    assert_eq!(created.status(), Some(201));
    assert_eq!(
        created.header("idempotent-replayed"),
        None,
        "the first accepted delivery runs"
    );
    let again = fx.invoke(&event).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body_json(), created.body_json());
    assert_eq!(fx.executions(), 1);
}

/// The built binary with `ORDERS_API_KEY` set, on `platform`.
async fn binary(platform: &str) -> (Spawned, SocketAddr) {
    Spawned::serving(
        Command::new(env!("CARGO_BIN_EXE_order-webhook"))
            .env("FAAS_PLATFORM", platform)
            .env("ORDERS_API_KEY", KEY),
        Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|err| panic!("order-webhook does not serve on {platform}: {err}"))
}

async fn post(addr: SocketAddr, key: Option<&str>, body: &Value) -> HttpReply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(key) = key {
        headers.push(("x-api-key", key));
    }
    send(
        addr,
        "POST",
        "/orders",
        &headers,
        body.to_string().as_bytes(),
    )
    .await
    .unwrap_or_else(|err| panic!("no answer from {addr}: {err}"))
}

#[tokio::test]
async fn the_binary_checks_the_key_on_the_local_server_and_the_http_platform() {
    for platform in ["local", "http"] {
        let (process, addr) = binary(platform).await;
        for key in [None, Some("guess")] {
            let refused = post(addr, key, &order("o-4")).await;
            assert_eq!(refused.status, 401, "{platform} {key:?}: {refused:?}");
            assert_eq!(
                refused.header("content-type"),
                Some("application/problem+json")
            );
            assert_eq!(refused.json()["kind"], "unauthorized");
        }
        let created = post(addr, Some(KEY), &order("o-4")).await;
        assert_eq!(created.status, 201, "{platform}: {created:?}");
        assert_eq!(
            created.header("idempotent-replayed"),
            None,
            "{platform}: the refused deliveries claimed the key"
        );
        assert_eq!(created.json()["order_id"], "o-4");
        assert!(
            !process.stderr().contains(KEY),
            "{platform}: the key is in the logs"
        );
    }
}
