//! A function instance: the handler with its state, layers and clock, and
//! the per-invocation path decode → layers → handler → encode.
//!
//! Every platform adapter and the test harness call the same
//! [`Function::invoke`], so a test exercises exactly what production runs.
//!
//! ```
//! use faas::prelude::*;
//! use faas::reply::Outcome;
//!
//! #[derive(serde::Deserialize)]
//! struct Job { job_id: String }
//!
//! #[faas::handler]
//! async fn work(job: QueueMessage<Job>) -> Result<(), FunctionError> {
//!     if job.body.job_id == "bad" {
//!         return Err(FunctionError::permanent("cannot do this job"));
//!     }
//!     Ok(())
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let function = faas::Function::builder(work {}).build().unwrap();
//! let event = serde_json::json!({"Records": [
//!     {"messageId": "m-1", "eventSource": "aws:sqs", "body": "{\"job_id\":\"ok\"}"},
//!     {"messageId": "m-2", "eventSource": "aws:sqs", "body": "{\"job_id\":\"bad\"}"}
//! ]});
//! let Outcome::Json(reply) = function.invoke(event.into(), faas::InvocationInfo::default()).await else { panic!() };
//! assert_eq!(reply, r#"{"batchItemFailures":[{"itemIdentifier":"m-2"}]}"#);
//! assert_eq!(function.executions(), 2);
//! # });
//! ```

use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures_util::{FutureExt as _, StreamExt as _};
use tracing::Instrument as _;
use tracing::level_filters::LevelFilter;

use crate::clock::{self, SharedClock};
use crate::config::Config;
use crate::context::{Context, InvocationInfo, Platform};
use crate::contract::{FromEvent, Unit};
use crate::error::{FunctionError, error_chain};
use crate::handler::{Handler, UnitOf, WithoutInit};
use crate::idempotency::{Guard, IdempotencyStore, Idempotent, MemoryStore};
use crate::layer::{Identity, Layer, Layers, Request, Service, Stack, Telemetry, Validate};
use crate::lifecycle::StartError;
use crate::reply::{self, AllFailed, Encoded, IntoReply, Outcome, Reply, UnitResult};
use crate::validation::Schema;
use crate::wire::{Incoming, ReplyFormat};

/// What every invocation of one process shares.
struct Instance {
    name: Arc<str>,
    version: Arc<str>,
    platform: Platform,
    clock: SharedClock,
    cold: AtomicBool,
}

/// The innermost service: decodes the payload, runs the handler, converts
/// its result, and counts executions.
pub struct Core<H: Handler> {
    handler: Arc<H>,
    state: Arc<H::State>,
    executions: Arc<AtomicU64>,
}

impl<H: Handler> Service<<H::Event as FromEvent>::Unit> for Core<H> {
    async fn call(
        &self,
        request: Request<<H::Event as FromEvent>::Unit>,
    ) -> Result<Reply, FunctionError> {
        let event = H::Event::from_unit(request.unit)?;
        self.executions.fetch_add(1, Ordering::Relaxed);
        let run = self.handler.call(event, &self.state, &request.context);
        match AssertUnwindSafe(run).catch_unwind().await {
            Ok(result) => result?.into_reply(),
            Err(panic) => Err(FunctionError::internal(format!(
                "the handler panicked: {}",
                panic_message(&*panic)
            ))),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-text panic payload")
}

/// The SDK's layers below yours: validation (an invalid payload never
/// claims an idempotency key), then idempotency, then the handler.
pub type Sdk<H> = Validate<Idempotent<Core<H>>>;

/// The stack of a function without layers of its own: telemetry around the
/// [`Sdk`] layers.
pub type DefaultStack<H> = Telemetry<Sdk<H>>;

/// Layers that fit the units of handler `H`: what
/// [`Layers<L, A>`](crate::layer::Layers) is when every layer's service
/// handles `H`'s units. The builders require it; you never implement it.
#[diagnostic::on_unimplemented(
    message = "these layers do not fit the units of handler `{H}`",
    note = "every layer's service must handle `Request<U>` for the handler's unit type `U` (a `check` or a layer generic over `U` fits any handler)"
)]
pub trait LayersFor<H: Handler> {
    /// The whole stack: the `around` layers, telemetry, the `layer`
    /// layers, then the [`Sdk`] layers.
    type Service: Service<UnitOf<H>>;
    /// Wraps the SDK's layers (and telemetry) in these layers.
    fn wrap(&self, sdk: Sdk<H>) -> Self::Service;
}

impl<H, L, A> LayersFor<H> for Layers<L, A>
where
    H: Handler,
    L: Layer<Sdk<H>>,
    L::Service: Service<UnitOf<H>>,
    A: Layer<Telemetry<L::Service>>,
    A::Service: Service<UnitOf<H>>,
{
    type Service = A::Service;

    fn wrap(&self, sdk: Sdk<H>) -> Self::Service {
        Layers::wrap(self, sdk)
    }
}

/// The service a function of handler `H` with the layers `Layers<L, A>`
/// runs each unit through.
pub type LayeredService<H, L, A> = <Layers<L, A> as LayersFor<H>>::Service;

/// What a platform adapter needs of a function: to answer invocations.
/// [`Function`] is the one implementation; adapters take any `F: Invoke`,
/// so they name no handler or stack type.
pub trait Invoke: Send + Sync + 'static {
    /// Whether the handler's event is served as plain HTTP (any method and
    /// path) rather than as an event posted to the server.
    fn serves_http(&self) -> bool;

    /// Handles one invocation (see [`Function::invoke`]).
    fn invoke(
        &self,
        incoming: Incoming,
        info: InvocationInfo,
    ) -> impl std::future::Future<Output = Outcome> + Send;
}

impl<H, S> Invoke for Function<H, S>
where
    H: Handler,
    S: Service<UnitOf<H>>,
{
    fn serves_http(&self) -> bool {
        Function::serves_http(self)
    }

    fn invoke(
        &self,
        incoming: Incoming,
        info: InvocationInfo,
    ) -> impl std::future::Future<Output = Outcome> + Send {
        Function::invoke(self, incoming, info)
    }
}

/// A handler ready to serve: its state, layers, clock and platform.
pub struct Function<H: Handler, S = DefaultStack<H>> {
    service: S,
    instance: Instance,
    /// Shared with the handler's service; kept here for the shutdown hook.
    state: Arc<H::State>,
    executions: Arc<AtomicU64>,
    concurrency: usize,
    all_failed: AllFailed,
    _handler: PhantomData<fn() -> H>,
}

/// Builds a [`Function`]: its state, clock, platform, settings, store and
/// the layers of your own (see [`layer`](crate::layer)).
pub struct FunctionBuilder<H: Handler, L = Identity, A = Identity> {
    handler: H,
    state: H::State,
    clock: SharedClock,
    platform: Platform,
    config: Config,
    all_failed: Option<AllFailed>,
    idempotency_store: Option<Arc<dyn IdempotencyStore>>,
    layers: Layers<L, A>,
}

impl<H: Handler> Function<H>
where
    H::State: WithoutInit,
{
    /// A builder for a handler without state.
    pub fn builder(handler: H) -> FunctionBuilder<H> {
        Function::builder_with_state(handler, H::State::without_init())
    }
}

impl<H: Handler> Function<H> {
    /// A builder for a handler and the state its `#[faas::init]` built.
    pub fn builder_with_state(handler: H, state: H::State) -> FunctionBuilder<H> {
        FunctionBuilder {
            handler,
            state,
            clock: clock::system(),
            platform: Platform::Test,
            config: Config::default(),
            all_failed: None,
            idempotency_store: None,
            layers: Layers::new(),
        }
    }
}

impl<H: Handler, L, A> FunctionBuilder<H, L, A> {
    /// Sets the clock every time-dependent part uses (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the platform reported in contexts and logs (default: [`Platform::Test`]).
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// Sets the configuration the function name and version are read from.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets what a partial-failure batch answers when every record failed
    /// (default: `FAAS_BATCH_ALL_FAILED` from the configuration, else
    /// [`AllFailed::Report`]).
    pub fn all_failed(mut self, policy: AllFailed) -> Self {
        self.all_failed = Some(policy);
        self
    }

    /// Sets where an idempotent handler keeps its records (default: a new
    /// [`MemoryStore`]). `faas::main!` opens the one `FAAS_IDEMPOTENCY_STORE`
    /// names.
    pub fn idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.idempotency_store = Some(store);
        self
    }

    /// Adds `layer` before validation and idempotency, inside the layers
    /// added so far (see [`layer`](crate::layer)).
    pub fn layer<N>(self, layer: N) -> FunctionBuilder<H, Stack<N, L>, A> {
        self.with_layers(|layers| layers.layer(layer))
    }

    /// Adds `layer` around everything, telemetry included.
    pub fn around<N>(self, layer: N) -> FunctionBuilder<H, L, Stack<N, A>> {
        self.with_layers(|layers| layers.around(layer))
    }

    /// Replaces the layers with `layers` (what [`layer`](Self::layer) and
    /// [`around`](Self::around) add to).
    pub fn layers<L2, A2>(self, layers: Layers<L2, A2>) -> FunctionBuilder<H, L2, A2> {
        self.with_layers(|_| layers)
    }

    fn with_layers<L2, A2>(
        self,
        change: impl FnOnce(Layers<L, A>) -> Layers<L2, A2>,
    ) -> FunctionBuilder<H, L2, A2> {
        FunctionBuilder {
            handler: self.handler,
            state: self.state,
            clock: self.clock,
            platform: self.platform,
            config: self.config,
            all_failed: self.all_failed,
            idempotency_store: self.idempotency_store,
            layers: change(self.layers),
        }
    }

    /// Whether the handler has idempotency options (and so needs a store).
    pub fn is_idempotent(&self) -> bool {
        self.handler.config().idempotency.is_some()
    }

    /// Compiles the payload schema and assembles the layers.
    pub fn build(self) -> Result<Function<H, LayeredService<H, L, A>>, StartError>
    where
        Layers<L, A>: LayersFor<H>,
    {
        let all_failed = match self.all_failed {
            Some(policy) => policy,
            None => AllFailed::from_config(&self.config)?,
        };
        let handler_config = self.handler.config();
        let schema = handler_config
            .schema
            .map(Schema::from_source)
            .transpose()?
            .map(Arc::new);
        let name = self
            .config
            .first_of(&[
                "AWS_LAMBDA_FUNCTION_NAME",
                "K_SERVICE",
                "FUNCTION_TARGET",
                "WEBSITE_SITE_NAME",
            ])
            .unwrap_or(handler_config.name);
        let version = self
            .config
            .first_of(&["AWS_LAMBDA_FUNCTION_VERSION", "K_REVISION"])
            .unwrap_or(handler_config.version);
        let executions = Arc::new(AtomicU64::new(0));
        let state = Arc::new(self.state);
        let core = Core {
            handler: Arc::new(self.handler),
            state: Arc::clone(&state),
            executions: Arc::clone(&executions),
        };
        let guard = handler_config.idempotency.map(|options| {
            let store = self
                .idempotency_store
                .unwrap_or_else(|| Arc::new(MemoryStore::new()));
            Guard::new(options(), name, store, Arc::clone(&self.clock))
        });
        let sdk = Validate::new(Idempotent::new(core, guard), schema);
        Ok(Function {
            service: LayersFor::<H>::wrap(&self.layers, sdk),
            instance: Instance {
                name: Arc::from(name),
                version: Arc::from(version),
                platform: self.platform,
                clock: self.clock,
                cold: AtomicBool::new(true),
            },
            state,
            executions,
            concurrency: handler_config.concurrency.max(1),
            all_failed,
            _handler: PhantomData,
        })
    }
}

impl<H, S> Function<H, S>
where
    H: Handler,
    S: Service<<H::Event as FromEvent>::Unit>,
{
    /// The state every invocation shares (what `#[faas::init]` built).
    pub fn state(&self) -> &H::State {
        &self.state
    }

    /// How many times the handler body has run in this instance (after
    /// decoding and validation succeeded).
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// The platform this instance serves.
    pub fn platform(&self) -> Platform {
        self.instance.platform
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.instance.name
    }

    /// The clock of this instance.
    pub fn clock(&self) -> &SharedClock {
        &self.instance.clock
    }

    /// Whether the handler's event is served as plain HTTP.
    pub fn serves_http(&self) -> bool {
        <H::Event as FromEvent>::SERVES_HTTP
    }

    /// Handles one invocation: decode, run every unit through the layers,
    /// encode. Logs one line per invocation.
    pub async fn invoke(&self, incoming: Incoming, info: InvocationInfo) -> Outcome {
        let ctx = self.context(info);
        let span = tracing::info_span!(
            "invocation",
            request_id = ctx.request_id(),
            function = ctx.function_name(),
            platform = ctx.platform().as_str(),
            cold_start = ctx.is_cold_start(),
        );
        // A disabled span (no subscriber wants it) need not wrap the future.
        if span.is_disabled() {
            self.run_invocation(incoming, &ctx).await
        } else {
            self.run_invocation(incoming, &ctx).instrument(span).await
        }
    }

    async fn run_invocation(&self, incoming: Incoming, ctx: &Context) -> Outcome {
        // The duration only serves the log line: with every level off in
        // every subscriber, nothing can be logged, so the clock is not read.
        let started =
            (LevelFilter::current() != LevelFilter::OFF).then(|| self.instance.clock.now());
        let (records, encoded) = match H::Event::decode(incoming) {
            Ok(decoded) => {
                let records = decoded.units.len();
                let mut results = self
                    .run_units(decoded.units, decoded.ordered, decoded.reply, ctx)
                    .await;
                let encoded = match self
                    .all_failed
                    .failure(decoded.reply, records, &mut results)
                {
                    Some(err) => Encoded {
                        outcome: Outcome::Failed(err),
                        status: None,
                        failed: records,
                    },
                    None => reply::encode(decoded.reply, results, ctx),
                };
                (records, encoded)
            }
            Err(err) => {
                let outcome = Outcome::Failed(err.into_function_error());
                let encoded = Encoded {
                    outcome,
                    status: None,
                    failed: 0,
                };
                (0, encoded)
            }
        };
        if let Some(started) = started {
            let elapsed = self.instance.clock.now() - started;
            log_outcome(
                &encoded,
                records,
                elapsed.num_microseconds().unwrap_or(i64::MAX),
            );
        }
        encoded.outcome
    }

    fn context(&self, info: InvocationInfo) -> Context {
        let instance = &self.instance;
        Context::for_invocation(
            info,
            Arc::clone(&instance.name),
            Arc::clone(&instance.version),
            instance.platform,
            instance.cold.swap(false, Ordering::AcqRel),
            Arc::clone(&instance.clock),
        )
    }

    /// Runs every unit; ordered batches stop at the first failure and skip
    /// the rest, others run up to `concurrency` units at once. Only what
    /// `format` answers with is kept: item ids when it names items, and
    /// successful results when it answers with one (batch formats report
    /// failures only, and a short list spares a large allocation).
    async fn run_units<U: Unit>(
        &self,
        units: Vec<U>,
        ordered: bool,
        format: ReplyFormat,
        ctx: &Context,
    ) -> Vec<(Option<String>, UnitResult)>
    where
        S: Service<U>,
    {
        let keep_ids = format.names_items();
        let keep_successes = format.answers_with_result();
        let kept =
            move |result: &UnitResult| keep_successes || !matches!(result, UnitResult::Done(Ok(_)));
        let requests = units.into_iter().map(|unit| {
            let item_id = if keep_ids {
                unit.item_id().map(str::to_owned)
            } else {
                None
            };
            let context = ctx.for_record(unit.correlation_id(), unit.delivery_attempt());
            (item_id, Request { unit, context })
        });
        if ordered || self.concurrency == 1 {
            let mut results = Vec::new();
            let mut failed = false;
            for (item_id, request) in requests {
                if failed {
                    results.push((item_id, UnitResult::Skipped));
                    continue;
                }
                let result = UnitResult::Done(self.service.call(request).await);
                failed = ordered && matches!(result, UnitResult::Done(Err(_)));
                if kept(&result) {
                    results.push((item_id, result));
                }
            }
            results
        } else {
            futures_util::stream::iter(requests)
                .map(|(item_id, request)| async move {
                    (item_id, UnitResult::Done(self.service.call(request).await))
                })
                .buffered(self.concurrency)
                .filter(|(_, result)| std::future::ready(kept(result)))
                .collect()
                .await
        }
    }
}

/// The one structured line logged per invocation: its outcome, how many
/// records it held and how many failed, the HTTP status it answered, and
/// the time it took.
fn log_outcome(encoded: &Encoded, records: usize, duration_us: i64) {
    let duration_ms = duration_us as f64 / 1000.0;
    let (failed, status) = (encoded.failed, encoded.status);
    match &encoded.outcome {
        Outcome::Failed(err) => tracing::error!(
            target: "faas::invocation",
            outcome = "failed",
            records,
            failed,
            duration_ms,
            error.kind = err.kind().as_str(),
            error.message = %error_chain(err),
            "invocation failed"
        ),
        Outcome::Http(_) | Outcome::Json(_) => tracing::info!(
            target: "faas::invocation",
            outcome = match failed {
                0 => "ok",
                f if f >= records => "error",
                _ => "partial",
            },
            records,
            failed,
            duration_ms,
            status,
            "invocation finished"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::HandlerConfig;
    use std::time::Duration;

    /// A handler written by hand, the way the macro would write it.
    struct Sleepy;

    impl Handler for Sleepy {
        type Event = crate::contract::QueueMessage<u64>;
        type State = ();
        type Output = ();

        fn config(&self) -> HandlerConfig {
            HandlerConfig::new("sleepy", "0").with_concurrency(4)
        }

        async fn call(&self, event: Self::Event, _: &(), _: &Context) -> Result<(), FunctionError> {
            tokio::time::sleep(Duration::from_millis(event.body)).await;
            if event.body == 0 {
                panic!("zero is not a nap");
            }
            Ok(())
        }
    }

    fn sqs(bodies: &[&str], fifo: bool) -> Incoming {
        let arn = if fifo {
            "arn:aws:sqs:eu-west-1:1:q.fifo"
        } else {
            "arn:aws:sqs:eu-west-1:1:q"
        };
        let records: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| serde_json::json!({"messageId": format!("m{i}"), "eventSource": "aws:sqs", "eventSourceARN": arn, "body": body}))
            .collect();
        serde_json::json!({ "Records": records }).into()
    }

    fn failures(outcome: Outcome) -> Vec<String> {
        let Outcome::Json(json) = outcome else {
            panic!("{outcome:?}")
        };
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        value["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn a_panic_fails_its_record_only_and_concurrent_results_keep_their_ids() {
        let function = Function::builder(Sleepy).build().unwrap();
        let outcome = function
            .invoke(
                sqs(&["30", "0", "1", "\"x\""], false),
                InvocationInfo::default(),
            )
            .await;
        assert_eq!(failures(outcome), ["m1", "m3"]);
        assert_eq!(
            function.executions(),
            3,
            "the undecodable record never reached the handler"
        );
    }

    #[tokio::test]
    async fn a_fifo_batch_stops_at_the_first_failure() {
        let function = Function::builder(Sleepy).build().unwrap();
        let outcome = function
            .invoke(sqs(&["1", "0", "1", "1"], true), InvocationInfo::default())
            .await;
        assert_eq!(failures(outcome), ["m1", "m2", "m3"]);
        assert_eq!(function.executions(), 2);
    }

    #[tokio::test]
    async fn only_the_first_invocation_is_a_cold_start() {
        let function = Function::builder(Sleepy).build().unwrap();
        assert!(function.context(InvocationInfo::default()).is_cold_start());
        assert!(!function.context(InvocationInfo::default()).is_cold_start());
    }
}
