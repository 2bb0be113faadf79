//! The Lambda adapter end to end: a built function binary
//! (`faas-lambda-probe`) against the Runtime API fake, for what cargo-lambda's
//! emulator cannot show: real deadlines, init failures, panics, SIGTERM,
//! and start-up errors.

use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use faas_testkit::process::{Spawned, log_line};
use faas_testkit::runtime_api::{Answer, RuntimeApi};
use serde_json::{Value, json};

const PROBE: &str = env!("CARGO_BIN_EXE_faas-lambda-probe");

/// The probe started as Lambda starts a function, with `extra` variables.
fn start_probe(api: &RuntimeApi, extra: &[(&str, &str)]) -> Spawned {
    let mut command = Command::new(PROBE);
    command
        .env_remove("FAAS_PLATFORM")
        .env("FAAS_LOG_FORMAT", "json")
        .envs(api.env())
        .envs(extra.iter().copied());
    Spawned::start(&mut command).expect("the probe starts")
}

fn logged(logs: &str, message: &str) -> bool {
    log_line(logs, message).is_some()
}

async fn answer(api: &RuntimeApi, probe: &Spawned, event: Value) -> Answer {
    api.invoke(event)
        .answer()
        .await
        .unwrap_or_else(|err| panic!("{err}; the probe logged:\n{}", probe.stderr()))
}

async fn exit(probe: &mut Spawned, within: Duration) -> ExitStatus {
    match probe.wait(within).await {
        Ok(status) => status,
        Err(err) => panic!("{err}; the probe logged:\n{}", probe.stderr()),
    }
}

#[tokio::test]
async fn an_invocation_sees_the_real_deadline_request_id_and_trace_id() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let probe = start_probe(&api, &[]);
    let invocation = api.invoke_with_timeout(json!({"probe": "context"}), Duration::from_secs(20));
    let (request_id, trace_id, deadline) = (
        invocation.request_id().to_owned(),
        invocation.trace_id().to_owned(),
        invocation.deadline(),
    );
    let seen = invocation.answer().await.unwrap().json().unwrap();
    assert_eq!(seen["request_id"], request_id);
    assert_eq!(seen["trace_id"], trace_id);
    assert_eq!(seen["deadline_ms"], deadline.timestamp_millis());
    let remaining = seen["remaining_ms"].as_u64().unwrap();
    assert!(
        (10_000..=20_000).contains(&remaining),
        "{remaining} ms left of 20 s"
    );
    assert_eq!(seen["function_name"], "probe");
    assert_eq!(seen["function_version"], "$LATEST");
    assert_eq!(seen["platform"], "aws_lambda");
    assert_eq!(seen["cold_start"], true);

    let again = answer(&api, &probe, json!({"probe": "context"}))
        .await
        .json()
        .unwrap();
    assert_eq!(again["cold_start"], false);
    assert_ne!(again["request_id"], request_id);
}

#[tokio::test]
async fn a_panic_is_an_internal_error_and_the_next_invocation_is_served() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let probe = start_probe(&api, &[]);
    let answered = answer(
        &api,
        &probe,
        json!({"probe": "panic", "message": "index out of bounds"}),
    )
    .await;
    let report = answered.error().expect("an error response");
    assert_eq!(report.error_type, "internal");
    assert!(
        report.error_message.contains("index out of bounds"),
        "{report:?}"
    );
    let next = answer(&api, &probe, json!({"probe": "context"})).await;
    assert_eq!(next.json().unwrap()["cold_start"], false);
}

#[tokio::test]
async fn a_failed_invocation_reports_the_error_kind_and_message() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let probe = start_probe(&api, &[]);
    let event = json!({"probe": "fail", "kind": "transient", "message": "the ledger is down"});
    let answered = answer(&api, &probe, event).await;
    let report = answered.error().expect("an error response");
    assert_eq!(report.error_type, "transient");
    assert_eq!(report.error_message, "the ledger is down");
    assert!(
        report.header.is_some(),
        "Lambda-Runtime-Function-Error-Type is set"
    );

    // An event the handler's type does not accept never reaches it.
    let answered = answer(&api, &probe, json!({"probe": "teleport"})).await;
    let report = answered.error().expect("an error response");
    assert_eq!(report.error_type, "bad_input");
    assert!(report.error_message.contains("teleport"), "{report:?}");
}

#[tokio::test]
async fn an_http_response_to_a_direct_invocation_has_the_http_api_shape() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let probe = start_probe(&api, &[]);
    let reply = answer(&api, &probe, json!({"probe": "http", "status": 202})).await;
    let reply = reply.json().unwrap();
    assert_eq!(reply["statusCode"], 202);
    assert_eq!(reply["cookies"], json!(["probe=1"]));
    assert_eq!(reply["isBase64Encoded"], false);
    let body: Value = serde_json::from_str(reply["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"status": 202}));
}

#[tokio::test]
async fn an_init_failure_is_reported_to_lambda_and_the_process_exits_1() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let mut probe = start_probe(
        &api,
        &[("PROBE_INIT_FAILURE", "the secrets are unreadable")],
    );
    let report = api
        .init_error(Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("no init error; the probe logged:\n{}", probe.stderr()));
    assert_eq!(report.header.as_deref(), Some("Runtime.InitError"));
    assert_eq!(report.error_type, "Runtime.InitError");
    assert_eq!(
        report.error_message,
        "init failed: the probe's init failed on purpose: the secrets are unreadable"
    );
    let status = exit(&mut probe, Duration::from_secs(20)).await;
    let logs = probe.stderr();
    assert_eq!(status.code(), Some(1), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
}

#[tokio::test]
async fn an_invalid_setting_is_reported_as_an_init_error() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let mut probe = start_probe(&api, &[("FAAS_BATCH_ALL_FAILED", "sometimes")]);
    let report = api
        .init_error(Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("no init error; the probe logged:\n{}", probe.stderr()));
    assert_eq!(report.error_type, "Runtime.ConfigInvalid");
    assert_eq!(
        report.error_message,
        "environment variable FAAS_BATCH_ALL_FAILED=\"sometimes\" is invalid: expected `report` or `fail`"
    );
    assert_eq!(
        exit(&mut probe, Duration::from_secs(20)).await.code(),
        Some(1)
    );
}

#[tokio::test]
async fn sigterm_runs_the_shutdown_hook_and_the_process_exits_0() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let mut probe = start_probe(&api, &[]);
    answer(&api, &probe, json!({"probe": "context"})).await;
    // What makes Lambda send SIGTERM: a registered extension, waiting for events.
    let extensions = api.extensions();
    assert_eq!(extensions.len(), 1, "{extensions:?}");
    assert_eq!(extensions[0].name, "faas-graceful-shutdown");
    assert!(extensions[0].events.is_empty());
    assert!(api.wait_until_polling(Duration::from_secs(10)).await);
    assert!(
        api.wait_until_extension_polling(Duration::from_secs(10))
            .await
    );
    assert_eq!(api.extension_polls(), 1);

    probe.terminate().unwrap();
    let status = exit(&mut probe, Duration::from_secs(10)).await;
    let logs = probe.stderr();
    assert!(status.success(), "{status}\n{logs}");
    assert!(logged(&logs, "probe shutdown hook finished"), "{logs}");
}

#[tokio::test]
async fn the_shutdown_hook_gets_500_ms_on_lambda() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let mut probe = start_probe(&api, &[("PROBE_SHUTDOWN_SLEEP_MS", "30000")]);
    assert!(
        api.wait_until_polling(Duration::from_secs(20)).await,
        "{}",
        probe.stderr()
    );
    let sent = Instant::now();
    probe.terminate().unwrap();
    let status = exit(&mut probe, Duration::from_secs(10)).await;
    let took = sent.elapsed();
    let logs = probe.stderr();
    assert!(status.success(), "{status}\n{logs}");
    assert!(logged(&logs, "probe shutdown hook started"), "{logs}");
    assert!(!logged(&logs, "probe shutdown hook finished"), "{logs}");
    assert!(
        logged(&logs, "the shutdown hook did not finish in time"),
        "{logs}"
    );
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(5),
        "stopped after {took:?}"
    );
}

#[tokio::test]
async fn a_missing_or_invalid_lambda_variable_is_a_start_error_not_a_panic() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let cases = [
        (
            "AWS_LAMBDA_FUNCTION_NAME",
            "",
            "environment variable AWS_LAMBDA_FUNCTION_NAME is not set",
        ),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "lots",
            "environment variable AWS_LAMBDA_FUNCTION_MEMORY_SIZE=\"lots\" is invalid",
        ),
        (
            "AWS_LAMBDA_RUNTIME_API",
            "https://127.0.0.1:9001",
            "the Runtime API is plain http",
        ),
    ];
    for (key, value, says) in cases {
        let mut command = Command::new(PROBE);
        command.env("FAAS_PLATFORM", "lambda").envs(api.env());
        if value.is_empty() {
            command.env_remove(key);
        } else {
            command.env(key, value);
        }
        let mut probe = Spawned::start(&mut command).unwrap();
        let status = exit(&mut probe, Duration::from_secs(20)).await;
        let logs = probe.stderr();
        assert_eq!(status.code(), Some(1), "{key}: {logs}");
        assert!(logs.contains(says), "{key}: {logs}");
        assert!(!logs.contains("panicked"), "{key}: {logs}");
    }
    assert!(api.init_error(Duration::ZERO).await.is_none());
}

#[tokio::test]
async fn the_url_form_of_the_runtime_api_works_and_the_extension_can_be_switched_off() {
    let api = RuntimeApi::start("probe").await.unwrap();
    let url = format!("http://{}", api.endpoint());
    let probe = start_probe(
        &api,
        &[
            ("AWS_LAMBDA_RUNTIME_API", &url),
            ("FAAS_LAMBDA_EXTENSION", "off"),
        ],
    );
    let seen = answer(&api, &probe, json!({"probe": "context"})).await;
    assert_eq!(seen.json().unwrap()["platform"], "aws_lambda");
    assert!(api.extensions().is_empty());
}
