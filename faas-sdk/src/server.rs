//! The HTTP server: the local development server, and the HTTP platform
//! (Google Cloud Run functions, Knative, OpenFaaS, any container host).
//!
//! An HTTP function ([`HttpRequest`](crate::HttpRequest) or [`Json<T>`](crate::Json)) answers
//! any method and path as it would behind a gateway. Any other function
//! takes its event as the body of a `POST`: event JSON in any wire format
//! it accepts, or a CloudEvent.
//!
//! ```text
//! curl -s localhost:8080/ -d @faas-testkit/fixtures/aws_lambda_events/example-sqs-event.json
//! ```
//!
//! | | local development server | HTTP platform |
//! |---|---|---|
//! | address | `127.0.0.1:$PORT` | `0.0.0.0:$PORT` |
//! | events | `POST /` | `POST` or `PUT` to any path; a Cloud Scheduler job with any method |
//!
//! On the HTTP platform (Google Cloud Run functions, Knative, OpenFaaS) the
//! events that arrive are:
//!
//! | request | contract |
//! |---|---|
//! | a CloudEvent in binary, structured or batched mode ([`CloudEvent`](crate::CloudEvent)) | [`CloudEvent<T>`](crate::CloudEvent) |
//! | an Eventarc Cloud Storage CloudEvent (`google.cloud.storage.object.v1.finalized`, `.deleted`, …) | [`StorageEvent`](crate::StorageEvent) |
//! | an Eventarc Pub/Sub CloudEvent (`google.cloud.pubsub.topic.v1.messagePublished`), or a Pub/Sub push request | [`QueueMessage<T>`](crate::QueueMessage) |
//! | a Cloud Scheduler HTTP job (`X-CloudScheduler: true`) | [`ScheduleEvent`](crate::ScheduleEvent) |
//!
//! `PORT` defaults to 8080. A successful event answers `200` with the
//! handler's JSON result, or `204` with an empty body when the result is
//! `()` (a Knative broker takes any other body for a reply event, and
//! refuses one that is not a CloudEvent). Errors are
//! `application/problem+json` documents with the error kind's status;
//! transient (`503`) and rate-limit (`429`) errors carry `Retry-After`, so
//! senders retry them, and `permanent` is a `422`. Eventarc Advanced and
//! Knative do not retry a `422`; Pub/Sub push subscriptions (and Eventarc
//! triggers, which deliver through them) redeliver every non-2xx answer
//! until the message expires, so give such a subscription a dead-letter
//! topic to stop redelivering permanent failures. Bodies over
//! `FAAS_MAX_BODY_BYTES` (6 MiB by default, Lambda's own payload limit) get
//! `413`. Every response carries the invocation's `x-request-id`. Requests
//! are served concurrently.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming as HyperBody;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::config::{Config, ConfigError};
use crate::context::{InvocationInfo, Platform};
use crate::error::FunctionError;
use crate::function::Invoke;
use crate::lifecycle::StartError;
use crate::reply::{HttpResponse, http_answer, problem, problem_response};
use crate::transport::{Stop, Transport};
use crate::wire::Incoming;

/// Lambda's limit for a synchronous invocation payload.
pub const DEFAULT_MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// How long in-flight requests may finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Where events may be posted to a function that is not an HTTP function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventRoute {
    /// `POST /` only (the local development server).
    Root,
    /// `POST` or `PUT` to any path (push subscriptions and triggers name
    /// their own; the CloudEvents HTTP binding allows both methods), and any
    /// method from a Cloud Scheduler job (its method is configurable).
    AnyPath,
}

/// Where and how the server listens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The address to bind.
    pub addr: SocketAddr,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// Where events are posted.
    pub events: EventRoute,
}

impl ServerOptions {
    /// The local development server: `127.0.0.1:$PORT` (default 8080),
    /// events on `POST /`, bodies up to `FAAS_MAX_BODY_BYTES` (default 6 MiB).
    ///
    /// ```
    /// use faas::server::ServerOptions;
    /// let options = ServerOptions::local(&faas::Config::from_pairs([("PORT", "3000")])).unwrap();
    /// assert_eq!(options.addr.to_string(), "127.0.0.1:3000");
    /// assert_eq!(options.max_body_bytes, 6 * 1024 * 1024);
    /// ```
    pub fn local(config: &Config) -> Result<ServerOptions, ConfigError> {
        ServerOptions::read(config, Ipv4Addr::LOCALHOST, EventRoute::Root)
    }

    /// The HTTP platform: `0.0.0.0:$PORT` (default 8080), events on any path.
    ///
    /// ```
    /// use faas::server::ServerOptions;
    /// let options = ServerOptions::platform(&faas::Config::from_pairs([("PORT", "9000")])).unwrap();
    /// assert_eq!(options.addr.to_string(), "0.0.0.0:9000");
    /// ```
    pub fn platform(config: &Config) -> Result<ServerOptions, ConfigError> {
        ServerOptions::read(config, Ipv4Addr::UNSPECIFIED, EventRoute::AnyPath)
    }

    fn read(
        config: &Config,
        ip: Ipv4Addr,
        events: EventRoute,
    ) -> Result<ServerOptions, ConfigError> {
        Ok(ServerOptions {
            addr: SocketAddr::new(IpAddr::V4(ip), config.parse_or("PORT", 8080_u16)?),
            max_body_bytes: config.parse_or("FAAS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?,
            events,
        })
    }
}

/// Serves `function` on `options.addr` until `shutdown` completes.
pub async fn serve<F: Invoke>(
    function: &Arc<F>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let listener = TcpListener::bind(options.addr).await?;
    let kind = match (function.serves_http(), options.events) {
        (true, _) => "HTTP",
        (false, EventRoute::Root) => "events: POST the event JSON to /",
        (false, EventRoute::AnyPath) => "events: POST the event to any path",
    };
    tracing::info!("listening on http://{} ({kind})", listener.local_addr()?);
    serve_listener(listener, Arc::clone(function), options, shutdown).await
}

/// Serves `function` on an already bound listener until `shutdown`
/// completes, then lets in-flight requests finish (up to 10 s).
pub async fn serve_listener<F: Invoke>(
    listener: TcpListener,
    function: Arc<F>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let endpoint = FunctionEndpoint {
        function,
        events: options.events,
    };
    run(
        listener,
        Arc::new(endpoint),
        options.max_body_bytes,
        shutdown,
    )
    .await
}

/// What answers the requests of a server.
pub(crate) trait Endpoint: Send + Sync + 'static {
    /// The id the caller gave this request, if it gives one; otherwise the
    /// server makes one up.
    fn request_id(&self, headers: &http::HeaderMap) -> Option<String> {
        let _ = headers;
        None
    }

    /// The response to `request`; `request_id` is also sent as `x-request-id`.
    fn respond(
        &self,
        request: http::Request<Bytes>,
        request_id: &str,
    ) -> impl Future<Output = HttpResponse> + Send;
}

/// Accepts connections until `shutdown`, reads each request (enforcing the
/// body limit) and sends what `endpoint` answers.
pub(crate) async fn run<E: Endpoint>(
    listener: TcpListener,
    endpoint: Arc<E>,
    max_body_bytes: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let endpoint = Arc::clone(&endpoint);
        let service = service_fn(move |request| {
            let endpoint = Arc::clone(&endpoint);
            async move { Ok::<_, Infallible>(exchange(&*endpoint, request, max_body_bytes).await) }
        });
        let connection =
            graceful.watch(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        });
    }
    tracing::info!("shutting down; letting in-flight requests finish");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
    }
    Ok(())
}

async fn exchange<E: Endpoint>(
    endpoint: &E,
    request: hyper::Request<HyperBody>,
    max_body_bytes: usize,
) -> hyper::Response<Full<Bytes>> {
    let request_id = endpoint
        .request_id(request.headers())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let response = match read_request(request, max_body_bytes, &request_id).await {
        Ok(request) => endpoint.respond(request, &request_id).await,
        Err(response) => response,
    };
    let (status, headers, body) = response.into_parts();
    let mut hyper_response = hyper::Response::new(Full::new(body));
    *hyper_response.status_mut() = status;
    *hyper_response.headers_mut() = headers;
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        hyper_response.headers_mut().insert("x-request-id", id);
    }
    hyper_response
}

/// Reads the request with its body; a body over the limit or unreadable is
/// the response to send instead.
async fn read_request(
    request: hyper::Request<HyperBody>,
    max_body_bytes: usize,
    request_id: &str,
) -> Result<http::Request<Bytes>, HttpResponse> {
    let (parts, body) = request.into_parts();
    let too_large = || {
        let detail = format!(
            "the request body is larger than the limit of {max_body_bytes} bytes (FAAS_MAX_BODY_BYTES)"
        );
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "bad_input",
            &detail,
            request_id,
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max_body_bytes as u64) {
        return Err(too_large());
    }
    let body = match Limited::new(body, max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Err(err) => {
            let err =
                FunctionError::bad_input(format!("the request body could not be read: {err}"));
            return Err(problem_response(&err, request_id));
        }
    };
    Ok(http::Request::from_parts(parts, body))
}

/// A function served over HTTP.
struct FunctionEndpoint<F> {
    function: Arc<F>,
    events: EventRoute,
}

impl<F: Invoke> FunctionEndpoint<F> {
    /// The refusal of a request an event function does not take: events
    /// are `POST`ed to the root on the local server; on the platform they
    /// are `POST`ed or `PUT` to any path, or sent by Cloud Scheduler.
    fn refuse_event_route(
        &self,
        request: &http::Request<Bytes>,
        request_id: &str,
    ) -> Option<HttpResponse> {
        let (hint, allow) = match self.events {
            EventRoute::Root => (
                "this function takes events: POST the event JSON to /",
                "POST",
            ),
            EventRoute::AnyPath => ("this function takes events: POST the event", "POST, PUT"),
        };
        if self.events == EventRoute::Root && request.uri().path() != "/" {
            return Some(problem_response(
                &FunctionError::not_found(hint),
                request_id,
            ));
        }
        let allowed = match self.events {
            EventRoute::Root => request.method() == Method::POST,
            EventRoute::AnyPath => {
                [Method::POST, Method::PUT].contains(request.method())
                    || request.headers().contains_key("x-cloudscheduler")
            }
        };
        if !allowed {
            let response = problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "bad_input",
                hint,
                request_id,
            );
            return Some(response.with_header(header::ALLOW, HeaderValue::from_static(allow)));
        }
        None
    }
}

impl<F: Invoke> Endpoint for FunctionEndpoint<F> {
    async fn respond(&self, request: http::Request<Bytes>, request_id: &str) -> HttpResponse {
        if !self.function.serves_http() {
            if let Some(response) = self.refuse_event_route(&request, request_id) {
                return response;
            }
        }
        let info = InvocationInfo::default().with_request_id(request_id);
        let trace = ["traceparent", "x-cloud-trace-context", "x-amzn-trace-id"]
            .iter()
            .find_map(|name| request.headers().get(*name)?.to_str().ok());
        let info = match trace {
            Some(trace) => info.with_trace_id(trace),
            None => info,
        };
        let outcome = self.function.invoke(Incoming::from(request), info).await;
        http_answer(outcome, request_id)
    }
}

/// The local development server or the HTTP platform, as a transport.
pub(crate) struct HttpTransport {
    options: ServerOptions,
}

impl HttpTransport {
    /// The server `platform` (local or HTTP) listens as, read from `config`.
    pub(crate) fn from_config(config: &Config, platform: Platform) -> Result<Self, ConfigError> {
        let options = if platform == Platform::Local {
            ServerOptions::local(config)?
        } else {
            ServerOptions::platform(config)?
        };
        Ok(HttpTransport { options })
    }
}

impl Transport for HttpTransport {
    async fn serve<F: Invoke>(self, function: Arc<F>, stop: Stop) -> Result<(), StartError> {
        serve(&function, self.options, stop).await
    }
}
