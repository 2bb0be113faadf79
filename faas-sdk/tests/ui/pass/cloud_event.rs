//! A CloudEvent with typed data.
use faas::prelude::*;

#[derive(Deserialize)]
struct Shipped {
    order_id: String,
}

#[faas::handler]
async fn on_shipped(event: CloudEvent<Shipped>) -> Result<(), FunctionError> {
    drop(event);
    Ok(())
}

fn main() {
    faas::Function::builder(on_shipped {}).build().unwrap();
}
