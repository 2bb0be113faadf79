//! The storage side of idempotency: one record per key, claimed
//! atomically, completed or released only by the claim that holds it.

use std::fmt;

use crate::error::BoxError;

/// Where idempotency records live.
///
/// A store keeps one [`Record`] per key and offers three operations, each
/// **one atomic step** on the backing service:
///
/// - [`claim`](Self::claim): create an `INPROGRESS` record for the key,
///   unless a live one exists, in which case return it. A record is live
///   while `now < expires_at`, and an `INPROGRESS` one only while also
///   `now < lease_expires_at` (a crashed invocation blocks retries until its
///   lease ends). Liveness is always computed from the times in the
///   record and the request, never from the backend's own expiry (Redis
///   and DynamoDB may keep expired items).
/// - [`complete`](Self::complete): turn the record into `COMPLETED` with
///   the stored result, **only if it still carries the claim's token**.
/// - [`release`](Self::release): delete the record, **only if it still
///   carries the claim's token**.
///
/// The token (fencing) keeps a stale invocation, one that resumed after its
/// lease ended and another took the key over, from overwriting or deleting
/// the newer record: both operations then fail with
/// [`StoreError::Fenced`].
///
/// Times are milliseconds since the Unix epoch, read by the caller from
/// the SDK's [`Clock`](crate::clock::Clock), so that tests drive expiry.
///
/// The trait uses `async_trait` because the store is chosen at run time
/// (`FAAS_IDEMPOTENCY_STORE`) and held as `Arc<dyn IdempotencyStore>`; its one
/// box per call is noise next to a network round trip. Implement it with
/// the re-exported attribute:
///
/// ```
/// use faas::idempotency::{async_trait, Claim, Claimed, Completion, IdempotencyStore, StoreError};
///
/// /// A store that is always down.
/// #[derive(Debug)]
/// struct Down;
///
/// #[async_trait]
/// impl IdempotencyStore for Down {
///     async fn claim(&self, _: &Claim) -> Result<Claimed, StoreError> {
///         Err(StoreError::unavailable("the disk is on fire"))
///     }
///     async fn complete(&self, _: &Completion) -> Result<(), StoreError> {
///         Err(StoreError::unavailable("the disk is on fire"))
///     }
///     async fn release(&self, _: &str, _: &str) -> Result<(), StoreError> {
///         Err(StoreError::unavailable("the disk is on fire"))
///     }
/// }
/// ```
///
/// `faas_testkit::idempotency::conformance` checks a store against every
/// rule above in one call.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + fmt::Debug + 'static {
    /// Claims `claim.key`, or returns the live record that holds it.
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError>;

    /// Completes the record `completion.key` with its result, if it still
    /// carries `completion.token`; [`StoreError::Fenced`] otherwise.
    async fn complete(&self, completion: &Completion) -> Result<(), StoreError>;

    /// Deletes the record `key` if it still carries `token`;
    /// [`StoreError::Fenced`] otherwise (a missing record included).
    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError>;

    /// The largest stored result, in bytes, the store accepts (`None`: no
    /// limit). A larger result is an error before it is sent.
    fn max_data_len(&self) -> Option<usize> {
        None
    }
}

/// A request to claim a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The stored key, `<namespace>#<sha-256 hex>`.
    pub key: String,
    /// This claim's fencing token, unique per claim.
    pub token: String,
    /// The current time.
    pub now_ms: i64,
    /// When the in-progress lease ends: until then, duplicates are told to
    /// wait; after it, a duplicate takes the key over.
    pub lease_expires_at_ms: i64,
    /// When the record expires altogether (now + ttl).
    pub expires_at_ms: i64,
    /// The hash of the payload parts that must match on a duplicate.
    pub validation: Option<String>,
}

/// What a [`claim`](IdempotencyStore::claim) found.
///
/// ```
/// use faas::idempotency::{Claimed, Status};
/// fn describe(found: &Claimed) -> &'static str {
///     match found {
///         Claimed::New => "run the handler",
///         Claimed::Existing(record) if record.status == Status::Completed => "replay",
///         Claimed::Existing(_) => "in progress: retry later",
///     }
/// }
/// assert_eq!(describe(&Claimed::New), "run the handler");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    /// The key was free (absent or expired): this claim holds it now.
    New,
    /// A live record holds the key.
    Existing(Record),
}

/// A request to complete a claimed key with its result.
///
/// ```
/// use faas::idempotency::{Completion, Record, Status};
/// let completion = Completion {
///     key: "orders#ab".into(), token: "t1".into(), data: r#"{"v":"1","json":"null"}"#.into(),
///     expires_at_ms: 3_600_000, validation: None,
/// };
/// assert_eq!(Record::completed(&completion).status, Status::Completed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The stored key.
    pub key: String,
    /// The token of the claim that ran.
    pub token: String,
    /// The serialized result to replay to duplicates.
    pub data: String,
    /// When the completed record expires (now + ttl).
    pub expires_at_ms: i64,
    /// The validation hash, as claimed.
    pub validation: Option<String>,
}

/// The state of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// An invocation is running it (`INPROGRESS`).
    InProgress,
    /// It ran; the result is stored (`COMPLETED`).
    Completed,
}

impl Status {
    /// The name stored in Redis and DynamoDB: `INPROGRESS` or `COMPLETED`.
    ///
    /// ```
    /// use faas::idempotency::Status;
    /// assert_eq!(Status::InProgress.as_str(), "INPROGRESS");
    /// assert_eq!(Status::parse("COMPLETED"), Some(Status::Completed));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "INPROGRESS",
            Status::Completed => "COMPLETED",
        }
    }

    /// The status named `name`, if any.
    pub fn parse(name: &str) -> Option<Status> {
        match name {
            "INPROGRESS" => Some(Status::InProgress),
            "COMPLETED" => Some(Status::Completed),
            _ => None,
        }
    }
}

/// One idempotency record, as a store returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The stored key.
    pub key: String,
    /// In progress or completed.
    pub status: Status,
    /// The token of the claim that wrote it.
    pub token: String,
    /// When the record expires.
    pub expires_at_ms: i64,
    /// When the in-progress lease ends (in-progress records).
    pub lease_expires_at_ms: Option<i64>,
    /// The serialized result (completed records).
    pub data: Option<String>,
    /// The validation hash the claim stored.
    pub validation: Option<String>,
}

impl Record {
    /// The in-progress record a claim creates.
    pub fn in_progress(claim: &Claim) -> Record {
        Record {
            key: claim.key.clone(),
            status: Status::InProgress,
            token: claim.token.clone(),
            expires_at_ms: claim.expires_at_ms,
            lease_expires_at_ms: Some(claim.lease_expires_at_ms),
            data: None,
            validation: claim.validation.clone(),
        }
    }

    /// The completed record a completion leaves.
    pub fn completed(completion: &Completion) -> Record {
        Record {
            key: completion.key.clone(),
            status: Status::Completed,
            token: completion.token.clone(),
            expires_at_ms: completion.expires_at_ms,
            lease_expires_at_ms: None,
            data: Some(completion.data.clone()),
            validation: completion.validation.clone(),
        }
    }

    /// Whether the record still holds its key at `now_ms`: not expired, and
    /// for an in-progress record, within its lease. Stores decide claims
    /// with exactly this rule.
    ///
    /// ```
    /// use faas::idempotency::{Claim, Record};
    /// let claim = Claim {
    ///     key: "orders#ab".into(), token: "t1".into(), now_ms: 0,
    ///     lease_expires_at_ms: 1_000, expires_at_ms: 3_600_000, validation: None,
    /// };
    /// let record = Record::in_progress(&claim);
    /// assert!(record.is_live(999));
    /// assert!(!record.is_live(1_000), "the lease ended");
    /// ```
    pub fn is_live(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms
            && match self.status {
                Status::Completed => true,
                Status::InProgress => self.lease_expires_at_ms.is_some_and(|lease| now_ms < lease),
            }
    }
}

/// Why a store operation failed.
///
/// ```
/// use faas::idempotency::StoreError;
/// let err = StoreError::unavailable("connection refused");
/// assert_eq!(err.to_string(), "the idempotency store is unavailable");
/// let fenced = StoreError::Fenced { key: "orders#ab".into() };
/// assert!(fenced.to_string().contains("taken over"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or answered with an error: the
    /// invocation fails as `transient`, and the handler does not run.
    #[error("the idempotency store is unavailable")]
    Unavailable(#[source] BoxError),
    /// The record no longer carries this claim's token: its lease ended and
    /// another invocation took the key over (or it expired and was removed).
    #[error("idempotency record {key} was taken over by a newer invocation")]
    Fenced {
        /// The stored key.
        key: String,
    },
    /// The result is larger than the store can keep.
    #[error(
        "the result is {len} bytes, more than the {limit} bytes the idempotency store can keep"
    )]
    TooLarge {
        /// The serialized result's length.
        len: usize,
        /// The store's limit.
        limit: usize,
    },
    /// The store is misconfigured (no such table, a bad URL, …).
    #[error("the idempotency store is misconfigured: {0}")]
    Config(String),
    /// A record in the store could not be read (missing or mistyped attribute).
    #[error("idempotency record {key} is corrupt: {reason}")]
    Corrupt {
        /// The stored key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl StoreError {
    /// The store is unavailable because of `cause`.
    pub fn unavailable(cause: impl Into<BoxError>) -> StoreError {
        StoreError::Unavailable(cause.into())
    }
}
