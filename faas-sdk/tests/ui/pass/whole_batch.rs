//! A whole batch at once, without the `batch` option.
use faas::prelude::*;

#[derive(Deserialize)]
struct Job {
    id: String,
}

#[faas::handler]
async fn bulk(jobs: Batch<QueueMessage<Job>>) -> Result<Vec<String>, FunctionError> {
    Ok(jobs.into_iter().map(|job| job.body.id).collect())
}

#[faas::handler]
async fn changes(records: Batch<StreamRecord<serde_json::Value>>) -> Result<usize, FunctionError> {
    Ok(records.records().len())
}

fn main() {
    faas::Function::builder(bulk {}).build().unwrap();
    faas::Function::builder(changes {}).build().unwrap();
}
