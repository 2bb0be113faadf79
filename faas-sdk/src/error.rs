//! The error a function returns, and its kind.
//!
//! Every failure in faas is a [`FunctionError`] with an [`ErrorKind`]. The
//! kind is what the platform adapters look at: it picks the HTTP status, the
//! `Retry-After` header, whether a queue record is retried, and the
//! `errorType` of a Lambda error. The cause is kept whole, so logs show the
//! full source chain and tests can downcast to the original error.
//!
//! # Choosing the kind
//!
//! The kind says whose fault a failure is, and only the code that raised it
//! knows: a number that does not parse is the caller's mistake when the
//! caller sent it, and the function's own when it came from its settings.
//! So no error picks a kind by its type; give each failure its kind with
//! the constructor of the kind:
//!
//! ```
//! use faas::{ErrorKind, FunctionError};
//!
//! fn parse_amount(text: &str) -> Result<u64, FunctionError> {
//!     // The caller sent the text: its fault, a `400`.
//!     let amount: u64 = text.parse().map_err(FunctionError::bad_input)?;
//!     if amount == 0 {
//!         return Err(FunctionError::bad_input("amount must be positive"));
//!     }
//!     Ok(amount)
//! }
//!
//! assert_eq!(parse_amount("12").unwrap(), 12);
//! assert_eq!(parse_amount("zero").unwrap_err().kind(), ErrorKind::BadInput);
//! assert_eq!(parse_amount("0").unwrap_err().to_string(), "amount must be positive");
//! ```
//!
//! A handler may also return an error type of its own. With a
//! `From<YourError> for FunctionError` it says which kind each failure is;
//! without one, any `std::error::Error` is `internal`:
//!
//! ```
//! use faas::prelude::*;
//!
//! #[faas::handler]
//! async fn read_config(_: serde_json::Value) -> Result<u64, std::num::ParseIntError> {
//!     "many".parse() // fails as `internal`: a setting of ours, not the caller's fault
//! }
//! ```
//!
//! A `Box<dyn Error + Send + Sync>` converts with `?` as `internal` (a boxed
//! `FunctionError` keeps its kind). The SDK's own decode and validation
//! errors are `bad_input`: the event did not fit the contract.

use std::fmt;
use std::time::Duration;

/// A boxed error that can cross threads: the cause of a [`FunctionError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, in the terms every platform understands.
///
/// | kind | HTTP status | retried? |
/// |---|---|---|
/// | `bad_input` | 400 | no: the same input fails again |
/// | `unauthorized` | 401 | no |
/// | `forbidden` | 403 | no |
/// | `not_found` | 404 | no |
/// | `conflict` | 409 | no |
/// | `in_progress` | 409 | yes, after `Retry-After` |
/// | `too_many_requests` | 429 | yes, after `Retry-After` |
/// | `transient` | 503 | yes, after `Retry-After` |
/// | `permanent` | 422 | no: goes to the dead-letter queue |
/// | `internal` | 500 | no: a bug or an unexpected state |
///
/// ```
/// use faas::ErrorKind;
/// assert_eq!(ErrorKind::Conflict.http_status(), 409);
/// assert_eq!(ErrorKind::Transient.as_str(), "transient");
/// assert!(ErrorKind::TooManyRequests.is_retryable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The event or payload is malformed or fails validation.
    BadInput,
    /// The caller is not authenticated.
    Unauthorized,
    /// The caller is authenticated but may not do this.
    Forbidden,
    /// What the event refers to does not exist.
    NotFound,
    /// The event conflicts with the current state (e.g. a duplicate).
    Conflict,
    /// The same event is being processed by another invocation right now
    /// (an idempotency key in progress): retry once it has finished.
    InProgress,
    /// The caller or a dependency is rate limited.
    TooManyRequests,
    /// A dependency failed in a way that a retry may fix.
    Transient,
    /// The event can never be processed; retrying is pointless.
    Permanent,
    /// An unexpected failure, such as a bug or a panic.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::BadInput,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::InProgress,
        ErrorKind::TooManyRequests,
        ErrorKind::Transient,
        ErrorKind::Permanent,
        ErrorKind::Internal,
    ];

    /// The snake_case name used in logs, problem documents and Lambda's `errorType`.
    ///
    /// ```
    /// assert_eq!(faas::ErrorKind::BadInput.as_str(), "bad_input");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadInput => "bad_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::InProgress => "in_progress",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::Transient => "transient",
            ErrorKind::Permanent => "permanent",
            ErrorKind::Internal => "internal",
        }
    }

    /// The HTTP status code an HTTP adapter answers with.
    ///
    /// ```
    /// assert_eq!(faas::ErrorKind::Transient.http_status(), 503);
    /// ```
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadInput => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict | ErrorKind::InProgress => 409,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Transient => 503,
            // A 4xx, so that push subscriptions and HTTP clients do not retry it.
            ErrorKind::Permanent => 422,
            ErrorKind::Internal => 500,
        }
    }

    /// Whether the same event may succeed if delivered again later.
    ///
    /// ```
    /// assert!(faas::ErrorKind::Transient.is_retryable());
    /// assert!(!faas::ErrorKind::Permanent.is_retryable());
    /// ```
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Transient | ErrorKind::TooManyRequests | ErrorKind::InProgress
        )
    }

    /// The kind named `name` (as [`as_str`](Self::as_str) writes it).
    ///
    /// ```
    /// use faas::ErrorKind;
    /// assert_eq!(ErrorKind::from_name("in_progress"), Some(ErrorKind::InProgress));
    /// assert_eq!(ErrorKind::from_name("oops"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason an input was rejected: where (a JSON pointer into the payload)
/// and why.
///
/// ```
/// let v = faas::Violation::new("/amount_cents", "0 is less than the minimum of 1");
/// assert_eq!(v.pointer, "/amount_cents");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer (RFC 6901) to the offending value; `""` is the whole payload.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

impl Violation {
    /// A violation at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// The error of a function: a [kind](ErrorKind) and its cause.
///
/// Build one with the constructor of its kind. Each takes a message or any
/// error, so both read naturally:
///
/// ```
/// use faas::FunctionError;
/// # fn write() -> Result<(), std::io::Error> { Ok(()) }
/// # fn demo(amount: u64) -> Result<(), FunctionError> {
/// if amount == 0 {
///     return Err(FunctionError::bad_input("amount_cents must be positive"));
/// }
/// write().map_err(FunctionError::transient)?;
/// # Ok(()) }
/// ```
///
/// Like `anyhow::Error`, a `FunctionError` is transparent over its cause:
/// `Display` prints the cause, [`source`](std::error::Error::source)
/// continues with the cause's own chain, and
/// [`downcast_ref`](Self::downcast_ref) reaches the original error. The kind
/// travels beside it.
///
/// ```
/// use std::error::Error as _;
/// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "database timed out");
/// let err = faas::FunctionError::transient(io);
/// assert_eq!(err.kind(), faas::ErrorKind::Transient);
/// assert_eq!(err.to_string(), "database timed out");
/// assert!(err.downcast_ref::<std::io::Error>().is_some());
/// assert!(err.source().is_none());
///
/// let boxed: faas::BoxError = "no connection".into();
/// assert_eq!(faas::FunctionError::from(boxed).kind(), faas::ErrorKind::Internal);
/// ```
pub struct FunctionError {
    kind: ErrorKind,
    cause: BoxError,
    violations: Vec<Violation>,
    retry_after: Option<Duration>,
}

macro_rules! kind_constructors {
    ($($(#[$doc:meta])* $name:ident => $kind:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(cause: impl Into<BoxError>) -> Self {
            Self::new(ErrorKind::$kind, cause)
        }
    )*};
}

impl FunctionError {
    /// An error of `kind` caused by `cause` (a message or any error).
    ///
    /// ```
    /// let err = faas::FunctionError::new(faas::ErrorKind::Conflict, "order exists");
    /// assert_eq!(err.kind().http_status(), 409);
    /// ```
    pub fn new(kind: ErrorKind, cause: impl Into<BoxError>) -> Self {
        FunctionError {
            kind,
            cause: cause.into(),
            violations: Vec::new(),
            retry_after: None,
        }
    }

    kind_constructors! {
        /// The input is malformed or invalid (HTTP 400, never retried).
        bad_input => BadInput,
        /// The caller is not authenticated (HTTP 401).
        unauthorized => Unauthorized,
        /// The caller may not do this (HTTP 403).
        forbidden => Forbidden,
        /// What the event refers to does not exist (HTTP 404).
        not_found => NotFound,
        /// The event conflicts with the current state (HTTP 409).
        conflict => Conflict,
        /// Another invocation is processing the same event (HTTP 409, retried after `Retry-After`).
        in_progress => InProgress,
        /// Rate limited (HTTP 429, retried after `Retry-After`).
        too_many_requests => TooManyRequests,
        /// A retry may succeed (HTTP 503, queue records are retried).
        transient => Transient,
        /// A retry cannot succeed (HTTP 422, queue records go to the dead-letter queue).
        permanent => Permanent,
        /// An unexpected failure (HTTP 500).
        internal => Internal,
    }

    /// Attaches the list of violations that made the input invalid.
    ///
    /// ```
    /// use faas::{FunctionError, Violation};
    /// let err = FunctionError::bad_input("invalid order")
    ///     .with_violations(vec![Violation::new("/currency", "must be 3 letters")]);
    /// assert_eq!(err.violations()[0].pointer, "/currency");
    /// ```
    pub fn with_violations(mut self, violations: Vec<Violation>) -> Self {
        self.violations = violations;
        self
    }

    /// Suggests when to retry; HTTP adapters send it as `Retry-After`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = faas::FunctionError::transient("busy").with_retry_after(Duration::from_secs(5));
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    /// ```
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether delivering the same event again may succeed.
    ///
    /// ```
    /// assert!(faas::FunctionError::transient("timeout").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }

    /// The violations attached with [`with_violations`](Self::with_violations).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The retry hint attached with [`with_retry_after`](Self::with_retry_after).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The cause this error was built from.
    pub fn cause(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.cause
    }

    /// The cause as a concrete error type, if it is one.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.cause.downcast_ref::<E>()
    }
}

impl fmt::Debug for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("FunctionError");
        debug.field("kind", &self.kind).field("cause", &self.cause);
        if !self.violations.is_empty() {
            debug.field("violations", &self.violations);
        }
        if let Some(after) = self.retry_after {
            debug.field("retry_after", &after);
        }
        debug.finish()
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl std::error::Error for FunctionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.source()
    }
}

/// A boxed error (what `lambda_runtime` and many libraries return) is
/// `internal`, unless it is a `FunctionError` that was boxed: that one
/// keeps its kind.
impl From<BoxError> for FunctionError {
    fn from(err: BoxError) -> Self {
        match err.downcast::<FunctionError>() {
            Ok(err) => *err,
            Err(other) => FunctionError::internal(other),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[derive(Debug, thiserror::Error)]
    #[error("outer failure")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn message_and_error_causes_read_the_same() {
        let from_text = FunctionError::transient("db down");
        let from_error = FunctionError::transient(std::io::Error::other("db down"));
        assert_eq!(from_text.to_string(), from_error.to_string());
    }

    #[test]
    fn the_source_chain_of_the_cause_is_kept() {
        let err = FunctionError::permanent(Outer(std::io::Error::other("disk gone")));
        assert_eq!(err.to_string(), "outer failure");
        let source = err.source().expect("the cause's source is the next link");
        assert_eq!(source.to_string(), "disk gone");
        assert!(err.downcast_ref::<Outer>().is_some());
    }

    #[test]
    fn every_kind_has_a_distinct_name_and_a_4xx_or_5xx_status() {
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            assert!((400..600).contains(&kind.http_status()), "{kind}");
        }
    }

    #[test]
    fn only_transient_rate_limited_and_in_progress_kinds_are_retryable() {
        let retryable: Vec<_> = ErrorKind::ALL
            .into_iter()
            .filter(|k| k.is_retryable())
            .collect();
        assert_eq!(
            retryable,
            [
                ErrorKind::InProgress,
                ErrorKind::TooManyRequests,
                ErrorKind::Transient
            ]
        );
    }

    #[test]
    fn a_boxed_error_is_internal_unless_it_is_a_function_error() {
        let boxed: BoxError = Box::new(std::io::Error::other("refused"));
        let err = FunctionError::from(boxed);
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.downcast_ref::<std::io::Error>().is_some());
        let boxed: BoxError = Box::new(FunctionError::permanent(Outer(std::io::Error::other(
            "disk gone",
        ))));
        assert_eq!(error_chain(&*boxed), "outer failure: disk gone");
        let err = FunctionError::from(boxed);
        assert_eq!(err.kind(), ErrorKind::Permanent);
        assert_eq!(err.to_string(), "outer failure");
    }
}
