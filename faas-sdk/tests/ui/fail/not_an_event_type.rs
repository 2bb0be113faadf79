use faas::prelude::*;

struct Job {
    id: String,
}

#[faas::handler]
async fn work(job: Job) -> Result<(), FunctionError> {
    let _ = job.id;
    Ok(())
}

fn main() {}
