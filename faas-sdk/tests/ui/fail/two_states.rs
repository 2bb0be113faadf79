use faas::prelude::*;

struct Orders;
struct Payments;

#[faas::handler]
async fn handle(
    _: serde_json::Value,
    orders: &Orders,
    payments: &Payments,
) -> Result<(), FunctionError> {
    let _ = (orders, payments);
    Ok(())
}

fn main() {}
