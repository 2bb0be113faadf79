use faas::prelude::*;

#[faas::handler]
fn ping(_: serde_json::Value) -> Result<(), FunctionError> {
    Ok(())
}

fn main() {}
