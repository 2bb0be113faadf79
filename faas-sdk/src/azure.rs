//! Azure Functions custom handlers: the function binary is the web server
//! that the Functions host starts and calls
//! (<https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers>).
//!
//! `faas::main!` serves this protocol when `FUNCTIONS_CUSTOMHANDLER_PORT`
//! is set (the host sets it) or `FAAS_PLATFORM=azure`:
//!
//! - it listens on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` (a missing or
//!   invalid port stops the start with an error naming the variable);
//! - it answers the host's readiness probe, a `GET /` without an invocation
//!   id (the host polls the port until any HTTP response comes back:
//!   `IsWorkerReady` in azure-functions-host
//!   `src/WebJobs.Script/Workers/Http/DefaultHttpWorkerService.cs`), with `200`;
//! - it runs `init`, serves until SIGTERM or SIGINT, then runs the shutdown hook.
//!
//! # Invocations
//!
//! The host `POST`s each invocation to `/<FunctionName>` (the folder of the
//! function's `function.json`) with the request payload
//! `{"Data": {…}, "Metadata": {…}}`, and an `X-Azure-Functions-InvocationId`
//! header, which becomes the context's request id. The handler's event is
//! decoded from it:
//!
//! | trigger (`function.json` `type`) | contract |
//! |---|---|
//! | `httpTrigger` | [`HttpRequest`](crate::HttpRequest), [`Json<T>`](crate::Json) |
//! | `queueTrigger` | [`QueueMessage<T>`](crate::QueueMessage) (`DequeueCount` is the receive count) |
//! | `blobTrigger` | [`StorageEvent`] (the content: [`blob_content`]) |
//! | `timerTrigger` | [`ScheduleEvent`](crate::ScheduleEvent) (named after the function) |
//! | any | any `T: DeserializeOwned`: the request payload as is |
//!
//! The trigger binding may have any `name`, but it must be the function's
//! only input binding. **One binary serves one handler**: every
//! `/<FunctionName>` invokes it, so an app whose functions (folders) all
//! share the handler needs one binary, and functions with different
//! handlers need different function apps.
//!
//! The answer is `200` with `{"Outputs": {…}, "Logs": [], "ReturnValue": …}`
//! ("Response payload" in the documentation):
//!
//! - an HTTP trigger's response goes to both `Outputs.res` and
//!   `ReturnValue` as `{"statusCode", "headers", "body"}`, so the `http`
//!   output binding must be named `res` or `$return`; handler errors are
//!   `application/problem+json` responses there, as on every HTTP platform.
//!   The host carries bodies as text only: a body that is not UTF-8 becomes
//!   a `500` (use forwarding, below, for binary responses);
//! - other triggers answer `Outputs: {}` and the handler's JSON result as
//!   `ReturnValue` (the value of a `$return` output binding, if any);
//! - a failed invocation answers the error kind's status (non-2xx) with a
//!   problem document: the host fails the invocation, so a queue message is
//!   retried and moved to the `<queue>-poison` queue after `maxDequeueCount`
//!   (5) attempts, whatever the kind. A body that is not the request
//!   payload, or does not decode, is a `400`.
//!
//! # Forwarded HTTP requests
//!
//! With `"enableForwardingHttpRequest": true` in `host.json`
//! (`enableProxyingHttpRequest` in newer hosts), functions whose only
//! bindings are an `httpTrigger` and an `http` output get the client's
//! request itself, at its original path (`/api/orders?…`), and answer plain
//! HTTP. faas tells the two apart per request: a `POST` to a one-segment
//! path whose JSON body starts with `Data` or `Metadata` is an invocation
//! payload; anything else sent to an HTTP function is a forwarded request.
//! (So with `"routePrefix": ""`, a client cannot post a request payload of
//! its own to a one-segment route.) Forwarded requests answer exactly as on
//! the HTTP platform.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use serde::Serialize;
use tokio::net::TcpListener;

use crate::config::{Config, ConfigError};
use crate::context::InvocationInfo;
use crate::contract::StorageEvent;
use crate::error::FunctionError;
use crate::function::Invoke;
use crate::lifecycle::StartError;
use crate::provider::azure::trigger_content;
use crate::reply::{HttpResponse, Outcome, http_answer, problem, problem_response};
use crate::server::Endpoint;
use crate::transport::{Stop, Transport};
use crate::wire::{Incoming, is_azure_envelope};

/// The variable through which the host names the port to listen on.
pub const PORT_VARIABLE: &str = "FUNCTIONS_CUSTOMHANDLER_PORT";

/// The header carrying the host's invocation id (`HttpWorkerConstants` in
/// azure-functions-host).
pub const INVOCATION_ID_HEADER: &str = "x-azure-functions-invocationid";

/// The largest request accepted by default: the Functions host's own limit
/// for HTTP requests (100 MB, "Limits" in
/// <https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger>);
/// blob contents arrive inside the request payload too.
pub const DEFAULT_MAX_BODY_BYTES: usize = 100 * 1024 * 1024;

/// Where and how the custom handler listens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AzureOptions {
    /// `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT`.
    pub addr: SocketAddr,
    /// The largest request body accepted (`FAAS_MAX_BODY_BYTES`, else
    /// [`DEFAULT_MAX_BODY_BYTES`]).
    pub max_body_bytes: usize,
}

impl AzureOptions {
    /// Reads the port the host chose, and the body limit.
    ///
    /// ```
    /// use faas::azure::AzureOptions;
    /// use faas::Config;
    ///
    /// let options = AzureOptions::from_config(&Config::from_pairs([("FUNCTIONS_CUSTOMHANDLER_PORT", "41234")])).unwrap();
    /// assert_eq!(options.addr.to_string(), "127.0.0.1:41234");
    /// let err = AzureOptions::from_config(&Config::default()).unwrap_err();
    /// assert_eq!(err.to_string(), "environment variable FUNCTIONS_CUSTOMHANDLER_PORT is not set");
    /// let err = AzureOptions::from_config(&Config::from_pairs([("FUNCTIONS_CUSTOMHANDLER_PORT", "http")])).unwrap_err();
    /// assert!(err.to_string().starts_with("environment variable FUNCTIONS_CUSTOMHANDLER_PORT=\"http\" is invalid"));
    /// ```
    pub fn from_config(config: &Config) -> Result<AzureOptions, ConfigError> {
        let value = config.require(PORT_VARIABLE)?;
        let port = value
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| ConfigError::Invalid {
                key: PORT_VARIABLE.into(),
                value: value.into(),
                reason: "expected the TCP port (1-65535) on which the Functions host calls the custom handler".into(),
            })?;
        Ok(AzureOptions {
            addr: SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            max_body_bytes: config.parse_or("FAAS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?,
        })
    }
}

/// The custom handler, as a transport.
pub(crate) struct AzureTransport {
    options: AzureOptions,
}

impl AzureTransport {
    /// The handler the host's settings (the port) describe.
    pub(crate) fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(AzureTransport {
            options: AzureOptions::from_config(config)?,
        })
    }
}

impl Transport for AzureTransport {
    async fn serve<F: Invoke>(self, function: Arc<F>, stop: Stop) -> Result<(), StartError> {
        serve(&function, self.options, stop).await
    }
}

/// Serves `function` on `options.addr` until `shutdown` completes.
pub async fn serve<F: Invoke>(
    function: &Arc<F>,
    options: AzureOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let listener = TcpListener::bind(options.addr).await?;
    let forwarding = if function.serves_http() {
        ", or forwarded HTTP requests"
    } else {
        ""
    };
    tracing::info!(
        "Azure Functions custom handler listening on http://{} (invocations on POST /<FunctionName>{forwarding})",
        listener.local_addr()?
    );
    serve_listener(
        listener,
        Arc::clone(function),
        options.max_body_bytes,
        shutdown,
    )
    .await
}

/// Serves `function` on an already bound listener until `shutdown`
/// completes, accepting bodies up to `max_body_bytes`; for tests, which
/// bind a free port themselves.
///
/// ```
/// use std::sync::Arc;
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> {
///     Ok("pong")
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let function = Arc::new(faas::Function::builder(ping {}).build().unwrap());
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let server = tokio::spawn(faas::azure::serve_listener(listener, function, faas::azure::DEFAULT_MAX_BODY_BYTES, async {
///     let _ = stopped.await;
/// }));
/// let _ = stop.send(());
/// server.await.unwrap().unwrap();
/// # });
/// ```
pub async fn serve_listener<F: Invoke>(
    listener: TcpListener,
    function: Arc<F>,
    max_body_bytes: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let endpoint = Arc::new(AzureEndpoint { function });
    crate::server::run(listener, endpoint, max_body_bytes, shutdown).await
}

/// The content of a blob trigger's blob: the `Data` the host sent,
/// base64-decoded (`"dataType": "binary"`, the default for blobs) or as
/// text (`"dataType": "string"`). A `bad_input` error when the event is
/// not a blob trigger's invocation.
///
/// ```
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn on_upload(blob: StorageEvent) -> Result<(), FunctionError> {
///     let content = faas::azure::blob_content(&blob)?;
///     tracing::info!(name = %blob.key, bytes = content.len(), "new blob");
///     Ok(())
/// }
/// ```
pub fn blob_content(event: &StorageEvent) -> Result<Bytes, FunctionError> {
    trigger_content(event.raw()).map_err(|err| err.into_function_error())
}

/// How the custom handler treats one request.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// The host polls the port until the server answers.
    Probe,
    /// `POST /<FunctionName>` with the request payload.
    Invocation,
    /// A request forwarded as is to an HTTP function.
    Forwarded,
    /// `POST /<FunctionName>` with a body that is not the request payload.
    NotAnInvocation,
    /// A request that is neither (another method or path).
    Elsewhere,
}

impl Route {
    fn of(request: &http::Request<Bytes>, serves_http: bool) -> Route {
        let from_host = request.headers().contains_key(INVOCATION_ID_HEADER);
        let post = request.method() == Method::POST;
        let path = request.uri().path();
        let function_path = is_function_path(path);
        if !from_host && request.method() == Method::GET && path == "/" {
            Route::Probe
        } else if post && function_path && is_azure_envelope(request.body()) {
            Route::Invocation
        } else if serves_http {
            Route::Forwarded
        } else if post && function_path {
            Route::NotAnInvocation
        } else {
            Route::Elsewhere
        }
    }
}

/// `/<FunctionName>`: one non-empty path segment.
fn is_function_path(path: &str) -> bool {
    path.strip_prefix('/')
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// A function served to the Functions host.
struct AzureEndpoint<F> {
    function: Arc<F>,
}

impl<F: Invoke> Endpoint for AzureEndpoint<F> {
    /// The host names each invocation; that id is the request id.
    fn request_id(&self, headers: &http::HeaderMap) -> Option<String> {
        headers
            .get(INVOCATION_ID_HEADER)?
            .to_str()
            .ok()
            .map(str::to_owned)
    }

    async fn respond(&self, request: http::Request<Bytes>, request_id: &str) -> HttpResponse {
        let id = request_id;
        let mut info = InvocationInfo::default().with_request_id(id);
        if let Some(trace) = request
            .headers()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
        {
            info = info.with_trace_id(trace);
        }
        let path = request.uri().path().to_owned();
        match Route::of(&request, self.function.serves_http()) {
            Route::Probe => HttpResponse::new(StatusCode::OK),
            Route::Invocation => {
                let payload = Incoming::Json(request.into_body());
                invocation_reply(self.function.invoke(payload, info).await, id)
            }
            Route::Forwarded => {
                let outcome = self.function.invoke(Incoming::from(request), info).await;
                http_answer(outcome, id)
            }
            Route::NotAnInvocation => {
                let err = FunctionError::bad_input(format!(
                    "expected the Functions host's request payload, a JSON object {{\"Data\": {{…}}, \"Metadata\": {{…}}}}, as the body of POST {path}"
                ));
                problem_response(&err, id)
            }
            Route::Elsewhere => {
                let detail = "this Azure Functions custom handler takes invocations from the Functions host: POST /<FunctionName> with the request payload";
                if is_function_path(&path) {
                    problem(StatusCode::METHOD_NOT_ALLOWED, "bad_input", detail, id)
                        .with_header(header::ALLOW, HeaderValue::from_static("POST"))
                } else {
                    problem(StatusCode::NOT_FOUND, "not_found", detail, id)
                }
            }
        }
    }
}

/// The response payload for an invocation's outcome.
fn invocation_reply(outcome: Outcome, id: &str) -> HttpResponse {
    match outcome {
        Outcome::Http(response) => {
            let output = match http_output(&response) {
                Ok(output) => output,
                Err(err) => {
                    tracing::error!(error = %err, "the HTTP response cannot be sent through the Functions host");
                    match http_output(&problem_response(&err, id)) {
                        Ok(output) => output,
                        Err(err) => return problem_response(&err, id),
                    }
                }
            };
            response_payload(&[b"{\"res\":", &output, b"}"], &output)
        }
        Outcome::Json(json) => response_payload(&[b"{}"], &json),
        Outcome::Failed(err) => problem_response(&err, id),
    }
}

/// `{"Outputs": <outputs>, "Logs": [], "ReturnValue": <return_value>}`,
/// written around JSON that is already serialized.
fn response_payload(outputs: &[&[u8]], return_value: &[u8]) -> HttpResponse {
    let mut body = Vec::with_capacity(64 + 2 * return_value.len());
    body.extend_from_slice(b"{\"Outputs\":");
    for part in outputs {
        body.extend_from_slice(part);
    }
    body.extend_from_slice(b",\"Logs\":[],\"ReturnValue\":");
    body.extend_from_slice(return_value);
    body.push(b'}');
    HttpResponse::new(StatusCode::OK).with_body(HeaderValue::from_static("application/json"), body)
}

/// An `http` output binding's value: the host reads `statusCode` (or
/// `status`), `headers` and `body` (`HttpOutputBindingResponse` and
/// `HttpBinding.ParseResponseObject` in azure-functions-host), a header
/// value as one string.
#[derive(Serialize)]
struct HttpOutput<'a> {
    #[serde(rename = "statusCode")]
    status_code: u16,
    headers: BTreeMap<&'a str, String>,
    body: &'a str,
}

fn http_output(response: &HttpResponse) -> Result<Vec<u8>, FunctionError> {
    let body = std::str::from_utf8(response.body()).map_err(|_| {
        FunctionError::internal(
            "the response body is not UTF-8 text, which is all an `http` output binding carries; \
             set \"enableForwardingHttpRequest\": true in host.json to send binary responses",
        )
    })?;
    let headers = response.headers();
    let joined = headers
        .keys()
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                .collect();
            (name.as_str(), values.join(", "))
        })
        .collect();
    let output = HttpOutput {
        status_code: response.status().as_u16(),
        headers: joined,
        body,
    };
    serde_json::to_vec(&output).map_err(FunctionError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        method: Method,
        target: &str,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> http::Request<Bytes> {
        let mut request = http::Request::builder().method(method).uri(target);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
            .body(Bytes::from_static(body.as_bytes()))
            .expect("a request")
    }

    #[test]
    fn requests_are_routed_by_method_path_and_body() {
        let envelope = r#"{"Data":{"req":{}},"Metadata":{}}"#;
        let host = [(INVOCATION_ID_HEADER, "a7e1b2c3-0000-4000-8000-000000000001")];
        let route = |req: http::Request<Bytes>, http| Route::of(&req, http);
        assert_eq!(
            route(request(Method::GET, "/", &[], ""), false),
            Route::Probe
        );
        assert_eq!(
            route(request(Method::GET, "/", &[], ""), true),
            Route::Probe
        );
        assert_eq!(
            route(request(Method::GET, "/", &host, ""), true),
            Route::Forwarded
        );
        assert_eq!(
            route(request(Method::POST, "/orders", &host, envelope), true),
            Route::Invocation
        );
        assert_eq!(
            route(request(Method::POST, "/orders", &host, envelope), false),
            Route::Invocation
        );
        assert_eq!(
            route(request(Method::POST, "/api/orders", &host, envelope), true),
            Route::Forwarded
        );
        assert_eq!(
            route(
                request(Method::POST, "/orders", &host, r#"{"order_id":"o-1"}"#),
                true
            ),
            Route::Forwarded
        );
        assert_eq!(
            route(request(Method::POST, "/jobs", &host, "[]"), false),
            Route::NotAnInvocation
        );
        assert_eq!(
            route(request(Method::GET, "/jobs", &host, ""), false),
            Route::Elsewhere
        );
        assert_eq!(
            route(request(Method::POST, "/a/b", &host, envelope), false),
            Route::Elsewhere
        );
    }

    #[test]
    fn http_outputs_carry_status_joined_headers_and_text() {
        let response = HttpResponse::text(StatusCode::CREATED, "made")
            .with_header(header::VARY, HeaderValue::from_static("accept"))
            .with_header(header::VARY, HeaderValue::from_static("origin"));
        let output: serde_json::Value =
            serde_json::from_slice(&http_output(&response).unwrap()).unwrap();
        assert_eq!(
            output,
            serde_json::json!({"statusCode": 201, "headers": {"content-type": "text/plain; charset=utf-8", "vary": "accept, origin"}, "body": "made"})
        );
        let binary = HttpResponse::new(StatusCode::OK)
            .with_body(HeaderValue::from_static("image/png"), vec![0x89, 0xff]);
        let err = http_output(&binary).unwrap_err();
        assert!(
            err.to_string().contains("enableForwardingHttpRequest"),
            "{err}"
        );
        let reply = invocation_reply(Outcome::Http(binary), "id-1");
        let payload: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
        assert_eq!(payload["Outputs"]["res"]["statusCode"], 500);
    }

    #[test]
    fn results_become_the_return_value_and_failures_a_non_2xx_status() {
        let reply = invocation_reply(
            Outcome::Json(Bytes::from_static(br#"{"done":true}"#)),
            "id-1",
        );
        assert_eq!(reply.status(), StatusCode::OK);
        let payload: serde_json::Value = serde_json::from_slice(reply.body()).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"Outputs": {}, "Logs": [], "ReturnValue": {"done": true}})
        );
        let reply = invocation_reply(Outcome::Failed(FunctionError::transient("busy")), "id-1");
        assert_eq!(reply.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
