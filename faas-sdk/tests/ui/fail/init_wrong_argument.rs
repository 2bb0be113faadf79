use faas::prelude::*;

struct App;

#[faas::init]
async fn init(table: String) -> Result<App, ConfigError> {
    let _ = table;
    Ok(App)
}

fn main() {}
