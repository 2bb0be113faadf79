use faas::prelude::*;

struct Counter {
    hits: u64,
}

#[faas::handler]
async fn count(_: serde_json::Value, counter: &mut Counter) -> Result<u64, FunctionError> {
    counter.hits += 1;
    Ok(counter.hits)
}

fn main() {}
