use faas::prelude::*;

struct App;
struct Settings;

#[faas::init]
async fn init() -> Result<Settings, ConfigError> {
    Ok(Settings)
}

#[faas::handler]
async fn ping(_: serde_json::Value, app: &App) -> Result<(), FunctionError> {
    let _ = app;
    Ok(())
}

faas::main!(ping, init);
