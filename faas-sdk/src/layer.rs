//! Middleware around the handler, composed like `tower`'s.
//!
//! Every invocation is split into units of work (one HTTP request, one
//! queue record). A [`Service`] handles one unit; a [`Layer`] wraps a
//! service in another. Each unit passes through, outermost first:
//!
//! ```text
//! around(…) layers ─▶ Telemetry ─▶ layer(…) layers ─▶ Validate ─▶ Idempotent ─▶ the handler
//! ```
//!
//! - **`layer(…)`**: your layers, inside the unit's span and *before* the
//!   SDK's validation and idempotency. An authentication check goes here: a
//!   request it rejects never claims an idempotency key, and its failure is
//!   logged with the unit's fields.
//! - **`around(…)`**: your layers around everything, telemetry included (a
//!   timer of the whole unit, a span of your own around the SDK's).
//!
//! Both are methods of [`FunctionBuilder`](crate::FunctionBuilder) (in-process
//! functions and tests), of [`runtime::Serve`](crate::runtime::Serve) (a
//! custom `main`) and options of `faas::main!`:
//!
//! ```no_run
//! use faas::prelude::*;
//! use faas::layer::{Request, check};
//! use faas::contract::Unit;
//!
//! #[faas::handler]
//! async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> { Ok("pong") }
//!
//! fn require_tenant(request: &Request<dyn Unit>) -> Result<(), FunctionError> {
//!     match request.header("x-tenant") {
//!         Some(_) => Ok(()),
//!         None => Err(FunctionError::forbidden("no x-tenant header")),
//!     }
//! }
//!
//! faas::main!(ping, layers = [check(require_tenant)]);
//! ```
//!
//! # Writing a layer
//!
//! - [`check`]: a function of the request that lets it through or fails it
//!   (authentication, allow-lists, feature switches). It sees every
//!   contract's units as `&Request<dyn Unit>`, so one check fits every
//!   handler, and it costs nothing when it passes.
//! - [`from_fn`]: an `async` closure around the rest of the stack, given
//!   the request and a [`Next`] to call it with (timing, rewriting
//!   results). The rest of the stack runs behind one allocation per unit.
//! - A `tower::Layer` whose service takes a [`Request`] and answers a
//!   [`Reply`] (`tower`'s `timeout`, `limit`, …): `from_tower`, with the
//!   `tower` feature.
//! - A [`Layer`] and [`Service`] of your own, for anything else:
//!
//! ```
//! use faas::prelude::*;
//! use faas::layer::{Layer, Request, Service};
//! use faas::reply::Reply;
//!
//! /// Rejects work once the deadline is too close to finish it.
//! struct NeedsTime<S>(S);
//!
//! impl<U: Send + 'static, S: Service<U>> Service<U> for NeedsTime<S> {
//!     async fn call(&self, request: Request<U>) -> Result<Reply, FunctionError> {
//!         match request.context.remaining_time() {
//!             Some(left) if left < std::time::Duration::from_millis(200) => {
//!                 Err(FunctionError::transient("too close to the deadline"))
//!             }
//!             _ => self.0.call(request).await,
//!         }
//!     }
//! }
//!
//! struct NeedsTimeLayer;
//! impl<S> Layer<S> for NeedsTimeLayer {
//!     type Service = NeedsTime<S>;
//!     fn layer(&self, inner: S) -> NeedsTime<S> { NeedsTime(inner) }
//! }
//!
//! #[faas::handler]
//! async fn ping(_: serde_json::Value) -> Result<&'static str, FunctionError> { Ok("pong") }
//!
//! let function = faas::Function::builder(ping {}).layer(NeedsTimeLayer).build().unwrap();
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::future::{Either, Ready, ready};
use tracing::Instrument;

use crate::context::Context;
use crate::contract::{HttpRequest, Unit};
use crate::error::{FunctionError, error_chain};
use crate::payload::Payload;
use crate::reply::Reply;
use crate::validation::Schema;

/// One unit of work and its context.
///
/// `Request<dyn Unit>` is the same request seen without its unit's type,
/// as [`check`] functions see it.
#[derive(Debug)]
pub struct Request<U: ?Sized> {
    /// The invocation's context, narrowed to this unit.
    pub context: Context,
    /// The unit, payload not yet decoded.
    pub unit: U,
}

impl<U: Unit + ?Sized> Request<U> {
    /// The HTTP request, when the unit is one (every HTTP contract).
    pub fn http_request(&self) -> Option<&HttpRequest<Payload>> {
        self.unit.http_request()
    }

    /// The first value of header `name` of an HTTP request, if it is
    /// visible ASCII; `None` for other units.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.http_request()?.header(name)
    }
}

/// Handles one unit of work.
pub trait Service<U>: Send + Sync + 'static {
    /// Handles `request`.
    fn call(
        &self,
        request: Request<U>,
    ) -> impl Future<Output = Result<Reply, FunctionError>> + Send;
}

/// Wraps a service in another.
pub trait Layer<S> {
    /// The wrapping service.
    type Service;
    /// Wraps `inner`.
    fn layer(&self, inner: S) -> Self::Service;
}

/// The layer that adds nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity;

impl<S> Layer<S> for Identity {
    type Service = S;
    fn layer(&self, inner: S) -> S {
        inner
    }
}

/// Two layers, `Outer` around `Inner`: what adding one more layer makes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stack<Inner, Outer> {
    inner: Inner,
    outer: Outer,
}

impl<Inner, Outer> Stack<Inner, Outer> {
    /// `outer` around `inner`.
    pub fn new(inner: Inner, outer: Outer) -> Self {
        Stack { inner, outer }
    }
}

impl<S, Inner: Layer<S>, Outer: Layer<Inner::Service>> Layer<S> for Stack<Inner, Outer> {
    type Service = Outer::Service;
    fn layer(&self, inner: S) -> Self::Service {
        self.outer.layer(self.inner.layer(inner))
    }
}

/// The layers a function adds to the SDK's own: those before validation
/// (`layer`) and those around everything (`around`), each list outermost
/// first. The builders of [`Function`](crate::Function) and
/// [`runtime::Serve`](crate::runtime::Serve) fill one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layers<L = Identity, A = Identity> {
    pub(crate) inner: L,
    pub(crate) around: A,
}

impl Layers {
    /// No layers of your own.
    pub fn new() -> Self {
        Layers::default()
    }
}

impl<L, A> Layers<L, A> {
    /// Adds `layer` before validation, inside the layers added so far.
    pub fn layer<N>(self, layer: N) -> Layers<Stack<N, L>, A> {
        Layers {
            inner: Stack::new(layer, self.inner),
            around: self.around,
        }
    }

    /// Adds `layer` around everything, inside the `around` layers added so far.
    pub fn around<N>(self, layer: N) -> Layers<L, Stack<N, A>> {
        Layers {
            inner: self.inner,
            around: Stack::new(layer, self.around),
        }
    }

    /// Wraps the SDK's stack below telemetry (`sdk`: validation,
    /// idempotency, the handler) in these layers and telemetry.
    pub(crate) fn wrap<S>(&self, sdk: S) -> <A as Layer<Telemetry<L::Service>>>::Service
    where
        L: Layer<S>,
        A: Layer<Telemetry<L::Service>>,
    {
        self.around.layer(Telemetry::new(self.inner.layer(sdk)))
    }
}

// ---------------------------------------------------------------- check

/// A layer that runs `check` on each request before the rest of the
/// stack: `Ok(())` lets it through, an error fails the unit with it.
///
/// ```
/// use faas::prelude::*;
/// use faas::contract::Unit;
/// use faas::layer::{Request, check};
///
/// #[faas::handler]
/// async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> { Ok("pong") }
///
/// let only_get = check(|request: &Request<dyn Unit>| match request.http_request() {
///     Some(http) if http.method() != http::Method::GET => {
///         Err(FunctionError::bad_input("only GET is served"))
///     }
///     _ => Ok(()),
/// });
/// let function = faas::Function::builder(ping {}).layer(only_get).build().unwrap();
/// # let _ = function;
/// ```
pub fn check<F>(check: F) -> Check<F>
where
    F: Fn(&Request<dyn Unit>) -> Result<(), FunctionError> + Send + Sync + 'static,
{
    Check {
        check: Arc::new(check),
    }
}

/// The layer [`check`] makes.
pub struct Check<F> {
    check: Arc<F>,
}

impl<F> Clone for Check<F> {
    fn clone(&self) -> Self {
        Check {
            check: Arc::clone(&self.check),
        }
    }
}

impl<F, S> Layer<S> for Check<F> {
    type Service = Checked<F, S>;
    fn layer(&self, inner: S) -> Checked<F, S> {
        Checked {
            check: Arc::clone(&self.check),
            inner,
        }
    }
}

/// The service of a [`Check`] layer.
pub struct Checked<F, S> {
    check: Arc<F>,
    inner: S,
}

impl<U, F, S> Service<U> for Checked<F, S>
where
    U: Unit,
    F: Fn(&Request<dyn Unit>) -> Result<(), FunctionError> + Send + Sync + 'static,
    S: Service<U>,
{
    fn call(
        &self,
        request: Request<U>,
    ) -> impl Future<Output = Result<Reply, FunctionError>> + Send {
        // The inner future as it is when the check passes: no state of its own.
        let refused: Option<Ready<Result<Reply, FunctionError>>> =
            (self.check)(&request).err().map(|err| ready(Err(err)));
        match refused {
            Some(refused) => Either::Left(refused),
            None => Either::Right(self.inner.call(request)),
        }
    }
}

// ---------------------------------------------------------------- from_fn

/// A layer made of an `async` closure around the rest of the stack: it gets
/// each request and a [`Next`] that runs the rest.
///
/// ```
/// use faas::prelude::*;
/// use faas::layer::{Next, Request, from_fn};
///
/// #[faas::handler]
/// async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> { Ok("pong") }
///
/// let timed = from_fn(|request: Request<_>, next: Next<_>| async move {
///     let started = std::time::Instant::now();
///     let reply = next.run(request).await;
///     tracing::info!(elapsed_us = started.elapsed().as_micros() as u64, "unit done");
///     reply
/// });
/// let function = faas::Function::builder(ping {}).layer(timed).build().unwrap();
/// # let _ = function;
/// ```
pub fn from_fn<U, F, Fut>(f: F) -> FromFn<F, U>
where
    F: Fn(Request<U>, Next<U>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Reply, FunctionError>> + Send,
{
    FromFn {
        f: Arc::new(f),
        _unit: PhantomData,
    }
}

/// The layer [`from_fn`] makes.
pub struct FromFn<F, U> {
    f: Arc<F>,
    _unit: PhantomData<fn(U)>,
}

impl<F, U> Clone for FromFn<F, U> {
    fn clone(&self) -> Self {
        FromFn {
            f: Arc::clone(&self.f),
            _unit: PhantomData,
        }
    }
}

impl<F, U, S> Layer<S> for FromFn<F, U> {
    type Service = FnService<F, S, U>;
    fn layer(&self, inner: S) -> Self::Service {
        FnService {
            f: Arc::clone(&self.f),
            inner: Arc::new(inner),
            _unit: PhantomData,
        }
    }
}

/// The service of a [`from_fn`] layer.
pub struct FnService<F, S, U> {
    f: Arc<F>,
    inner: Arc<S>,
    _unit: PhantomData<fn(U)>,
}

/// The rest of the stack, for a [`from_fn`] closure to call (or not).
pub struct Next<U> {
    inner: Arc<dyn RunBoxed<U>>,
}

impl<U> Next<U> {
    /// Runs the rest of the stack on `request`.
    pub async fn run(self, request: Request<U>) -> Result<Reply, FunctionError> {
        self.inner.run_boxed(request).await
    }
}

type BoxedReply = Pin<Box<dyn Future<Output = Result<Reply, FunctionError>> + Send>>;

/// A service whose future is boxed, so that [`Next`] names no service type.
trait RunBoxed<U>: Send + Sync {
    fn run_boxed(self: Arc<Self>, request: Request<U>) -> BoxedReply;
}

impl<U: Send + 'static, S: Service<U>> RunBoxed<U> for S {
    fn run_boxed(self: Arc<Self>, request: Request<U>) -> BoxedReply {
        Box::pin(async move { self.call(request).await })
    }
}

impl<U, F, S, Fut> Service<U> for FnService<F, S, U>
where
    U: Send + 'static,
    F: Fn(Request<U>, Next<U>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Reply, FunctionError>> + Send,
    S: Service<U>,
{
    fn call(
        &self,
        request: Request<U>,
    ) -> impl Future<Output = Result<Reply, FunctionError>> + Send {
        let next = Next {
            inner: Arc::clone(&self.inner) as Arc<dyn RunBoxed<U>>,
        };
        (self.f)(request, next)
    }
}

// ---------------------------------------------------------------- tower

/// A `tower::Layer` as a faas layer (feature `tower`): its service takes a
/// [`Request`] and answers a [`Reply`]; an error it raises is `internal`
/// unless it is a [`FunctionError`] (boxed or not: `tower`'s timeout boxes
/// the errors it passes on).
///
/// ```
/// use std::time::Duration;
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> { Ok("pong") }
///
/// let limit = faas::layer::from_tower(tower::limit::ConcurrencyLimitLayer::new(8));
/// let function = faas::Function::builder(ping {}).layer(limit).build().unwrap();
/// # let _ = function;
/// ```
#[cfg(feature = "tower")]
pub fn from_tower<L>(layer: L) -> FromTower<L> {
    FromTower(layer)
}

/// The layer [`from_tower`] makes.
#[cfg(feature = "tower")]
#[derive(Debug, Clone)]
pub struct FromTower<L>(L);

#[cfg(feature = "tower")]
impl<S, L: tower_layer::Layer<IntoTower<S>>> Layer<S> for FromTower<L> {
    type Service = TowerService<L::Service>;
    fn layer(&self, inner: S) -> Self::Service {
        TowerService(self.0.layer(IntoTower(Arc::new(inner))))
    }
}

/// A faas service as a `tower::Service`, for a `tower::Layer` to wrap.
#[cfg(feature = "tower")]
#[derive(Debug)]
pub struct IntoTower<S>(Arc<S>);

#[cfg(feature = "tower")]
impl<S> Clone for IntoTower<S> {
    fn clone(&self) -> Self {
        IntoTower(Arc::clone(&self.0))
    }
}

#[cfg(feature = "tower")]
impl<U: Send + 'static, S: Service<U>> tower_service::Service<Request<U>> for IntoTower<S> {
    type Response = Reply;
    type Error = FunctionError;
    type Future = BoxedReply;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), FunctionError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<U>) -> BoxedReply {
        Arc::clone(&self.0).run_boxed(request)
    }
}

/// A `tower::Service` as a faas service: cloned per unit, made ready, called.
#[cfg(feature = "tower")]
#[derive(Debug)]
pub struct TowerService<T>(T);

#[cfg(feature = "tower")]
impl<U, T> Service<U> for TowerService<T>
where
    U: Send + 'static,
    T: tower_service::Service<Request<U>, Response = Reply> + Clone + Send + Sync + 'static,
    T::Error: Into<crate::error::BoxError>,
    T::Future: Send,
{
    async fn call(&self, request: Request<U>) -> Result<Reply, FunctionError> {
        let mut service = self.0.clone();
        let into = |err: T::Error| FunctionError::from(Into::<crate::error::BoxError>::into(err));
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(into)?;
        service.call(request).await.map_err(into)
    }
}

// ---------------------------------------------------------------- the SDK's layers

/// Validates every payload of a unit against the handler's schema.
#[derive(Debug)]
pub struct Validate<S> {
    inner: S,
    schema: Option<Arc<Schema>>,
}

impl<S> Validate<S> {
    /// Validation against `schema`; a pass-through when it is `None`.
    pub fn new(inner: S, schema: Option<Arc<Schema>>) -> Self {
        Validate { inner, schema }
    }
}

impl<U: Unit, S: Service<U>> Service<U> for Validate<S> {
    async fn call(&self, request: Request<U>) -> Result<Reply, FunctionError> {
        if let Some(schema) = &self.schema {
            schema.check(&request.unit)?;
        }
        self.inner.call(request).await
    }
}

/// A span per unit of work, and a log line for each failure with its kind
/// and full source chain.
#[derive(Debug)]
pub struct Telemetry<S> {
    inner: S,
}

impl<S> Telemetry<S> {
    /// Telemetry around `inner`.
    pub fn new(inner: S) -> Self {
        Telemetry { inner }
    }
}

impl<U: Unit, S: Service<U>> Service<U> for Telemetry<S> {
    async fn call(&self, request: Request<U>) -> Result<Reply, FunctionError> {
        let span = tracing::info_span!(
            "unit",
            item_id = request.unit.item_id(),
            correlation_id = request.context.correlation_id(),
            attempt = request.context.delivery_attempt(),
        );
        // A disabled span (no subscriber wants it) need not wrap the future.
        let result = if span.is_disabled() {
            self.inner.call(request).await
        } else {
            self.inner.call(request).instrument(span.clone()).await
        };
        if let Err(err) = &result {
            span.in_scope(|| {
                tracing::warn!(
                    error.kind = err.kind().as_str(),
                    error.message = %error_chain(err),
                    error.violations = err.violations().len(),
                    "unit of work failed"
                );
            });
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::IntoReply;

    /// Answers with the unit's item id, or fails.
    struct Echo;

    impl Service<Payload> for Echo {
        async fn call(&self, request: Request<Payload>) -> Result<Reply, FunctionError> {
            request.unit.to_bytes().len().into_reply()
        }
    }

    fn request(body: &'static str) -> Request<Payload> {
        Request {
            context: Context::for_test(),
            unit: Payload::from(body),
        }
    }

    #[tokio::test]
    async fn a_check_lets_through_or_fails_before_the_inner_service() {
        let layer = check(|request: &Request<dyn Unit>| {
            let mut empty = false;
            request
                .unit
                .visit_payloads(&mut |_, payload| empty = payload.to_bytes().is_empty());
            if empty {
                Err(FunctionError::bad_input("empty"))
            } else {
                Ok(())
            }
        });
        let service = layer.layer(Echo);
        assert_eq!(
            service.call(request("abc")).await.unwrap(),
            Reply::Json("3".into())
        );
        let err = service.call(request("")).await.unwrap_err();
        assert_eq!(err.to_string(), "empty");
    }

    #[tokio::test]
    async fn from_fn_runs_around_the_rest_and_can_skip_it() {
        let layer = from_fn(
            |request: Request<Payload>, next: Next<Payload>| async move {
                if request.unit.to_bytes().as_ref() == b"skip" {
                    return "skipped".into_reply();
                }
                let reply = next.run(request).await?;
                Ok(match reply {
                    Reply::Json(json) => {
                        Reply::Json(format!("[{}]", String::from_utf8_lossy(&json)).into())
                    }
                    other => other,
                })
            },
        );
        let service = layer.layer(Echo);
        assert_eq!(
            service.call(request("ab")).await.unwrap(),
            Reply::Json("[2]".into())
        );
        assert_eq!(
            service.call(request("skip")).await.unwrap(),
            Reply::Json("\"skipped\"".into())
        );
    }

    #[test]
    fn layers_run_outermost_first() {
        /// Records its name in the service it makes.
        struct Named(&'static str);
        impl<S: std::fmt::Debug> Layer<S> for Named {
            type Service = String;
            fn layer(&self, inner: S) -> String {
                format!("{}({inner:?})", self.0)
            }
        }
        let layers = Layers::new().layer(Named("a")).layer(Named("b"));
        assert_eq!(layers.inner.layer("core"), "a(\"b(\\\"core\\\")\")");
    }
}
