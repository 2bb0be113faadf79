use faas::prelude::*;

#[derive(Deserialize)]
struct NewOrder {
    order_id: String,
}

#[faas::handler(idempotency(key = "order_id", ttl = "24h"))]
async fn create_order(Json(order): Json<NewOrder>) -> Result<String, FunctionError> {
    Ok(order.order_id)
}

fn main() {}
