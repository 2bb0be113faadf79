use faas::prelude::*;

#[derive(Deserialize)]
struct Job {
    id: String,
}

#[faas::handler(batch)]
async fn work(job: Job) -> Result<(), FunctionError> {
    let _ = job.id;
    Ok(())
}

fn main() {}
