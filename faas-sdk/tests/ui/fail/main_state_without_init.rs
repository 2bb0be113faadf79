use faas::prelude::*;

struct App;

#[faas::handler]
async fn ping(_: serde_json::Value, app: &App) -> Result<(), FunctionError> {
    let _ = app;
    Ok(())
}

faas::main!(ping);
