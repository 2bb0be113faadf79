//! What a function knows about the invocation it is serving.
//!
//! A [`Context`] is built by the platform adapter for every invocation (and
//! narrowed per record in batch mode). It is cheap to clone: the
//! invocation-wide part is shared behind an `Arc`.
//!
//! ```
//! use std::time::Duration;
//! use faas::Context;
//!
//! let ctx = Context::builder()
//!     .request_id("req-1")
//!     .deadline_in(Duration::from_secs(3))
//!     .build();
//! assert_eq!(ctx.request_id(), "req-1");
//! assert!(ctx.remaining_time().unwrap() <= Duration::from_secs(3));
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::{self, SharedClock};

/// The platform a function instance runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// AWS Lambda, through the Runtime API.
    AwsLambda,
    /// An HTTP / CloudEvents server (Cloud Run functions, Knative, OpenFaaS).
    Http,
    /// An Azure Functions custom handler.
    Azure,
    /// The local development server.
    Local,
    /// An in-process test harness.
    Test,
}

impl Platform {
    /// The lower-case name used in logs.
    ///
    /// ```
    /// assert_eq!(faas::Platform::AwsLambda.as_str(), "aws_lambda");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::AwsLambda => "aws_lambda",
            Platform::Http => "http",
            Platform::Azure => "azure",
            Platform::Local => "local",
            Platform::Test => "test",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the platform says about one invocation; the adapter hands it to
/// [`Function::invoke`](crate::Function::invoke), which makes the [`Context`].
///
/// ```
/// let info = faas::InvocationInfo::default()
///     .with_request_id("8476a536-e9f4-11e8-9739-2dfe598c3fcd")
///     .with_trace_id("Root=1-5759e988-bd862e3fe1be46a994272793");
/// assert_eq!(info.request_id.as_deref(), Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd"));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct InvocationInfo {
    /// The platform's request id; a random one is made when absent.
    pub request_id: Option<String>,
    /// When the platform stops waiting.
    pub deadline: Option<DateTime<Utc>>,
    /// The tracing header the platform passed.
    pub trace_id: Option<String>,
}

impl InvocationInfo {
    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: DateTime<Utc>) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets the trace id.
    pub fn with_trace_id(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }
}

/// Facts about one invocation: ids, deadline, cold start, delivery attempt.
///
/// Handlers take it as `ctx: &Context`. In tests, build one with
/// [`Context::for_test`] or [`Context::builder`].
#[derive(Clone)]
pub struct Context {
    invocation: Arc<Invocation>,
    correlation_id: Option<Arc<str>>,
    delivery_attempt: Option<u32>,
}

struct Invocation {
    request_id: RequestId,
    function_name: Arc<str>,
    function_version: Arc<str>,
    platform: Platform,
    deadline: Option<DateTime<Utc>>,
    trace_id: Option<String>,
    cold_start: bool,
    clock: SharedClock,
}

/// The platform's request id, or a random one made on first read: most
/// invocations never read it, and a UUID costs a `getrandom` system call.
enum RequestId {
    Given(String),
    Random(OnceLock<String>),
}

impl RequestId {
    fn get(&self) -> &str {
        match self {
            RequestId::Given(id) => id,
            RequestId::Random(id) => id.get_or_init(|| uuid::Uuid::new_v4().to_string()),
        }
    }
}

impl Context {
    /// The context of one invocation of a function instance; without a
    /// platform request id, a random one is made when first read.
    pub(crate) fn for_invocation(
        info: InvocationInfo,
        function_name: Arc<str>,
        function_version: Arc<str>,
        platform: Platform,
        cold_start: bool,
        clock: SharedClock,
    ) -> Context {
        Context {
            invocation: Arc::new(Invocation {
                request_id: match info.request_id {
                    Some(id) => RequestId::Given(id),
                    None => RequestId::Random(OnceLock::new()),
                },
                function_name,
                function_version,
                platform,
                deadline: info.deadline,
                trace_id: info.trace_id,
                cold_start,
                clock,
            }),
            correlation_id: None,
            delivery_attempt: None,
        }
    }

    /// A builder with test-friendly defaults (see [`ContextBuilder`]).
    pub fn builder() -> ContextBuilder {
        ContextBuilder::default()
    }

    /// A context with the defaults of [`ContextBuilder`]: request id
    /// `test-request`, platform [`Platform::Test`], no deadline, the system clock.
    ///
    /// ```
    /// let ctx = faas::Context::for_test();
    /// assert_eq!(ctx.platform(), faas::Platform::Test);
    /// assert_eq!(ctx.remaining_time(), None);
    /// ```
    pub fn for_test() -> Context {
        ContextBuilder::default().build()
    }

    /// The platform's id for this invocation (Lambda's `aws_request_id`, …).
    pub fn request_id(&self) -> &str {
        self.invocation.request_id.get()
    }

    /// The function's name (from the platform, else the handler's name).
    pub fn function_name(&self) -> &str {
        &self.invocation.function_name
    }

    /// The function's version (from the platform, else the crate version).
    pub fn function_version(&self) -> &str {
        &self.invocation.function_version
    }

    /// Where this instance runs.
    pub fn platform(&self) -> Platform {
        self.invocation.platform
    }

    /// When the platform stops waiting for this invocation, if it says.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.invocation.deadline
    }

    /// Time left until the deadline, measured on the instance's clock; zero
    /// once it has passed; `None` without a deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// let ctx = faas::Context::builder().deadline_in(Duration::from_secs(10)).build();
    /// let left = ctx.remaining_time().unwrap();
    /// assert!(left > Duration::from_secs(9) && left <= Duration::from_secs(10));
    /// ```
    pub fn remaining_time(&self) -> Option<Duration> {
        let deadline = self.invocation.deadline?;
        let left = deadline - self.invocation.clock.now();
        Some(left.to_std().unwrap_or(Duration::ZERO))
    }

    /// The distributed-tracing id (X-Ray trace header, W3C `traceparent`), if any.
    pub fn trace_id(&self) -> Option<&str> {
        self.invocation.trace_id.as_deref()
    }

    /// The id that ties this work to the request that caused it upstream:
    /// taken from the event (`X-Correlation-Id` header, `correlation_id`
    /// message attribute), else the request id.
    pub fn correlation_id(&self) -> &str {
        self.correlation_id
            .as_deref()
            .unwrap_or_else(|| self.invocation.request_id.get())
    }

    /// How many times this event has been delivered, where the platform
    /// counts (SQS `ApproximateReceiveCount`, Azure `DequeueCount`); 1 is the
    /// first delivery.
    pub fn delivery_attempt(&self) -> Option<u32> {
        self.delivery_attempt
    }

    /// Whether this is the first invocation served by this process.
    pub fn is_cold_start(&self) -> bool {
        self.invocation.cold_start
    }

    /// The clock of this function instance.
    pub fn clock(&self) -> &SharedClock {
        &self.invocation.clock
    }

    /// The same invocation, narrowed to one record of a batch.
    pub(crate) fn for_record(&self, correlation_id: Option<&str>, attempt: Option<u32>) -> Context {
        Context {
            invocation: Arc::clone(&self.invocation),
            correlation_id: correlation_id
                .map(Arc::from)
                .or_else(|| self.correlation_id.clone()),
            delivery_attempt: attempt.or(self.delivery_attempt),
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id())
            .field("function_name", &self.function_name())
            .field("function_version", &self.function_version())
            .field("platform", &self.platform())
            .field("deadline", &self.deadline())
            .field("trace_id", &self.trace_id())
            .field("correlation_id", &self.correlation_id())
            .field("delivery_attempt", &self.delivery_attempt)
            .field("cold_start", &self.is_cold_start())
            .finish()
    }
}

/// Builds a [`Context`]. Every field has a default, so tests set only what
/// they check; adapters set everything the platform gives them.
///
/// ```
/// use faas::{Context, Platform};
/// let ctx = Context::builder()
///     .request_id("8476a536-e9f4-11e8-9739-2dfe598c3fcd")
///     .function("orders", "42")
///     .platform(Platform::AwsLambda)
///     .trace_id("Root=1-5759e988-bd862e3fe1be46a994272793")
///     .correlation_id("checkout-77")
///     .delivery_attempt(2)
///     .cold_start(true)
///     .build();
/// assert_eq!(ctx.correlation_id(), "checkout-77");
/// assert_eq!(ctx.delivery_attempt(), Some(2));
/// assert!(ctx.is_cold_start());
/// ```
#[derive(Debug)]
pub struct ContextBuilder {
    request_id: String,
    function_name: Arc<str>,
    function_version: Arc<str>,
    platform: Platform,
    deadline: Deadline,
    trace_id: Option<String>,
    correlation_id: Option<Arc<str>>,
    delivery_attempt: Option<u32>,
    cold_start: bool,
    clock: Option<SharedClock>,
}

/// A deadline given as an instant, or relative to the clock's `now` at build time.
#[derive(Debug, Clone, Copy)]
enum Deadline {
    None,
    At(DateTime<Utc>),
    In(Duration),
}

impl Default for ContextBuilder {
    fn default() -> Self {
        ContextBuilder {
            request_id: "test-request".to_owned(),
            function_name: Arc::from("test-function"),
            function_version: Arc::from("0"),
            platform: Platform::Test,
            deadline: Deadline::None,
            trace_id: None,
            correlation_id: None,
            delivery_attempt: None,
            cold_start: false,
            clock: None,
        }
    }
}

impl ContextBuilder {
    /// Sets the request id.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = id.into();
        self
    }

    /// Sets the function name and version.
    pub fn function(mut self, name: impl Into<Arc<str>>, version: impl Into<Arc<str>>) -> Self {
        self.function_name = name.into();
        self.function_version = version.into();
        self
    }

    /// Sets the platform.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// Sets an absolute deadline.
    pub fn deadline(mut self, at: DateTime<Utc>) -> Self {
        self.deadline = Deadline::At(at);
        self
    }

    /// Sets the deadline to `after` from the clock's current time.
    pub fn deadline_in(mut self, after: Duration) -> Self {
        self.deadline = Deadline::In(after);
        self
    }

    /// Sets the trace id.
    pub fn trace_id(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }

    /// Sets the correlation id (defaults to the request id).
    pub fn correlation_id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Sets the delivery attempt (1 = first delivery).
    pub fn delivery_attempt(mut self, attempt: u32) -> Self {
        self.delivery_attempt = Some(attempt);
        self
    }

    /// Marks the invocation as the first of its process.
    pub fn cold_start(mut self, cold: bool) -> Self {
        self.cold_start = cold;
        self
    }

    /// Sets the clock (defaults to the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the context.
    pub fn build(self) -> Context {
        let clock = self.clock.unwrap_or_else(clock::system);
        let deadline = match self.deadline {
            Deadline::None => None,
            Deadline::At(at) => Some(at),
            Deadline::In(after) => chrono::Duration::from_std(after)
                .ok()
                .and_then(|after| clock.now().checked_add_signed(after)),
        };
        Context {
            invocation: Arc::new(Invocation {
                request_id: RequestId::Given(self.request_id),
                function_name: self.function_name,
                function_version: self.function_version,
                platform: self.platform,
                deadline,
                trace_id: self.trace_id,
                cold_start: self.cold_start,
                clock,
            }),
            correlation_id: self.correlation_id,
            delivery_attempt: self.delivery_attempt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use std::sync::Mutex;

    #[derive(Debug)]
    struct ManualClock(Mutex<DateTime<Utc>>);
    impl Clock for ManualClock {
        fn now(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
    }

    #[test]
    fn remaining_time_follows_the_injected_clock_and_stops_at_zero() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Arc::new(ManualClock(Mutex::new(start)));
        let ctx = Context::builder()
            .clock(clock.clone())
            .deadline_in(Duration::from_secs(30))
            .build();
        assert_eq!(ctx.remaining_time(), Some(Duration::from_secs(30)));
        *clock.0.lock().unwrap() = start + chrono::Duration::seconds(20);
        assert_eq!(ctx.remaining_time(), Some(Duration::from_secs(10)));
        *clock.0.lock().unwrap() = start + chrono::Duration::seconds(45);
        assert_eq!(ctx.remaining_time(), Some(Duration::ZERO));
    }

    #[test]
    fn a_missing_request_id_is_one_random_uuid_for_the_whole_invocation() {
        let invocation = |info| {
            Context::for_invocation(
                info,
                Arc::from("f"),
                Arc::from("1"),
                Platform::Test,
                false,
                clock::system(),
            )
        };
        let ctx = invocation(InvocationInfo::default());
        let id = ctx.request_id().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let record = ctx.for_record(None, Some(2));
        assert_eq!(
            (record.request_id(), record.correlation_id()),
            (id.as_str(), id.as_str())
        );
        let other = invocation(InvocationInfo::default());
        assert_ne!(other.correlation_id(), id);
        let given = invocation(InvocationInfo::default().with_request_id("r-1"));
        assert_eq!(given.request_id(), "r-1");
    }

    #[test]
    fn the_correlation_id_falls_back_to_the_request_id() {
        let ctx = Context::builder().request_id("r-9").build();
        assert_eq!(ctx.correlation_id(), "r-9");
        let record = ctx.for_record(Some("c-1"), Some(3));
        assert_eq!(record.correlation_id(), "c-1");
        assert_eq!(record.delivery_attempt(), Some(3));
        assert_eq!(record.request_id(), "r-9");
    }
}
