use faas::prelude::*;

#[faas::handler]
async fn handle(_: serde_json::Value, ctx: Context) -> Result<String, FunctionError> {
    Ok(ctx.request_id().to_owned())
}

fn main() {}
