//! The context is told by its type, under whatever name it was imported.
use faas::Context as Ctx;
use faas::prelude::{FunctionError, HttpRequest};

struct App {
    greeting: &'static str,
}

#[faas::init]
async fn init() -> Result<App, std::convert::Infallible> {
    Ok(App { greeting: "hello" })
}

#[faas::handler]
async fn only_context(_: serde_json::Value, ctx: &Ctx) -> Result<String, FunctionError> {
    Ok(ctx.request_id().to_owned())
}

#[faas::handler]
async fn state_and_context(
    req: HttpRequest,
    app: &App,
    ctx: &Ctx,
) -> Result<String, FunctionError> {
    Ok(format!("{} {} {}", app.greeting, req.path(), ctx.request_id()))
}

#[faas::handler]
async fn only_state(_: serde_json::Value, app: &App) -> Result<&'static str, FunctionError> {
    Ok(app.greeting)
}

fn main() {
    // A handler taking only its context needs no state.
    faas::Function::builder(only_context {}).build().unwrap();
    let app = || App { greeting: "hi" };
    faas::Function::builder_with_state(state_and_context {}, app()).build().unwrap();
    faas::Function::builder_with_state(only_state {}, app()).build().unwrap();
    let _ = faas::runtime::serve(state_and_context {}).init(init {});
}
