use faas::prelude::*;

#[faas::handler(schema = "schemas/no-such-file.json")]
async fn create(order: serde_json::Value) -> Result<serde_json::Value, FunctionError> {
    Ok(order)
}

fn main() {}
