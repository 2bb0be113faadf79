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
//!   format they arrive in ([`wire`] tells the format), with errors that
//!   say what was expected, what arrived, and which field failed.
//! - **Validation** ([`validation`]) of payloads against a JSON Schema
//!   derived from the type or read from a file, before your code runs.
//! - **An error taxonomy** ([`FunctionError`], [`ErrorKind`]) mapped to HTTP
//!   statuses, retries and partial batch failures.
//! - **Batches** done right: a handler of a record type runs once per
//!   record, reports only failed records, keeps FIFO and stream order.
//! - **Idempotency** ([`idempotency`]): at-least-once delivery never runs
//!   a side effect twice; records in memory, Redis or DynamoDB.
//! - **Layers** ([`layer`]) around the handler, `tower`-style, on every
//!   platform: yours go before validation and idempotency, or around
//!   everything.
//! - **A local server** ([`server`]) and a test kit (the `faas-testkit` crate)
//!   that runs a handler through exactly the production path.
//!
//! # The handler macro
//!
//! `#[faas::handler]` goes on `async fn name(event: E, [state: &S,] [ctx: &Context]) -> Result<R, E2>`:
//!
//! - `E` is a contract, `Json<T>`, `Batch<R>`, or any `serde::de::DeserializeOwned` payload;
//! - `S` is the state built by a `#[faas::init]` function;
//! - `R` is any `Serialize` type or an [`HttpResponse`], and `E2` is
//!   [`FunctionError`] or any `std::error::Error` (an `internal` error).
//!
//! Options: `batch(concurrency = 8)` (run up to 8 records of a batch at
//! once; plain `batch` is accepted and changes nothing), `name = "..."`,
//! `schema = "path/to/schema.json"`, and `idempotency(key = "/order_id",
//! ttl = "24h", ...)` (one execution per event, see [`idempotency`]).
//! See [`handler`](macro@handler).

#![warn(missing_docs)]

#[cfg(feature = "azure")]
pub mod azure;
pub mod clock;
pub mod config;
pub mod context;
pub mod contract;
mod decode;
pub mod error;
pub mod function;
pub mod handler;
pub mod idempotency;
#[cfg(feature = "aws-lambda")]
pub mod lambda;
pub mod layer;
pub mod lifecycle;
pub mod payload;
mod provider;
pub mod reply;
pub mod runtime;
#[cfg(feature = "http")]
pub mod server;
mod transport;
pub mod validation;
pub mod wire;

pub use config::{Config, ConfigError};
pub use context::{Context, ContextBuilder, InvocationInfo, Platform};
pub use contract::{
    Batch, ChangeKind, CloudEvent, HttpRequest, Json, QueueMessage, ScheduleEvent, StorageEvent,
    StorageEventKind, StreamRecord,
};
pub use error::{BoxError, ErrorKind, FunctionError, Violation};
pub use function::{Function, FunctionBuilder};
pub use handler::{Handler, HandlerConfig, Init, NoInit};
pub use lifecycle::StartError;
pub use reply::HttpResponse;

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

/// Generates `fn main` for a handler, an optional init function and
/// optional layers: it picks the platform at start-up, sets up logging and
/// serves (see [`runtime::serve`]).
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
///
/// `faas::main!(handler, init, layers = [a, b], around = [c])`: `a` and
/// `b` run before validation and idempotency (`a` first), `c` around
/// everything (see [`layer`]); each part after the handler is optional.
pub use faas_sdk_macros::main;

pub use http;

/// Everything a function file usually needs.
pub mod prelude {
    pub use crate::config::{Config, ConfigError};
    pub use crate::context::Context;
    pub use crate::contract::{
        Batch, ChangeKind, CloudEvent, HttpRequest, Json, QueueMessage, ScheduleEvent,
        StorageEvent, StorageEventKind, StreamRecord,
    };
    pub use crate::error::{ErrorKind, FunctionError};
    pub use crate::payload::{Binary, Text};
    pub use crate::reply::HttpResponse;
    #[cfg(feature = "validation")]
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

/// Support for the macros; not a public API.
#[doc(hidden)]
pub mod __private {
    use std::any::Any;
    use std::process::ExitCode;

    pub use crate::config::Config;
    pub use crate::context::Context;
    pub use crate::contract::{FromEvent, Record};
    pub use crate::error::{BoxError, FunctionError};
    use crate::function::LayersFor;
    use crate::handler::WithoutInit;
    pub use crate::handler::{Handler, HandlerConfig, Init, NoInit};
    use crate::layer::Layers;
    use crate::runtime::{NoInitGiven, Serve, serve};
    pub use crate::validation::SchemaSource;
    pub use crate::validation::probe::Probe;

    /// `faas::main!(handler, init, …)`: serves on a runtime of its own.
    /// The handler and the init function are arguments of their own, so
    /// that a mismatch is reported once, at the name that is wrong.
    pub fn main<H, I, F, L, A>(handler: H, init: I, layers: F) -> ExitCode
    where
        H: Handler,
        I: Init<State = H::State>,
        F: FnOnce(Serve<H>) -> Serve<H, NoInitGiven, L, A>,
        Layers<L, A>: LayersFor<H>,
    {
        layers(serve(handler)).init(init).main()
    }

    /// `faas::main!(handler, …)`: the same, for a state that needs no init.
    pub fn main_without_init<H, F, L, A>(handler: H, layers: F) -> ExitCode
    where
        H: Handler,
        H::State: WithoutInit,
        F: FnOnce(Serve<H>) -> Serve<H, NoInitGiven, L, A>,
        Layers<L, A>: LayersFor<H>,
    {
        layers(serve(handler)).main()
    }

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

    /// A handler's error on its way to a [`FunctionError`]. The handler
    /// macro writes `(&&HandlerError::new(err)).into_function_error()`
    /// with the `ViaInto` trait in scope, on the handler's concrete error
    /// type: method lookup takes [`ViaInto`] when the error converts into
    /// a `FunctionError` (it is one, or its type has a `From` impl saying
    /// which kind it is), and the inherent method one dereference later
    /// otherwise, which makes any `std::error::Error` `internal` and names
    /// the fix for any other type.
    pub struct HandlerError<E>(std::cell::Cell<Option<E>>);

    impl<E> HandlerError<E> {
        pub fn new(err: E) -> Self {
            HandlerError(std::cell::Cell::new(Some(err)))
        }

        /// Any other `std::error::Error`: an `internal` error.
        pub fn into_function_error(&self) -> FunctionError
        where
            E: InternalError,
        {
            match self.0.take() {
                Some(err) => FunctionError::internal(err),
                None => FunctionError::internal("the handler's error was taken twice"),
            }
        }
    }

    /// An error that converts into `FunctionError` itself.
    pub trait ViaInto {
        fn into_function_error(self) -> FunctionError;
    }

    impl<E: Into<FunctionError>> ViaInto for &&HandlerError<E> {
        fn into_function_error(self) -> FunctionError {
            match self.0.take() {
                Some(err) => err.into(),
                None => FunctionError::internal("the handler's error was taken twice"),
            }
        }
    }

    /// What a handler's error type must be when it does not convert into
    /// `FunctionError`: a `std::error::Error`, made `internal`.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the error type of a handler",
        label = "not `FunctionError`, nor a `std::error::Error`",
        note = "return `Result<_, FunctionError>` and give each failure its kind: `.map_err(FunctionError::bad_input)`, `FunctionError::transient(\"...\")`, …",
        note = "an error type of your own converts with `impl From<{Self}> for FunctionError` (choosing the kinds), or as `internal` if it implements `std::error::Error`"
    )]
    pub trait InternalError: std::error::Error + Send + Sync + 'static {}

    impl<E: std::error::Error + Send + Sync + 'static> InternalError for E {}

    /// The argument a handler declared as `&X` after its event: the
    /// context when `X` is [`Context`] (under whatever name the handler
    /// imported it), else the state. Compiled to one or the other.
    pub fn state_or_context<'a, X: Any>(state: &'a X, ctx: &'a Context) -> &'a X {
        (ctx as &dyn Any).downcast_ref::<X>().unwrap_or(state)
    }

    /// The last argument of a handler with a state and a context.
    #[diagnostic::on_unimplemented(
        message = "the last argument of this handler must be the context, `&faas::Context`",
        label = "not `Context`",
        note = "a handler takes `(event, state: &State, ctx: &Context)`; put everything else it needs in its one state type"
    )]
    pub trait IsContext {
        fn from_context(ctx: &Context) -> &Self;
    }

    impl IsContext for Context {
        fn from_context(ctx: &Context) -> &Context {
            ctx
        }
    }
}
