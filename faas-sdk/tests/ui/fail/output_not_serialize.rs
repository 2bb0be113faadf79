use faas::prelude::*;

struct Receipt {
    id: String,
}

#[faas::handler]
async fn create(_: serde_json::Value) -> Result<Receipt, FunctionError> {
    Ok(Receipt {
        id: "r-1".to_owned(),
    })
}

fn main() {}
