//! `batch` and `batch(concurrency = N)` on every record contract.
use faas::prelude::*;

#[derive(Deserialize)]
struct Job {
    id: String,
}

#[faas::handler(batch)]
async fn queue_one_by_one(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    drop(job.body.id);
    Ok(())
}

#[faas::handler(batch(concurrency = 4))]
async fn queue_four_at_once(job: QueueMessage<Job>, _ctx: &Context) -> Result<(), FunctionError> {
    drop(job.body.id);
    Ok(())
}

#[faas::handler(batch)]
async fn stream_one_by_one(record: StreamRecord<Job>) -> Result<(), FunctionError> {
    drop(record);
    Ok(())
}

#[faas::handler(batch(concurrency = 4))]
async fn stream_four_at_once(record: StreamRecord<Job>) -> Result<(), FunctionError> {
    drop(record);
    Ok(())
}

#[faas::handler(batch)]
async fn storage_one_by_one(object: StorageEvent) -> Result<(), FunctionError> {
    drop(object);
    Ok(())
}

#[faas::handler(batch(concurrency = 4), name = "uploads")]
async fn storage_four_at_once(object: StorageEvent) -> Result<(), FunctionError> {
    drop(object);
    Ok(())
}

fn concurrency<H: faas::Handler<State = ()>>(handler: H) -> usize {
    let concurrency = handler.config().concurrency;
    faas::Function::builder(handler).build().unwrap();
    concurrency
}

fn main() {
    assert_eq!(concurrency(queue_one_by_one {}), 1);
    assert_eq!(concurrency(queue_four_at_once {}), 4);
    assert_eq!(concurrency(stream_one_by_one {}), 1);
    assert_eq!(concurrency(stream_four_at_once {}), 4);
    assert_eq!(concurrency(storage_one_by_one {}), 1);
    assert_eq!(concurrency(storage_four_at_once {}), 4);
}
