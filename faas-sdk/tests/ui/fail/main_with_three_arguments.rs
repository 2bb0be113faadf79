use faas::prelude::*;

#[faas::handler]
async fn ping(_: serde_json::Value) -> Result<(), FunctionError> {
    Ok(())
}

faas::main!(ping, ping_init, ping_extra);
