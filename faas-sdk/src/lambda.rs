//! AWS Lambda: the same `#[faas::handler]` function, served through the
//! [Lambda Runtime API] on [`lambda_runtime`].
//!
//! `faas::main!` (and [`runtime::Serve`](crate::runtime::Serve)) selects
//! this platform when `AWS_LAMBDA_RUNTIME_API` is set (or
//! `FAAS_PLATFORM=lambda`); nothing in the function changes.
//!
//! ```no_run
//! use faas::prelude::*;
//!
//! #[faas::handler]
//! async fn hello(req: HttpRequest) -> Result<String, FunctionError> {
//!     Ok(format!("hello {}", req.query("name").unwrap_or("world")))
//! }
//!
//! faas::main!(hello); // on Lambda, served through lambda_runtime
//! ```
//!
//! # What happens
//!
//! 1. The environment `lambda_runtime` needs (`AWS_LAMBDA_RUNTIME_API`,
//!    `AWS_LAMBDA_FUNCTION_NAME`, `AWS_LAMBDA_FUNCTION_VERSION`,
//!    `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`) is checked first: where
//!    `lambda_runtime` would panic, the start fails with a [`StartError`]
//!    naming the variable. `AWS_LAMBDA_RUNTIME_API` may be `host:port`
//!    (what Lambda sets) or a URL with a path (`http://127.0.0.1:9000/.rt`,
//!    what `cargo lambda watch` sets); `lambda_runtime` accepts both.
//! 2. A no-op internal extension is registered (below), then the
//!    `#[faas::init]` function runs once. A failure of the init, or an
//!    invalid `FAAS_*` setting, is reported to the Runtime API's
//!    `/runtime/init/error` endpoint and the process exits with status 1.
//! 3. Each invocation's payload reaches [`Function::invoke`] as the bytes
//!    Lambda sent (see *One parse per event*), with the request id,
//!    the deadline ([`Context::remaining_time`](crate::Context::remaining_time))
//!    and the X-Ray trace id. The reply is the payload the SDK encoded:
//!    API Gateway REST / HTTP API, Function URL and ALB responses in their
//!    own shapes, `{"batchItemFailures": …}` for SQS, Kinesis and DynamoDB
//!    Streams, the handler's JSON for direct invocations. A direct
//!    invocation whose handler answers an [`HttpResponse`](crate::HttpResponse)
//!    gets the API Gateway HTTP API (v2) shape.
//! 4. A failed invocation is a Lambda error response whose `errorType` is the
//!    [error kind](crate::ErrorKind) (`bad_input`, `transient`, …) and whose
//!    `errorMessage` is the error with its source chain, then its
//!    violations. A panic in the handler is an `internal` error for that
//!    invocation; the runtime goes on to the next one. Unlike over HTTP, an
//!    `internal` error's cause is in the message: a Lambda error response
//!    goes to the AWS principal or service that invoked the function, not to
//!    the public (API Gateway, Function URL and ALB requests are answered
//!    with problem documents instead, and those keep the cause out).
//!
//! When every record of an SQS, Kinesis or DynamoDB Streams batch fails,
//! `FAAS_BATCH_ALL_FAILED=report|fail` chooses between reporting every
//! record and failing the invocation; see [`AllFailed`](crate::reply::AllFailed).
//!
//! # One parse per event
//!
//! `lambda_runtime` deserializes each payload into the handler's event type
//! before calling it. Here that type is [`serde_json::value::RawValue`]: the
//! payload is checked to be JSON and copied once, never parsed into a tree
//! or a struct. The SDK then parses it once, with the provider's own wire
//! struct. (A `tower` layer over `lambda_runtime`'s `LambdaInvocation`
//! sees the body bytes without that check, but could answer only by
//! smuggling the outcome past `lambda_runtime`'s handler service or by
//! posting to the Runtime API itself, bypassing `lambda_runtime`'s response
//! path; one linear scan is the cheaper price.) Replies go back the same
//! way: the JSON the SDK encoded is checked and copied into the response,
//! never re-serialized from a value.
//!
//! # Deadlines
//!
//! `Lambda-Runtime-Deadline-Ms` is the Unix time in milliseconds at which
//! Lambda stops the invocation. A value before the year 2000 cannot be
//! one, and is ignored: `cargo lambda watch` sends the constant `600000`
//! (ten minutes after the epoch). Such an invocation has no deadline
//! (`remaining_time()` is `None`) rather than one long past.
//!
//! # Graceful shutdown
//!
//! Lambda sends SIGTERM before it stops an execution environment only when
//! an extension is registered. faas registers a no-op *internal*
//! extension, `faas-graceful-shutdown`, subscribed to no events, as
//! `lambda_runtime::spawn_graceful_shutdown_handler` does; unlike that
//! function it reports a failed registration as a warning instead of
//! panicking, and the function serves on without the signal. On SIGTERM
//! (or SIGINT, Ctrl-C under `cargo lambda watch`) the init's shutdown hook
//! (`#[faas::init(shutdown = …)]`) runs for at most 500 ms, what Lambda
//! allows with an internal extension (`FAAS_SHUTDOWN_GRACE_MS` overrides,
//! e.g. 2000 with an external extension), and the process exits with
//! status 0. `FAAS_LAMBDA_EXTENSION=off` skips the registration, for
//! functions that register their own extension.
//!
//! # Build and deploy with cargo-lambda
//!
//! ```text
//! pip install cargo-lambda          # with its zig toolchain, which links for Lambda's glibc
//! rustup target add aarch64-unknown-linux-gnu
//! cargo lambda build --release --arm64 -p order-webhook
//! #   → target/lambda/order-webhook/bootstrap (the binary for the provided.al2023 runtime)
//! cargo lambda build --release --arm64 -p order-webhook --output-format zip
//! #   → target/lambda/order-webhook/bootstrap.zip
//! cargo lambda deploy order-webhook --enable-function-url
//! ```
//!
//! `cargo lambda build` builds every binary of the package and names each
//! `bootstrap`, in a directory named after the binary, which is what the
//! `provided.al2023` runtime executes (without `--arm64` it builds for
//! x86-64). The zip can also be deployed by hand: `aws lambda
//! create-function --runtime provided.al2023 --handler bootstrap
//! --architectures arm64 --zip-file fileb://…/bootstrap.zip …`. Nothing in
//! the function names the platform: the binary that serves locally with
//! `cargo run` serves Lambda as `bootstrap`.
//!
//! # Run it locally under cargo-lambda's emulator
//!
//! ```text
//! cargo lambda watch                          # builds, runs and reloads the package's functions
//! cargo lambda invoke order-webhook --data-file event.json
//! curl -si http://127.0.0.1:9000/lambda-url/order-webhook/orders -d '{"order_id":"o-1","amount_cents":1250,"currency":"EUR"}'
//! ```
//!
//! The emulator routes an invocation of function `name` to the runtime
//! whose `AWS_LAMBDA_RUNTIME_API` is `http://127.0.0.1:9000/.rt/name`
//! (`/.rt` alone serves the function `_`). It implements extension
//! registration but answers the extension's event poll with `500`, and never
//! answers `/runtime/init/error`: the report is given 2 s, then the process
//! exits.
//!
//! [Lambda Runtime API]: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
//! [`Function::invoke`]: crate::Function::invoke

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::BodyExt as _;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use lambda_runtime_api_client::PooledClient;
use lambda_runtime_api_client::body::Body;
use serde_json::value::RawValue;

use crate::config::{Config, ConfigError};
use crate::context::InvocationInfo;
use crate::error::{BoxError, FunctionError, error_chain};
use crate::function::Invoke;
use crate::lifecycle::StartError;
use crate::reply::Outcome;
use crate::transport::{Stop, Transport};
use crate::wire::{HttpShape, Incoming};

/// The name of the no-op internal extension that makes Lambda send SIGTERM.
const EXTENSION_NAME: &str = "faas-graceful-shutdown";

/// How long the shutdown hook may run on Lambda: the whole Shutdown phase
/// with an internal extension registered.
const LAMBDA_SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// How long a call to the Runtime API during start-up (extension
/// registration, the init error report) may take.
const START_CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// `Lambda-Runtime-Deadline-Ms` values before 2000-01-01T00:00:00Z are not
/// Unix times in milliseconds.
const EARLIEST_DEADLINE_MS: u64 = 946_684_800_000;

/// AWS Lambda, as a transport: its Runtime API, checked to be there.
pub(crate) struct LambdaTransport {
    api: RuntimeApi,
}

impl LambdaTransport {
    /// Checks the environment `lambda_runtime` reads: `config` must be the
    /// process environment ([`Config::from_env`]), since `lambda_runtime`
    /// reads its variables from there itself.
    pub(crate) fn from_config(config: &Config) -> Result<Self, ConfigError> {
        Ok(LambdaTransport {
            api: RuntimeApi::new(check_environment(config)?),
        })
    }
}

impl Transport for LambdaTransport {
    fn shutdown_grace(&self) -> Duration {
        LAMBDA_SHUTDOWN_GRACE
    }

    async fn start(&mut self, config: &Config) -> Result<(), StartError> {
        if !extension_enabled(config)? {
            return Ok(());
        }
        match self.api.register_extension().await {
            Ok(id) => {
                let api = self.api.clone();
                tokio::spawn(async move { api.poll_extension(&id).await });
            }
            Err(err) => tracing::warn!(
                error = %err,
                "could not register the graceful-shutdown extension; Lambda will stop this function without SIGTERM"
            ),
        }
        Ok(())
    }

    async fn report_start_error(&self, err: &StartError) {
        self.api.report_init_error(err).await;
    }

    async fn serve<F: Invoke>(self, function: Arc<F>, stop: Stop) -> Result<(), StartError> {
        let runtime =
            lambda_runtime::Runtime::new(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
                let function = Arc::clone(&function);
                async move { answer(&*function, event).await }
            }));
        tokio::select! {
            result = runtime.run() => result.map_err(|err| {
                StartError::Platform(format!("the Lambda Runtime API failed: {}", error_chain(&*err)))
            }),
            () = stop => Ok(()),
        }
    }
}

/// Checks the variables `lambda_runtime` reads (and would panic on) and
/// returns the Runtime API's address.
fn check_environment(config: &Config) -> Result<Uri, ConfigError> {
    config.require("AWS_LAMBDA_FUNCTION_NAME")?;
    config.require("AWS_LAMBDA_FUNCTION_VERSION")?;
    let memory = config.require("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
    // Parsed exactly as `lambda_runtime` parses it: no trimming.
    if let Err(err) = memory.parse::<i32>() {
        return Err(invalid(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            memory,
            err.to_string(),
        ));
    }
    const API: &str = "AWS_LAMBDA_RUNTIME_API";
    let value = config.require(API)?;
    let uri: Uri = value.parse().map_err(|err: http::uri::InvalidUri| {
        invalid(API, value, format!("{err}; expected host:port"))
    })?;
    if uri.authority().is_none() {
        return Err(invalid(API, value, "no host:port in it".into()));
    }
    if uri
        .scheme()
        .is_some_and(|scheme| *scheme != http::uri::Scheme::HTTP)
    {
        return Err(invalid(API, value, "the Runtime API is plain http".into()));
    }
    Ok(uri)
}

fn invalid(key: &str, value: &str, reason: String) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        value: value.into(),
        reason,
    }
}

/// `FAAS_LAMBDA_EXTENSION=on|off` (default on).
fn extension_enabled(config: &Config) -> Result<bool, ConfigError> {
    const KEY: &str = "FAAS_LAMBDA_EXTENSION";
    match config.get(KEY).map(str::trim) {
        None | Some("") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("on") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("off") => Ok(false),
        Some(value) => Err(invalid(KEY, value, "expected `on` or `off`".into())),
    }
}

/// Runs one invocation: the payload's bytes in, the encoded reply (or the
/// error response) out.
async fn answer<F: Invoke>(
    function: &F,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<Box<RawValue>, Diagnostic> {
    let (payload, context) = event.into_parts();
    // `Box<str>` → `String` → `Bytes` moves the buffer: no copy.
    let payload = Bytes::from(String::from(Box::<str>::from(payload)));
    let mut info = InvocationInfo::default().with_request_id(context.request_id);
    if let Some(deadline) = deadline(context.deadline) {
        info = info.with_deadline(deadline);
    }
    if let Some(trace_id) = context.xray_trace_id {
        info = info.with_trace_id(trace_id);
    }
    let outcome = function.invoke(Incoming::Json(payload), info).await;
    respond(outcome).map_err(|err| diagnostic(&err))
}

/// The response payload for an outcome, or the error that fails the invocation.
fn respond(outcome: Outcome) -> Result<Box<RawValue>, FunctionError> {
    let json = match outcome {
        Outcome::Json(json) => Vec::from(json),
        Outcome::Http(response) => response.encode(HttpShape::ApiGatewayHttp)?,
        Outcome::Failed(err) => return Err(err),
    };
    // The SDK wrote this JSON; checking it here turns a bug into an error
    // response, where `lambda_runtime` would stop the runtime.
    let text = String::from_utf8(json).map_err(FunctionError::internal)?;
    RawValue::from_string(text).map_err(FunctionError::internal)
}

/// The Lambda error response for a failed invocation.
fn diagnostic(err: &FunctionError) -> Diagnostic {
    let mut message = error_chain(err);
    let mut violations = err
        .violations()
        .iter()
        .filter(|violation| !message.contains(&violation.message))
        .peekable();
    if violations.peek().is_some() {
        let listed: Vec<String> = violations
            .map(|violation| match violation.pointer.as_str() {
                "" => violation.message.clone(),
                pointer => format!("{pointer}: {}", violation.message),
            })
            .collect();
        message.push_str(" (");
        message.push_str(&listed.join("; "));
        message.push(')');
    }
    Diagnostic {
        error_type: err.kind().as_str().to_owned(),
        error_message: message,
    }
}

/// The invocation's deadline, when the header holds a Unix time in milliseconds.
fn deadline(millis: u64) -> Option<DateTime<Utc>> {
    if millis < EARLIEST_DEADLINE_MS {
        return None;
    }
    DateTime::from_timestamp_millis(i64::try_from(millis).ok()?)
}

/// The calls to the Runtime API that `lambda_runtime` does not make for us.
#[derive(Clone)]
struct RuntimeApi {
    client: Arc<PooledClient>,
}

/// A Runtime API answer: status, headers and body.
type Answer = (StatusCode, HeaderMap, Bytes);

impl RuntimeApi {
    fn new(endpoint: Uri) -> RuntimeApi {
        RuntimeApi {
            client: Arc::new(PooledClient::builder().with_endpoint(endpoint).build()),
        }
    }

    /// A request to the Runtime API at `path` (below its base path).
    fn request(
        method: Method,
        path: &'static str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Result<http::Request<Body>, BoxError> {
        let mut request = lambda_runtime_api_client::build_request()
            .method(method)
            .uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Ok(request.body(body)?)
    }

    async fn call(&self, request: http::Request<Body>) -> Result<Answer, BoxError> {
        let response = self.client.call(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    /// Like [`call`](Self::call), for at most `START_CALL_TIMEOUT`, and only
    /// a `2xx` is a success.
    async fn call_during_start(&self, request: http::Request<Body>) -> Result<Answer, BoxError> {
        let path = request.uri().path().to_owned();
        let answer = tokio::time::timeout(START_CALL_TIMEOUT, self.call(request))
            .await
            .map_err(|_| format!("no answer from {path} within {START_CALL_TIMEOUT:?}"))??;
        if !answer.0.is_success() {
            let detail = String::from_utf8_lossy(&answer.2);
            return Err(format!("{path} answered {}: {detail}", answer.0).into());
        }
        Ok(answer)
    }

    /// Registers the no-op extension; returns its identifier.
    async fn register_extension(&self) -> Result<String, BoxError> {
        let request = Self::request(
            Method::POST,
            "/2020-01-01/extension/register",
            &[("Lambda-Extension-Name", EXTENSION_NAME)],
            Body::from(r#"{"events":[]}"#),
        )?;
        let (_, headers, _) = self.call_during_start(request).await?;
        let id = headers
            .get("lambda-extension-identifier")
            .and_then(|id| id.to_str().ok())
            .ok_or("the extension registration answered no Lambda-Extension-Identifier")?;
        Ok(id.to_owned())
    }

    /// The extension's long poll. Subscribed to no events, it waits until
    /// the environment stops; that a registered extension waits here is
    /// all Lambda needs to finish the Init phase and to send SIGTERM.
    async fn poll_extension(&self, id: &str) {
        const MAX_BACKOFF: Duration = Duration::from_secs(60);
        let mut backoff = Duration::from_secs(1);
        let mut warned = false;
        loop {
            let request = Self::request(
                Method::GET,
                "/2020-01-01/extension/event/next",
                &[("Lambda-Extension-Identifier", id)],
                Body::empty(),
            );
            let result = match request {
                Ok(request) => self.call(request).await,
                Err(err) => Err(err),
            };
            let failure = match result {
                Ok((status, _, _)) if status.is_success() => {
                    backoff = Duration::from_secs(1);
                    continue;
                }
                Ok((status, _, body)) => {
                    format!("answered {status}: {}", String::from_utf8_lossy(&body))
                }
                Err(err) => error_chain(&*err),
            };
            // Emulators answer this poll with an error at once: say so once,
            // then ask again rarely.
            if warned {
                tracing::debug!(error = %failure, "extension event poll failed");
            } else {
                warned = true;
                tracing::warn!(error = %failure, "extension event poll failed; retrying with backoff");
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Reports why the function could not start to `/runtime/init/error`.
    async fn report_init_error(&self, err: &StartError) {
        let error_type = match err {
            StartError::Init(_) => "Runtime.InitError",
            StartError::Config(_) => "Runtime.ConfigInvalid",
            StartError::Schema(_) => "Runtime.SchemaInvalid",
            _ => "Runtime.Unknown",
        };
        let report = Diagnostic {
            error_type: error_type.to_owned(),
            error_message: error_chain(err),
        };
        let body = match serde_json::to_vec(&report) {
            Ok(body) => body,
            Err(json) => {
                tracing::error!(error = %json, "cannot encode the init error report");
                return;
            }
        };
        let request = Self::request(
            Method::POST,
            "/2018-06-01/runtime/init/error",
            &[("Lambda-Runtime-Function-Error-Type", error_type)],
            Body::from(body),
        );
        let result = match request {
            Ok(request) => self.call_during_start(request).await,
            Err(err) => Err(err),
        };
        match result {
            Ok(_) => tracing::info!(error_type, "reported the init failure to Lambda"),
            Err(report) => tracing::error!(
                error = %report,
                "could not report the init failure to Lambda"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpResponse;
    use crate::error::Violation;

    fn env(pairs: &[(&str, &str)]) -> Config {
        let mut all = vec![
            ("AWS_LAMBDA_FUNCTION_NAME", "orders"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ];
        for (key, value) in pairs {
            all.retain(|(k, _)| k != key);
            if !value.is_empty() {
                all.push((key, value));
            }
        }
        Config::from_pairs(all)
    }

    #[test]
    fn both_runtime_api_forms_are_accepted() {
        let lambda = check_environment(&env(&[])).unwrap();
        assert_eq!(lambda.authority().unwrap(), "127.0.0.1:9001");
        let watch = check_environment(&env(&[(
            "AWS_LAMBDA_RUNTIME_API",
            "http://127.0.0.1:9000/.rt/orders",
        )]))
        .unwrap();
        assert_eq!(watch.path(), "/.rt/orders");
    }

    #[test]
    fn what_lambda_runtime_would_panic_on_is_a_config_error() {
        for key in [
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_RUNTIME_API",
        ] {
            let err = check_environment(&env(&[(key, "")])).unwrap_err();
            assert_eq!(err, ConfigError::Missing { key: key.into() });
        }
        let cases = [
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128 MB"),
            ("AWS_LAMBDA_RUNTIME_API", "not a host"),
            ("AWS_LAMBDA_RUNTIME_API", "/2018-06-01"),
            ("AWS_LAMBDA_RUNTIME_API", "https://127.0.0.1:9001"),
        ];
        for (key, value) in cases {
            let err = check_environment(&env(&[(key, value)])).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { key: k, .. } if k == key),
                "{key}={value}: {err}"
            );
        }
    }

    #[test]
    fn only_unix_times_are_deadlines() {
        assert_eq!(deadline(600_000), None, "cargo lambda's constant");
        let at = deadline(1_798_761_600_000).unwrap();
        assert_eq!(at.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert_eq!(deadline(u64::MAX), None);
    }

    #[test]
    fn errors_carry_their_kind_their_chain_and_new_violations() {
        let io = std::io::Error::other("connection reset");
        let err = FunctionError::transient(io);
        let report = diagnostic(&err);
        assert_eq!(report.error_type, "transient");
        assert_eq!(report.error_message, "connection reset");

        let err = FunctionError::bad_input("the payload does not match schema Order: 2 violations")
            .with_violations(vec![
                Violation::new("/amount_cents", "0 is less than the minimum of 1"),
                Violation::new("", "\"currency\" is a required property"),
            ]);
        assert_eq!(
            diagnostic(&err).error_message,
            "the payload does not match schema Order: 2 violations \
             (/amount_cents: 0 is less than the minimum of 1; \"currency\" is a required property)"
        );
        // A decode error's violation repeats its message: not twice.
        let err = FunctionError::bad_input("expected a queue message")
            .with_violations(vec![Violation::new("", "expected a queue message")]);
        assert_eq!(diagnostic(&err).error_message, "expected a queue message");
    }

    #[test]
    fn an_http_reply_to_a_direct_invocation_has_the_http_api_shape() {
        let response = HttpResponse::new(StatusCode::ACCEPTED).with_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_static("a=1"),
        );
        let raw = respond(Outcome::Http(response)).unwrap();
        let json: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(json["statusCode"], 202);
        assert_eq!(json["cookies"], serde_json::json!(["a=1"]));
        let raw = respond(Outcome::Json(Bytes::from_static(b"{\"ok\":true}"))).unwrap();
        assert_eq!(raw.get(), "{\"ok\":true}");
        let err = respond(Outcome::Failed(FunctionError::conflict("dup"))).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Conflict);
    }

    #[test]
    fn the_extension_switch_reads_on_and_off() {
        assert!(extension_enabled(&env(&[])).unwrap());
        assert!(!extension_enabled(&env(&[("FAAS_LAMBDA_EXTENSION", "OFF")])).unwrap());
        assert!(extension_enabled(&env(&[("FAAS_LAMBDA_EXTENSION", "maybe")])).is_err());
    }
}
