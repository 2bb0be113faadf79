//! `faas::main!(handler)`. Run, the generated `main` would serve forever,
//! so it lives in a module and is only type-checked here.
use faas::prelude::*;

#[faas::handler]
async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> {
    Ok("pong")
}

mod function {
    use super::ping;

    faas::main!(ping);

    pub fn entry() -> fn() -> std::process::ExitCode {
        main
    }
}

fn main() {
    let _ = function::entry();
}
