//! The smallest handler: the event alone.
use faas::prelude::*;

#[faas::handler]
async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> {
    Ok("pong")
}

fn main() {
    faas::Function::builder(ping {}).build().unwrap();
}
