use faas::prelude::*;

#[faas::handler(timeout = "30s")]
async fn ping(_: serde_json::Value) -> Result<(), FunctionError> {
    Ok(())
}

fn main() {}
