//! `faas-lambda-probe`: a function whose events say what to do, for
//! end-to-end tests of a platform adapter against a Runtime API (see
//! `faas-testkit/tests/lambda.rs`). It is a normal faas function: the same
//! `faas::main!` as any user's.
//!
//! Events (direct invocations):
//!
//! | event | answer |
//! |---|---|
//! | `{"probe": "context"}` | what the context says: request and trace ids, deadline, remaining time, cold start |
//! | `{"probe": "panic", "message": "…"}` | the handler panics with the message |
//! | `{"probe": "fail", "kind": "transient", "message": "…"}` | a `FunctionError` of that kind |
//! | `{"probe": "http", "status": 202}` | an `HttpResponse` with that status and `Set-Cookie: probe=1` |
//!
//! Settings: `PROBE_INIT_FAILURE=<reason>` makes the init fail;
//! `PROBE_SHUTDOWN_SLEEP_MS` makes the shutdown hook take that long. The hook
//! logs `probe shutdown hook started` and `probe shutdown hook finished`.

use std::time::Duration;

use faas::ErrorKind;
use faas::http::{HeaderValue, StatusCode, header};
use faas::prelude::*;
use faas::reply::{IntoReply, Reply};

/// What an event asks for.
#[derive(Debug, Deserialize)]
#[serde(tag = "probe", rename_all = "snake_case")]
enum Probe {
    Context,
    Panic { message: String },
    Fail { kind: String, message: String },
    Http { status: u16 },
}

/// The state: how long the shutdown hook takes.
struct Probing {
    shutdown_sleep: Duration,
}

/// Why the init failed, when `PROBE_INIT_FAILURE` asks it to.
#[derive(Debug, thiserror::Error)]
enum InitError {
    #[error("the probe's init failed on purpose: {0}")]
    Asked(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

#[faas::init(shutdown = stop)]
async fn init(cfg: &Config) -> Result<Probing, InitError> {
    if let Some(reason) = cfg.get("PROBE_INIT_FAILURE") {
        return Err(InitError::Asked(reason.to_owned()));
    }
    let sleep_ms = cfg.parse_or("PROBE_SHUTDOWN_SLEEP_MS", 0_u64)?;
    Ok(Probing {
        shutdown_sleep: Duration::from_millis(sleep_ms),
    })
}

async fn stop(state: &Probing) {
    tracing::info!("probe shutdown hook started");
    tokio::time::sleep(state.shutdown_sleep).await;
    tracing::info!("probe shutdown hook finished");
}

/// A JSON answer, or an HTTP one.
enum Answer {
    Json(serde_json::Value),
    Http(HttpResponse),
}

impl IntoReply for Answer {
    fn into_reply(self) -> Result<Reply, FunctionError> {
        match self {
            Answer::Json(value) => value.into_reply(),
            Answer::Http(response) => response.into_reply(),
        }
    }
}

#[faas::handler]
async fn probe(event: Probe, _state: &Probing, ctx: &Context) -> Result<Answer, FunctionError> {
    match event {
        Probe::Context => Ok(Answer::Json(serde_json::json!({
            "request_id": ctx.request_id(),
            "trace_id": ctx.trace_id(),
            "deadline_ms": ctx.deadline().map(|deadline| deadline.timestamp_millis()),
            "remaining_ms": ctx.remaining_time().map(|left| left.as_millis() as u64),
            "function_name": ctx.function_name(),
            "function_version": ctx.function_version(),
            "platform": ctx.platform().as_str(),
            "cold_start": ctx.is_cold_start(),
        }))),
        Probe::Panic { message } => panic!("{message}"),
        Probe::Fail { kind, message } => {
            let kind = ErrorKind::ALL
                .into_iter()
                .find(|known| known.as_str() == kind)
                .ok_or_else(|| FunctionError::bad_input(format!("no error kind `{kind}`")))?;
            Err(FunctionError::new(kind, message))
        }
        Probe::Http { status } => {
            let status = StatusCode::from_u16(status).map_err(FunctionError::bad_input)?;
            let response =
                HttpResponse::json(status, &serde_json::json!({"status": status.as_u16()}))?;
            Ok(Answer::Http(response.with_header(
                header::SET_COOKIE,
                HeaderValue::from_static("probe=1"),
            )))
        }
    }
}

faas::main!(probe, init);
