//! `Json<T>` taken apart in the argument pattern.
use faas::prelude::*;

#[derive(Deserialize)]
struct Order {
    order_id: String,
}

#[faas::handler]
async fn create(Json(order): Json<Order>, _ctx: &Context) -> Result<String, FunctionError> {
    Ok(order.order_id)
}

fn main() {
    faas::Function::builder(create {}).build().unwrap();
}
