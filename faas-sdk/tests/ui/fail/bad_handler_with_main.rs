use faas::prelude::*;

struct App;

#[faas::init]
async fn init() -> Result<App, ConfigError> {
    Ok(App)
}

#[faas::handler(retries = 3)]
async fn ping(_: serde_json::Value, app: &App) -> Result<(), FunctionError> {
    let _ = app;
    Ok(())
}

faas::main!(ping, init);
