//! `faas::main!` with layers before validation and around everything. Run,
//! the generated `main` would serve forever, so it lives in a module and
//! is only type-checked.
use faas::contract::Unit;
use faas::layer::{Next, Request, check, from_fn};
use faas::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct NewOrder {
    order_id: String,
}

#[faas::handler(idempotency(key = "/order_id"))]
async fn create(req: HttpRequest<Json<NewOrder>>) -> Result<String, FunctionError> {
    Ok(format!("{} {}", req.path(), req.body().order_id))
}

fn require_key(request: &Request<dyn Unit>) -> Result<(), FunctionError> {
    match request.header("x-api-key") {
        Some("k") => Ok(()),
        _ => Err(FunctionError::unauthorized("no key")),
    }
}

mod function {
    use super::*;

    faas::main!(
        create,
        layers = [check(require_key)],
        around = [from_fn(|request: Request<_>, next: Next<_>| async move {
            next.run(request).await
        })]
    );

    pub fn entry() -> fn() -> std::process::ExitCode {
        main
    }
}

fn main() {
    let _ = function::entry();
}
