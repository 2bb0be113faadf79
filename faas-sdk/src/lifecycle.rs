//! The life of a function instance, the same on every platform: listen for
//! the stop signal before anything else runs, run `init` once, serve, and
//! when the platform stops the process run the init's shutdown hook within
//! a grace period.
//!
//! ```text
//! listen for SIGTERM / SIGINT ─▶ init ─▶ serve until a signal ─▶ shutdown hook (≤ grace)
//! ```
//!
//! Signals are listened for first, so a SIGTERM during a slow `init` stops
//! the function cleanly instead of killing it. The grace period is
//! `FAAS_SHUTDOWN_GRACE_MS`, else the platform's own (500 ms on Lambda,
//! the whole Shutdown phase with an internal extension; 5 s elsewhere:
//! Cloud Run and Knative allow 10 s after SIGTERM, Azure about as much).
//! `runtime` runs this sequence around each platform's transport; no
//! platform writes it again.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::config::{Config, ConfigError};
use crate::error::{BoxError, error_chain};
use crate::handler::Init;
use crate::idempotency::{FAAS_IDEMPOTENCY_STORE, StoreError};
use crate::validation::SchemaError;

/// Why a function could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The payload schema does not compile.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The `#[faas::init]` function failed.
    #[error("init failed: {}", error_chain(&**.0))]
    Init(BoxError),
    /// A setting is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The platform cannot be served by this binary.
    #[error("{0}")]
    Platform(String),
    /// The server could not listen or serve.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    /// The idempotency store could not be opened.
    #[error("cannot open the idempotency store ({FAAS_IDEMPOTENCY_STORE}): {}", error_chain(.0))]
    IdempotencyStore(#[from] StoreError),
}

/// The grace period's setting.
const GRACE_VARIABLE: &str = "FAAS_SHUTDOWN_GRACE_MS";

/// A started instance's signals and time budget.
pub(crate) struct Lifecycle {
    /// Taken by [`stopped`](Self::stopped).
    signals: Option<StopSignals>,
    grace: Duration,
}

impl Lifecycle {
    /// Starts listening for stop signals and reads the grace period
    /// (`FAAS_SHUTDOWN_GRACE_MS`, else `default_grace`).
    pub(crate) fn begin(config: &Config, default_grace: Duration) -> Result<Lifecycle, StartError> {
        let grace = config
            .parse_or(GRACE_VARIABLE, default_grace.as_millis() as u64)
            .map(Duration::from_millis)?;
        Ok(Lifecycle {
            signals: Some(StopSignals::listen()?),
            grace,
        })
    }

    /// Runs `init` once.
    pub(crate) async fn init<I: Init>(
        &self,
        init: &I,
        config: &Config,
    ) -> Result<I::State, StartError> {
        init.init(config).await.map_err(StartError::Init)
    }

    /// Completes when the platform asks the process to stop (once: a
    /// second call never completes).
    pub(crate) fn stopped(&mut self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let signals = self.signals.take();
        Box::pin(async move {
            match signals {
                Some(mut signals) => {
                    let signal = signals.recv().await;
                    tracing::info!(signal, "stopping");
                }
                None => std::future::pending().await,
            }
        })
    }

    /// Runs the init's shutdown hook, giving up after the grace period.
    pub(crate) async fn shut_down<I: Init>(&self, init: &I, state: &I::State) {
        let grace_ms = self.grace.as_millis() as u64;
        tracing::info!(grace_ms, "running the shutdown hook");
        if tokio::time::timeout(self.grace, init.shutdown(state))
            .await
            .is_err()
        {
            tracing::warn!(grace_ms, "the shutdown hook did not finish in time");
        }
    }
}

/// Completes when the process is asked to stop: SIGTERM (what platforms
/// send) or SIGINT (Ctrl-C). The handlers are installed by this call, not
/// when the future is first polled, so a signal that arrives before it is
/// awaited is not lost. For embedders that serve a function themselves
/// ([`server::serve`](crate::server::serve) and the like).
///
/// ```no_run
/// # async fn demo() {
/// let stop = faas::lifecycle::shutdown_signal();
/// // … start serving …
/// stop.await;
/// # }
/// ```
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let signals = StopSignals::listen();
    async move {
        match signals {
            Ok(mut signals) => {
                let signal = signals.recv().await;
                tracing::info!(signal, "stopping");
            }
            // No handler can be installed: Ctrl-C still stops the process.
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// SIGTERM and SIGINT, listened for from the moment it is built.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Completes with the signal's name when one arrives.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => "SIGTERM",
                _ = self.int.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
