//! An order webhook: a shop `POST`s an order to `/orders`; the function
//! validates it against the order contract and answers `201 Created` with a
//! receipt.
//!
//! Only the shop may post: when `ORDERS_API_KEY` is set, a request without
//! that key in its `x-api-key` header gets `401` before anything else runs
//! (see [`api_key_check`]).
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

use faas::contract::Unit;
use faas::http::StatusCode;
use faas::layer::{Check, Request, check};
use faas::prelude::*;
use sha2::{Digest as _, Sha256};

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

/// The setting that holds the key shops must send in `x-api-key`.
pub const API_KEY_VARIABLE: &str = "ORDERS_API_KEY";

/// The layer that lets only the shop in: when `ORDERS_API_KEY` is set (and
/// not empty), a request whose `x-api-key` header is not that key is a
/// `401` problem document, before validation and idempotency run (so it
/// never claims an order's key); unset, every request passes.
///
/// The key is compared as its SHA-256 digest, so the time the comparison
/// takes tells an attacker nothing about the key; the key never appears in
/// an answer or a log.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use faas_testkit::{events, harness};
///
/// let config = faas::Config::from_pairs([("ORDERS_API_KEY", "k-1")]);
/// let mut fx = harness(order_webhook::create_order {}).layer(order_webhook::api_key_check(&config));
/// let order = serde_json::json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"});
/// let refused = fx.invoke(events::http_post("/orders", order.clone())).await;
/// assert_eq!(refused.status(), Some(401));
/// let created = fx.invoke(events::http_post("/orders", order).header("x-api-key", "k-1")).await;
/// assert_eq!(created.status(), Some(201));
/// # });
/// ```
pub fn api_key_check(
    config: &Config,
) -> Check<impl Fn(&Request<dyn Unit>) -> Result<(), FunctionError> + Send + Sync + use<>> {
    let expected = config
        .get(API_KEY_VARIABLE)
        .filter(|key| !key.is_empty())
        .map(|key| Sha256::digest(key.as_bytes()));
    check(move |request: &Request<dyn Unit>| {
        let Some(expected) = &expected else {
            return Ok(());
        };
        let given = request.header("x-api-key").unwrap_or_default();
        if Sha256::digest(given.as_bytes()) == *expected {
            Ok(())
        } else {
            Err(FunctionError::unauthorized(
                "this webhook needs the shop's API key in the x-api-key header",
            ))
        }
    })
}
