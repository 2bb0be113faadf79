//! Write a serverless function once, as a typed `async fn`; run it on AWS
//! Lambda, Google Cloud Run functions / Knative, Azure Functions, or locally.
//!
//! ```no_run
//! use faas::prelude::*;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct NewOrder {
//!     order_id: String,
//!     #[schemars(range(min = 1))]
//!     amount_cents: u64,
//! }
//!
//! #[derive(Serialize)]
//! struct Receipt { order_id: String, status: &'static str }
//!
//! #[faas::handler]
//! async fn create_order(Json(order): Json<NewOrder>, ctx: &Context) -> Result<Receipt, FunctionError> {
//!     tracing::info!(order = %order.order_id, cold = ctx.is_cold_start(), "creating");
//!     Ok(Receipt { order_id: order.order_id, status: "created" })
//! }
//!
//! faas::main!(create_order);
//! ```
//!
//! What you get:
//!
//! - **Typed contracts** ([`contract`]): [`HttpRequest`], [`Json<T>`],
//!   [`QueueMessage<T>`], [`StorageEvent`], [`ScheduleEvent`],
//!   [`StreamRecord<T>`], [`CloudEvent<T>`], decoded from every provider
//!   format they arrive in, with errors that say what was expected, what
//!   arrived, and which field failed.
//! - **Validation** ([`validation`]) of payloads against a JSON Schema
//!   derived from the type or read from a file, before your code runs.
//! - **An error taxonomy** ([`FunctionError`], [`ErrorKind`]) mapped to HTTP
//!   statuses, retries and partial batch failures.
//! - **Batches** done right: `#[faas::handler(batch)]` runs once per record,
//!   reports only failed records, keeps FIFO and stream order.
//! - **Idempotency** ([`idempotency`]): at-least-once delivery never runs
//!   a side effect twice; records in memory, Redis or DynamoDB.
//! - **Layers** ([`layer`]) around the handler, `tower`-style.
//! - **A local server** ([`server`]) and a test kit (the `faas-testkit` crate)
//!   that runs a handler through exactly the production path.
//!
//! # The handler macro
//!
//! `#[faas::handler]` goes on `async fn name(event: E, [state: &S,] [ctx: &Context]) -> Result<R, E2>`:
//!
//! - `E` is a contract, `Json<T>`, `Batch<R>`, or any `serde::de::DeserializeOwned` payload;
//! - `S` is the state built by a `#[faas::init]` function;
//! - `R` is any `Serialize` type or an [`HttpResponse`], and `E2` converts into [`FunctionError`].
//!
//! Options: `batch` (one call per record of a batch; `batch(concurrency = 8)`
//! runs up to 8 at once), `name = "..."`, `schema = "path/to/schema.json"`,
//! and `idempotency(key = "/order_id", ttl = "24h", ...)` (one execution per
//! event, see [`idempotency`]).
//! See [`handler`](macro@handler).

#![warn(missing_docs)]

#[cfg(feature = "azure")]
pub mod azure;
pub mod clock;
pub mod config;
pub mod context;
pub mod contract;
pub mod error;
pub mod function;
pub mod handler;
pub mod idempotency;
#[cfg(feature = "aws-lambda")]
pub mod lambda;
pub mod layer;
pub mod payload;
pub mod reply;
pub mod runtime;
#[cfg(feature = "http")]
pub mod server;
pub mod validation;
pub mod wire;

pub use config::{Config, ConfigError};
pub use context::{Context, ContextBuilder, Platform};
pub use contract::{
    Batch, ChangeKind, CloudEvent, HttpRequest, HttpResponse, Json, QueueMessage, ScheduleEvent,
    StorageEvent, StorageEventKind, StreamRecord,
};
pub use error::{BoxError, ErrorKind, FunctionError, Violation};
pub use function::{Function, FunctionBuilder, InvocationInfo, StartError};
pub use handler::{Handler, HandlerConfig, Init, NoInit};

/// Marks an `async fn` as a function's handler. See the [crate docs](crate#the-handler-macro).
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(Deserialize)]
/// struct Job { job_id: String, action: String }
///
/// #[faas::handler(batch(concurrency = 4), name = "jobs")]
/// async fn run_job(job: QueueMessage<Job>, ctx: &Context) -> Result<(), FunctionError> {
///     match job.body.action.as_str() {
///         "retry-me" => Err(FunctionError::transient("dependency down")),
///         _ => Ok(()),
///     }
/// }
/// ```
pub use faas_sdk_macros::handler;

/// Marks an `async fn` as the one-time initialisation of a function; its
/// `Ok` value is the state every invocation shares.
///
/// ```
/// use faas::prelude::*;
///
/// struct App { greeting: String }
///
/// #[faas::init]
/// async fn init(cfg: &Config) -> Result<App, ConfigError> {
///     Ok(App { greeting: cfg.get("GREETING").unwrap_or("hello").to_owned() })
/// }
///
/// #[faas::handler]
/// async fn greet(name: String, app: &App) -> Result<String, FunctionError> {
///     Ok(format!("{}, {name}", app.greeting))
/// }
/// ```
pub use faas_sdk_macros::init;

/// Generates `fn main` for a handler and an optional init function: it
/// picks the platform at start-up, sets up logging and serves.
///
/// ```no_run
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> {
///     Ok("pong")
/// }
///
/// faas::main!(ping);
/// ```
pub use faas_sdk_macros::main;

pub use http;

/// Everything a function file usually needs.
pub mod prelude {
    pub use crate::config::{Config, ConfigError};
    pub use crate::context::Context;
    pub use crate::contract::{
        Batch, ChangeKind, CloudEvent, HttpRequest, HttpResponse, Json, QueueMessage,
        ScheduleEvent, StorageEvent, StorageEventKind, StreamRecord,
    };
    pub use crate::error::{ErrorKind, FunctionError};
    pub use crate::payload::{Binary, Text};
    #[cfg(feature = "validation")]
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

/// Support for the macros; not a public API.
#[doc(hidden)]
pub mod __private {
    use std::process::ExitCode;

    pub use crate::config::Config;
    pub use crate::context::Context;
    pub use crate::contract::{Each, FromEvent, Record};
    pub use crate::error::{BoxError, FunctionError};
    pub use crate::handler::{Handler, HandlerConfig, Init, NoInit};
    pub use crate::runtime::main;
    pub use crate::validation::SchemaSource;
    pub use crate::validation::probe::Probe;

    /// Finds, at compile time, the derived schema of an event's payload:
    /// `(&Probe::<E>::new()).schema_source()`, on the event type `E`,
    /// resolves to [`EventSchema`] when `E`'s payload implements
    /// `JsonSchema` and to the `None` of [`NoEventSchema`] otherwise (see
    /// [`Probe`]). Probing the event rather than `<E as FromEvent>::Payload`
    /// keeps an `E` that is not an event at all from being reported twice.
    pub trait EventSchema {
        fn schema_source(&self) -> Option<SchemaSource>;
    }

    #[cfg(feature = "validation")]
    impl<E> EventSchema for Probe<E>
    where
        E: FromEvent,
        E::Payload: schemars::JsonSchema + 'static,
    {
        fn schema_source(&self) -> Option<SchemaSource> {
            // `()` is the payload of contracts that carry none (`HttpRequest`,
            // `ScheduleEvent`, `StorageEvent`); its schema (`null`) describes no contract.
            if std::any::TypeId::of::<E::Payload>() == std::any::TypeId::of::<()>() {
                return None;
            }
            crate::validation::probe::DerivedSchema::schema_source(&Probe::<E::Payload>::new())
        }
    }

    pub trait NoEventSchema {
        fn schema_source(&self) -> Option<SchemaSource> {
            None
        }
    }

    impl<E> NoEventSchema for &Probe<E> {}

    /// The state of a handler that `faas::main!` runs without an init
    /// function: only `()` can be built from nothing.
    #[diagnostic::on_unimplemented(
        message = "this handler takes a state of type `{Self}`, but `faas::main!` was given no init function to build it",
        label = "needs a `#[faas::init]` function that returns `Result<{Self}, E>`",
        note = "write `faas::main!(handler, init)`, naming an `async fn` marked `#[faas::init]` that builds the state"
    )]
    pub trait WithoutInit: Sized + Send + Sync + 'static {
        /// The init function that builds this state.
        type Init: Init<State = Self> + Default;
    }

    impl WithoutInit for () {
        type Init = NoInit;
    }

    /// `faas::main!(handler)`: [`main`] with the init function the handler's state allows.
    pub fn main_without_init<H>(handler: H) -> ExitCode
    where
        H: Handler,
        H::State: WithoutInit,
    {
        main(handler, <H::State as WithoutInit>::Init::default())
    }
}
