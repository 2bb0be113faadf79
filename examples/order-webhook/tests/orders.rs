//! The order webhook through the production pipeline: every gateway format,
//! the schema's rules, and the answers a shop sees.

use faas_testkit::events::{self, HttpFormat};
use std::time::Duration;

use faas_testkit::{FakeClock, harness};
use order_webhook::{Receipt, create_order};
use serde_json::{Value, json};

fn order() -> Value {
    json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"})
}

#[tokio::test]
async fn a_valid_order_is_created_with_201_and_a_receipt() {
    let mut fx = harness(create_order {});
    let res = fx.invoke(events::http_post("/orders", order())).await;
    assert_eq!(res.status(), Some(201));
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json")
    );
    let receipt: Receipt = serde_json::from_value(res.body_json()).unwrap();
    assert_eq!(receipt.order_id, "o-1");
    assert_eq!(receipt.status, "created");
    assert!(
        uuid::Uuid::parse_str(&receipt.execution_id).is_ok(),
        "{}",
        receipt.execution_id
    );
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn a_redelivered_order_is_created_once_until_the_ttl_ends() {
    let clock = FakeClock::at("2026-01-01T00:00:00Z");
    let mut fx = harness(create_order {}).clock(&clock);
    let event = events::http_post("/orders", order());
    let first = fx.invoke(&event).await;
    let again = fx.invoke(&event).await;
    assert_eq!(again.status(), Some(201));
    assert_eq!(
        again.body_json(),
        first.body_json(),
        "the first receipt, replayed"
    );
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(fx.executions(), 1);

    clock.advance(Duration::from_secs(24 * 3600)); // the ttl
    let later = fx.invoke(&event).await;
    assert_ne!(
        later.body_json()["execution_id"],
        first.body_json()["execution_id"]
    );
    assert_eq!(fx.executions(), 2);
}

#[tokio::test]
async fn an_order_id_reused_for_another_amount_is_a_conflict() {
    let mut fx = harness(create_order {});
    fx.invoke(events::http_post("/orders", order())).await;
    let mut changed = order();
    changed["amount_cents"] = json!(9999);
    let res = fx.invoke(events::http_post("/orders", changed)).await;
    assert_eq!(res.status(), Some(409));
    assert_eq!(res.body_json()["kind"], "conflict");
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn every_gateway_format_gets_the_same_answer_in_its_own_shape() {
    for format in [
        HttpFormat::ApiGatewayRest,
        HttpFormat::ApiGatewayHttp,
        HttpFormat::FunctionUrl,
        HttpFormat::Alb,
        HttpFormat::AlbMultiValue,
    ] {
        let res = harness(create_order {})
            .invoke(events::http_post("/orders", order()).format(format))
            .await;
        assert_eq!(res.status(), Some(201), "{format:?}");
        assert_eq!(res.body_json()["status"], "created", "{format:?}");
        let wire = res.wire().unwrap();
        match format {
            HttpFormat::ApiGatewayRest => {
                assert!(wire["multiValueHeaders"]["content-type"].is_array())
            }
            HttpFormat::ApiGatewayHttp | HttpFormat::FunctionUrl => {
                assert!(wire["cookies"].is_array())
            }
            HttpFormat::Alb => assert_eq!(wire["statusDescription"], "201 Created"),
            _ => assert!(wire["multiValueHeaders"].is_object(), "{format:?}: {wire}"),
        }
    }
}

#[tokio::test]
async fn an_invalid_order_is_a_400_listing_every_violation_and_never_runs() {
    let mut fx = harness(create_order {});
    let bad = json!({"amount_cents": 0, "currency": "eur"});
    let res = fx.invoke(events::http_post("/orders", bad)).await;
    assert_eq!(res.status(), Some(400));
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let problem = res.body_json();
    assert_eq!(problem["kind"], "bad_input");
    assert_eq!(problem["status"], 400);
    assert!(
        problem["detail"].as_str().unwrap().contains("version 1"),
        "{problem}"
    );
    let mut pointers: Vec<&str> = problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    pointers.sort_unstable();
    assert_eq!(pointers, ["", "/amount_cents", "/currency"], "{problem}");
    assert_eq!(fx.executions(), 0);
}

#[tokio::test]
async fn bodies_that_are_not_orders_are_400_not_500() {
    let cases = [
        events::http("POST", "/orders").text_body("not json"),
        events::http("POST", "/orders"),
        events::http_post("/orders", json!([1, 2, 3])),
        events::http_post(
            "/orders",
            json!({"order_id": 7, "amount_cents": "12", "currency": "EUR"}),
        ),
        events::http_post(
            "/orders",
            json!({"order_id": "o", "amount_cents": -5, "currency": "EURO"}),
        ),
    ];
    for event in cases {
        let res = harness(create_order {}).invoke(&event).await;
        assert_eq!(res.status(), Some(400), "{:?}", event.build());
        assert!(!res.body_json()["violations"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_invocation_is_logged_once_with_its_outcome_and_cold_start() {
    let mut fx = harness(create_order {});
    let res = fx
        .invoke(events::http_post("/orders", order()).header("x-correlation-id", "shop-42"))
        .await;
    let finished: Vec<_> = res.logs_containing("invocation finished").collect();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].field("cold_start"), Some("true"));
    assert_eq!(finished[0].field("status"), Some("201"));
    let created = res.logs_containing("order created").next().unwrap();
    assert_eq!(created.field("correlation_id"), Some("shop-42"));
    let res = fx.invoke(events::http_post("/orders", order())).await;
    assert_eq!(
        res.logs_containing("invocation finished")
            .next()
            .unwrap()
            .field("cold_start"),
        Some("false")
    );
}
