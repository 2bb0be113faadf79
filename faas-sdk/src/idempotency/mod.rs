//! Idempotency: one execution per logical event, however often it is
//! delivered.
//!
//! Queues, retries and webhooks deliver *at least once*. Mark a handler
//! idempotent and the SDK claims the event's key in a shared store before
//! your code runs; a duplicate gets the stored result instead of running
//! your side effects again:
//!
//! ```
//! use faas::prelude::*;
//!
//! #[derive(Deserialize)]
//! struct Payment { payment_id: String, amount_cents: u64 }
//!
//! #[faas::handler(idempotency(key = "/payment_id", ttl = "24h", validate = "/amount_cents"))]
//! async fn charge(Json(payment): Json<Payment>) -> Result<String, FunctionError> {
//!     // Runs once per payment_id within 24 h, on every instance that shares the store.
//!     Ok(format!("charged {}", payment.amount_cents))
//! }
//! ```
//!
//! # Options of `idempotency(...)`
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `key = "/a"`, `key = ["/a", "/b"]` | JSON pointers into the payload that identify the event | the whole payload |
//! | `key_fn = path` | `fn(&serde_json::Value) -> Option<serde_json::Value>` computing the key | |
//! | `ttl = "24h"` | how long the result is replayed (`s`, `m`, `h`, `d`) | `1h` |
//! | `lease = "5m"` | the longest an unfinished invocation blocks duplicates | `15m` |
//! | `namespace = "orders"` | the key prefix | the function name |
//! | `validate = ["/amount"]` | payload parts a duplicate must repeat exactly | none |
//! | `missing_key = "bypass"` | run events without a key, with a warning | `"reject"`: `bad_input` |
//! | `cache_errors = path` | `fn(&FunctionError) -> bool`: errors stored and replayed | none: errors release the key |
//! | `local_cache = N` | keep N completed records in process as well | off |
//!
//! [`Idempotency`] builds the same options by hand.
//!
//! # What happens
//!
//! 1. The key is derived ([`KeySource`]): `<namespace>#<sha-256 hex>` of the
//!    canonical JSON (sorted keys) of the selection. The namespace is the
//!    function's name (the platform's, such as `AWS_LAMBDA_FUNCTION_NAME`,
//!    else the handler's) unless set, so moving the handler to another
//!    module never changes its keys. The format is stable across versions.
//! 2. One atomic store operation claims it ([`IdempotencyStore::claim`]) as
//!    `INPROGRESS` with a lease: the invocation's remaining time, at most
//!    `lease`; a remaining time of zero is a zero lease. It carries a fresh
//!    fencing token.
//! 3. Then, by what the claim found:
//!    - nothing live: the handler runs. Success stores the result as
//!      `COMPLETED` until now + ttl; an error releases the key so that a
//!      retry runs, unless `cache_errors` says to store it;
//!    - a `COMPLETED` record: its result is replayed. An HTTP reply comes
//!      back with the same status, headers and body, plus
//!      `idempotent-replayed: true` ([`REPLAYED_HEADER`]);
//!    - an `INPROGRESS` record within its lease: an
//!      [`in_progress`](crate::FunctionError::in_progress) error, retryable
//!      (HTTP 409 with `Retry-After` = the rest of the lease; a queue
//!      record is reported failed, so it is delivered again later);
//!    - a `validate` mismatch: a `conflict` error naming the key; the
//!      stored result is never returned for another payload.
//! 4. Completing and releasing only succeed while the record still carries
//!    this invocation's token. An invocation that outlived its lease, while
//!    a retry took the key over, cannot overwrite or delete the newer record
//!    (it logs a warning and still answers its own caller).
//!
//! A claim that fails (the store is down) **fails closed**: the handler
//! does not run and the invocation fails as `transient`. A result larger
//! than the store keeps (DynamoDB: 400 KB per item) is an `internal`
//! error, logged with both sizes, and the key is released. If storing a
//! result fails after the handler ran, the caller still gets it and
//! duplicates wait for the lease to end.
//!
//! Expiry is always computed from the times in the record and the SDK
//! [`Clock`](crate::clock::Clock), never from the store's own expiry
//! (Redis and DynamoDB keep expired items for a while), so tests drive it
//! with `faas_testkit::FakeClock`.
//!
//! A handler of a record type claims each record on its own: a duplicate
//! inside a batch replays (or, when records run concurrently, is reported
//! failed while the first runs); the rest of the batch is unaffected.
//!
//! An HTTP request is keyed on its body (`Json<T>`, `HttpRequest<Json<T>>`,
//! and a plain `HttpRequest` whose body is JSON). Events without a JSON
//! payload to key on (`StorageEvent`, `ScheduleEvent`) have no key: use a
//! `QueueMessage<T>` / `CloudEvent<T>` payload, a `key_fn`, or handle
//! duplicates in the handler.
//!
//! # Stores
//!
//! | store | feature | for |
//! |---|---|---|
//! | [`MemoryStore`] | always | tests, the local server, one instance |
//! | `RedisStore` | `redis` | many instances; one Lua script per claim |
//! | `DynamoDbStore` | `dynamodb` | many instances on AWS; one conditional write per claim |
//!
//! `faas::main!` opens the store [`FAAS_IDEMPOTENCY_STORE`] names
//! (`memory`, `redis://…`, `dynamodb://<table>`); an unreachable store is a
//! start-up error. Tests and embedders pass one to
//! [`FunctionBuilder::idempotency_store`](crate::FunctionBuilder::idempotency_store).
//! Your own store implements [`IdempotencyStore`]; check it with
//! `faas_testkit::idempotency::conformance`.
//!
//! # Compared with Powertools for AWS Lambda
//!
//! The behaviour matches Powertools' idempotency utility (keys from JSON
//! paths, payload validation, in-progress and completed records, a local
//! cache), with these weaknesses fixed: completing and deleting a record
//! are conditional on a fencing token (Powertools' are unconditional, so a
//! stale invocation can overwrite a newer one); a zero remaining time is a
//! zero lease, not "no deadline"; expiry is never trusted to the store's
//! TTL deletion; and a duplicate costs exactly one store request.

#[cfg(feature = "dynamodb")]
mod dynamodb;
mod key;
mod layer;
mod memory;
mod open;
mod options;
#[cfg(feature = "redis")]
mod redis;
mod store;

pub use async_trait::async_trait;
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbStore;
pub use key::{KeyFn, KeySource, MissingKey, canonical_json, stored_key, validation_hash};
pub(crate) use layer::Guard;
pub use layer::{Idempotent, REPLAYED_HEADER};
pub use memory::MemoryStore;
pub use open::{FAAS_IDEMPOTENCY_STORE, open_store};
pub use options::{CacheableFn, DEFAULT_MAX_LEASE, DEFAULT_TTL, Idempotency};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use store::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};
