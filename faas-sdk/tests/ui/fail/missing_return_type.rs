#[faas::handler]
async fn ping(_: serde_json::Value) {}

fn main() {}
