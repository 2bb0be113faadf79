//! What a partial-failure batch answers when every record fails
//! (`FAAS_BATCH_ALL_FAILED`), through the production path in-process. The
//! Lambda adapter itself is tested end to end against a Runtime API in
//! `faas-testkit/tests/lambda.rs` and in the examples' `tests/lambda.rs`.

use std::time::Duration;

use faas::prelude::*;
use faas::reply::AllFailed;
use faas_testkit::{events, harness};
use serde_json::json;

#[derive(Debug, Deserialize)]
struct Job {
    job_id: String,
    ok: bool,
}

#[faas::handler(batch)]
async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    if job.body.ok {
        Ok(())
    } else {
        Err(
            FunctionError::transient(format!("job {} failed", job.body.job_id))
                .with_retry_after(Duration::from_secs(30)),
        )
    }
}

#[faas::handler(batch)]
async fn record(rec: StreamRecord<Job>) -> Result<(), FunctionError> {
    if rec.data.ok {
        Ok(())
    } else {
        Err(FunctionError::permanent(format!(
            "record {} is bad",
            rec.data.job_id
        )))
    }
}

fn job(id: &str, ok: bool) -> serde_json::Value {
    json!({"job_id": id, "ok": ok})
}

fn policy(value: &str) -> Config {
    Config::from_pairs([("FAAS_BATCH_ALL_FAILED", value)])
}

#[tokio::test]
async fn by_default_a_batch_whose_every_record_failed_reports_them_all() {
    let batch = events::sqs()
        .message(job("j-1", false))
        .message(job("j-2", false));
    let ids = batch.message_ids();
    let res = harness(work {}).invoke(&batch).await;
    assert_eq!(res.batch_failures(), ids);
    let res = harness(work {})
        .config(policy("report"))
        .invoke(&batch)
        .await;
    assert_eq!(res.batch_failures(), ids);
}

#[tokio::test]
async fn with_fail_the_invocation_fails_with_the_first_records_error() {
    let batch = events::sqs()
        .message(job("j-1", false))
        .message(job("j-2", false));
    let mut fx = harness(work {}).config(policy("fail"));
    let res = fx.invoke(&batch).await;
    let err = res.error().expect("the invocation fails");
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    let chain: Vec<String> =
        std::iter::successors(Some(err as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect();
    assert_eq!(
        chain,
        [
            "all 2 records of the batch failed; the first",
            "job j-1 failed"
        ]
    );
    assert_eq!(fx.executions(), 2);
    let logged = res.logs_containing("invocation failed").next().unwrap();
    assert_eq!(logged.field("failed"), Some("2"));

    // One success is enough for a report.
    let batch = events::sqs()
        .message(job("j-3", true))
        .message(job("j-4", false));
    let ids = batch.message_ids();
    let res = fx.invoke(&batch).await;
    assert_eq!(res.batch_failures(), [ids[1].clone()]);
}

#[tokio::test]
async fn with_fail_a_batch_stopped_at_its_first_failure_is_still_reported() {
    // FIFO: j-2 never ran, so not every record failed.
    let batch = events::sqs()
        .fifo("group-1")
        .message(job("j-1", false))
        .message(job("j-2", true));
    let ids = batch.message_ids();
    let mut fx = harness(work {}).config(policy("fail"));
    let res = fx.invoke(&batch).await;
    assert_eq!(res.batch_failures(), ids);
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn with_fail_a_stream_batch_whose_every_record_failed_fails_as_a_whole() {
    let batch = events::kinesis().record(job("r-1", false));
    let res = harness(record {})
        .config(policy("fail"))
        .invoke(&batch)
        .await;
    let err = res.error().expect("the invocation fails");
    assert_eq!(err.kind(), ErrorKind::Permanent);
    let res = harness(record {}).invoke(&batch).await;
    assert_eq!(res.batch_failures(), batch.sequence_numbers());
}

#[tokio::test]
async fn the_builder_setting_wins_and_a_bad_value_stops_the_start() {
    let function = faas::Function::builder(work {})
        .config(policy("report"))
        .all_failed(AllFailed::Fail)
        .build()
        .unwrap();
    let batch = events::sqs().message(job("j-1", false));
    let outcome = function
        .invoke((&batch).into(), faas::InvocationInfo::default())
        .await;
    assert!(
        matches!(outcome, faas::reply::Outcome::Failed(_)),
        "{outcome:?}"
    );

    let err = faas::Function::builder(work {})
        .config(policy("sometimes"))
        .build()
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "environment variable FAAS_BATCH_ALL_FAILED=\"sometimes\" is invalid: expected `report` or `fail`"
    );
}
