//! A queue worker: runs one job per message, and tells the queue which
//! messages failed so that only those are delivered again.
//!
//! `action: "fail"` fails transiently (a retry may work), `"poison"` fails
//! permanently (after the queue's `maxReceiveCount` the message moves to the
//! dead-letter queue), anything else succeeds.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use faas_testkit::{events, harness};
//! use serde_json::json;
//!
//! let batch = events::sqs()
//!     .message(json!({"job_id": "j-1", "action": "resize"}))
//!     .message(json!({"job_id": "j-2", "action": "fail"}));
//! let ids = batch.message_ids();
//! let res = harness(queue_worker::process_job {})
//!     .with_state(queue_worker::Worker::default())
//!     .invoke(batch)
//!     .await;
//! assert_eq!(res.batch_failures(), [ids[1].clone()]);
//! # });
//! ```

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

use faas::prelude::*;

/// A job as producers enqueue it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Job {
    /// The job's id.
    pub job_id: String,
    /// What to do.
    pub action: String,
}

/// What the worker keeps between invocations: built once per cold start.
#[derive(Debug, Default)]
pub struct Worker {
    /// Jobs done by this process.
    done: AtomicU64,
}

impl Worker {
    /// Jobs done by this process so far.
    pub fn jobs_done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

/// Builds the worker's state once per cold start.
#[faas::init(shutdown = stop)]
pub async fn init() -> Result<Worker, Infallible> {
    Ok(Worker::default())
}

/// Permanent errors are final: stored and replayed to redeliveries.
fn is_permanent(err: &FunctionError) -> bool {
    err.kind() == ErrorKind::Permanent
}

/// Runs when the platform stops the process: reports what this process did.
pub async fn stop(worker: &Worker) {
    tracing::info!(jobs_done = worker.jobs_done(), "worker stopping");
}

/// Runs one job. Called once per message of a batch; up to 8 run at once
/// (FIFO queues run one at a time, in order).
///
/// Idempotent per `job_id`: a job delivered again after it succeeded is
/// not run twice (its stored result is replayed), a failed one runs again,
/// and a poison job's permanent error is stored and replayed without
/// running it, until the queue moves it to the dead-letter queue. The
/// records live in the store `FAAS_IDEMPOTENCY_STORE` names.
#[faas::handler(
    batch(concurrency = 8),
    idempotency(key = "/job_id", ttl = "24h", cache_errors = is_permanent)
)]
pub async fn process_job(
    message: QueueMessage<Job>,
    worker: &Worker,
    ctx: &Context,
) -> Result<(), FunctionError> {
    let job = &message.body;
    match job.action.as_str() {
        "fail" => Err(FunctionError::transient(format!(
            "job {} hit a temporary failure; the queue will deliver it again",
            job.job_id
        ))),
        "poison" => Err(FunctionError::permanent(format!(
            "job {} can never succeed; it belongs in the dead-letter queue",
            job.job_id
        ))),
        action => {
            worker.done.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                job_id = %job.job_id,
                action,
                attempt = ctx.delivery_attempt(),
                "job done"
            );
            Ok(())
        }
    }
}
