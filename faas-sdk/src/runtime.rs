//! Start-up: pick the platform, set up logging, run `init` once, serve.
//!
//! `faas::main!(handler, init)` writes `fn main` with [`serve`]; call it
//! yourself for a `main` of your own:
//!
//! ```no_run
//! use faas::prelude::*;
//!
//! #[faas::handler]
//! async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> {
//!     Ok("pong")
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), faas::StartError> {
//!     // … set up what the function needs …
//!     faas::runtime::serve(ping {})
//!         .layer(faas::layer::check(|request| match request.header("x-api-key") {
//!             Some("let-me-in") => Ok(()),
//!             _ => Err(FunctionError::unauthorized("a valid x-api-key header is required")),
//!         }))
//!         .run()
//!         .await
//! }
//! ```
//!
//! The platform comes from the environment:
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
//! Every platform runs the same [`lifecycle`](crate::lifecycle): stop
//! signals are listened for first, `init` runs once, and when the platform
//! stops the process (SIGTERM, or SIGINT locally) the platform stops taking
//! work, lets in-flight invocations finish, and runs the init's shutdown
//! hook (`#[faas::init(shutdown = …)]`) within a grace period
//! (`FAAS_SHUTDOWN_GRACE_MS`).
//!
//! Logs go to stderr through `tracing`: human-readable text on the local
//! server, one JSON object per line elsewhere (`FAAS_LOG_FORMAT=text|json`
//! overrides). `RUST_LOG` filters them (`info` by default; for example
//! `RUST_LOG=warn,faas=debug`).

use std::process::ExitCode;
use std::sync::Arc;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{Config, ConfigError};
use crate::context::Platform;
use crate::function::{Function, LayersFor};
use crate::handler::{Handler, Init, InitWithout, WithoutInit};
use crate::layer::{Identity, Layers, Stack};
use crate::lifecycle::{Lifecycle, StartError};
use crate::transport::Transport;

/// Serves `handler` on the platform the environment names: see [`Serve`].
///
/// ```no_run
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> {
///     Ok("pong")
/// }
///
/// fn main() -> std::process::ExitCode {
///     faas::runtime::serve(ping {}).main()
/// }
/// ```
pub fn serve<H: Handler>(handler: H) -> Serve<H> {
    Serve {
        handler,
        init: NoInitGiven,
        layers: Layers::new(),
    }
}

/// A function to serve: its handler, its init function and its layers.
/// Built by [`serve`]; [`run`](Serve::run) (async) or [`main`](Serve::main)
/// (a whole `fn main`) serves it until the platform stops the process.
#[must_use = "a `Serve` does nothing until `.run().await` or `.main()`"]
pub struct Serve<H, I = NoInitGiven, L = Identity, A = Identity> {
    handler: H,
    init: I,
    layers: Layers<L, A>,
}

/// The init of a [`Serve`] that was given none: the handler's state must
/// need none ([`WithoutInit`]).
#[derive(Debug, Clone, Copy)]
pub struct NoInitGiven;

impl<H: Handler, I, L, A> Serve<H, I, L, A> {
    /// Builds the state with `init` once per cold start (an `async fn`
    /// marked `#[faas::init]`).
    pub fn init<I2: Init<State = H::State>>(self, init: I2) -> Serve<H, I2, L, A> {
        Serve {
            handler: self.handler,
            init,
            layers: self.layers,
        }
    }

    /// Adds `layer` before validation and idempotency, inside the layers
    /// added so far (see [`layer`](crate::layer)).
    pub fn layer<N>(self, layer: N) -> Serve<H, I, Stack<N, L>, A> {
        Serve {
            handler: self.handler,
            init: self.init,
            layers: self.layers.layer(layer),
        }
    }

    /// Adds `layer` around everything, telemetry included.
    pub fn around<N>(self, layer: N) -> Serve<H, I, L, Stack<N, A>> {
        Serve {
            handler: self.handler,
            init: self.init,
            layers: self.layers.around(layer),
        }
    }
}

impl<H: Handler, L, A> Serve<H, NoInitGiven, L, A>
where
    H::State: WithoutInit,
    Layers<L, A>: LayersFor<H>,
{
    /// Selects the platform, sets up logging, and serves until the platform
    /// stops the process.
    pub async fn run(self) -> Result<(), StartError> {
        self.init(InitWithout::default()).run().await
    }

    /// [`run`](Self::run) on a Tokio runtime of its own: what `faas::main!`
    /// writes. A start-up failure is logged and turns into exit code 1.
    pub fn main(self) -> ExitCode {
        self.init(InitWithout::default()).main()
    }
}

impl<H: Handler, I: Init<State = H::State>, L, A> Serve<H, I, L, A>
where
    Layers<L, A>: LayersFor<H>,
{
    /// Selects the platform, sets up logging, runs `init` and serves until
    /// the platform stops the process; then runs the init's shutdown hook.
    pub async fn run(self) -> Result<(), StartError> {
        let config = Config::from_env();
        let platform = select_platform(&config)?;
        init_tracing(&config, platform);
        tracing::info!(
            platform = platform.as_str(),
            handler = self.handler.config().name,
            "starting"
        );
        match platform {
            #[cfg(feature = "http")]
            Platform::Local | Platform::Http => {
                let transport = crate::server::HttpTransport::from_config(&config, platform)?;
                self.run_on(transport, config, platform).await
            }
            #[cfg(feature = "aws-lambda")]
            Platform::AwsLambda => {
                let transport = crate::lambda::LambdaTransport::from_config(&config)?;
                self.run_on(transport, config, platform).await
            }
            #[cfg(feature = "azure")]
            Platform::Azure => {
                let transport = crate::azure::AzureTransport::from_config(&config)?;
                self.run_on(transport, config, platform).await
            }
            other => Err(StartError::Platform(format!(
                "the {other} platform was selected, but this binary was built without the `{}` feature of faas-sdk",
                feature_of(other)
            ))),
        }
    }

    /// [`run`](Self::run) on a Tokio runtime of its own: what `faas::main!`
    /// writes. A start-up failure is logged and turns into exit code 1.
    pub fn main(self) -> ExitCode {
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
        match runtime.block_on(self.run()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "function stopped");
                eprintln!("faas: {err}");
                ExitCode::FAILURE
            }
        }
    }

    /// The lifecycle around `transport`: start, init, serve, shut down.
    /// A failure before serving is reported to the platform too.
    #[cfg_attr(not(any(feature = "http", feature = "aws-lambda")), allow(dead_code))]
    async fn run_on<T: Transport>(
        self,
        mut transport: T,
        config: Config,
        platform: Platform,
    ) -> Result<(), StartError> {
        let Serve {
            handler,
            init,
            layers,
        } = self;
        let started = async {
            let lifecycle = Lifecycle::begin(&config, transport.shutdown_grace())?;
            transport.start(&config).await?;
            let state = lifecycle.init(&init, &config).await?;
            let mut builder = Function::builder_with_state(handler, state)
                .platform(platform)
                .config(config.clone())
                .layers(layers);
            if builder.is_idempotent() {
                builder = builder.idempotency_store(crate::idempotency::open_store(&config).await?);
            }
            Ok::<_, StartError>((lifecycle, builder.build()?))
        }
        .await;
        let (mut lifecycle, function) = match started {
            Ok(started) => started,
            Err(err) => {
                transport.report_start_error(&err).await;
                return Err(err);
            }
        };
        let function = Arc::new(function);
        let result = transport
            .serve(Arc::clone(&function), lifecycle.stopped())
            .await;
        lifecycle.shut_down(&init, function.state()).await;
        result
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
