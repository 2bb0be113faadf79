//! The Azure Functions custom handler over real HTTP, on a free loopback
//! port, called exactly as the Functions host calls it: `GET /` until it
//! answers, then `POST /<FunctionName>` with the request payload of each
//! trigger (built by `faas_testkit::events::azure_*` in the spelling the
//! host really uses: see the notes atop `faas-sdk/src/contract/azure.rs`),
//! or the client's request itself in forwarding mode.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use faas::layer::Service;
use faas::payload::Text;
use faas::prelude::*;
use faas::{Function, Handler};
use faas_testkit::events::{self, AzureHostRequest};
use faas_testkit::local::{HttpReply, send};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A custom handler serving one function on `127.0.0.1:<free port>`.
struct CustomHandler {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), faas::StartError>>,
}

impl CustomHandler {
    async fn start<H, S>(function: &Arc<Function<H, S>>) -> CustomHandler
    where
        H: Handler,
        S: Service<<H::Event as faas::contract::FromEvent>::Unit>,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(faas::azure::serve_listener(
            listener,
            Arc::clone(function),
            faas::azure::DEFAULT_MAX_BODY_BYTES,
            async move {
                let _ = stopped.await;
            },
        ));
        CustomHandler { addr, stop, task }
    }

    async fn invoke(&self, request: &AzureHostRequest) -> HttpReply {
        request.send(self.addr).await.unwrap()
    }

    /// Posts `body` to `path` as the host would, with an invocation id.
    async fn post(&self, path: &str, body: &str) -> HttpReply {
        let headers = [
            (
                "X-Azure-Functions-InvocationId",
                "5f2ad1d4-8c1e-4ac2-9d33-0f6f4d2b1a10",
            ),
            ("Content-Type", "application/json; charset=utf-8"),
        ];
        send(self.addr, "POST", path, &headers, body.as_bytes())
            .await
            .unwrap()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// What the handlers saw, for the test to check.
#[derive(Default)]
struct Seen(Mutex<Vec<Value>>);

impl Seen {
    fn push(&self, value: Value) {
        self.0.lock().unwrap().push(value);
    }

    fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Answers `201` with what it received; `?fail` makes it a `409`.
#[faas::handler]
async fn echo(req: HttpRequest, ctx: &Context) -> Result<HttpResponse, FunctionError> {
    if req.query("fail").is_some() {
        return Err(FunctionError::conflict("order o-7 exists already"));
    }
    let received = json!({
        "method": req.method().as_str(),
        "path": req.path(),
        "tags": req.query_all("tag").collect::<Vec<_>>(),
        "trace": req.header("x-trace"),
        "cookie": req.cookie("session"),
        "id": req.path_param("id"),
        "body": req.body_text()?,
        "request_id": ctx.request_id(),
    });
    Ok(
        HttpResponse::json(faas::http::StatusCode::CREATED, &received)?.with_header(
            faas::http::HeaderName::from_static("x-echo"),
            faas::http::HeaderValue::from_static("1"),
        ),
    )
}

#[derive(Debug, Deserialize, Serialize)]
struct Job {
    job_id: String,
    action: String,
}

#[faas::handler(batch)]
async fn process_job(
    msg: QueueMessage<Job>,
    seen: &Seen,
    ctx: &Context,
) -> Result<(), FunctionError> {
    seen.push(json!({
        "id": msg.id,
        "job": msg.body,
        "receive_count": msg.receive_count,
        "attempt": ctx.delivery_attempt(),
        "request_id": ctx.request_id(),
    }));
    match msg.body.action.as_str() {
        "fail" => Err(FunctionError::transient("the thumbnail service is down")),
        "poison" => Err(FunctionError::permanent("this job can never succeed")),
        _ => Ok(()),
    }
}

#[faas::handler(batch)]
async fn log_line(msg: QueueMessage<Text>, seen: &Seen) -> Result<(), FunctionError> {
    seen.push(json!(msg.body.as_str()));
    Ok(())
}

#[faas::handler(batch)]
async fn on_upload(blob: StorageEvent, seen: &Seen) -> Result<(), FunctionError> {
    let content = faas::azure::blob_content(&blob)?;
    seen.push(json!({
        "container": blob.bucket,
        "name": blob.key,
        "size": blob.size,
        "etag": blob.etag,
        "content": String::from_utf8_lossy(&content),
    }));
    Ok(())
}

#[faas::handler]
async fn nightly(tick: ScheduleEvent) -> Result<String, FunctionError> {
    Ok(format!(
        "{} at {}",
        tick.id,
        tick.scheduled_time.to_rfc3339()
    ))
}

fn with_seen<H: Handler<State = Seen>>(handler: H) -> Arc<Function<H>> {
    Arc::new(
        Function::builder_with_state(handler, Seen::default())
            .build()
            .unwrap(),
    )
}

fn stateless<H: Handler<State = ()>>(handler: H) -> Arc<Function<H>> {
    Arc::new(Function::builder(handler).build().unwrap())
}

fn detail(reply: &HttpReply) -> String {
    reply.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_readiness_probe_is_answered_and_other_routes_are_refused() {
    let function = with_seen(process_job {});
    let handler = CustomHandler::start(&function).await;
    // The host polls `GET /` without an invocation id until anything answers.
    let probe = send(handler.addr, "GET", "/", &[], b"").await.unwrap();
    assert_eq!(probe.status, 200);
    let get = send(handler.addr, "GET", "/jobs", &[], b"").await.unwrap();
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
    let nested = handler
        .post(
            "/jobs/extra",
            &events::azure_queue_text("x").build().to_string(),
        )
        .await;
    assert_eq!(nested.status, 404);
    assert_eq!(
        nested.header("content-type"),
        Some("application/problem+json")
    );
    assert!(
        detail(&nested).contains("POST /<FunctionName>"),
        "{nested:?}"
    );
    assert_eq!(function.executions(), 0);
    handler.stop().await;

    let function = stateless(echo {});
    let handler = CustomHandler::start(&function).await;
    let probe = send(handler.addr, "GET", "/", &[], b"").await.unwrap();
    assert_eq!((probe.status, function.executions()), (200, 0));
    handler.stop().await;
}

#[tokio::test]
async fn an_http_trigger_answers_in_outputs_res() {
    let function = stateless(echo {});
    let handler = CustomHandler::start(&function).await;
    let order = json!({"order_id": "o-7", "amount_cents": 1250});
    let trigger = events::azure_http("POST", "/api/orders/o-7")
        .function("orders")
        .param("id", "o-7")
        .query("tag", "a")
        .query("tag", "b c")
        .header("X-Trace", "t-1")
        .header("Cookie", "session=s-1")
        .json(order.clone());
    let request = trigger.host_request();
    assert_eq!(request.target, "/orders");
    let reply = handler.invoke(&request).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let payload = reply.json();
    assert_eq!(payload["Logs"], json!([]));
    let res = &payload["Outputs"]["res"];
    assert_eq!(res["statusCode"], 201);
    assert_eq!(res["headers"]["content-type"], "application/json");
    assert_eq!(res["headers"]["x-echo"], "1");
    assert_eq!(
        payload["ReturnValue"], *res,
        "for an `http` output named `$return`"
    );
    let received: Value = serde_json::from_str(res["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        received,
        json!({
            "method": "POST", "path": "/api/orders/o-7", "tags": ["a", "b c"], "trace": "t-1",
            "cookie": "s-1", "id": "o-7", "body": order.to_string(),
            "request_id": request.invocation_id().unwrap(),
        })
    );
    handler.stop().await;
}

#[tokio::test]
async fn http_trigger_errors_are_problem_documents_in_outputs_res() {
    let function = stateless(echo {});
    let handler = CustomHandler::start(&function).await;
    let request = events::azure_http("GET", "/api/orders")
        .query("fail", "1")
        .host_request();
    let reply = handler.invoke(&request).await;
    // The invocation worked: the function's answer is a 409 for the client.
    assert_eq!(reply.status, 200);
    let res = &reply.json()["Outputs"]["res"];
    assert_eq!(res["statusCode"], 409);
    assert_eq!(res["headers"]["content-type"], "application/problem+json");
    let problem: Value = serde_json::from_str(res["body"].as_str().unwrap()).unwrap();
    assert_eq!(problem["kind"], "conflict");
    assert_eq!(problem["detail"], "order o-7 exists already");
    assert_eq!(problem["request_id"], request.invocation_id().unwrap());
    handler.stop().await;
}

#[tokio::test]
async fn forwarded_http_requests_answer_plain_http() {
    let function = stateless(echo {});
    let handler = CustomHandler::start(&function).await;
    let trigger = events::azure_http("PUT", "/api/orders/o-7")
        .query("tag", "x")
        .header("X-Trace", "t-2")
        .json(json!({"order_id": "o-7"}));
    let forwarded = trigger.forwarded();
    assert_eq!(forwarded.target, "/api/orders/o-7?tag=x");
    let reply = handler.invoke(&forwarded).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.header("x-echo"), Some("1"));
    let received = reply.json();
    assert_eq!(received["method"], "PUT");
    assert_eq!(received["path"], "/api/orders/o-7");
    assert_eq!(received["tags"], json!(["x"]));
    assert_eq!(received["trace"], "t-2");
    assert_eq!(received["body"], r#"{"order_id":"o-7"}"#);
    assert_eq!(received["request_id"], forwarded.invocation_id().unwrap());

    // A forwarded `POST` whose JSON body is not a request payload, at a
    // one-segment route (`"routePrefix": ""`), is the client's request too.
    let order = events::azure_http("POST", "/orders").json(json!({"order_id": "o-8"}));
    let reply = handler.invoke(&order.forwarded()).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.json()["path"], "/orders");

    // Errors are plain problem documents; `GET /` from the host is forwarded, not a probe.
    let failing = events::azure_http("GET", "/api/orders").query("fail", "1");
    let reply = handler.invoke(&failing.forwarded()).await;
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    let root = events::azure_http("GET", "/");
    let reply = handler.invoke(&root.forwarded()).await;
    assert_eq!(
        (reply.status, reply.json()["path"].as_str()),
        (201, Some("/"))
    );
    assert_eq!(function.executions(), 4);
    handler.stop().await;
}

#[tokio::test]
async fn a_queue_message_runs_once_with_its_dequeue_count() {
    let function = with_seen(process_job {});
    let handler = CustomHandler::start(&function).await;
    let trigger = events::azure_queue(json!({"job_id": "j-1", "action": "resize"}))
        .function("jobs")
        .binding("job")
        .dequeue_count(3);
    let request = trigger.host_request();
    let reply = handler.invoke(&request).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"Outputs": {}, "Logs": [], "ReturnValue": null})
    );
    // The host's invocation id is the request id, in logs and in the answer.
    assert_eq!(reply.header("x-request-id"), request.invocation_id());
    assert_eq!(
        function.state().take(),
        [json!({
            "id": trigger.message_id(),
            "job": {"job_id": "j-1", "action": "resize"},
            "receive_count": 3,
            "attempt": 3,
            "request_id": request.invocation_id().unwrap(),
        })]
    );
    handler.stop().await;
}

#[tokio::test]
async fn text_and_binary_queue_messages_decode_as_text() {
    let function = with_seen(log_line {});
    let handler = CustomHandler::start(&function).await;
    for trigger in [
        events::azure_queue_text("disk \"sda\" at 91%"),
        events::azure_queue_bytes("disk \"sda\" at 91%".as_bytes()),
    ] {
        let reply = handler.invoke(&trigger.host_request()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    assert_eq!(
        function.state().take(),
        [json!("disk \"sda\" at 91%"), json!("disk \"sda\" at 91%")]
    );
    handler.stop().await;
}

#[tokio::test]
async fn failed_queue_messages_answer_non_2xx_so_the_host_retries() {
    let function = with_seen(process_job {});
    let handler = CustomHandler::start(&function).await;
    let cases = [("fail", 503, "transient"), ("poison", 422, "permanent")];
    for (action, status, kind) in cases {
        let trigger = events::azure_queue(json!({"job_id": "j-2", "action": action}));
        let reply = handler.invoke(&trigger.host_request()).await;
        assert_eq!(reply.status, status, "{action}: {reply:?}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(reply.json()["kind"], kind);
    }
    // A message that is not a job fails before the handler runs.
    let bad = events::azure_queue(json!({"job_id": 7}));
    let reply = handler.invoke(&bad.host_request()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["violations"][0]["pointer"], "/job_id");
    assert_eq!(function.executions(), 2);
    handler.stop().await;
}

#[tokio::test]
async fn a_blob_trigger_is_a_storage_event_with_its_content() {
    let function = with_seen(on_upload {});
    let handler = CustomHandler::start(&function).await;
    let trigger = events::azure_blob("uploads", "reports/Q1 2026.csv")
        .content(b"region,total\neu,12\n")
        .etag("\"0x8DE4C1F2A3B4C5D\"");
    let reply = handler.invoke(&trigger.host_request()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        function.state().take(),
        [json!({
            "container": "uploads", "name": "reports/Q1 2026.csv", "size": 19,
            "etag": "\"0x8DE4C1F2A3B4C5D\"", "content": "region,total\neu,12\n",
        })]
    );
    handler.stop().await;
}

#[tokio::test]
async fn a_timer_trigger_is_a_schedule_event_named_after_the_function() {
    let function = stateless(nightly {});
    let handler = CustomHandler::start(&function).await;
    let tick = events::azure_timer("nightly-report").at("2026-01-02T03:00:00Z");
    let reply = handler.invoke(&tick.host_request()).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["ReturnValue"],
        "nightly-report/2026-01-02T03:00:00Z at 2026-01-02T03:00:00+00:00"
    );
    // Without schedule monitoring the host's clock dates the tick.
    let unmonitored = events::azure_timer("nightly-report")
        .without_monitor()
        .now("2026-01-02T03:00:01Z");
    let reply = handler.invoke(&unmonitored.host_request()).await;
    assert_eq!(
        reply.json()["ReturnValue"],
        "nightly-report/2026-01-02T03:00:01.015123Z at 2026-01-02T03:00:01.015123+00:00"
    );
    handler.stop().await;
}

#[tokio::test]
async fn every_function_name_invokes_the_one_handler() {
    let function = with_seen(process_job {});
    let handler = CustomHandler::start(&function).await;
    for name in ["jobs", "jobs-eu", "SomeOtherFunction"] {
        let trigger =
            events::azure_queue(json!({"job_id": name, "action": "resize"})).function(name);
        let reply = handler.invoke(&trigger.host_request()).await;
        assert_eq!(reply.status, 200, "{name}: {reply:?}");
    }
    let ids: Vec<Value> = function
        .state()
        .take()
        .into_iter()
        .map(|seen| seen["job"]["job_id"].clone())
        .collect();
    assert_eq!(
        ids,
        [json!("jobs"), json!("jobs-eu"), json!("SomeOtherFunction")]
    );
    handler.stop().await;
}

#[tokio::test]
async fn malformed_request_payloads_are_400_naming_the_problem() {
    let function = with_seen(process_job {});
    let handler = CustomHandler::start(&function).await;

    let reply = handler.post("/jobs", "this is not JSON").await;
    assert_eq!(reply.status, 400);
    assert!(
        detail(&reply).contains("expected the Functions host's request payload"),
        "{reply:?}"
    );

    let two_inputs = json!({
        "Data": {"job": "\"{}\"", "config": "\"{}\""},
        "Metadata": {"DequeueCount": "1", "Id": "\"m-1\""}
    });
    let reply = handler.post("/jobs", &two_inputs.to_string()).await;
    assert_eq!(reply.status, 400);
    assert!(
        detail(&reply).contains("holds 2 input bindings"),
        "{reply:?}"
    );
    assert_eq!(reply.json()["violations"][0]["pointer"], "/Data");

    let reply = handler
        .post("/jobs", r#"{"Data": 5, "Metadata": {}}"#)
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["violations"][0]["pointer"], "/Data");

    let timer = events::azure_timer("jobs").build().to_string();
    let reply = handler.post("/jobs", &timer).await;
    assert_eq!(reply.status, 400);
    assert!(
        detail(&reply).contains(
            "the invocation is a timer trigger (binding `myTimer`), not a Queue Storage trigger"
        ),
        "{reply:?}"
    );
    assert_eq!(function.executions(), 0);
    handler.stop().await;

    let function = stateless(echo {});
    let handler = CustomHandler::start(&function).await;
    let queue = events::azure_queue_text("hello").function("orders");
    let reply = handler.invoke(&queue.host_request()).await;
    assert_eq!(reply.status, 400);
    assert!(
        detail(&reply)
            .contains("is a Queue Storage trigger (binding `myQueueItem`), not an HTTP trigger"),
        "{reply:?}"
    );
    handler.stop().await;
}

#[test]
fn the_custom_handler_needs_the_port_the_host_names() {
    let start = |port: Option<&str>| {
        let config = match port {
            Some(port) => faas::Config::from_pairs([("FUNCTIONS_CUSTOMHANDLER_PORT", port)]),
            None => faas::Config::default(),
        };
        faas::azure::AzureOptions::from_config(&config)
    };
    let missing = start(None).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "environment variable FUNCTIONS_CUSTOMHANDLER_PORT is not set"
    );
    for port in ["0", "http", "70000"] {
        let invalid = start(Some(port)).unwrap_err().to_string();
        assert!(
            invalid.starts_with(&format!(
                "environment variable FUNCTIONS_CUSTOMHANDLER_PORT={port:?} is invalid"
            )),
            "{invalid}"
        );
    }
}
