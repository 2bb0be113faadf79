//! The queue worker through the production pipeline: partial batch
//! failures, FIFO order, malformed messages, SNS over SQS, and the local server.

use faas_testkit::local::{LocalServer, send};
use faas_testkit::{events, harness};
use queue_worker::{Worker, process_job};
use serde_json::json;

fn job(id: &str, action: &str) -> serde_json::Value {
    json!({"job_id": id, "action": action})
}

#[tokio::test]
async fn only_failed_and_poisoned_jobs_are_reported() {
    let batch = events::sqs()
        .message(job("j-1", "resize"))
        .message(job("j-2", "fail"))
        .message(job("j-3", "thumbnail"))
        .message(job("j-4", "poison"));
    let ids = batch.message_ids();
    let mut fx = harness(process_job {}).with_state(Worker::default());
    let res = fx.invoke(&batch).await;
    assert_eq!(res.batch_failures(), [ids[1].clone(), ids[3].clone()]);
    assert_eq!(fx.executions(), 4);
    let failures: Vec<_> = res.logs_containing("unit of work failed").collect();
    let kinds: Vec<_> = failures
        .iter()
        .map(|line| line.field("error.kind").unwrap())
        .collect();
    assert_eq!(kinds, ["transient", "permanent"]);
    let summary = res.logs_containing("invocation finished").next().unwrap();
    assert_eq!(summary.field("outcome"), Some("partial"));
    assert_eq!(summary.field("records"), Some("4"));
    assert_eq!(summary.field("failed"), Some("2"));
}

#[tokio::test]
async fn a_redelivered_batch_runs_only_the_jobs_that_failed_transiently() {
    let batch = events::sqs()
        .message(job("j-1", "resize"))
        .message(job("j-2", "fail"))
        .message(job("j-3", "poison"));
    let ids = batch.message_ids();
    let mut fx = harness(process_job {}).with_state(Worker::default());
    fx.invoke(&batch).await;
    assert_eq!(fx.executions(), 3);

    // SQS delivers the whole batch again (say, the invocation timed out).
    let again = fx.invoke(&batch).await;
    assert_eq!(
        again.batch_failures(),
        [ids[1].clone(), ids[2].clone()],
        "the poison job's stored error is replayed; the transient one failed again"
    );
    assert_eq!(fx.executions(), 4, "only j-2 ran again");
    assert_eq!(fx.function().state().jobs_done(), 1, "j-1 was done once");
}

#[tokio::test]
async fn a_batch_that_all_succeeds_reports_no_failures() {
    let batch = events::sqs()
        .message(job("j-1", "a"))
        .message(job("j-2", "b"));
    let res = harness(process_job {})
        .with_state(Worker::default())
        .invoke(batch)
        .await;
    assert_eq!(res.wire().unwrap(), json!({"batchItemFailures": []}));
}

#[tokio::test]
async fn a_fifo_batch_stops_at_the_first_failure_and_reports_the_rest() {
    let batch = events::sqs()
        .fifo("customer-7")
        .message(job("j-1", "a"))
        .message(job("j-2", "fail"))
        .message(job("j-3", "b"));
    let ids = batch.message_ids();
    let mut fx = harness(process_job {}).with_state(Worker::default());
    let res = fx.invoke(&batch).await;
    assert_eq!(res.batch_failures(), [ids[1].clone(), ids[2].clone()]);
    assert_eq!(fx.executions(), 2, "j-3 must not run before j-2 succeeds");
}

#[tokio::test]
async fn a_malformed_message_fails_alone() {
    let batch = events::sqs()
        .message(job("j-1", "a"))
        .message_text("{not json")
        .message(json!({"job_id": "j-3"}));
    let ids = batch.message_ids();
    let mut fx = harness(process_job {}).with_state(Worker::default());
    let res = fx.invoke(&batch).await;
    assert_eq!(res.batch_failures(), [ids[1].clone(), ids[2].clone()]);
    assert_eq!(fx.executions(), 1);
}

#[tokio::test]
async fn the_receive_count_is_the_delivery_attempt() {
    let batch = events::sqs().message(job("j-1", "a")).receive_count(4);
    let res = harness(process_job {})
        .with_state(Worker::default())
        .invoke(batch)
        .await;
    let done = res.logs_containing("job done").next().unwrap();
    assert_eq!(done.field("attempt"), Some("4"));
}

#[tokio::test]
async fn an_event_that_is_not_a_queue_batch_fails_the_invocation_clearly() {
    let res = harness(process_job {})
        .with_state(Worker::default())
        .invoke(events::http_get("/jobs"))
        .await;
    let err = res.error().expect("the invocation fails");
    assert_eq!(err.kind(), faas::ErrorKind::BadInput);
    assert_eq!(
        err.to_string(),
        "expected a queue message (SQS, SNS, SNS over SQS, Pub/Sub), but the event looks like an API Gateway HTTP API (v2) request"
    );
}

#[tokio::test]
async fn the_local_server_takes_the_batch_as_post_body() {
    let function = faas::Function::builder_with_state(process_job {}, Worker::default())
        .build()
        .unwrap();
    let server = LocalServer::start(function).await.unwrap();
    let batch = events::sqs()
        .message(job("j-1", "a"))
        .message(job("j-2", "poison"));
    let ids = batch.message_ids();
    let body = batch.build().to_string();
    let reply = send(
        server.addr(),
        "POST",
        "/",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"batchItemFailures": [{"itemIdentifier": ids[1]}]})
    );

    let reply = send(server.addr(), "GET", "/", &[], b"").await.unwrap();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = send(server.addr(), "POST", "/", &[], b"{\"hello\":1}")
        .await
        .unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["kind"], "bad_input");
    server.stop().await;
}
