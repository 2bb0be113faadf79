//! The built webhook on AWS Lambda's Runtime API, as cargo-lambda's emulator
//! (`cargo lambda watch --only-lambda-apis`) serves it: API Gateway HTTP API
//! and Function URL events through the Invoke API, and plain HTTP through
//! the emulator's Function URL.

use std::process::Command;

use faas_testkit::events::{self, HttpFormat};
use faas_testkit::process::Spawned;
use faas_testkit::runtime_api::CargoLambda;
use serde_json::{Value, json};

const FUNCTION: &str = "order-webhook";

/// The body of a gateway response payload, parsed.
fn body(payload: &Value) -> Value {
    let text = payload["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no body in {payload}"));
    serde_json::from_str(text).unwrap()
}

/// The emulator, and the built webhook serving it with `env` set too;
/// `None` when cargo-lambda is not installed (outside CI).
async fn under_cargo_lambda(env: &[(&str, &str)]) -> Option<(CargoLambda, Spawned)> {
    let emulator = CargoLambda::start(env!("CARGO_MANIFEST_DIR"))
        .await
        .unwrap()?;
    let function = Spawned::start(
        Command::new(env!("CARGO_BIN_EXE_order-webhook"))
            .env_remove("FAAS_PLATFORM")
            .envs(env.iter().copied())
            .envs(emulator.env(FUNCTION)),
    )
    .unwrap();
    Some((emulator, function))
}

/// What the function and the emulator logged, for failure messages.
fn logs(emulator: &CargoLambda, function: &Spawned) -> String {
    format!(
        "function:\n{}\nemulator:\n{}",
        function.stderr(),
        emulator.logs()
    )
}

#[tokio::test]
async fn the_webhook_answers_gateway_events_under_cargo_lambda() {
    let Some((emulator, function)) = under_cargo_lambda(&[]).await else {
        return;
    };
    let logs = || logs(&emulator, &function);
    let order = json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"});

    for format in [HttpFormat::ApiGatewayHttp, HttpFormat::FunctionUrl] {
        let event = events::http_post("/orders", order.clone()).format(format);
        let reply = emulator.invoke(FUNCTION, event).await.unwrap();
        assert_eq!(reply.status, 200, "{format:?}: {reply:?}\n{}", logs());
        let payload = reply.json();
        assert_eq!(payload["statusCode"], 201, "{format:?}: {payload}");
        assert_eq!(payload["headers"]["content-type"], "application/json");
        let receipt = body(&payload);
        assert_eq!(receipt["order_id"], "o-1");
        assert_eq!(receipt["status"], "created");
    }

    let bad = json!({"order_id": "o-2", "amount_cents": 0, "currency": "eur"});
    let event = events::http_post("/orders", bad).format(HttpFormat::ApiGatewayHttp);
    let reply = emulator.invoke(FUNCTION, event).await.unwrap();
    let payload = reply.json();
    assert_eq!(payload["statusCode"], 400, "{payload}\n{}", logs());
    assert_eq!(
        payload["headers"]["content-type"],
        "application/problem+json"
    );
    let problem = body(&payload);
    assert_eq!(problem["kind"], "bad_input");
    // `amount_cents` below 1 and a lower-case `currency`.
    assert_eq!(
        problem["violations"].as_array().map(Vec::len),
        Some(2),
        "{problem}"
    );

    // Plain HTTP: the emulator builds the Function URL event and reads the
    // response back, so every field of the 2.0 response shape must be right.
    let created = emulator
        .function_url(
            FUNCTION,
            "POST",
            "/orders",
            &[("content-type", "application/json")],
            order.to_string().as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201, "{created:?}\n{}", logs());
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.json()["order_id"], "o-1");
    let rejected = emulator
        .function_url(FUNCTION, "POST", "/orders", &[], b"not json")
        .await
        .unwrap();
    assert_eq!(rejected.status, 400, "{rejected:?}");
    assert_eq!(
        rejected.header("content-type"),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn the_webhook_checks_the_api_key_under_cargo_lambda() {
    const KEY: &str = "k-lambda-shop-secret";
    let Some((emulator, function)) = under_cargo_lambda(&[("ORDERS_API_KEY", KEY)]).await else {
        return;
    };
    let logs = || logs(&emulator, &function);
    let order = json!({"order_id": "o-key", "amount_cents": 1250, "currency": "EUR"});

    for key in [None, Some("guess")] {
        let mut event =
            events::http_post("/orders", order.clone()).format(HttpFormat::ApiGatewayHttp);
        if let Some(key) = key {
            event = event.header("x-api-key", key);
        }
        let payload = emulator.invoke(FUNCTION, event).await.unwrap().json();
        assert_eq!(payload["statusCode"], 401, "{key:?}: {payload}\n{}", logs());
        assert_eq!(body(&payload)["kind"], "unauthorized");
    }
    let event = events::http_post("/orders", order)
        .format(HttpFormat::ApiGatewayHttp)
        .header("x-api-key", KEY);
    let payload = emulator.invoke(FUNCTION, event).await.unwrap().json();
    assert_eq!(payload["statusCode"], 201, "{payload}\n{}", logs());
    assert!(
        payload["headers"].get("idempotent-replayed").is_none(),
        "the refused invocations claimed the key: {payload}"
    );
    assert!(!function.stderr().contains(KEY), "the key is in the logs");
}
