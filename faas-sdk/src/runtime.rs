//! Start-up: pick the platform, set up logging, run `init` once, serve.
//!
//! `faas::main!(handler, init)` expands to [`main`]; call [`run`] yourself
//! from an existing async `main` when you need to. The platform comes from
//! the environment:
//!
//! | variable | platform |
//! |---|---|
//! | `FAAS_PLATFORM=lambda\|http\|azure\|local` | that one (anything else is a start-up error) |
//! | `AWS_LAMBDA_RUNTIME_API` | AWS Lambda |
//! | `FUNCTIONS_CUSTOMHANDLER_PORT` | Azure Functions custom handler |
//! | `K_SERVICE`, `FUNCTION_TARGET` | HTTP / CloudEvents server |
//! | none of these | the local development server |
//!
//! Each platform is behind a cargo feature of faas-sdk (`aws-lambda`,
//! `http`, `azure`, all on by default); selecting a platform the binary was
//! built without stops with an error naming the feature, rather than
//! serving the wrong protocol.
//!
//! When the platform stops the process (SIGTERM, or SIGINT locally), the
//! server stops accepting work, lets in-flight invocations finish, and runs
//! the init's shutdown hook (`#[faas::init(shutdown = …)]`) within a grace
//! period (`FAAS_SHUTDOWN_GRACE_MS`).
//!
//! Logs go to stderr through `tracing`: human-readable text on the local
//! server, one JSON object per line elsewhere (`FAAS_LOG_FORMAT=text|json`
//! overrides). `RUST_LOG` filters them (`info` by default; for example
//! `RUST_LOG=warn,faas=debug`).

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{Config, ConfigError};
use crate::context::Platform;
use crate::function::{Function, StartError};
use crate::handler::{Handler, Init};

/// Builds a Tokio runtime and [`run`]s the function on it; what
/// `faas::main!` expands to. A start-up failure is logged and turns into
/// exit code 1.
pub fn main<H, I>(handler: H, init: I) -> ExitCode
where
    H: Handler,
    I: Init<State = H::State>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("faas: cannot start the Tokio runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(handler, init)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "function stopped");
            eprintln!("faas: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Selects the platform, sets up logging, runs `init` and serves until the
/// platform stops the process; then runs the init's shutdown hook.
pub async fn run<H, I>(handler: H, init: I) -> Result<(), StartError>
where
    H: Handler,
    I: Init<State = H::State>,
{
    let config = Config::from_env();
    let platform = select_platform(&config)?;
    init_tracing(&config, platform);
    tracing::info!(
        platform = platform.as_str(),
        handler = handler.config().name,
        "starting"
    );
    match platform {
        #[cfg(feature = "http")]
        Platform::Local | Platform::Http => {
            let stop = shutdown_signal();
            let options = if platform == Platform::Local {
                crate::server::ServerOptions::local(&config)?
            } else {
                crate::server::ServerOptions::platform(&config)?
            };
            let function = std::sync::Arc::new(start(handler, &init, &config, platform).await?);
            crate::server::serve(&function, options, stop).await?;
            shut_down(&init, function.state(), shutdown_grace(&config)?).await;
            Ok(())
        }
        #[cfg(feature = "aws-lambda")]
        Platform::AwsLambda => crate::lambda::run(handler, init, config).await,
        #[cfg(feature = "azure")]
        Platform::Azure => crate::azure::run(handler, init, config).await,
        other => Err(StartError::Platform(format!(
            "the {other} platform was selected, but this binary was built without the `{}` feature of faas-sdk",
            feature_of(other)
        ))),
    }
}

/// The cargo feature that serves `platform`.
fn feature_of(platform: Platform) -> &'static str {
    match platform {
        Platform::AwsLambda => "aws-lambda",
        Platform::Azure => "azure",
        _ => "http",
    }
}

/// Runs `init` and builds the function instance.
pub(crate) async fn start<H, I>(
    handler: H,
    init: &I,
    config: &Config,
    platform: Platform,
) -> Result<Function<H>, StartError>
where
    H: Handler,
    I: Init<State = H::State>,
{
    let state = init.init(config).await.map_err(StartError::Init)?;
    let mut builder = Function::builder_with_state(handler, state)
        .platform(platform)
        .config(config.clone());
    if builder.is_idempotent() {
        builder = builder.idempotency_store(crate::idempotency::open_store(config).await?);
    }
    builder.build()
}

/// Completes when the process is asked to stop: SIGTERM (what platforms
/// send) or SIGINT (Ctrl-C). The handlers are installed by this call, not
/// when the future is first polled, so a signal during a slow `init` is not lost.
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
pub(crate) struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub(crate) fn listen() -> std::io::Result<StopSignals> {
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
    pub(crate) async fn recv(&mut self) -> &'static str {
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

/// How long the shutdown hook may run: `FAAS_SHUTDOWN_GRACE_MS`, else 5 s
/// (Cloud Run and Knative allow 10 s after SIGTERM, Azure about as much).
pub(crate) fn shutdown_grace(config: &Config) -> Result<Duration, ConfigError> {
    config
        .parse_or("FAAS_SHUTDOWN_GRACE_MS", 5_000_u64)
        .map(Duration::from_millis)
}

/// Runs the init's shutdown hook, giving up after `grace`.
pub(crate) async fn shut_down<I: Init>(init: &I, state: &I::State, grace: Duration) {
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        "running the shutdown hook"
    );
    if tokio::time::timeout(grace, init.shutdown(state))
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "the shutdown hook did not finish in time"
        );
    }
}

/// The platform the environment asks for.
///
/// ```
/// use faas::{Config, Platform};
/// use faas::runtime::select_platform;
///
/// assert_eq!(select_platform(&Config::from_pairs([("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")])).unwrap(), Platform::AwsLambda);
/// assert_eq!(select_platform(&Config::from_pairs([("K_SERVICE", "orders")])).unwrap(), Platform::Http);
/// assert_eq!(select_platform(&Config::default()).unwrap(), Platform::Local);
/// assert!(select_platform(&Config::from_pairs([("FAAS_PLATFORM", "mainframe")])).is_err());
/// ```
pub fn select_platform(config: &Config) -> Result<Platform, ConfigError> {
    if let Some(name) = config.get("FAAS_PLATFORM").filter(|name| !name.is_empty()) {
        return match name.to_ascii_lowercase().as_str() {
            "lambda" | "aws-lambda" | "aws_lambda" => Ok(Platform::AwsLambda),
            "http" => Ok(Platform::Http),
            "azure" => Ok(Platform::Azure),
            "local" => Ok(Platform::Local),
            _ => Err(ConfigError::Invalid {
                key: "FAAS_PLATFORM".into(),
                value: name.into(),
                reason: "expected one of lambda, http, azure, local".into(),
            }),
        };
    }
    let set = |key: &str| config.get(key).is_some_and(|value| !value.is_empty());
    Ok(if set("AWS_LAMBDA_RUNTIME_API") {
        Platform::AwsLambda
    } else if set("FUNCTIONS_CUSTOMHANDLER_PORT") {
        Platform::Azure
    } else if set("K_SERVICE") || set("FUNCTION_TARGET") {
        Platform::Http
    } else {
        Platform::Local
    })
}

/// Installs the global `tracing` subscriber (once; later calls do nothing).
pub fn init_tracing(config: &Config, platform: Platform) {
    let default_format = if platform == Platform::Local {
        "text"
    } else {
        "json"
    };
    let json = config.get("FAAS_LOG_FORMAT").unwrap_or(default_format) == "json";
    let filter_text = config.get("RUST_LOG").unwrap_or("info");
    let filter = filter_text.parse::<Targets>().unwrap_or_else(|err| {
        eprintln!("faas: ignoring RUST_LOG={filter_text:?} ({err}); logging at info");
        Targets::new().with_default(tracing::Level::INFO)
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init()
    } else {
        // Colours only for a terminal: escape codes garble files and log collectors.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(ansi),
            )
            .try_init()
    };
    // Already installed (by the user, or a test): keep theirs.
    let _ = result;
}
