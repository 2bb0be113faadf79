//! The Azure Functions layout in `azure/`, checked, and the built binary run
//! the way the Functions host runs it: started with
//! `FUNCTIONS_CUSTOMHANDLER_PORT`, probed with `GET /` until it answers,
//! invoked once per queue message as `jobs/function.json` configures it,
//! and stopped with SIGTERM.

use std::path::PathBuf;
use std::time::Duration;

use faas_testkit::events::{self, AzureCustomHandler};
use faas_testkit::process::log_line;
use serde_json::{Value, json};

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("azure")
}

fn read(file: &str) -> Value {
    let text = std::fs::read_to_string(app_dir().join(file))
        .unwrap_or_else(|err| panic!("azure/{file}: {err}"));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("azure/{file}: {err}"))
}

/// The `jobs` function's one binding: its queue trigger.
fn trigger() -> Value {
    let bindings = read("jobs/function.json")["bindings"].clone();
    assert_eq!(
        bindings.as_array().map(Vec::len),
        Some(1),
        "a faas function takes its trigger alone: {bindings}"
    );
    bindings[0].clone()
}

#[test]
fn the_layout_runs_this_binary_on_the_jobs_queue() {
    let host = read("host.json");
    assert_eq!(host["version"], "2.0");
    assert_eq!(
        host["customHandler"]["description"]["defaultExecutablePath"],
        "queue-worker"
    );
    assert_eq!(host["extensions"]["queues"]["maxDequeueCount"], 5);
    let trigger = trigger();
    assert_eq!(trigger["type"], "queueTrigger");
    assert_eq!(trigger["direction"], "in");
    assert_eq!(trigger["queueName"], "jobs");
    let settings = read("local.settings.json");
    assert_eq!(settings["Values"]["FUNCTIONS_WORKER_RUNTIME"], "custom");
}

#[tokio::test]
async fn the_binary_serves_the_functions_host() {
    // Started in the app's folder with `FUNCTIONS_CUSTOMHANDLER_PORT`, and ready
    // once it answers the host's `GET /` probe.
    let handler = AzureCustomHandler::start(env!("CARGO_BIN_EXE_queue-worker"), app_dir())
        .await
        .unwrap();
    let addr = handler.addr();

    // One invocation per message, at `/<function folder>`, the message under the binding's name.
    let binding = trigger()["name"].as_str().unwrap_or_default().to_owned();
    let message = |action: &str| {
        events::azure_queue(json!({"job_id": format!("j-{action}"), "action": action}))
            .function("jobs")
            .binding(&binding)
    };
    let done = message("resize")
        .dequeue_count(2)
        .host_request()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(
        done.json(),
        json!({"Outputs": {}, "Logs": [], "ReturnValue": null})
    );
    // Failures answer non-2xx: the host retries the message, then moves it to `jobs-poison`.
    let retried = message("fail").host_request().send(addr).await.unwrap();
    assert_eq!(
        (retried.status, retried.json()["kind"].as_str()),
        (503, Some("transient"))
    );
    let poisoned = message("poison")
        .dequeue_count(5)
        .host_request()
        .send(addr)
        .await
        .unwrap();
    assert_eq!(
        (poisoned.status, poisoned.json()["kind"].as_str()),
        (422, Some("permanent"))
    );

    let (status, logs) = handler.stop(Duration::from_secs(20)).await.unwrap();
    assert!(status.success(), "{status}\n{logs}");
    let stopping = log_line(&logs, "worker stopping")
        .unwrap_or_else(|| panic!("no shutdown log line in:\n{logs}"));
    assert_eq!(stopping["fields"]["jobs_done"], 1);
}
