//! `lambda-echo`: the baseline of the `cold_start` and `binary_size`
//! benches, the plainest Lambda function `lambda_runtime` runs: it answers
//! every event with the event itself.
//!
//! `lambda_runtime` is built as faas-sdk builds it (without its default
//! `tracing` feature); no log subscriber is installed and no extension is
//! registered.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
