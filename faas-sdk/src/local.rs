//! The local development server.
//!
//! `cargo run` on a function binary serves it on `127.0.0.1:$PORT` (8080 by
//! default): an HTTP function ([`HttpRequest`] or
//! [`Json<T>`](crate::Json)) answers any method and path as it would behind
//! a gateway; any other function takes its event JSON, in any wire format
//! it accepts, as the body of `POST /`:
//!
//! ```text
//! curl -s localhost:8080/ -d @fixtures/sqs-batch.json
//! ```
//!
//! Errors are `application/problem+json` documents with the error kind's
//! status (400, 401, 403, 404, 409, 429, 500, 503); transient and
//! rate-limit errors carry `Retry-After`. Bodies over the limit
//! (`FAAS_MAX_BODY_BYTES`, 6 MiB by default, Lambda's own payload limit)
//! get `413`. Every response carries the invocation's `x-request-id`.

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
use crate::contract::{FromEvent, HttpRequest, HttpResponse};
use crate::error::FunctionError;
use crate::function::{Function, InvocationInfo, StartError};
use crate::handler::Handler;
use crate::layer::Service;
use crate::reply::{Outcome, problem, problem_response};
use crate::wire::Incoming;

/// Lambda's limit for a synchronous invocation payload.
pub const DEFAULT_MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// How long in-flight requests may finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Where and how the local server listens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LocalOptions {
    /// The address (`127.0.0.1:$PORT`).
    pub addr: SocketAddr,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
}

impl LocalOptions {
    /// Reads `PORT` (default 8080) and `FAAS_MAX_BODY_BYTES` (default 6 MiB).
    ///
    /// ```
    /// let options = faas::local::LocalOptions::from_config(&faas::Config::from_pairs([("PORT", "3000")])).unwrap();
    /// assert_eq!(options.addr.to_string(), "127.0.0.1:3000");
    /// assert_eq!(options.max_body_bytes, 6 * 1024 * 1024);
    /// ```
    pub fn from_config(config: &Config) -> Result<LocalOptions, ConfigError> {
        let port = config.parse_or("PORT", 8080_u16)?;
        Ok(LocalOptions {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            max_body_bytes: config.parse_or("FAAS_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?,
        })
    }
}

/// Serves `function` on `options.addr` until Ctrl-C or SIGTERM.
pub async fn serve<H, S>(function: Function<H, S>, options: LocalOptions) -> Result<(), StartError>
where
    H: Handler,
    S: Service<<H::Event as FromEvent>::Unit>,
{
    let listener = TcpListener::bind(options.addr).await?;
    let kind = if function.serves_http() {
        "HTTP"
    } else {
        "events: POST the event JSON to /"
    };
    tracing::info!(
        "local server listening on http://{} ({kind})",
        listener.local_addr()?
    );
    serve_listener(
        listener,
        Arc::new(function),
        options.max_body_bytes,
        shutdown_signal(),
    )
    .await
}

/// Serves `function` on an already bound listener until `shutdown`
/// completes, then lets in-flight requests finish (up to 10 s).
pub async fn serve_listener<H, S>(
    listener: TcpListener,
    function: Arc<Function<H, S>>,
    max_body_bytes: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StartError>
where
    H: Handler,
    S: Service<<H::Event as FromEvent>::Unit>,
{
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
        let function = Arc::clone(&function);
        let service = service_fn(move |request| {
            let function = Arc::clone(&function);
            async move { Ok::<_, Infallible>(handle(&function, request, max_body_bytes).await) }
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

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn handle<H, S>(
    function: &Function<H, S>,
    request: hyper::Request<HyperBody>,
    max_body_bytes: usize,
) -> hyper::Response<Full<Bytes>>
where
    H: Handler,
    S: Service<<H::Event as FromEvent>::Unit>,
{
    let request_id = uuid::Uuid::new_v4().to_string();
    let response =
        match read_request(function.serves_http(), request, max_body_bytes, &request_id).await {
            Ok(request) => {
                let info = InvocationInfo::default().with_request_id(request_id.clone());
                let info = match request
                    .header("traceparent")
                    .or_else(|| request.header("x-amzn-trace-id"))
                {
                    Some(trace) => info.with_trace_id(trace),
                    None => info,
                };
                match function.invoke(Incoming::from(request), info).await {
                    Outcome::Http(response) => response,
                    Outcome::Json(json) => HttpResponse::new(StatusCode::OK)
                        .with_body(HeaderValue::from_static("application/json"), json),
                    Outcome::Failed(err) => problem_response(&err, &request_id),
                }
            }
            Err(response) => response,
        };
    into_hyper(response, &request_id)
}

/// Reads the request, enforcing the routing of event functions and the
/// body limit; an error is the response to send instead.
async fn read_request(
    serves_http: bool,
    request: hyper::Request<HyperBody>,
    max_body_bytes: usize,
    request_id: &str,
) -> Result<HttpRequest, HttpResponse> {
    let (parts, body) = request.into_parts();
    if !serves_http {
        if parts.uri.path() != "/" {
            let err =
                FunctionError::not_found("this function takes events: POST the event JSON to /");
            return Err(problem_response(&err, request_id));
        }
        if parts.method != Method::POST {
            let detail = "this function takes events: POST the event JSON to /";
            return Err(problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "bad_input",
                detail,
                request_id,
            )
            .with_header(header::ALLOW, HeaderValue::from_static("POST")));
        }
    }
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
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |target| target.as_str());
    Ok(HttpRequest::new(parts.method, target, parts.headers, body))
}

fn into_hyper(response: HttpResponse, request_id: &str) -> hyper::Response<Full<Bytes>> {
    let (status, headers, body) = response.into_parts();
    let mut hyper_response = hyper::Response::new(Full::new(body));
    *hyper_response.status_mut() = status;
    *hyper_response.headers_mut() = headers;
    if let Ok(id) = HeaderValue::from_str(request_id) {
        hyper_response.headers_mut().insert("x-request-id", id);
    }
    hyper_response
}
