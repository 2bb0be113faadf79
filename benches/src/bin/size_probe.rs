//! `size-probe`: an order-webhook-like function (a JSON order posted over
//! HTTP, schema-validated when the `validation` feature is on, answered
//! `201` with a receipt and logged) whose cargo features choose the
//! faas-sdk features it is built with. The `binary_size` bench builds it
//! once per feature set:
//!
//! ```text
//! cargo build --release -p faas-benches --bin size-probe --no-default-features --features aws-lambda,validation
//! ```

use faas::http::StatusCode;
use faas::prelude::*;

/// An order; with the `validation` feature its schema rules are checked
/// before the handler runs.
#[derive(Debug, Deserialize)]
#[cfg_attr(
    feature = "validation",
    derive(JsonSchema),
    schemars(extend("version" = "1"))
)]
struct Order {
    #[cfg_attr(feature = "validation", schemars(length(min = 1, max = 64)))]
    order_id: String,
    #[cfg_attr(feature = "validation", schemars(range(min = 1)))]
    amount_cents: u64,
    #[cfg_attr(feature = "validation", schemars(regex(pattern = r"^[A-Z]{3}$")))]
    currency: String,
}

/// Accepts the order: `201` with a receipt naming a fresh execution id.
#[faas::handler]
async fn accept_order(
    Json(order): Json<Order>,
    ctx: &Context,
) -> Result<HttpResponse, FunctionError> {
    let execution_id = uuid::Uuid::new_v4().to_string();
    tracing::info!(
        order_id = %order.order_id,
        amount_cents = order.amount_cents,
        currency = %order.currency,
        correlation_id = ctx.correlation_id(),
        "order accepted"
    );
    let receipt = serde_json::json!({
        "order_id": order.order_id,
        "status": "created",
        "execution_id": execution_id,
    });
    HttpResponse::json(StatusCode::CREATED, &receipt)
}

faas::main!(accept_order);
