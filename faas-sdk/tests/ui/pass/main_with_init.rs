//! `faas::main!(handler, init)`, with paths. Run, the generated `main`
//! would serve forever, so it lives in a module and is only type-checked.
use faas::prelude::*;

pub struct App {
    greeting: String,
}

#[faas::init]
pub async fn init(cfg: &Config) -> Result<App, ConfigError> {
    Ok(App {
        greeting: cfg.get("GREETING").unwrap_or("hello").to_owned(),
    })
}

#[faas::handler]
pub async fn greet(name: String, app: &App, _ctx: &Context) -> Result<String, FunctionError> {
    Ok(format!("{}, {name}", app.greeting))
}

mod function {
    faas::main!(super::greet, super::init);

    pub fn entry() -> fn() -> std::process::ExitCode {
        main
    }
}

fn main() {
    let _ = function::entry();
}
