#[faas::handler]
async fn save(_: serde_json::Value) -> Result<(), String> {
    Err("the store is down".to_owned())
}

fn main() {}
