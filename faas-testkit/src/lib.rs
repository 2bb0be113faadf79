//! Test kit for faas functions: `cargo test` covers a handler end to end,
//! without a cloud account.
//!
//! - [`events`]: builders for every contract's wire format, with realistic
//!   defaults (`events::sqs().message(json!({...}))`, `events::http_post(path, body)`,
//!   `events::s3_put(bucket, key)`, …);
//! - [`fixtures`]: saved payloads, yours and the bundled provider examples;
//! - [`FakeClock`]: time that moves when the test says;
//! - [`local`]: the local development server on a free port, and a tiny HTTP client;
//! - [`runtime_api`]: a Lambda Runtime API fake, and cargo-lambda's emulator,
//!   to run a built function binary as AWS Lambda runs it;
//! - [`harness`]: invokes a handler in-process through exactly the
//!   production path and returns the wire response and the logs.
//!
//! ```
//! use faas::prelude::*;
//! use faas_testkit::{events, harness};
//! use serde_json::json;
//!
//! #[derive(Deserialize)]
//! struct Job { job_id: String }
//!
//! #[faas::handler]
//! async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
//!     if job.body.job_id == "j-2" { Err(FunctionError::transient("busy")) } else { Ok(()) }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let mut fx = harness(work {});
//! let batch = events::sqs()
//!     .message(json!({"job_id": "j-1"}))
//!     .message(json!({"job_id": "j-2"}));
//! let ids = batch.message_ids();
//! let res = fx.invoke(batch).await;
//! assert_eq!(res.batch_failures(), [ids[1].clone()]);
//! # });
//! ```

mod clock;
pub mod events;
pub mod fixtures;
mod harness;
pub mod idempotency;
pub mod local;
mod logs;
pub mod process;
pub mod runtime_api;
pub mod servers;
pub mod tools;

pub use clock::FakeClock;
pub use harness::{Harness, Invoked, harness};
pub use logs::LogLine;
