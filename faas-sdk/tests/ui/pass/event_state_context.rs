//! Event, state and context, in that order.
use faas::prelude::*;

struct App {
    greeting: String,
}

#[faas::handler]
async fn greet(name: String, app: &App, ctx: &Context) -> Result<String, FunctionError> {
    Ok(format!("{} {name} ({})", app.greeting, ctx.function_name()))
}

fn main() {
    let app = App {
        greeting: "hello".to_owned(),
    };
    faas::Function::builder_with_state(greet {}, app)
        .build()
        .unwrap();
}
