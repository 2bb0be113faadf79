use faas::prelude::*;

#[faas::handler(name = "orders", name = "payments")]
async fn ping(_: serde_json::Value) -> Result<(), FunctionError> {
    Ok(())
}

fn main() {}
