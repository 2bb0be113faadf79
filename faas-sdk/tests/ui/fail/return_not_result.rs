#[faas::handler]
async fn ping(_: serde_json::Value) -> String {
    "pong".to_owned()
}

fn main() {}
