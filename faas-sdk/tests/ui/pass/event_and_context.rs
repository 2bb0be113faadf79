//! The event and the context, named with a full path.
use faas::prelude::*;

#[faas::handler]
async fn who(mut name: String, ctx: &faas::Context) -> Result<String, FunctionError> {
    name.push_str(ctx.request_id());
    Ok(name)
}

fn main() {
    faas::Function::builder(who {}).build().unwrap();
}
