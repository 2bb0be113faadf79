//! Record contracts run once per record without `batch`; `batch` and
//! `batch(concurrency = N)` are still accepted.
use faas::prelude::*;

#[derive(Deserialize)]
struct Job {
    id: String,
}

#[faas::handler]
async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    let _ = job.body.id;
    Ok(())
}

#[faas::handler]
async fn on_upload(object: StorageEvent, ctx: &Context) -> Result<(), FunctionError> {
    let _ = (object.key, ctx.request_id());
    Ok(())
}

#[faas::handler]
async fn on_change(record: StreamRecord<serde_json::Value>) -> Result<(), FunctionError> {
    let _ = record.data;
    Ok(())
}

#[faas::handler(batch)]
async fn still_batch(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    let _ = job.body.id;
    Ok(())
}

#[faas::handler(batch(concurrency = 4))]
async fn concurrent(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    let _ = job.body.id;
    Ok(())
}

fn main() {
    faas::Function::builder(work {}).build().unwrap();
    faas::Function::builder(on_upload {}).build().unwrap();
    faas::Function::builder(on_change {}).build().unwrap();
    faas::Function::builder(still_batch {}).build().unwrap();
    faas::Function::builder(concurrent {}).build().unwrap();
}
