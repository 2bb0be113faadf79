//! The user's functions keep their names: tests call them directly.
use faas::prelude::*;

struct App {
    greeting: String,
}

#[faas::init]
async fn init() -> Result<App, ConfigError> {
    Ok(App {
        greeting: "hello".to_owned(),
    })
}

#[faas::handler]
async fn greet(name: String, app: &App, ctx: &Context) -> Result<String, FunctionError> {
    Ok(format!(
        "{}, {name} from {}",
        app.greeting,
        ctx.request_id()
    ))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let app = runtime.block_on(init()).unwrap();
    let ctx = Context::builder().request_id("r-1").build();
    let reply = runtime
        .block_on(greet("ada".to_owned(), &app, &ctx))
        .unwrap();
    assert_eq!(reply, "hello, ada from r-1");
}
