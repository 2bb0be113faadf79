//! An order webhook: a shop `POST`s an order to `/orders`; the function
//! validates it against the order contract and answers `201 Created` with a
//! receipt.
//!
//! The contract is the [`NewOrder`] type. Its JSON Schema is derived from
//! the type (`schemars`), so the rules live next to the fields they
//! constrain: a payload that breaks them never reaches [`create_order()`] and
//! gets a `400` problem document listing every violation.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use faas_testkit::{events, harness};
//! use serde_json::json;
//!
//! let mut fx = harness(order_webhook::create_order {});
//! let res = fx.invoke(events::http_post("/orders", json!({
//!     "order_id": "o-1", "amount_cents": 1250, "currency": "EUR"
//! }))).await;
//! assert_eq!(res.status(), Some(201));
//! assert_eq!(res.body_json()["status"], "created");
//! # });
//! ```

use faas::http::StatusCode;
use faas::prelude::*;

/// An order as the shop sends it (contract version 1).
///
/// Evolving it: new optional fields keep version 1; anything a version-1
/// sender would fail (a new required field, a tighter rule) is a version 2
/// type, accepted beside this one during the migration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(extend("version" = "1"))]
pub struct NewOrder {
    /// The shop's order id.
    #[schemars(length(min = 1, max = 64))]
    pub order_id: String,
    /// The amount in the currency's minor unit; at least 1.
    #[schemars(range(min = 1))]
    pub amount_cents: u64,
    /// ISO 4217 code: three upper-case letters.
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub currency: String,
}

/// What the webhook answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Receipt {
    /// The order id, echoed.
    pub order_id: String,
    /// Always `created`.
    pub status: String,
    /// A fresh id for every run of the function body: a redelivered order
    /// that runs again gets a new one.
    pub execution_id: String,
}

/// Creates the order and answers `201 Created` with a [`Receipt`].
///
/// The gateway routes `POST /orders` here; the body is already validated
/// against [`NewOrder`]'s schema when this runs.
///
/// Idempotent on `order_id` for 24 hours: a shop that posts the same order
/// again (its first request timed out, say) gets the first receipt back,
/// same `execution_id`, with `idempotent-replayed: true`; the order is
/// created once. Reusing an `order_id` with another amount or currency is
/// a `409 Conflict`. The records live in the store `FAAS_IDEMPOTENCY_STORE`
/// names: `memory` (the default), `redis://…`, or `dynamodb://<table>`.
#[faas::handler(idempotency(
    key = "/order_id",
    ttl = "24h",
    validate = ["/amount_cents", "/currency"]
))]
pub async fn create_order(
    Json(order): Json<NewOrder>,
    ctx: &Context,
) -> Result<HttpResponse, FunctionError> {
    let receipt = Receipt {
        order_id: order.order_id,
        status: "created".to_owned(),
        execution_id: uuid::Uuid::new_v4().to_string(),
    };
    tracing::info!(
        order_id = %receipt.order_id,
        amount_cents = order.amount_cents,
        currency = %order.currency,
        correlation_id = ctx.correlation_id(),
        "order created"
    );
    HttpResponse::json(StatusCode::CREATED, &receipt)
}
