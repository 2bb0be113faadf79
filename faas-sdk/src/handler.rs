//! The function a user writes, and its one-time initialisation.
//!
//! `#[faas::handler]` implements [`Handler`] and `#[faas::init]` implements
//! [`Init`]; you rarely implement them by hand. Each macro keeps your `async
//! fn` as it is (tests call it directly) and adds, beside it, a zero-sized
//! type **of the same name** that implements the trait. Functions and types
//! live in different namespaces, so `create_order(…)` still calls your
//! function while `create_order {}` is its handler value:
//!
//! ```
//! use faas::prelude::*;
//!
//! #[faas::handler]
//! async fn echo(text: String) -> Result<String, FunctionError> {
//!     Ok(text)
//! }
//!
//! # async fn demo() {
//! // The function, called directly:
//! assert_eq!(echo("hi".into()).await.unwrap(), "hi");
//! // The handler value, used by `faas::main!` and the test harness:
//! let function = faas::Function::builder(echo {}).build().unwrap();
//! # }
//! ```
//!
//! # Why `impl Future + Send` instead of `async-trait`
//!
//! [`Handler::call`] returns `impl Future + Send` (native async functions in
//! traits, stable since Rust 1.75): no box and no allocation per call, and a
//! handler whose future is not `Send` is rejected at its own definition,
//! not at a distant `tokio::spawn`. The price is that `Handler` is not
//! object-safe; the SDK never needs `dyn Handler`, since each binary has
//! exactly one handler type.

use std::future::Future;

use crate::config::Config;
use crate::context::Context;
use crate::contract::FromEvent;
use crate::error::{BoxError, FunctionError};
use crate::idempotency::Idempotency;
use crate::reply::IntoReply;
use crate::validation::SchemaSource;

/// The unit of work of handler `H`'s event: what its layers see.
pub type UnitOf<H> = <<H as Handler>::Event as FromEvent>::Unit;

/// A serverless function: a typed event in, a typed result out.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a faas handler",
    note = "put `#[faas::handler]` on an `async fn` and pass its name"
)]
pub trait Handler: Send + Sync + 'static {
    /// The event the function takes.
    type Event: FromEvent;
    /// The state built once per cold start by an [`Init`] (`()` for none).
    type State: Send + Sync + 'static;
    /// The result on success.
    type Output: IntoReply;

    /// Static facts about the handler: name, batch concurrency, schema.
    fn config(&self) -> HandlerConfig;

    /// Runs the function on one event.
    fn call<'a>(
        &'a self,
        event: Self::Event,
        state: &'a Self::State,
        ctx: &'a Context,
    ) -> impl Future<Output = Result<Self::Output, FunctionError>> + Send + 'a;
}

/// What `#[faas::handler(...)]` options say about a handler.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct HandlerConfig {
    /// The handler's name (the fn name, or `name = "..."`); the function
    /// name when the platform gives none.
    pub name: &'static str,
    /// The version of the crate defining the handler.
    pub version: &'static str,
    /// How many records of a batch may run at once (1: one after the other).
    pub concurrency: usize,
    /// The payload schema, if the payload type or the `schema` option gives one.
    pub schema: Option<SchemaSource>,
    /// The idempotency options, if the `idempotency(...)` option gives them.
    pub idempotency: Option<fn() -> Idempotency>,
}

impl HandlerConfig {
    /// A configuration with the given name and version, sequential batches
    /// and no schema.
    ///
    /// ```
    /// let config = faas::HandlerConfig::new("orders", "1.0.0").with_concurrency(8);
    /// assert_eq!(config.concurrency, 8);
    /// ```
    pub const fn new(name: &'static str, version: &'static str) -> HandlerConfig {
        HandlerConfig {
            name,
            version,
            concurrency: 1,
            schema: None,
            idempotency: None,
        }
    }

    /// Sets the batch concurrency (at least 1).
    pub const fn with_concurrency(mut self, concurrency: usize) -> HandlerConfig {
        self.concurrency = if concurrency == 0 { 1 } else { concurrency };
        self
    }

    /// Sets the payload schema.
    pub const fn with_schema(mut self, schema: Option<SchemaSource>) -> HandlerConfig {
        self.schema = schema;
        self
    }

    /// Makes the handler idempotent with the options `options` builds.
    ///
    /// ```
    /// use faas::idempotency::Idempotency;
    /// let config = faas::HandlerConfig::new("orders", "1.0.0")
    ///     .with_idempotency(|| Idempotency::key("/order_id"));
    /// assert!(config.idempotency.is_some());
    /// ```
    pub const fn with_idempotency(mut self, options: fn() -> Idempotency) -> HandlerConfig {
        self.idempotency = Some(options);
        self
    }
}

/// One-time initialisation, run once per cold start; its state is shared
/// by every invocation of the process.
///
/// ```
/// use faas::prelude::*;
///
/// struct App { table: String }
///
/// #[faas::init]
/// async fn init(cfg: &Config) -> Result<App, ConfigError> {
///     Ok(App { table: cfg.require("TABLE")?.to_owned() })
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a faas init function",
    note = "put `#[faas::init]` on an `async fn` returning `Result<State, E>` and pass its name"
)]
pub trait Init: Send + Sync + 'static {
    /// The state it builds.
    type State: Send + Sync + 'static;

    /// Builds the state from the configuration.
    fn init<'a>(
        &'a self,
        config: &'a Config,
    ) -> impl Future<Output = Result<Self::State, BoxError>> + Send + 'a;

    /// Runs once when the platform stops the process (SIGTERM, SIGINT), to
    /// flush buffers or close connections, within a bounded grace period.
    /// `#[faas::init(shutdown = close)]` names an `async fn close(state: &State)`.
    fn shutdown<'a>(&'a self, state: &'a Self::State) -> impl Future<Output = ()> + Send + 'a {
        let _ = state;
        async {}
    }
}

/// No initialisation: the state is `()`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInit;

impl Init for NoInit {
    type State = ();

    async fn init(&self, _config: &Config) -> Result<(), BoxError> {
        Ok(())
    }
}

/// A state that needs no init function: `()`, the state of a handler that
/// takes none. (The handler macro also uses [`Context`] as the stand-in
/// state of a handler whose one argument after the event is its context,
/// when it cannot tell by the name; that stand-in is never passed to it.)
#[diagnostic::on_unimplemented(
    message = "the handler takes a state of type `{Self}`, but nothing builds it",
    label = "needs a `#[faas::init]` function that returns `Result<{Self}, E>`",
    note = "with `faas::main!`, name the init function: `faas::main!(handler, init)`",
    note = "in tests, give the state: `Function::builder_with_state(handler, state)` or `harness(handler).with_state(state)`"
)]
pub trait WithoutInit: Sized + Send + Sync + 'static {
    /// The state.
    fn without_init() -> Self;
}

impl WithoutInit for () {
    fn without_init() {}
}

impl WithoutInit for Context {
    fn without_init() -> Context {
        Context::builder().build()
    }
}

/// The [`Init`] of a state that needs none.
#[derive(Debug)]
pub struct InitWithout<S>(std::marker::PhantomData<fn() -> S>);

impl<S> Default for InitWithout<S> {
    fn default() -> Self {
        InitWithout(std::marker::PhantomData)
    }
}

impl<S: WithoutInit> Init for InitWithout<S> {
    type State = S;

    async fn init(&self, _config: &Config) -> Result<S, BoxError> {
        Ok(S::without_init())
    }
}
