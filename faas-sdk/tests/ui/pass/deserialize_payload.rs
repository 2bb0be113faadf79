//! Any `DeserializeOwned` type is the invocation payload as is.
use std::collections::HashMap;

use faas::prelude::*;

#[derive(Deserialize)]
struct Resize {
    width: u32,
    height: u32,
}

#[faas::handler]
async fn area(job: Resize) -> Result<u64, FunctionError> {
    Ok(u64::from(job.width) * u64::from(job.height))
}

#[faas::handler]
async fn total(counts: HashMap<String, Vec<u32>>) -> Result<u32, FunctionError> {
    Ok(counts.values().flatten().sum())
}

#[faas::handler]
async fn nothing(_: ()) -> Result<(), FunctionError> {
    Ok(())
}

fn main() {
    faas::Function::builder(area {}).build().unwrap();
    faas::Function::builder(total {}).build().unwrap();
    faas::Function::builder(nothing {}).build().unwrap();
}
