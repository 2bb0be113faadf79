#[derive(Debug)]
struct StoreError;

#[faas::handler]
async fn save(_: serde_json::Value) -> Result<(), StoreError> {
    Err(StoreError)
}

fn main() {}
