use faas::prelude::*;
use std::rc::Rc;

#[faas::handler]
async fn count(_: serde_json::Value) -> Result<usize, FunctionError> {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    Ok(*shared)
}

fn main() {}
