use faas::prelude::*;

#[derive(Deserialize)]
struct Job {
    id: String,
}

#[faas::handler(batch(concurrency = 0))]
async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    let _ = job.body.id;
    Ok(())
}

fn main() {}
