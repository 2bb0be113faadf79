//! The built worker on AWS Lambda's Runtime API: SQS batches through
//! cargo-lambda's emulator (`cargo lambda watch --only-lambda-apis`), with
//! both answers to a batch whose every record fails, and SIGTERM through
//! the testkit's Runtime API fake (the emulator sends no signals).

use std::process::Command;
use std::time::Duration;

use faas_testkit::events;
use faas_testkit::process::{Spawned, log_line};
use faas_testkit::runtime_api::{CargoLambda, RuntimeApi};
use serde_json::{Value, json};

const WORKER: &str = env!("CARGO_BIN_EXE_queue-worker");

fn job(id: &str, action: &str) -> Value {
    json!({"job_id": id, "action": action})
}

fn worker(env: Vec<(&'static str, String)>, extra: &[(&str, &str)]) -> Spawned {
    Spawned::start(
        Command::new(WORKER)
            .env_remove("FAAS_PLATFORM")
            .env_remove("FAAS_BATCH_ALL_FAILED")
            .env("FAAS_LOG_FORMAT", "json")
            .envs(env)
            .envs(extra.iter().copied()),
    )
    .expect("the worker starts")
}

#[tokio::test]
async fn batches_report_exactly_their_failed_records_under_cargo_lambda() {
    let Some(emulator) = CargoLambda::start(env!("CARGO_MANIFEST_DIR"))
        .await
        .unwrap()
    else {
        return;
    };
    // The emulator routes by function name: the worker as `queue-worker`
    // with the default policy, and a second one as `_` (its default
    // function) failing a batch whose every record failed.
    let reporting = worker(emulator.env("queue-worker"), &[]);
    let failing = worker(emulator.env("_"), &[("FAAS_BATCH_ALL_FAILED", "fail")]);
    let logs = || {
        format!(
            "reporting worker:\n{}\nfailing worker:\n{}\nemulator:\n{}",
            reporting.stderr(),
            failing.stderr(),
            emulator.logs()
        )
    };

    let batch = events::sqs()
        .message(job("j-1", "resize"))
        .message(job("j-2", "fail"))
        .message(job("j-3", "thumbnail"))
        .message_text("{not json")
        .message(job("j-5", "poison"));
    let ids = batch.message_ids();
    let failed = json!({"batchItemFailures": [
        {"itemIdentifier": ids[1]}, {"itemIdentifier": ids[3]}, {"itemIdentifier": ids[4]},
    ]});
    for function in ["queue-worker", "_"] {
        let reply = emulator.invoke(function, &batch).await.unwrap();
        assert_eq!(reply.status, 200, "{function}: {reply:?}\n{}", logs());
        assert_eq!(reply.json(), failed, "{function}");
    }

    let all_fail = events::sqs()
        .message(job("j-6", "fail"))
        .message(job("j-7", "fail"));
    let ids = all_fail.message_ids();
    let reply = emulator.invoke("queue-worker", &all_fail).await.unwrap();
    assert_eq!(reply.status, 200, "{reply:?}\n{}", logs());
    assert_eq!(
        reply.json(),
        json!({"batchItemFailures": [{"itemIdentifier": ids[0]}, {"itemIdentifier": ids[1]}]})
    );
    // Failed as a whole: the emulator answers the Lambda error response with 500.
    let reply = emulator.invoke("_", &all_fail).await.unwrap();
    assert_eq!(reply.status, 500, "{reply:?}\n{}", logs());
    let error = reply.json();
    assert_eq!(error["errorType"], "transient", "{error}");
    assert_eq!(
        error["errorMessage"],
        "all 2 records of the batch failed; the first: job j-6 hit a temporary failure; the queue will deliver it again"
    );

    let fifo = events::sqs()
        .fifo("customer-7")
        .message(job("j-8", "a"))
        .message(job("j-9", "fail"))
        .message(job("j-10", "b"));
    let ids = fifo.message_ids();
    let reply = emulator.invoke("queue-worker", &fifo).await.unwrap();
    assert_eq!(
        reply.json(),
        json!({"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[2]}]}),
        "{}",
        logs()
    );
}

#[tokio::test]
async fn on_lambda_sigterm_runs_the_workers_shutdown_hook() {
    let api = RuntimeApi::start("queue-worker").await.unwrap();
    let mut running = worker(api.env(), &[]);
    let batch = events::sqs()
        .message(job("j-1", "resize"))
        .message(job("j-2", "thumbnail"));
    let answer = api.invoke(&batch).answer().await.unwrap();
    assert_eq!(answer.json(), Some(json!({"batchItemFailures": []})));
    assert!(api.wait_until_polling(Duration::from_secs(10)).await);

    running.terminate().unwrap();
    let status = running.wait(Duration::from_secs(10)).await.unwrap();
    let logs = running.stderr();
    assert!(status.success(), "{status}\n{logs}");
    let stopping = log_line(&logs, "worker stopping")
        .unwrap_or_else(|| panic!("no shutdown log line in:\n{logs}"));
    assert_eq!(stopping["fields"]["jobs_done"], 2);
}
