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

fn main() {}
