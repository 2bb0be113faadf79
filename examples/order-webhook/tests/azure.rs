//! The Azure Functions layout in `azure/`, checked, and the built binary run
//! the way the Functions host runs it: started with
//! `FUNCTIONS_CUSTOMHANDLER_PORT`, probed with `GET /` until it answers,
//! called as `host.json` and `orders/function.json` configure it, and
//! stopped with SIGTERM.

use std::path::PathBuf;
use std::time::Duration;

use faas_testkit::events::{self, AzureCustomHandler};
use serde_json::{Value, json};

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("azure")
}

fn read(file: &str) -> Value {
    let text = std::fs::read_to_string(app_dir().join(file))
        .unwrap_or_else(|err| panic!("azure/{file}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("azure/{file}: {err}"))
}

/// The `orders` function's trigger binding and `http` output binding.
fn bindings() -> (Value, Value) {
    let function = read("orders/function.json");
    let bindings = function["bindings"].as_array().cloned().unwrap_or_default();
    let inputs: Vec<&Value> = bindings.iter().filter(|b| b["direction"] == "in").collect();
    assert_eq!(
        inputs.len(),
        1,
        "a faas function takes its trigger alone: {bindings:?}"
    );
    let output = bindings
        .iter()
        .find(|b| b["direction"] == "out")
        .cloned()
        .unwrap_or_default();
    (inputs[0].clone(), output)
}

#[test]
fn the_layout_runs_this_binary_and_routes_post_api_orders_to_it() {
    let host = read("host.json");
    assert_eq!(host["version"], "2.0");
    let handler = &host["customHandler"];
    assert_eq!(
        handler["description"]["defaultExecutablePath"],
        "order-webhook"
    );
    assert_eq!(handler["enableForwardingHttpRequest"], true);
    let (trigger, output) = bindings();
    assert_eq!(trigger["type"], "httpTrigger");
    assert_eq!(trigger["methods"], json!(["post"]));
    assert_eq!(trigger["route"], "orders");
    // Without forwarding, faas answers in `Outputs.res` and `ReturnValue`.
    assert_eq!(
        (output["type"].as_str(), output["name"].as_str()),
        (Some("http"), Some("res"))
    );
    let settings = read("local.settings.json");
    assert_eq!(settings["Values"]["FUNCTIONS_WORKER_RUNTIME"], "custom");
}

#[tokio::test]
async fn the_binary_serves_the_functions_host() {
    // Started in the app's folder with `FUNCTIONS_CUSTOMHANDLER_PORT`, and ready
    // once it answers the host's `GET /` probe.
    let handler = AzureCustomHandler::start(env!("CARGO_BIN_EXE_order-webhook"), app_dir())
        .await
        .unwrap();
    let addr = handler.addr();

    // `enableForwardingHttpRequest`: the client's request, at its own path.
    let (trigger, _) = bindings();
    let path = format!("/api/{}", trigger["route"].as_str().unwrap_or_default());
    let order = json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"});
    let reply = events::azure_http("POST", &path)
        .json(order.clone())
        .forwarded()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["status"], "created");
    let invalid = events::azure_http("POST", &path)
        .json(json!({"order_id": "o-2", "amount_cents": 0, "currency": "EUR"}))
        .forwarded()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.json()["violations"][0]["pointer"], "/amount_cents");

    // With forwarding off the host posts the request payload to `/orders`.
    let binding = trigger["name"].as_str().unwrap_or_default();
    let reply = events::azure_http("POST", &path)
        .function("orders")
        .binding(binding)
        .json(order)
        .host_request()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{reply:?}");
    let res = &reply.json()["Outputs"]["res"];
    assert_eq!(res["statusCode"], 201);
    let receipt: Value = serde_json::from_str(res["body"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(receipt["order_id"], "o-1");

    let (status, logs) = handler.stop(Duration::from_secs(20)).await.unwrap();
    assert!(status.success(), "{status}\n{logs}");
    let started = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["fields"]["message"] == "starting")
        .unwrap_or_else(|| panic!("no start log line in:\n{logs}"));
    assert_eq!(started["fields"]["platform"], "azure");
}

#[tokio::test]
async fn the_binary_checks_the_api_key_for_the_functions_host() {
    const KEY: &str = "k-azure-shop-secret";
    let settings = [("ORDERS_API_KEY", KEY)];
    let handler = AzureCustomHandler::start_with_env(
        env!("CARGO_BIN_EXE_order-webhook"),
        app_dir(),
        &settings,
    )
    .await
    .unwrap();
    let addr = handler.addr();
    let (trigger, _) = bindings();
    let path = format!("/api/{}", trigger["route"].as_str().unwrap_or_default());
    let binding = trigger["name"].as_str().unwrap_or_default();
    let order = json!({"order_id": "o-key", "amount_cents": 1250, "currency": "EUR"});

    // Forwarded requests, without and with a wrong key.
    for key in [None, Some("guess")] {
        let mut request = events::azure_http("POST", &path).json(order.clone());
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let reply = request.forwarded().send(addr).await.unwrap();
        assert_eq!(reply.status, 401, "{key:?}: {reply:?}");
        assert_eq!(reply.json()["kind"], "unauthorized");
    }
    // The host's request payload, without the key: the `res` output is the 401.
    let reply = events::azure_http("POST", &path)
        .function("orders")
        .binding(binding)
        .json(order.clone())
        .host_request()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(
        reply.json()["Outputs"]["res"]["statusCode"],
        401,
        "{reply:?}"
    );
    // With the key: created, and not a replay of anything refused before.
    let reply = events::azure_http("POST", &path)
        .function("orders")
        .binding(binding)
        .json(order)
        .header("x-api-key", KEY)
        .host_request()
        .send(addr)
        .await
        .unwrap();
    let res = &reply.json()["Outputs"]["res"];
    assert_eq!(res["statusCode"], 201, "{reply:?}");
    assert!(res["headers"].get("idempotent-replayed").is_none(), "{res}");

    let (status, logs) = handler.stop(Duration::from_secs(20)).await.unwrap();
    assert!(status.success(), "{status}\n{logs}");
    assert!(!logs.contains(KEY), "the key is in the logs");
}
