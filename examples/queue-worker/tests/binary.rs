//! `cargo run -p queue-worker`, end to end: the built binary on the local
//! development server, stopped by SIGTERM as a platform stops it.

use std::process::Command;
use std::time::Duration;

use faas_testkit::events;
use faas_testkit::local::send;
use faas_testkit::process::{Spawned, log_line};
use serde_json::json;

#[tokio::test]
async fn sigterm_lets_the_worker_finish_and_runs_its_shutdown_hook() {
    let (mut binary, addr) = Spawned::serving(
        Command::new(env!("CARGO_BIN_EXE_queue-worker"))
            .env("FAAS_PLATFORM", "local")
            .env("FAAS_LOG_FORMAT", "json"),
        Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|err| panic!("queue-worker does not serve: {err}"));

    let batch = events::sqs()
        .message(json!({"job_id": "j-1", "action": "resize"}))
        .message(json!({"job_id": "j-2", "action": "thumbnail"}))
        .message(json!({"job_id": "j-3", "action": "poison"}));
    let ids = batch.message_ids();
    let reply = send(addr, "POST", "/", &[], batch.build().to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!(
        reply.json(),
        json!({"batchItemFailures": [{"itemIdentifier": ids[2]}]})
    );

    binary.terminate().unwrap();
    let status = binary.wait(Duration::from_secs(20)).await.unwrap();
    let logs = binary.stderr();
    assert!(status.success(), "{status}\n{logs}");
    let stopping = log_line(&logs, "worker stopping")
        .unwrap_or_else(|| panic!("no shutdown log line in:\n{logs}"));
    assert_eq!(stopping["fields"]["jobs_done"], 2);
}
