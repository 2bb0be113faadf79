use faas::prelude::*;

struct App;

#[faas::handler]
async fn handle(_: serde_json::Value, ctx: &Context, app: &App) -> Result<(), FunctionError> {
    let _ = (ctx, app);
    Ok(())
}

fn main() {}
