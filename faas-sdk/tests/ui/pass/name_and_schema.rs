//! `name = "..."` and `schema = "path"` (relative to faas-sdk's Cargo.toml).
use faas::prelude::*;

#[faas::handler(name = "orders", schema = "tests/ui/pass/order.schema.json")]
async fn create_order(order: serde_json::Value) -> Result<serde_json::Value, FunctionError> {
    Ok(order)
}

fn main() {
    let config = faas::Handler::config(&create_order {});
    assert_eq!(config.name, "orders");
    assert!(config.schema.is_some());
    faas::Function::builder(create_order {}).build().unwrap();
}
