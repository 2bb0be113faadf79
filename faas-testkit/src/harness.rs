//! In-process invocation through the production path.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use faas::function::{LayeredService, LayersFor};
use faas::idempotency::IdempotencyStore;
use faas::layer::{Identity, Layers, Stack};
use faas::reply::Outcome;
use faas::wire::Incoming;
use faas::{Config, Function, FunctionError, Handler, InvocationInfo, Platform};
use serde_json::Value;
use tracing::instrument::WithSubscriber as _;

use crate::clock::FakeClock;
use crate::logs::{Capture, LogLine};

/// A harness for `handler`: see [`Harness`].
///
/// ```
/// use faas::prelude::*;
/// use faas_testkit::{events, harness};
///
/// #[faas::handler]
/// async fn hello(req: HttpRequest) -> Result<String, FunctionError> {
///     Ok(format!("hello {}", req.query("name").unwrap_or("world")))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut fx = harness(hello {});
/// let res = fx.invoke(events::http_get("/hello").query("name", "ana")).await;
/// assert_eq!(res.status(), Some(200));
/// assert_eq!(res.body_json(), "hello ana");
/// assert_eq!(fx.executions(), 1);
/// # });
/// ```
pub fn harness<H: Handler>(handler: H) -> Harness<H> {
    Harness {
        setup: Some(Setup {
            handler,
            state: None,
            clock: None,
            config: Config::default(),
            store: None,
            layers: Layers::new(),
        }),
        function: None,
    }
}

/// Runs a handler in-process through the same decode → layers → handler →
/// encode path as production ([`Function::invoke`]), capturing the wire
/// response and the logs of each invocation.
///
/// The function instance is built on the first invocation, so that one is
/// the cold start, and lives as long as the harness: state, execution count
/// and clock carry over between invocations. Layers of your own go in with
/// [`layer`](Self::layer) and [`around`](Self::around), as in production.
pub struct Harness<H: Handler, L = Identity, A = Identity>
where
    Layers<L, A>: LayersFor<H>,
{
    setup: Option<Setup<H, L, A>>,
    function: Option<Function<H, LayeredService<H, L, A>>>,
}

struct Setup<H: Handler, L, A> {
    handler: H,
    state: Option<H::State>,
    clock: Option<FakeClock>,
    config: Config,
    store: Option<Arc<dyn IdempotencyStore>>,
    layers: Layers<L, A>,
}

impl<H: Handler, L, A> Harness<H, L, A>
where
    Layers<L, A>: LayersFor<H>,
{
    /// Adds `layer` before validation and idempotency, as
    /// [`FunctionBuilder::layer`](faas::FunctionBuilder::layer) does.
    ///
    /// ```
    /// use faas::prelude::*;
    /// use faas::contract::Unit;
    /// use faas::layer::{Request, check};
    /// use faas_testkit::{events, harness};
    ///
    /// #[faas::handler]
    /// async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> { Ok("pong") }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut fx = harness(ping {}).layer(check(|request: &Request<dyn Unit>| {
    ///     request.header("x-api-key").map(drop).ok_or_else(|| FunctionError::unauthorized("no key"))
    /// }));
    /// assert_eq!(fx.invoke(events::http_get("/")).await.status(), Some(401));
    /// assert_eq!(fx.executions(), 0);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// After the first invocation.
    pub fn layer<N>(self, layer: N) -> Harness<H, Stack<N, L>, A>
    where
        Layers<Stack<N, L>, A>: LayersFor<H>,
    {
        self.with_layers(|layers| layers.layer(layer))
    }

    /// Adds `layer` around everything, as
    /// [`FunctionBuilder::around`](faas::FunctionBuilder::around) does.
    ///
    /// # Panics
    ///
    /// After the first invocation.
    pub fn around<N>(self, layer: N) -> Harness<H, L, Stack<N, A>>
    where
        Layers<L, Stack<N, A>>: LayersFor<H>,
    {
        self.with_layers(|layers| layers.around(layer))
    }

    fn with_layers<L2, A2>(
        mut self,
        change: impl FnOnce(Layers<L, A>) -> Layers<L2, A2>,
    ) -> Harness<H, L2, A2>
    where
        Layers<L2, A2>: LayersFor<H>,
    {
        let Some(setup) = self.setup.take() else {
            panic!("configure the harness before the first invocation")
        };
        Harness {
            setup: Some(Setup {
                handler: setup.handler,
                state: setup.state,
                clock: setup.clock,
                config: setup.config,
                store: setup.store,
                layers: change(setup.layers),
            }),
            function: None,
        }
    }

    /// Gives the handler its state (what `#[faas::init]` would build).
    pub fn with_state(mut self, state: H::State) -> Self {
        self.setup_mut().state = Some(state);
        self
    }

    /// Makes the function read time from `clock`.
    pub fn clock(mut self, clock: &FakeClock) -> Self {
        self.setup_mut().clock = Some(clock.clone());
        self
    }

    /// Sets the environment the function sees (function name and version).
    pub fn config(mut self, config: Config) -> Self {
        self.setup_mut().config = config;
        self
    }

    /// Keeps an idempotent handler's records in `store` (default: a
    /// [`MemoryStore`](faas::idempotency::MemoryStore) of this harness).
    /// Two harnesses given one store act as two instances of a function.
    pub fn idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.setup_mut().store = Some(store);
        self
    }

    fn setup_mut(&mut self) -> &mut Setup<H, L, A> {
        match self.setup.as_mut() {
            Some(setup) => setup,
            None => panic!("configure the harness before the first invocation"),
        }
    }

    /// The function instance (built on first use).
    ///
    /// # Panics
    ///
    /// If the handler takes state and none was given, or its schema is invalid.
    pub fn function(&mut self) -> &Function<H, LayeredService<H, L, A>> {
        if let Some(setup) = self.setup.take() {
            let state = match setup.state {
                Some(state) => state,
                None => unit_state::<H::State>().unwrap_or_else(|| {
                    panic!(
                        "the handler takes state `{}`: give it with `.with_state(...)`",
                        std::any::type_name::<H::State>()
                    )
                }),
            };
            let mut builder = Function::builder_with_state(setup.handler, state)
                .platform(Platform::Test)
                .config(setup.config)
                .layers(setup.layers);
            if let Some(clock) = setup.clock {
                builder = builder.clock(clock.shared());
            }
            if let Some(store) = setup.store {
                builder = builder.idempotency_store(store);
            }
            match builder.build() {
                Ok(function) => self.function = Some(function),
                Err(err) => panic!("the function does not start: {err}"),
            }
        }
        match &self.function {
            Some(function) => function,
            None => unreachable!("built above"),
        }
    }

    /// Invokes the function with an event: a builder from
    /// [`events`](crate::events), a fixture, any `serde_json::Value`, or an
    /// [`HttpRequest`](faas::HttpRequest).
    pub async fn invoke(&mut self, event: impl Into<Incoming>) -> Invoked {
        let info = InvocationInfo::default().with_request_id(uuid::Uuid::new_v4().to_string());
        self.invoke_with(event, info).await
    }

    /// Invokes with explicit invocation facts (request id, deadline, trace id).
    pub async fn invoke_with(
        &mut self,
        event: impl Into<Incoming>,
        info: InvocationInfo,
    ) -> Invoked {
        let incoming = event.into();
        let function = self.function();
        let capture = Capture::default();
        let outcome = function
            .invoke(incoming, info)
            .with_subscriber(capture.dispatch())
            .await;
        Invoked {
            outcome,
            logs: capture.take(),
        }
    }

    /// How many times the handler body ran.
    pub fn executions(&self) -> u64 {
        self.function.as_ref().map_or(0, Function::executions)
    }
}

/// The state of a handler that needs none (`()`, or the stand-in state of
/// a handler that takes only its context): lets such handlers skip
/// `with_state`.
fn unit_state<S: 'static>() -> Option<S> {
    use faas::handler::WithoutInit as _;
    let unit: Box<dyn Any> = Box::new(());
    if let Ok(state) = unit.downcast::<S>() {
        return Some(*state);
    }
    let context: Box<dyn Any> = Box::new(faas::Context::without_init());
    context.downcast::<S>().ok().map(|state| *state)
}

/// What one invocation returned, and what it logged.
pub struct Invoked {
    outcome: Outcome,
    logs: Vec<LogLine>,
}

impl fmt::Debug for Invoked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invoked")
            .field("outcome", &self.outcome)
            .field("logs", &self.logs.len())
            .finish()
    }
}

impl Invoked {
    /// The outcome the platform adapter would send.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The JSON document sent back to the platform (a gateway response, a
    /// batch failure report, a direct result), if the outcome is one.
    pub fn wire(&self) -> Option<Value> {
        match &self.outcome {
            Outcome::Json(json) => serde_json::from_slice(json).ok(),
            _ => None,
        }
    }

    /// The error that failed the whole invocation.
    pub fn error(&self) -> Option<&FunctionError> {
        match &self.outcome {
            Outcome::Failed(err) => Some(err),
            _ => None,
        }
    }

    /// The HTTP status, for an HTTP response (native or in gateway JSON).
    pub fn status(&self) -> Option<u16> {
        match &self.outcome {
            Outcome::Http(response) => Some(response.status().as_u16()),
            Outcome::Json(_) => self
                .wire()?
                .get("statusCode")?
                .as_u64()
                .and_then(|s| u16::try_from(s).ok()),
            Outcome::Failed(_) => None,
        }
    }

    /// The first value of an HTTP response header.
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        match &self.outcome {
            Outcome::Http(response) => response
                .headers()
                .get(&name)?
                .to_str()
                .ok()
                .map(str::to_owned),
            Outcome::Json(_) => {
                let wire = self.wire()?;
                let single = wire.get("headers").and_then(|h| header_in(h, &name));
                let multi = || {
                    wire.get("multiValueHeaders")
                        .and_then(|h| header_in(h, &name))
                };
                single.or_else(multi)
            }
            Outcome::Failed(_) => None,
        }
    }

    /// The response body: an HTTP body (base64-decoded if the gateway
    /// encoding says so), or the direct JSON result.
    pub fn body(&self) -> Bytes {
        match &self.outcome {
            Outcome::Http(response) => Bytes::copy_from_slice(response.body()),
            Outcome::Json(json) => match self.wire() {
                Some(wire) if wire.get("statusCode").is_some() => {
                    let text = wire.get("body").and_then(Value::as_str).unwrap_or_default();
                    if wire.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
                        base64::engine::general_purpose::STANDARD
                            .decode(text)
                            .map(Bytes::from)
                            .unwrap_or_default()
                    } else {
                        Bytes::copy_from_slice(text.as_bytes())
                    }
                }
                _ => json.clone(),
            },
            Outcome::Failed(_) => Bytes::new(),
        }
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// If the body is not JSON; the message shows what it is.
    pub fn body_json(&self) -> Value {
        let body = self.body();
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(err) => panic!(
                "the body is not JSON ({err}): {:?}; outcome: {:?}",
                String::from_utf8_lossy(&body),
                self.outcome
            ),
        }
    }

    /// The ids in a `batchItemFailures` report (empty when none failed).
    pub fn batch_failures(&self) -> Vec<String> {
        self.wire()
            .and_then(|wire| {
                wire.get("batchItemFailures")
                    .and_then(Value::as_array)
                    .cloned()
            })
            .unwrap_or_default()
            .iter()
            .filter_map(|failure| {
                failure
                    .get("itemIdentifier")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect()
    }

    /// Every log event of the invocation.
    pub fn logs(&self) -> &[LogLine] {
        &self.logs
    }

    /// The log events whose message contains `text`.
    pub fn logs_containing<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a LogLine> + 'a {
        self.logs
            .iter()
            .filter(move |line| line.message.contains(text))
    }
}

fn header_in(headers: &Value, name: &str) -> Option<String> {
    let (_, value) = headers
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))?;
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Array(values) => values.first()?.as_str().map(str::to_owned),
        _ => None,
    }
}
