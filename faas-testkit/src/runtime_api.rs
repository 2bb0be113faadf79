//! Lambda Runtime APIs for end-to-end tests of function binaries: an
//! in-process fake ([`RuntimeApi`]) and cargo-lambda's emulator ([`CargoLambda`]).
//!
//! [`RuntimeApi`] is a real HTTP server on `127.0.0.1` that speaks the parts
//! of the [Lambda Runtime API] a runtime uses: the invocation long poll with
//! every header Lambda sends (a real epoch deadline included), the
//! response and error endpoints, the init error endpoint, and extension
//! registration with its event poll. A test starts a function binary
//! against it with [`RuntimeApi::env`], pushes events with
//! [`RuntimeApi::invoke`] and awaits each [`Answer`]; it can read init
//! errors and registered extensions. It covers what an emulator cannot:
//! real deadlines, init failures, panics and SIGTERM.
//!
//! Here the test itself plays the runtime, with plain HTTP:
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use faas_testkit::local::send;
//! use faas_testkit::runtime_api::{Answer, RuntimeApi};
//! use serde_json::json;
//!
//! let api = RuntimeApi::start("orders").await.unwrap();
//! let invocation = api.invoke(json!({"order_id": "o-1"}));
//!
//! // What a runtime does: take the next event, answer it.
//! let next = send(api.addr(), "GET", "/2018-06-01/runtime/invocation/next", &[], b"").await.unwrap();
//! assert_eq!(next.json(), json!({"order_id": "o-1"}));
//! let id = next.header("lambda-runtime-aws-request-id").unwrap();
//! assert_eq!(id, invocation.request_id());
//! let deadline: i64 = next.header("lambda-runtime-deadline-ms").unwrap().parse().unwrap();
//! assert_eq!(deadline, invocation.deadline().timestamp_millis());
//! let path = format!("/2018-06-01/runtime/invocation/{id}/response");
//! let posted = send(api.addr(), "POST", &path, &[], br#"{"status":"created"}"#).await.unwrap();
//! assert_eq!(posted.status, 202);
//!
//! let answer = invocation.answer().await.unwrap();
//! assert_eq!(answer.json(), Some(json!({"status": "created"})));
//! # });
//! ```
//!
//! To run a built function against it:
//!
//! ```no_run
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use faas_testkit::process::Spawned;
//! use faas_testkit::runtime_api::RuntimeApi;
//!
//! let api = RuntimeApi::start("orders").await.unwrap();
//! let function = Spawned::start(std::process::Command::new("target/debug/orders").envs(api.env())).unwrap();
//! let answer = api.invoke(serde_json::json!({"order_id": "o-1"})).answer().await.unwrap();
//! # });
//! ```
//!
//! [Lambda Runtime API]: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use faas::wire::Incoming;
use http::{Method, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming as RequestBody;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use crate::local::{HttpReply, send};
use crate::process::{Spawned, wait_for_port};

/// How long [`Invocation::answer`] waits.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The invocation timeout [`RuntimeApi::invoke`] gives each event.
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(30);

/// A fake Lambda Runtime API on `127.0.0.1:<free port>`, stopped when dropped.
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<Queued>,
    server: JoinHandle<()>,
}

/// What the server's connections share.
struct Shared {
    function_name: String,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Queued>>,
    /// Invocations handed to the runtime, by request id, awaiting an answer.
    pending: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    init_errors: Mutex<Vec<ErrorReport>>,
    extensions: Mutex<Vec<Extension>>,
    /// Runtimes waiting on `/invocation/next` right now.
    polling: AtomicUsize,
    /// Extensions waiting on `/extension/event/next` right now.
    extension_polls: AtomicUsize,
}

/// An event waiting for the runtime to take it.
struct Queued {
    request_id: String,
    body: Bytes,
    deadline_ms: i64,
    trace_id: String,
    answer: oneshot::Sender<Answer>,
}

/// An extension that registered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extension {
    /// Its `Lambda-Extension-Name`.
    pub name: String,
    /// The identifier the fake gave it.
    pub id: String,
    /// The events it subscribed to.
    pub events: Vec<String>,
}

/// What the runtime answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `POST /invocation/{id}/response`: the response payload.
    Response(Bytes),
    /// `POST /invocation/{id}/error`.
    Error(ErrorReport),
}

impl Answer {
    /// The response payload as JSON (`None` for an error, or a payload that is not JSON).
    pub fn json(&self) -> Option<Value> {
        match self {
            Answer::Response(body) => serde_json::from_slice(body).ok(),
            Answer::Error(_) => None,
        }
    }

    /// The error report, if the invocation failed.
    pub fn error(&self) -> Option<&ErrorReport> {
        match self {
            Answer::Response(_) => None,
            Answer::Error(report) => Some(report),
        }
    }
}

/// An error a runtime posted: for an invocation, or for its init.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorReport {
    /// The `Lambda-Runtime-Function-Error-Type` header.
    pub header: Option<String>,
    /// `errorType` from the body (`""` when the body has none).
    pub error_type: String,
    /// `errorMessage` from the body (`""` when the body has none).
    pub error_message: String,
    /// The body as posted.
    pub body: Bytes,
}

impl ErrorReport {
    fn read(header: Option<String>, body: Bytes) -> ErrorReport {
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let field = |name: &str| json[name].as_str().unwrap_or_default().to_owned();
        ErrorReport {
            header,
            error_type: field("errorType"),
            error_message: field("errorMessage"),
            body,
        }
    }
}

/// Why an answer did not come.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Nothing answered in time.
    #[error("no answer to invocation {request_id} within {timeout:?}")]
    TimedOut {
        /// The invocation.
        request_id: String,
        /// How long the test waited.
        timeout: Duration,
    },
    /// The fake stopped first.
    #[error("the Runtime API stopped before invocation {0} was answered")]
    Stopped(String),
}

/// An event pushed with [`RuntimeApi::invoke`], until its answer arrives.
pub struct Invocation {
    request_id: String,
    deadline: DateTime<Utc>,
    trace_id: String,
    answer: oneshot::Receiver<Answer>,
}

impl fmt::Debug for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invocation")
            .field("request_id", &self.request_id)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Invocation {
    /// The `Lambda-Runtime-Aws-Request-Id` it is delivered with.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The `Lambda-Runtime-Deadline-Ms` it is delivered with.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.deadline
    }

    /// The `Lambda-Runtime-Trace-Id` (an X-Ray trace header) it is delivered with.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// Waits up to 30 s for the runtime's answer.
    pub async fn answer(self) -> Result<Answer, AnswerError> {
        self.answer_within(ANSWER_TIMEOUT).await
    }

    /// Waits up to `timeout` for the runtime's answer.
    pub async fn answer_within(self, timeout: Duration) -> Result<Answer, AnswerError> {
        match tokio::time::timeout(timeout, self.answer).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(AnswerError::Stopped(self.request_id)),
            Err(_) => Err(AnswerError::TimedOut {
                request_id: self.request_id,
                timeout,
            }),
        }
    }
}

impl RuntimeApi {
    /// Starts the fake for a function named `function_name`.
    pub async fn start(function_name: &str) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (events, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            function_name: function_name.to_owned(),
            events: tokio::sync::Mutex::new(queue),
            pending: Mutex::default(),
            init_errors: Mutex::default(),
            extensions: Mutex::default(),
            polling: AtomicUsize::new(0),
            extension_polls: AtomicUsize::new(0),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Ok(RuntimeApi {
            addr,
            shared,
            events,
            server,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `AWS_LAMBDA_RUNTIME_API` as Lambda sets it: `127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// The environment Lambda gives a function process: the Runtime API,
    /// the function's name, version and memory size.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.endpoint()),
            (
                "AWS_LAMBDA_FUNCTION_NAME",
                self.shared.function_name.clone(),
            ),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_REGION", crate::events::REGION.to_owned()),
        ]
    }

    /// Queues an invocation with a 30-second timeout: the next
    /// `/invocation/next` poll receives it.
    pub fn invoke(&self, event: impl Into<Incoming>) -> Invocation {
        self.invoke_with_timeout(event, FUNCTION_TIMEOUT)
    }

    /// Queues an invocation whose deadline is `timeout` from now.
    pub fn invoke_with_timeout(&self, event: impl Into<Incoming>, timeout: Duration) -> Invocation {
        let body = match event.into() {
            Incoming::Json(bytes) => bytes,
            Incoming::Http(request) => Bytes::copy_from_slice(request.body()),
        };
        let deadline = Utc::now() + timeout;
        let request_id = uuid::Uuid::new_v4().to_string();
        let trace_id = trace_header(deadline);
        let (answer, answered) = oneshot::channel();
        let queued = Queued {
            request_id: request_id.clone(),
            body,
            deadline_ms: deadline.timestamp_millis(),
            trace_id: trace_id.clone(),
            answer,
        };
        // The receiver lives in `shared` as long as `self`: sending cannot fail.
        let _ = self.events.send(queued);
        Invocation {
            request_id,
            deadline,
            trace_id,
            answer: answered,
        }
    }

    /// Waits until a runtime is waiting for its next event, that is, the
    /// function finished its init; `false` if none did within `timeout`.
    pub async fn wait_until_polling(&self, timeout: Duration) -> bool {
        wait_until(timeout, || self.shared.polling.load(Ordering::SeqCst) > 0).await
    }

    /// Waits for the first init error report, for at most `timeout`.
    pub async fn init_error(&self, timeout: Duration) -> Option<ErrorReport> {
        let first = || lock(&self.shared.init_errors).first().cloned();
        wait_until(timeout, || first().is_some()).await;
        first()
    }

    /// The extensions registered so far.
    pub fn extensions(&self) -> Vec<Extension> {
        lock(&self.shared.extensions).clone()
    }

    /// How many extensions are waiting on `/extension/event/next` now.
    pub fn extension_polls(&self) -> usize {
        self.shared.extension_polls.load(Ordering::SeqCst)
    }

    /// Waits until an extension is waiting for its next event (what Lambda
    /// needs of every registered extension to end the Init phase); `false`
    /// if none was within `timeout`.
    pub async fn wait_until_extension_polling(&self, timeout: Duration) -> bool {
        wait_until(timeout, || self.extension_polls() > 0).await
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        // Aborting the accept loop drops its connections with it.
        self.server.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if done() {
            return true;
        }
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An X-Ray trace header, as Lambda passes it: the root id starts with the
/// time in hex.
fn trace_header(at: DateTime<Utc>) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{:08x}-{};Parent={};Sampled=1",
        at.timestamp(),
        &random[..24],
        &random[16..32]
    )
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // Forget connections that finished.
        while connections.try_join_next().is_some() {}
        let shared = Arc::clone(&shared);
        let service = service_fn(move |request| {
            let shared = Arc::clone(&shared);
            async move { Ok::<_, Infallible>(route(&shared, request).await) }
        });
        connections.spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
}

fn not_found(what: &str) -> Reply {
    let body = json!({"errorType": "InvalidRequestID", "errorMessage": what});
    reply(StatusCode::BAD_REQUEST, body)
}

async fn route(shared: &Shared, request: hyper::Request<RequestBody>) -> Reply {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(err) => {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"errorMessage": err.to_string()}),
            );
        }
    };
    let path = parts.uri.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => next_event(shared).await,
        (&Method::POST, ["2018-06-01", "runtime", "invocation", id, "response"]) => {
            answered(shared, id, Answer::Response(body))
        }
        (&Method::POST, ["2018-06-01", "runtime", "invocation", id, "error"]) => {
            let report = ErrorReport::read(header("lambda-runtime-function-error-type"), body);
            answered(shared, id, Answer::Error(report))
        }
        (&Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            let report = ErrorReport::read(header("lambda-runtime-function-error-type"), body);
            lock(&shared.init_errors).push(report);
            reply(StatusCode::ACCEPTED, json!({"status": "OK"}))
        }
        (&Method::POST, ["2020-01-01", "extension", "register"]) => {
            register(shared, header("lambda-extension-name"), &body)
        }
        (&Method::GET, ["2020-01-01", "extension", "event", "next"]) => {
            extension_next(shared, header("lambda-extension-identifier")).await
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"errorType": "NotFound", "errorMessage": format!("no route for {} {path}", parts.method)}),
        ),
    }
}

/// Counts a waiting poll while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Waiting(counter)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn next_event(shared: &Shared) -> Reply {
    let queued = {
        let _waiting = Waiting::new(&shared.polling);
        let mut events = shared.events.lock().await;
        match events.recv().await {
            Some(queued) => queued,
            None => return reply(StatusCode::GONE, json!({"errorMessage": "stopped"})),
        }
    };
    lock(&shared.pending).insert(queued.request_id.clone(), queued.answer);
    let arn = format!(
        "arn:aws:lambda:{}:{}:function:{}",
        crate::events::REGION,
        crate::events::ACCOUNT,
        shared.function_name
    );
    let mut response = Response::new(Full::new(queued.body));
    let headers = [
        ("lambda-runtime-aws-request-id", queued.request_id),
        ("lambda-runtime-deadline-ms", queued.deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", arn),
        ("lambda-runtime-trace-id", queued.trace_id),
        ("content-type", "application/json".to_owned()),
    ];
    for (name, value) in headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn answered(shared: &Shared, request_id: &str, answer: Answer) -> Reply {
    match lock(&shared.pending).remove(request_id) {
        Some(waiter) => {
            // The test may have stopped waiting: the answer is then unread.
            let _ = waiter.send(answer);
            reply(StatusCode::ACCEPTED, json!({"status": "OK"}))
        }
        None => not_found(&format!(
            "no invocation {request_id} is waiting for an answer"
        )),
    }
}

fn register(shared: &Shared, name: Option<String>, body: &[u8]) -> Reply {
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        let body = json!({"errorType": "InvalidRequest", "errorMessage": "Lambda-Extension-Name is missing"});
        return reply(StatusCode::BAD_REQUEST, body);
    };
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(events) = request["events"].as_array() else {
        let body =
            json!({"errorType": "InvalidRequest", "errorMessage": "expected {\"events\": [...]}"});
        return reply(StatusCode::BAD_REQUEST, body);
    };
    let extension = Extension {
        name,
        id: uuid::Uuid::new_v4().to_string(),
        events: events
            .iter()
            .filter_map(|event| event.as_str().map(str::to_owned))
            .collect(),
    };
    let mut response = reply(
        StatusCode::OK,
        json!({
            "functionName": shared.function_name,
            "functionVersion": "$LATEST",
            "handler": "bootstrap",
        }),
    );
    if let Ok(id) = http::HeaderValue::from_str(&extension.id) {
        response
            .headers_mut()
            .insert("lambda-extension-identifier", id);
    }
    lock(&shared.extensions).push(extension);
    response
}

async fn extension_next(shared: &Shared, id: Option<String>) -> Reply {
    let known = id.is_some_and(|id| lock(&shared.extensions).iter().any(|ext| ext.id == id));
    if !known {
        let body = json!({"errorType": "Extension.UnknownExtensionIdentifier", "errorMessage": "unknown extension identifier"});
        return reply(StatusCode::FORBIDDEN, body);
    }
    // Nothing is ever sent to an extension here: the poll waits until the
    // fake stops, as Lambda's does for an extension subscribed to no events.
    let _waiting = Waiting::new(&shared.extension_polls);
    std::future::pending::<Reply>().await
}

/// cargo-lambda's Runtime API emulator, `cargo lambda watch --only-lambda-apis`,
/// on a free loopback port; stopped when dropped.
///
/// It knows the binaries of the package it is started for as functions:
/// function `name` runs with [`CargoLambda::env`]`(name)`, and
/// [`CargoLambda::invoke`] sends it an event through the emulator's Invoke
/// API. Its quirks: the deadline header is the constant `600000`, not an
/// epoch time; the function ARN is the literal `function-arn`; a failed
/// invocation answers `500` with the error document; `/runtime/init/error`
/// is never answered, and the extension event poll answers `500`.
///
/// ```no_run
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use faas_testkit::process::Spawned;
/// use faas_testkit::runtime_api::CargoLambda;
///
/// // In a test of the `order-webhook` package: its directory, and its binary
/// // (`env!("CARGO_BIN_EXE_order-webhook")`).
/// let Some(emulator) = CargoLambda::start("examples/order-webhook").await.unwrap() else {
///     return; // not installed, outside CI
/// };
/// let binary = "target/debug/order-webhook";
/// let _function = Spawned::start(
///     std::process::Command::new(binary).envs(emulator.env("order-webhook")),
/// )
/// .unwrap();
/// let order = serde_json::json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"});
/// let event = faas_testkit::events::http_post("/orders", order);
/// let reply = emulator.invoke("order-webhook", event).await.unwrap();
/// assert_eq!(reply.json()["statusCode"], 201);
/// # });
/// ```
pub struct CargoLambda {
    addr: SocketAddr,
    process: Spawned,
}

impl CargoLambda {
    /// The install command the skip note and CI failure quote.
    pub const INSTALL: &'static str = "pip install --no-deps cargo-lambda";

    /// Starts the emulator for the package whose manifest is in
    /// `manifest_dir`, and waits until it listens.
    ///
    /// `Ok(None)` when cargo-lambda is not installed (see
    /// [`tools::require`](crate::tools::require): with `CI=true` that panics instead).
    pub async fn start(manifest_dir: impl AsRef<Path>) -> std::io::Result<Option<CargoLambda>> {
        let Some(program) = crate::tools::require("cargo-lambda", Self::INSTALL) else {
            return Ok(None);
        };
        let port = crate::tools::free_port();
        let manifest = manifest_dir.as_ref().join("Cargo.toml");
        let process = Spawned::start(
            Command::new(program)
                .args(["lambda", "watch", "--only-lambda-apis", "--manifest-path"])
                .arg(manifest)
                .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
                .arg(port.to_string()),
        )?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if let Err(err) = wait_for_port(addr, Duration::from_secs(30)).await {
            let logs = process.stderr();
            return Err(std::io::Error::new(
                err.kind(),
                format!("{err}; cargo-lambda said:\n{logs}"),
            ));
        }
        Ok(Some(CargoLambda { addr, process }))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the emulator wrote to stderr so far.
    pub fn logs(&self) -> String {
        self.process.stderr()
    }

    /// `AWS_LAMBDA_RUNTIME_API` for function `name`, in the emulator's form:
    /// `http://127.0.0.1:<port>/.rt/<name>`.
    pub fn runtime_api(&self, name: &str) -> String {
        format!("http://{}/.rt/{name}", self.addr)
    }

    /// The environment of function `name`'s process, as `cargo lambda watch`
    /// gives it.
    pub fn env(&self, name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_LAMBDA_RUNTIME_API", self.runtime_api(name)),
            ("AWS_LAMBDA_FUNCTION_NAME", name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "4096".to_owned()),
        ]
    }

    /// Invokes function `name` with `event` through the emulator's Invoke
    /// API (`POST /2015-03-31/functions/<name>/invocations`); it waits until
    /// the function takes the event. `200` with the response payload, or
    /// `500` with the error document.
    pub async fn invoke(
        &self,
        name: &str,
        event: impl Into<Incoming>,
    ) -> std::io::Result<HttpReply> {
        let body = match event.into() {
            Incoming::Json(bytes) => bytes,
            Incoming::Http(request) => Bytes::copy_from_slice(request.body()),
        };
        let path = format!("/2015-03-31/functions/{name}/invocations");
        send(
            self.addr,
            "POST",
            &path,
            &[("content-type", "application/json")],
            &body,
        )
        .await
    }

    /// Sends a plain HTTP request to function `name`'s Function URL
    /// emulation (`/lambda-url/<name><path>`): the emulator turns it into a
    /// Function URL event and the function's reply back into HTTP.
    pub async fn function_url(
        &self,
        name: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<HttpReply> {
        let target = format!("/lambda-url/{name}{path}");
        send(self.addr, method, &target, headers, body).await
    }
}
