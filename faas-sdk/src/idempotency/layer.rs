//! The idempotency layer: claims the event's key before the handler runs,
//! stores its result, and replays it to duplicates.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::future::Either;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

use super::key::{sha256_hex, stored_key, validation_hash};
use super::options::Idempotency;
use super::store::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};
use crate::clock::SharedClock;
use crate::contract::Unit;
use crate::error::{ErrorKind, FunctionError, Violation};
use crate::layer::{Request, Service};
use crate::reply::HttpResponse;
use crate::reply::Reply;

/// The header a replayed HTTP response carries: `idempotent-replayed: true`.
///
/// ```
/// let name = http::HeaderName::from_static(faas::idempotency::REPLAYED_HEADER);
/// assert_eq!(name, "idempotent-replayed");
/// ```
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What the idempotency layer needs, shared by every unit of work.
#[derive(Debug)]
pub(crate) struct Guard {
    options: Idempotency,
    namespace: String,
    store: Arc<dyn IdempotencyStore>,
    clock: SharedClock,
    cache: Option<LocalCache>,
}

impl Guard {
    pub(crate) fn new(
        options: Idempotency,
        function_name: &str,
        store: Arc<dyn IdempotencyStore>,
        clock: SharedClock,
    ) -> Guard {
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| function_name.to_owned());
        let cache = (options.local_cache > 0).then(|| LocalCache::new(options.local_cache));
        Guard {
            options,
            namespace,
            store,
            clock,
            cache,
        }
    }
}

/// Runs its inner service at most once per idempotency key (see the
/// [module docs](super)); a pass-through for handlers without idempotency.
/// Part of every function's [`DefaultStack`](crate::function::DefaultStack),
/// configured by the handler's `idempotency(...)` option:
///
/// ```
/// use faas::prelude::*;
///
/// #[faas::handler(idempotency(key = "/id"))]
/// async fn once(payload: serde_json::Value) -> Result<serde_json::Value, FunctionError> {
///     Ok(payload)
/// }
/// let function = faas::Function::builder(once {}).build().unwrap();
/// # let _ = function;
/// ```
#[derive(Debug)]
pub struct Idempotent<S> {
    inner: S,
    guard: Option<Arc<Guard>>,
}

impl<S> Idempotent<S> {
    pub(crate) fn new(inner: S, guard: Option<Guard>) -> Self {
        Idempotent {
            inner,
            guard: guard.map(Arc::new),
        }
    }
}

/// The key and validation hash of one unit of work.
struct Identity {
    key: String,
    validation: Option<String>,
}

impl Guard {
    /// The unit's identity; `None` to run it unprotected (no key, bypass on).
    fn identify(&self, unit: &impl Unit) -> Result<Option<Identity>, FunctionError> {
        let mut selections = Vec::new();
        let mut missing = None;
        let mut validations = Vec::new();
        unit.visit_payloads(&mut |_, payload| {
            match self.options.key.selection(payload) {
                Ok(selection) => selections.push(selection),
                // The first record without a key names the problem.
                Err(err) if missing.is_none() => missing = Some(err.to_string()),
                Err(_) => {}
            }
            if !self.options.validate.is_empty() {
                validations.push(validation_hash(&self.options.validate, payload));
            }
        });
        let missing = match missing {
            Some(reason) => Some(reason),
            None if selections.is_empty() => {
                Some("the event carries no payload to take an idempotency key from".to_owned())
            }
            None => None,
        };
        if let Some(reason) = missing {
            if self.options.bypass_missing_key {
                tracing::warn!(reason = %reason, "no idempotency key: running unprotected");
                return Ok(None);
            }
            return Err(FunctionError::bad_input(reason));
        }
        // A unit of several records (a whole batch) is keyed on all of them.
        let selection = match selections.len() {
            1 => selections.pop().unwrap_or_default(),
            _ => selections
                .iter()
                .map(|selection| sha256_hex(selection))
                .collect::<Vec<_>>()
                .join(",")
                .into_bytes(),
        };
        Ok(Some(Identity {
            key: stored_key(&self.namespace, &selection),
            validation: (!validations.is_empty()).then(|| validations.join(",")),
        }))
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

impl<U: Unit, S: Service<U>> Service<U> for Idempotent<S> {
    fn call(
        &self,
        request: Request<U>,
    ) -> impl Future<Output = Result<Reply, FunctionError>> + Send {
        // Without idempotency the inner future is returned as it is, so
        // that handlers without the option pay nothing for the layer; the
        // guarded path is boxed (it waits on the store anyway).
        match &self.guard {
            None => Either::Left(self.inner.call(request)),
            Some(guard) => Either::Right(Box::pin(guard.protect(&self.inner, request))),
        }
    }
}

impl Guard {
    /// Runs `inner` on `request` at most once per idempotency key.
    async fn protect<U: Unit, S: Service<U>>(
        &self,
        inner: &S,
        request: Request<U>,
    ) -> Result<Reply, FunctionError> {
        let Some(identity) = self.identify(&request.unit)? else {
            return inner.call(request).await;
        };
        let now_ms = self.now_ms();
        if let Some(stored) = self
            .cache
            .as_ref()
            .and_then(|c| c.get(&identity.key, now_ms))
        {
            check_validation(&identity, stored.validation.as_deref())?;
            return replay(&identity.key, &stored.data);
        }
        let lease = request
            .context
            .remaining_time()
            .map_or(self.options.max_lease, |left| {
                left.min(self.options.max_lease)
            });
        let claim = Claim {
            key: identity.key.clone(),
            token: uuid::Uuid::new_v4().simple().to_string(),
            now_ms,
            lease_expires_at_ms: now_ms.saturating_add(millis(lease)),
            expires_at_ms: now_ms.saturating_add(millis(self.options.ttl)),
            validation: identity.validation.clone(),
        };
        match self.store.claim(&claim).await {
            Ok(Claimed::New) => {}
            Ok(Claimed::Existing(record)) => return duplicate(self, &identity, &record, now_ms),
            Err(err) => return Err(claim_failed(&identity.key, err)),
        }
        let result = inner.call(request).await;
        self.finish(&claim, result).await
    }
}

impl Guard {
    /// Stores what the claimed run produced, or releases the key.
    async fn finish(
        &self,
        claim: &Claim,
        result: Result<Reply, FunctionError>,
    ) -> Result<Reply, FunctionError> {
        let stored = match &result {
            Ok(reply) => Stored::from_reply(reply),
            Err(err)
                if self
                    .options
                    .cacheable
                    .as_ref()
                    .is_some_and(|cacheable| cacheable(err)) =>
            {
                Stored::from_error(err)
            }
            Err(_) => {
                self.release(claim).await;
                return result;
            }
        };
        let data = match serde_json::to_string(&stored) {
            Ok(data) => data,
            Err(err) => {
                self.release(claim).await;
                return Err(FunctionError::internal(err));
            }
        };
        let too_large = self
            .store
            .max_data_len()
            .filter(|&limit| data.len() > limit)
            .map(|limit| StoreError::TooLarge {
                len: data.len(),
                limit,
            });
        let completion = Completion {
            key: claim.key.clone(),
            token: claim.token.clone(),
            expires_at_ms: self.now_ms().saturating_add(millis(self.options.ttl)),
            validation: claim.validation.clone(),
            data,
        };
        let completed = match too_large {
            Some(err) => Err(err),
            None => self.store.complete(&completion).await,
        };
        match completed {
            Ok(()) => {
                if let Some(cache) = &self.cache {
                    cache.put(Record::completed(&completion));
                }
                result
            }
            Err(StoreError::Fenced { key }) => {
                // Our lease ended and a newer invocation holds the key: its
                // record wins; this run's result still answers this caller.
                tracing::warn!(
                    idempotency_key = %key,
                    "the idempotency record was taken over while this invocation ran (its lease ended); the result was not stored"
                );
                result
            }
            Err(err @ StoreError::TooLarge { .. }) => {
                self.release(claim).await;
                Err(FunctionError::internal(err))
            }
            Err(err) => {
                // The work is done: answer with it. Duplicates wait until the
                // lease ends, then run again.
                tracing::error!(
                    idempotency_key = %claim.key,
                    error = %crate::error::error_chain(&err),
                    "could not store the idempotency record; duplicates will run again once the lease ends"
                );
                result
            }
        }
    }

    /// Releases the key so that a retry runs; a failure only delays that
    /// retry until the lease ends.
    async fn release(&self, claim: &Claim) {
        match self.store.release(&claim.key, &claim.token).await {
            Ok(()) | Err(StoreError::Fenced { .. }) => {}
            Err(err) => tracing::warn!(
                idempotency_key = %claim.key,
                error = %crate::error::error_chain(&err),
                "could not release the idempotency record; a retry waits until the lease ends"
            ),
        }
    }
}

/// The answer to a duplicate: the stored result, or "in progress".
fn duplicate(
    guard: &Guard,
    identity: &Identity,
    record: &Record,
    now_ms: i64,
) -> Result<Reply, FunctionError> {
    check_validation(identity, record.validation.as_deref())?;
    match record.status {
        Status::Completed => {
            let Some(data) = &record.data else {
                return Err(FunctionError::internal(StoreError::Corrupt {
                    key: record.key.clone(),
                    reason: "a completed record without data".to_owned(),
                }));
            };
            if let Some(cache) = &guard.cache {
                cache.put(record.clone());
            }
            replay(&record.key, data)
        }
        Status::InProgress => {
            let lease_left = record
                .lease_expires_at_ms
                .map_or(0, |lease| lease.saturating_sub(now_ms).max(0));
            Err(FunctionError::in_progress(format!(
                "idempotency key {} is being processed by another invocation; retry when it has finished",
                record.key
            ))
            .with_retry_after(Duration::from_millis(lease_left.max(1000) as u64).min(
                Duration::from_secs(60),
            )))
        }
    }
}

fn check_validation(identity: &Identity, stored: Option<&str>) -> Result<(), FunctionError> {
    match (&identity.validation, stored) {
        (Some(ours), Some(theirs)) if ours != theirs => Err(FunctionError::conflict(format!(
            "idempotency key {} was already used with a different payload",
            identity.key
        ))),
        _ => Ok(()),
    }
}

/// A claim that could not be made fails closed: the handler does not run.
fn claim_failed(key: &str, err: StoreError) -> FunctionError {
    let kind = match err {
        StoreError::Unavailable(_) => ErrorKind::Transient,
        _ => ErrorKind::Internal,
    };
    FunctionError::new(
        kind,
        ClaimFailed {
            key: key.to_owned(),
            source: err,
        },
    )
}

/// Why an event was not run: its idempotency key could not be claimed.
#[derive(Debug, thiserror::Error)]
#[error("could not claim idempotency key {key}; the handler did not run")]
struct ClaimFailed {
    key: String,
    source: StoreError,
}

fn replay(key: &str, data: &str) -> Result<Reply, FunctionError> {
    let stored: Stored = serde_json::from_str(data).map_err(|err| {
        FunctionError::internal(StoreError::Corrupt {
            key: key.to_owned(),
            reason: format!("the stored result does not decode: {err}"),
        })
    })?;
    stored.into_result(key)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A stored result (the `data` attribute), versioned so that later formats
/// can still read it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "v")]
enum Stored {
    #[serde(rename = "1")]
    V1(StoredV1),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredV1 {
    /// A JSON reply, as its text.
    Json(String),
    /// An HTTP reply.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        /// Base64, so that binary bodies survive.
        body: String,
    },
    /// A cacheable error.
    Error {
        kind: String,
        message: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        violations: Vec<(String, String)>,
    },
}

impl Stored {
    fn from_reply(reply: &Reply) -> Stored {
        Stored::V1(match reply {
            Reply::Json(json) => StoredV1::Json(String::from_utf8_lossy(json).into_owned()),
            Reply::Http(response) => StoredV1::Http {
                status: response.status().as_u16(),
                headers: response
                    .headers()
                    .iter()
                    .filter_map(|(name, value)| {
                        Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                    })
                    .collect(),
                body: BASE64.encode(response.body()),
            },
        })
    }

    fn from_error(err: &FunctionError) -> Stored {
        Stored::V1(StoredV1::Error {
            kind: err.kind().as_str().to_owned(),
            message: crate::error::error_chain(err),
            violations: err
                .violations()
                .iter()
                .map(|v| (v.pointer.clone(), v.message.clone()))
                .collect(),
        })
    }

    fn into_result(self, key: &str) -> Result<Reply, FunctionError> {
        let corrupt = |reason: String| {
            FunctionError::internal(StoreError::Corrupt {
                key: key.to_owned(),
                reason,
            })
        };
        let Stored::V1(stored) = self;
        match stored {
            StoredV1::Json(json) => Ok(Reply::Json(json.into())),
            StoredV1::Http {
                status,
                headers,
                body,
            } => {
                let status = StatusCode::from_u16(status)
                    .map_err(|err| corrupt(format!("status {status}: {err}")))?;
                let body = BASE64
                    .decode(body)
                    .map_err(|err| corrupt(format!("body: {err}")))?;
                let mut header_map = HeaderMap::with_capacity(headers.len() + 1);
                for (name, value) in headers {
                    let name = HeaderName::try_from(name.as_str())
                        .map_err(|err| corrupt(format!("header {name}: {err}")))?;
                    let value = HeaderValue::try_from(value.as_str())
                        .map_err(|err| corrupt(format!("header {name}: {err}")))?;
                    header_map.append(name, value);
                }
                header_map.insert(
                    HeaderName::from_static(REPLAYED_HEADER),
                    HeaderValue::from_static("true"),
                );
                Ok(Reply::Http(HttpResponse::from_parts(
                    status,
                    header_map,
                    body.into(),
                )))
            }
            StoredV1::Error {
                kind,
                message,
                violations,
            } => {
                let kind = ErrorKind::from_name(&kind)
                    .ok_or_else(|| corrupt(format!("unknown error kind {kind:?}")))?;
                Err(FunctionError::new(kind, message).with_violations(
                    violations
                        .into_iter()
                        .map(|(pointer, message)| Violation::new(pointer, message))
                        .collect(),
                ))
            }
        }
    }
}

/// Completed records kept in this process, least recently used evicted.
#[derive(Debug)]
struct LocalCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// Record by key, with the tick of its last use.
    records: HashMap<String, (Record, u64)>,
    /// Keys by tick of last use: the first is the least recently used.
    by_use: BTreeMap<u64, String>,
    tick: u64,
}

impl LocalCache {
    fn new(capacity: usize) -> LocalCache {
        LocalCache {
            capacity,
            inner: Mutex::new(CacheInner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // Every change below keeps both maps consistent before it can panic.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live completed record `key`, marked used.
    fn get(&self, key: &str, now_ms: i64) -> Option<CachedResult> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (record, used) = inner.records.get_mut(key)?;
        if !record.is_live(now_ms) {
            let used = *used;
            inner.by_use.remove(&used);
            inner.records.remove(key);
            return None;
        }
        let previous = std::mem::replace(used, tick);
        let found = CachedResult {
            data: record.data.clone().unwrap_or_default(),
            validation: record.validation.clone(),
        };
        inner.by_use.remove(&previous);
        inner.by_use.insert(tick, key.to_owned());
        Some(found)
    }

    /// Keeps a completed record (in-progress ones are never cached).
    fn put(&self, record: Record) {
        if record.status != Status::Completed || record.data.is_none() {
            return;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let key = record.key.clone();
        if let Some((_, used)) = inner.records.insert(key.clone(), (record, tick)) {
            inner.by_use.remove(&used);
        }
        inner.by_use.insert(tick, key);
        while inner.records.len() > self.capacity {
            let Some((_, oldest)) = inner.by_use.pop_first() else {
                break;
            };
            inner.records.remove(&oldest);
        }
    }
}

struct CachedResult {
    data: String,
    validation: Option<String>,
}
