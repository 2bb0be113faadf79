//! Layers of your own, through the production path: where each kind sits
//! in the stack, and that a check before validation claims no idempotency
//! key. (`tower` layers through the adapter: `tower_layers.rs`.)

use std::sync::{Arc, Mutex};

use faas::contract::Unit;
use faas::idempotency::{IdempotencyStore, MemoryStore};
use faas::layer::{Layer, Next, Request, Service, check, from_fn};
use faas::prelude::*;
use faas::reply::Reply;
use faas_testkit::{events, harness};
use serde_json::json;

#[derive(Deserialize, JsonSchema)]
struct Order {
    order_id: String,
    #[schemars(range(min = 1))]
    amount_cents: u64,
}

#[faas::handler(idempotency(key = "/order_id"))]
async fn create(Json(order): Json<Order>) -> Result<String, FunctionError> {
    Ok(format!("{} for {}", order.order_id, order.amount_cents))
}

fn needs_key(request: &Request<dyn Unit>) -> Result<(), FunctionError> {
    match request.header("x-api-key") {
        Some("k") => Ok(()),
        _ => Err(FunctionError::unauthorized("no valid x-api-key")),
    }
}

#[tokio::test]
async fn a_check_runs_before_validation_and_claims_no_key() {
    let store = Arc::new(MemoryStore::new());
    let mut fx = harness(create {})
        .idempotency_store(Arc::clone(&store) as Arc<dyn IdempotencyStore>)
        .layer(check(needs_key));

    // Invalid and without a key: refused as unauthorized, not as bad input.
    let invalid = events::http_post("/orders", json!({"order_id": "o-1", "amount_cents": 0}));
    assert_eq!(fx.invoke(invalid).await.status(), Some(401));
    // Valid, without a key: refused, and the order's key stays free.
    let order = json!({"order_id": "o-1", "amount_cents": 5});
    let refused = fx.invoke(events::http_post("/orders", order.clone())).await;
    assert_eq!(refused.status(), Some(401));
    assert_eq!(refused.body_json()["kind"], "unauthorized");
    assert_eq!(
        store.len(),
        0,
        "a refused request claimed its idempotency key"
    );
    assert_eq!(fx.executions(), 0);

    let accepted = fx
        .invoke(events::http_post("/orders", order).header("x-api-key", "k"))
        .await;
    assert_eq!(accepted.status(), Some(200));
    assert_eq!(accepted.header("idempotent-replayed"), None);
    assert_eq!(store.len(), 1);
    // The failure was logged inside the unit's span, with its kind.
    let failed = refused
        .logs_containing("unit of work failed")
        .next()
        .expect("a failure line");
    assert_eq!(failed.field("error.kind"), Some("unauthorized"));
}

/// A layer that records its name, and the span it runs in, before and
/// after the rest of the stack.
struct Recording {
    name: &'static str,
    calls: Arc<Mutex<Vec<String>>>,
}

fn recording(name: &'static str, calls: &Arc<Mutex<Vec<String>>>) -> Recording {
    Recording {
        name,
        calls: Arc::clone(calls),
    }
}

impl<S> Layer<S> for Recording {
    type Service = Recorded<S>;
    fn layer(&self, inner: S) -> Recorded<S> {
        Recorded {
            name: self.name,
            calls: Arc::clone(&self.calls),
            inner,
        }
    }
}

struct Recorded<S> {
    name: &'static str,
    calls: Arc<Mutex<Vec<String>>>,
    inner: S,
}

impl<U: Send + 'static, S: Service<U>> Service<U> for Recorded<S> {
    async fn call(&self, request: Request<U>) -> Result<Reply, FunctionError> {
        let span = tracing::Span::current()
            .metadata()
            .map_or("no span", |span| span.name());
        let record = |what: String| self.calls.lock().unwrap().push(what);
        record(format!("{} in {span}", self.name));
        let reply = self.inner.call(request).await;
        record(format!("{} done", self.name));
        reply
    }
}

#[faas::handler]
async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> {
    Ok("pong")
}

#[tokio::test]
async fn layers_run_outermost_first_around_telemetry_or_inside_it() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut fx = harness(ping {})
        .layer(recording("a", &calls))
        .layer(recording("b", &calls))
        .around(recording("outer", &calls));
    assert_eq!(fx.invoke(json!(null)).await.body_json(), "pong");
    assert_eq!(
        *calls.lock().unwrap(),
        [
            "outer in invocation",
            "a in unit",
            "b in unit",
            "b done",
            "a done",
            "outer done"
        ]
    );
}

#[tokio::test]
async fn a_closure_layer_can_answer_for_the_rest_of_the_stack() {
    let cached = from_fn(|request: Request<_>, next: Next<_>| async move {
        if request.header("x-cached").is_some() {
            return Ok(Reply::Http(HttpResponse::text(
                faas::http::StatusCode::OK,
                "from cache",
            )));
        }
        next.run(request).await
    });
    let mut fx = harness(create {}).layer(cached);
    let order = json!({"order_id": "o-9", "amount_cents": 5});
    let hit = fx
        .invoke(events::http_post("/orders", order.clone()).header("x-cached", "1"))
        .await;
    assert_eq!(&hit.body()[..], b"from cache");
    assert_eq!(fx.executions(), 0);
    let miss = fx.invoke(events::http_post("/orders", order)).await;
    assert_eq!(miss.body_json(), "o-9 for 5");
    assert_eq!(fx.executions(), 1);
}
