//! What `#[faas::handler]` and `#[faas::init]` generate, at run time: the
//! function stays callable, `Handler::config()` reports name, version,
//! concurrency and schema, and invoking through `faas::Function` reaches
//! the user's function with its state and context.

use std::sync::atomic::{AtomicU64, Ordering};

use faas::prelude::*;
use faas::reply::Outcome;
use faas::validation::SchemaSource;
use faas::{Function, Handler, HandlerConfig, Init, InvocationInfo};
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct NewOrder {
    order_id: String,
    #[schemars(range(min = 1))]
    amount_cents: u64,
}

#[derive(Deserialize)]
struct Untyped {
    note: String,
}

#[derive(Serialize)]
struct Receipt {
    order_id: String,
    status: &'static str,
}

#[faas::handler]
async fn create_order(order: NewOrder, ctx: &Context) -> Result<Receipt, FunctionError> {
    if order.amount_cents > 1_000_000 {
        return Err(FunctionError::bad_input("amount_cents is too large"));
    }
    let status = if ctx.function_name() == "create_order" {
        "created"
    } else {
        "misnamed"
    };
    Ok(Receipt {
        order_id: order.order_id,
        status,
    })
}

#[faas::handler(name = "notes")]
async fn take_note(Json(untyped): Json<Untyped>) -> Result<String, FunctionError> {
    Ok(untyped.note)
}

#[faas::handler]
async fn http_echo(req: HttpRequest) -> Result<HttpResponse, FunctionError> {
    Ok(HttpResponse::text(faas::http::StatusCode::OK, req.path()))
}

#[faas::handler(batch(concurrency = 8))]
async fn ship(order: QueueMessage<NewOrder>) -> Result<(), FunctionError> {
    match order.body.order_id.as_str() {
        "lost" => Err(FunctionError::not_found("no such order")),
        _ => Ok(()),
    }
}

#[faas::handler(schema = "tests/ui/pass/order.schema.json")]
async fn validated(order: Value) -> Result<Value, FunctionError> {
    Ok(order)
}

/// State built by `init` below, shared by every invocation.
struct Counter {
    start: u64,
    calls: AtomicU64,
}

#[faas::init]
async fn init(cfg: &Config) -> Result<Counter, ConfigError> {
    let start = cfg.parse_or("COUNTER_START", 0_u64)?;
    Ok(Counter {
        start,
        calls: AtomicU64::new(0),
    })
}

#[faas::init]
async fn init_without_config() -> Result<Counter, std::io::Error> {
    Ok(Counter {
        start: 100,
        calls: AtomicU64::new(0),
    })
}

#[faas::handler]
async fn count(step: u64, counter: &Counter) -> Result<u64, FunctionError> {
    let calls = counter.calls.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(counter.start + calls * step)
}

#[faas::init]
async fn init_needs_secret(cfg: &Config) -> Result<Counter, ConfigError> {
    let start = cfg.require("FAAS_MACROS_TEST_NEVER_SET")?.len() as u64;
    Ok(Counter {
        start,
        calls: AtomicU64::new(0),
    })
}

#[derive(Debug, thiserror::Error)]
#[error("the store is busy")]
struct Busy;

impl From<Busy> for FunctionError {
    fn from(err: Busy) -> Self {
        FunctionError::transient(err)
    }
}

#[faas::handler]
async fn always_busy(_: Value) -> Result<(), Busy> {
    Err(Busy)
}

fn config(handler: impl Handler) -> HandlerConfig {
    handler.config()
}

fn schema_name(handler: impl Handler) -> Option<String> {
    match handler.config().schema? {
        SchemaSource::Derived { name, .. } => Some(name.to_owned()),
        SchemaSource::File { path, .. } => Some(path.to_owned()),
        other => panic!("unexpected schema source {other:?}"),
    }
}

async fn invoke<H: Handler>(function: &Function<H>, event: Value) -> Outcome {
    function
        .invoke(event.into(), InvocationInfo::default())
        .await
}

fn json_reply(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Json(bytes) => serde_json::from_slice(&bytes).unwrap(),
        other => panic!("expected a JSON reply, got {other:?}"),
    }
}

fn failure(outcome: Outcome) -> FunctionError {
    match outcome {
        Outcome::Failed(err) => err,
        other => panic!("expected a failed invocation, got {other:?}"),
    }
}

#[tokio::test]
async fn the_functions_stay_callable_by_their_own_names() {
    let ctx = Context::builder().function("create_order", "1").build();
    let order = NewOrder {
        order_id: "o-1".into(),
        amount_cents: 5,
    };
    let receipt = create_order(order, &ctx).await.unwrap();
    assert_eq!(
        (receipt.order_id.as_str(), receipt.status),
        ("o-1", "created")
    );

    let counter = init(&Config::from_pairs([("COUNTER_START", "10")]))
        .await
        .unwrap();
    assert_eq!(count(5, &counter).await.unwrap(), 15);
    assert_eq!(init_without_config().await.unwrap().start, 100);
    assert!(matches!(always_busy(Value::Null).await, Err(Busy)));
}

#[test]
fn the_name_is_the_function_name_unless_given() {
    assert_eq!(config(create_order {}).name, "create_order");
    assert_eq!(config(ship {}).name, "ship");
    assert_eq!(config(take_note {}).name, "notes");
}

#[test]
fn the_version_is_the_version_of_the_crate_defining_the_handler() {
    assert_eq!(config(create_order {}).version, env!("CARGO_PKG_VERSION"));
    assert_eq!(config(take_note {}).version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn concurrency_is_one_unless_batch_sets_it() {
    assert_eq!(config(create_order {}).concurrency, 1);
    assert_eq!(config(ship {}).concurrency, 8);
}

#[test]
fn a_schema_is_derived_only_from_payloads_that_derive_json_schema() {
    assert_eq!(schema_name(create_order {}).as_deref(), Some("NewOrder"));
    assert_eq!(
        schema_name(ship {}).as_deref(),
        Some("NewOrder"),
        "the payload inside QueueMessage"
    );
    assert_eq!(
        schema_name(take_note {}),
        None,
        "Untyped does not derive JsonSchema"
    );
    assert_eq!(
        schema_name(http_echo {}),
        None,
        "HttpRequest has no payload type"
    );
    assert_eq!(
        schema_name(validated {}).as_deref(),
        Some("tests/ui/pass/order.schema.json"),
        "the file wins over Value's own schema"
    );
}

#[tokio::test]
async fn a_schema_file_rejects_invalid_payloads_listing_every_violation() {
    let function = Function::builder(validated {}).build().unwrap();
    let err = failure(invoke(&function, json!({"amount_cents": 0, "currency": "eur"})).await);
    assert_eq!(err.kind(), ErrorKind::BadInput);
    let mut pointers: Vec<&str> = err
        .violations()
        .iter()
        .map(|v| v.pointer.as_str())
        .collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        ["", "/amount_cents", "/currency"],
        "{:?}",
        err.violations()
    );
    assert!(err.to_string().contains("version 1"), "{err}");
    assert_eq!(function.executions(), 0, "the handler never ran");

    let valid = json!({"order_id": "o-1", "amount_cents": 5, "currency": "EUR"});
    assert_eq!(json_reply(invoke(&function, valid.clone()).await), valid);
    assert_eq!(function.executions(), 1);
}

#[tokio::test]
async fn a_derived_schema_is_checked_before_the_handler_runs() {
    let function = Function::builder(create_order {}).build().unwrap();
    let err = failure(invoke(&function, json!({"order_id": 7, "amount_cents": 0})).await);
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(err.violations().len(), 2, "{:?}", err.violations());
    assert_eq!(function.executions(), 0);
}

#[tokio::test]
async fn a_stateless_handler_is_invoked_with_its_context() {
    let function = Function::builder(create_order {}).build().unwrap();
    let reply =
        json_reply(invoke(&function, json!({"order_id": "o-9", "amount_cents": 500})).await);
    assert_eq!(reply, json!({"order_id": "o-9", "status": "created"}));
    let err = failure(
        invoke(
            &function,
            json!({"order_id": "o-9", "amount_cents": 2_000_000}),
        )
        .await,
    );
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(err.to_string(), "amount_cents is too large");
}

#[tokio::test]
async fn a_json_handler_is_invoked_over_http() {
    let function = Function::builder(take_note {}).build().unwrap();
    let request = HttpRequest::new(
        faas::http::Method::POST,
        "/notes",
        faas::http::HeaderMap::new(),
        r#"{"note": "buy milk"}"#,
    );
    let outcome = function
        .invoke(request.into(), InvocationInfo::default())
        .await;
    let Outcome::Http(response) = outcome else {
        panic!("expected an HTTP reply, got {outcome:?}")
    };
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), br#""buy milk""#);
}

#[tokio::test]
async fn a_batch_handler_runs_once_per_record() {
    let function = Function::builder(ship {}).build().unwrap();
    let record = |id: &str, order_id: &str| {
        let body = json!({"order_id": order_id, "amount_cents": 1}).to_string();
        json!({"messageId": id, "eventSource": "aws:sqs", "body": body})
    };
    let event = json!({"Records": [record("m-1", "a"), record("m-2", "lost"), record("m-3", "b")]});
    let reply = json_reply(invoke(&function, event).await);
    assert_eq!(
        reply,
        json!({"batchItemFailures": [{"itemIdentifier": "m-2"}]})
    );
    assert_eq!(function.executions(), 3);
}

#[tokio::test]
async fn a_stateful_handler_shares_the_state_init_built() {
    let state = init {}
        .init(&Config::from_pairs([("COUNTER_START", "40")]))
        .await
        .unwrap();
    let function = Function::builder_with_state(count {}, state)
        .build()
        .unwrap();
    assert_eq!(json_reply(invoke(&function, json!(1)).await), json!(41));
    assert_eq!(json_reply(invoke(&function, json!(1)).await), json!(42));
    assert_eq!(json_reply(invoke(&function, json!(10)).await), json!(70));
}

#[tokio::test]
async fn init_reads_the_config_it_is_given() {
    let default = init {}.init(&Config::default()).await.unwrap();
    assert_eq!(default.start, 0);
    let without_config = init_without_config {}
        .init(&Config::from_pairs([("COUNTER_START", "7")]))
        .await;
    assert_eq!(without_config.unwrap().start, 100);
}

#[tokio::test]
async fn an_init_error_is_returned_not_panicked() {
    let result = init {}
        .init(&Config::from_pairs([("COUNTER_START", "many")]))
        .await;
    let Err(err) = result else {
        panic!("an invalid COUNTER_START was accepted")
    };
    let config_error = err
        .downcast_ref::<ConfigError>()
        .expect("the init function's own error");
    assert!(matches!(config_error, ConfigError::Invalid { key, .. } if key == "COUNTER_START"));
    assert!(err.to_string().contains("\"many\""), "{err}");
}

#[tokio::test]
async fn start_up_stops_with_the_init_error() {
    let result = faas::runtime::serve(count {})
        .init(init_needs_secret {})
        .run()
        .await;
    let Err(err) = result else {
        panic!("start-up succeeded without its secret")
    };
    assert!(matches!(err, faas::StartError::Init(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "init failed: environment variable FAAS_MACROS_TEST_NEVER_SET is not set"
    );
}

#[tokio::test]
async fn a_custom_error_type_converts_into_function_error() {
    let function = Function::builder(always_busy {}).build().unwrap();
    let err = failure(invoke(&function, json!(null)).await);
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert_eq!(err.to_string(), "the store is busy");
    assert!(err.downcast_ref::<Busy>().is_some());
}
