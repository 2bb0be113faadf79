//! Middleware around the handler, composed like `tower`'s.
//!
//! Every invocation is split into units of work (one HTTP request, one
//! queue record). A [`Service`] handles one unit; a [`Layer`] wraps a
//! service in another. The SDK's own concerns are layers: telemetry
//! outermost, then payload validation, then the handler. Adding a layer of
//! your own:
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
//! let function = faas::Function::builder(ping {}).build().unwrap().layer(NeedsTimeLayer);
//! ```

use std::future::Future;
use std::sync::Arc;

use tracing::Instrument;

use crate::context::Context;
use crate::contract::Unit;
use crate::error::FunctionError;
use crate::reply::Reply;
use crate::validation::Schema;

/// One unit of work and its context.
#[derive(Debug)]
pub struct Request<U> {
    /// The unit, payload not yet decoded.
    pub unit: U,
    /// The invocation's context, narrowed to this unit.
    pub context: Context,
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

/// `err` and its sources, joined by `: `.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(next) = source {
        text.push_str(": ");
        text.push_str(&next.to_string());
        source = next.source();
    }
    text
}
