//! How a handler is made idempotent: the options of
//! `#[faas::handler(idempotency(...))]`, also usable by hand.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::key::KeySource;
use crate::error::FunctionError;

/// Decides whether an error is stored and replayed to duplicates like a
/// result, rather than releasing the key for a retry.
///
/// ```
/// let permanent: faas::idempotency::CacheableFn =
///     std::sync::Arc::new(|err| !err.is_retryable());
/// assert!(permanent(&faas::FunctionError::bad_input("no amount")));
/// ```
pub type CacheableFn = Arc<dyn Fn(&FunctionError) -> bool + Send + Sync>;

/// The idempotency options of a handler.
///
/// ```
/// use std::time::Duration;
/// use faas::idempotency::Idempotency;
///
/// let options = Idempotency::key("/order_id")
///     .ttl(Duration::from_secs(24 * 3600))
///     .validate(&["/amount_cents"])
///     .cache_errors(|err| err.kind() == faas::ErrorKind::BadInput);
/// assert_eq!(options.time_to_live(), Duration::from_secs(86_400));
/// ```
#[derive(Clone)]
pub struct Idempotency {
    pub(crate) key: KeySource,
    pub(crate) validate: Vec<String>,
    pub(crate) ttl: Duration,
    pub(crate) max_lease: Duration,
    pub(crate) namespace: Option<String>,
    pub(crate) bypass_missing_key: bool,
    pub(crate) cacheable: Option<CacheableFn>,
    pub(crate) local_cache: usize,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("key", &self.key)
            .field("validate", &self.validate)
            .field("ttl", &self.ttl)
            .field("max_lease", &self.max_lease)
            .field("namespace", &self.namespace)
            .field("bypass_missing_key", &self.bypass_missing_key)
            .field("cacheable", &self.cacheable.is_some())
            .field("local_cache", &self.local_cache)
            .finish()
    }
}

/// How long a completed record is replayed, unless set: one hour.
///
/// ```
/// use faas::idempotency::{DEFAULT_TTL, Idempotency};
/// assert_eq!(Idempotency::key("/id").time_to_live(), DEFAULT_TTL);
/// ```
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// The longest in-progress lease, unless set: 15 minutes, the longest a
/// Lambda invocation runs. Invocations with a deadline lease only their
/// remaining time.
///
/// ```
/// assert_eq!(faas::idempotency::DEFAULT_MAX_LEASE.as_secs(), 900);
/// ```
pub const DEFAULT_MAX_LEASE: Duration = Duration::from_secs(15 * 60);

impl Idempotency {
    fn new(key: KeySource) -> Idempotency {
        Idempotency {
            key,
            validate: Vec::new(),
            ttl: DEFAULT_TTL,
            max_lease: DEFAULT_MAX_LEASE,
            namespace: None,
            bypass_missing_key: false,
            cacheable: None,
            local_cache: 0,
        }
    }

    /// The whole payload identifies the event.
    pub fn whole_payload() -> Idempotency {
        Idempotency::new(KeySource::WholePayload)
    }

    /// The value at JSON pointer `pointer` (`"/order_id"`) identifies the event.
    pub fn key(pointer: &str) -> Idempotency {
        Idempotency::keys(&[pointer])
    }

    /// The values at these JSON pointers identify the event together.
    pub fn keys(pointers: &[&str]) -> Idempotency {
        Idempotency::new(KeySource::Pointers(
            pointers.iter().map(|&pointer| pointer.to_owned()).collect(),
        ))
    }

    /// `key` computes what identifies the event from the JSON payload;
    /// `None` when it carries no key.
    ///
    /// ```
    /// use faas::idempotency::Idempotency;
    /// // Webhooks from one sender, deduplicated by the sender's delivery id.
    /// let options = Idempotency::key_fn(|payload| {
    ///     let sender = payload.get("sender")?.as_str()?;
    ///     let delivery = payload.get("delivery_id")?.as_str()?;
    ///     Some(format!("{sender}/{delivery}").into())
    /// });
    /// ```
    pub fn key_fn(key: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static) -> Idempotency {
        Idempotency::new(KeySource::Custom(Arc::new(key)))
    }

    /// How long a completed result is replayed (default: [`DEFAULT_TTL`]).
    pub fn ttl(mut self, ttl: Duration) -> Idempotency {
        self.ttl = ttl;
        self
    }

    /// The longest an in-progress record blocks duplicates if its
    /// invocation never finishes (default: [`DEFAULT_MAX_LEASE`]); the
    /// lease is the invocation's remaining time when shorter.
    pub fn max_lease(mut self, lease: Duration) -> Idempotency {
        self.max_lease = lease;
        self
    }

    /// The key namespace (default: the function's name).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Idempotency {
        self.namespace = Some(namespace.into());
        self
    }

    /// Payload parts that must be equal in a duplicate: a key reused with
    /// a different payload is then a `conflict` error, not a replay.
    pub fn validate(mut self, pointers: &[&str]) -> Idempotency {
        self.validate = pointers.iter().map(|&pointer| pointer.to_owned()).collect();
        self
    }

    /// Runs events without a key, unprotected, with a warning (default: a
    /// `bad_input` error).
    pub fn bypass_missing_key(mut self) -> Idempotency {
        self.bypass_missing_key = true;
        self
    }

    /// Errors for which `cacheable` is true are stored and replayed like
    /// results (a permanent `bad_input`, say); others release the key so a
    /// retry runs again.
    pub fn cache_errors(
        mut self,
        cacheable: impl Fn(&FunctionError) -> bool + Send + Sync + 'static,
    ) -> Idempotency {
        self.cacheable = Some(Arc::new(cacheable));
        self
    }

    /// Keeps up to `records` completed records in this process too, so a
    /// duplicate reaching the same instance costs no store request.
    pub fn local_cache(mut self, records: usize) -> Idempotency {
        self.local_cache = records;
        self
    }

    /// How long completed results are replayed.
    pub fn time_to_live(&self) -> Duration {
        self.ttl
    }
}
