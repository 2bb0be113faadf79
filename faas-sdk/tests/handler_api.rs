//! The handler API at run time: an HTTP request with a validated,
//! idempotency-keyed JSON body and its parts; record contracts without
//! `batch`; the context under another name; which kind each error type
//! becomes; `http` types in and out.

use faas::Context as Ctx;
use faas::prelude::*;
use faas_testkit::{events, harness};
use serde_json::json;

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct NewOrder {
    order_id: String,
    #[schemars(range(min = 1))]
    amount_cents: u64,
}

#[faas::handler(idempotency(key = "/order_id"))]
async fn create(
    req: HttpRequest<Json<NewOrder>>,
    ctx: &Ctx,
) -> Result<HttpResponse, FunctionError> {
    let order = req.body();
    HttpResponse::json(
        faas::http::StatusCode::CREATED,
        &json!({
            "order_id": order.order_id,
            "tenant": req.header("x-tenant"),
            "shop": req.path_param("shop"),
            "dry_run": req.query("dry_run"),
            "path": req.path(),
            "request_id": ctx.request_id(),
            "execution": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

#[tokio::test]
async fn a_request_has_its_parts_and_a_validated_keyed_body() {
    let mut fx = harness(create {});
    let event = events::http_post(
        "/shops/s-1/orders",
        json!({"order_id": "o-1", "amount_cents": 5}),
    )
    .header("x-tenant", "acme")
    .query("dry_run", "no")
    .path_param("shop", "s-1");
    let first = fx.invoke(&event).await;
    assert_eq!(first.status(), Some(201), "{:?}", first.outcome());
    let body = first.body_json();
    assert_eq!(body["order_id"], "o-1");
    assert_eq!(body["tenant"], "acme");
    assert_eq!(body["shop"], "s-1");
    assert_eq!(body["dry_run"], "no");
    assert_eq!(body["path"], "/shops/s-1/orders");

    // Keyed on the body: the duplicate replays.
    let again = fx.invoke(&event).await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body_json()["execution"], body["execution"]);
    assert_eq!(fx.executions(), 1);

    // Validated against the body type's schema before anything runs.
    let invalid = fx
        .invoke(events::http_post(
            "/shops/s-1/orders",
            json!({"order_id": "o-2", "amount_cents": 0}),
        ))
        .await;
    assert_eq!(invalid.status(), Some(400));
    assert_eq!(
        invalid.body_json()["violations"][0]["pointer"],
        "/amount_cents"
    );
    assert_eq!(fx.executions(), 1);
}

#[derive(Deserialize)]
struct Job {
    job_id: String,
}

#[faas::handler]
async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
    match job.body.job_id.as_str() {
        "bad" => Err(FunctionError::permanent("cannot do this job")),
        _ => Ok(()),
    }
}

#[tokio::test]
async fn a_record_contract_runs_once_per_record_without_batch() {
    let mut fx = harness(work {});
    let batch = events::sqs()
        .message(json!({"job_id": "ok"}))
        .message(json!({"job_id": "bad"}))
        .message(json!({"job_id": "ok-too"}));
    let ids = batch.message_ids();
    let res = fx.invoke(batch).await;
    assert_eq!(res.batch_failures(), [ids[1].clone()]);
    assert_eq!(fx.executions(), 3);
}

#[faas::handler]
async fn who_am_i(_: serde_json::Value, ctx: &Ctx) -> Result<String, FunctionError> {
    Ok(ctx.request_id().to_owned())
}

struct Greeting(&'static str);

#[faas::handler]
async fn greet(_: serde_json::Value, greeting: &Greeting) -> Result<&'static str, FunctionError> {
    Ok(greeting.0)
}

#[tokio::test]
async fn the_context_is_told_by_its_type_under_any_name() {
    let mut fx = harness(who_am_i {});
    let info = faas::InvocationInfo::default().with_request_id("req-42");
    let res = fx.invoke_with(json!(null), info).await;
    assert_eq!(res.body_json(), "req-42");

    let mut fx = harness(greet {}).with_state(Greeting("hello"));
    assert_eq!(fx.invoke(json!(null)).await.body_json(), "hello");
}

#[faas::handler]
async fn parse_setting(_: serde_json::Value) -> Result<u64, std::num::ParseIntError> {
    "many".parse()
}

#[faas::handler]
async fn parse_input(text: String) -> Result<u64, FunctionError> {
    text.parse().map_err(FunctionError::bad_input)
}

#[faas::handler]
async fn boxed(_: serde_json::Value) -> Result<(), faas::BoxError> {
    Err(Box::new(FunctionError::too_many_requests("slow down")))
}

#[tokio::test]
async fn an_error_is_internal_unless_the_code_says_which_kind_it_is() {
    let kind = |res: faas_testkit::Invoked| res.error().map(FunctionError::kind);
    let mut fx = harness(parse_setting {});
    assert_eq!(
        kind(fx.invoke(json!(null)).await),
        Some(ErrorKind::Internal)
    );
    let mut fx = harness(parse_input {});
    assert_eq!(kind(fx.invoke(json!("x")).await), Some(ErrorKind::BadInput));
    let mut fx = harness(boxed {});
    assert_eq!(
        kind(fx.invoke(json!(null)).await),
        Some(ErrorKind::TooManyRequests),
        "a boxed FunctionError keeps its kind"
    );
}

#[faas::handler]
async fn echo_headers(req: HttpRequest) -> Result<HttpResponse, FunctionError> {
    // Code written for `http` types takes the request as one.
    let request: faas::http::Request<bytes::Bytes> = req.into();
    let mut response = faas::http::Response::new(request.body().clone());
    response.headers_mut().insert(
        "x-echo",
        request
            .headers()
            .get("x-in")
            .cloned()
            .unwrap_or(faas::http::HeaderValue::from_static("none")),
    );
    Ok(HttpResponse::from(response))
}

#[tokio::test]
async fn http_types_go_in_and_come_out_unchanged() {
    let mut fx = harness(echo_headers {});
    let request = faas::http::Request::post("/echo")
        .header("x-in", "v-1")
        .body(bytes::Bytes::from_static(b"payload"))
        .unwrap();
    let res = fx.invoke(faas::wire::Incoming::from(request)).await;
    assert_eq!(res.status(), Some(200));
    assert_eq!(res.header("x-echo").as_deref(), Some("v-1"));
    assert_eq!(&res.body()[..], b"payload");
}
