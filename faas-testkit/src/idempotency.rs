//! The conformance suite of idempotency stores: every rule of
//! [`IdempotencyStore`] checked in one call, against any store, built-in or
//! your own.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::sync::Arc;
//! use faas::idempotency::MemoryStore;
//!
//! faas_testkit::idempotency::conformance(Arc::new(MemoryStore::new())).await;
//! # });
//! ```
//!
//! Each check uses keys of its own (a fresh namespace per run), so the
//! store need not be empty and other tests may share it. Times are given
//! explicitly, so no check waits.

use std::sync::Arc;

use faas::idempotency::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};
use tokio::task::JoinSet;

/// One hour, in milliseconds: the time to live of [`claim`]'s records.
pub const TTL_MS: i64 = 3_600_000;

/// The lease of [`claim`]'s in-progress records.
pub const LEASE_MS: i64 = 30_000;

/// A start time like the SDK's clock gives (2026-01-01T00:00:00Z), in the
/// past of the machine's clock: a store whose backend's own expiry
/// decided liveness would lose records claimed at it.
pub const T0: i64 = 1_767_225_600_000;

/// How many claims of one key race in [`conformance`].
pub const RACING_CLAIMS: usize = 200;

/// Checks `store` against every rule of the [`IdempotencyStore`] contract;
/// panics with a message naming the rule it breaks.
///
/// The rules: a free key is claimed once and a live record is returned to
/// every other claim; completing and releasing need the claim's token
/// (fencing), even after a takeover; a completed record expires after its
/// ttl and an in-progress one after its lease (a zero-length lease
/// included); stored results round-trip byte for byte; and of
/// [`RACING_CLAIMS`] concurrent claims of one key exactly one wins.
pub async fn conformance(store: Arc<dyn IdempotencyStore>) {
    let keys = Keys::new();
    claims_once(&*store, &keys.next()).await;
    completes_with_its_token(&*store, &keys.next()).await;
    releases_with_its_token(&*store, &keys.next()).await;
    expires_after_ttl(&*store, &keys.next()).await;
    a_lease_ends_and_fencing_holds(&*store, &keys.next()).await;
    a_zero_lease_is_a_real_lease(&*store, &keys.next()).await;
    results_round_trip(&*store, &keys.next()).await;
    racing_claims_have_one_winner(&store, &keys.next()).await;
}

/// Keys unique to one run of the suite.
struct Keys {
    namespace: String,
    count: std::cell::Cell<usize>,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            namespace: format!("conformance-{}", uuid::Uuid::new_v4().simple()),
            count: std::cell::Cell::new(0),
        }
    }

    fn next(&self) -> String {
        self.count.set(self.count.get() + 1);
        key(&self.namespace, self.count.get())
    }
}

/// A claim of `key` at `now_ms` with token `token`: a [`LEASE_MS`] lease,
/// a [`TTL_MS`] time to live and a validation hash of zeros.
///
/// ```
/// let claim = faas_testkit::idempotency::claim("orders#00", "t1", 1_000);
/// assert_eq!(claim.lease_expires_at_ms, 31_000);
/// ```
pub fn claim(key: &str, token: &str, now_ms: i64) -> Claim {
    Claim {
        key: key.to_owned(),
        token: token.to_owned(),
        now_ms,
        lease_expires_at_ms: now_ms + LEASE_MS,
        expires_at_ms: now_ms + TTL_MS,
        validation: Some("0".repeat(64)),
    }
}

/// The completion of `claim` with result `data`, expiring [`TTL_MS`]
/// after the claim.
pub fn completion(claim: &Claim, data: impl Into<String>) -> Completion {
    Completion {
        key: claim.key.clone(),
        token: claim.token.clone(),
        data: data.into(),
        expires_at_ms: claim.now_ms + TTL_MS,
        validation: claim.validation.clone(),
    }
}

/// Key number `n` of `namespace`, in the SDK's format `<namespace>#<64 hex>`.
///
/// ```
/// assert_eq!(faas_testkit::idempotency::key("t", 255), format!("t#{}ff", "0".repeat(62)));
/// ```
pub fn key(namespace: &str, n: usize) -> String {
    format!("{namespace}#{n:064x}")
}

async fn must_claim(store: &dyn IdempotencyStore, claim: &Claim, rule: &str) {
    match store.claim(claim).await {
        Ok(Claimed::New) => {}
        other => panic!("{rule}: claiming {} must succeed, got {other:?}", claim.key),
    }
}

async fn existing(store: &dyn IdempotencyStore, claim: &Claim, rule: &str) -> Record {
    match store.claim(claim).await {
        Ok(Claimed::Existing(record)) => record,
        other => panic!(
            "{rule}: claiming {} must return the live record, got {other:?}",
            claim.key
        ),
    }
}

fn must_be_fenced(result: Result<(), StoreError>, rule: &str) {
    assert!(
        matches!(result, Err(StoreError::Fenced { .. })),
        "{rule}: must fail with StoreError::Fenced, got {result:?}"
    );
}

async fn claims_once(store: &dyn IdempotencyStore, key: &str) {
    let first = claim(key, "t1", T0);
    must_claim(store, &first, "a free key").await;
    let record = existing(store, &claim(key, "t2", T0 + 1), "a claimed key").await;
    let expected = Record::in_progress(&first);
    assert_eq!(
        record, expected,
        "a duplicate claim must see the first claim's in-progress record as written"
    );
}

async fn completes_with_its_token(store: &dyn IdempotencyStore, key: &str) {
    let first = claim(key, "t1", T0);
    must_claim(store, &first, "a free key").await;
    let stale = Completion {
        token: "not-t1".to_owned(),
        ..completion(&first, "\"wrong\"")
    };
    must_be_fenced(
        store.complete(&stale).await,
        "completing with another claim's token",
    );
    let done = completion(&first, r#"{"ok":true}"#);
    if let Err(err) = store.complete(&done).await {
        panic!("completing with the claim's token must succeed: {err:?}");
    }
    let record = existing(store, &claim(key, "t2", T0 + 5), "a completed key").await;
    assert_eq!(
        record,
        Record::completed(&done),
        "a duplicate must see the completed record with its result"
    );
    assert_eq!(record.status, Status::Completed);
}

async fn releases_with_its_token(store: &dyn IdempotencyStore, key: &str) {
    must_be_fenced(
        store.release(key, "t1").await,
        "releasing a key nobody holds",
    );
    let first = claim(key, "t1", T0);
    must_claim(store, &first, "a free key").await;
    must_be_fenced(
        store.release(key, "not-t1").await,
        "releasing with another claim's token",
    );
    existing(store, &claim(key, "t2", T0), "a key a fenced release left").await;
    if let Err(err) = store.release(key, "t1").await {
        panic!("releasing with the claim's token must succeed: {err:?}");
    }
    must_claim(store, &claim(key, "t3", T0 + 1), "a released key").await;
}

async fn expires_after_ttl(store: &dyn IdempotencyStore, key: &str) {
    let first = claim(key, "t1", T0);
    must_claim(store, &first, "a free key").await;
    let done = completion(&first, "1");
    if let Err(err) = store.complete(&done).await {
        panic!("completing must succeed: {err:?}");
    }
    existing(
        store,
        &claim(key, "t2", done.expires_at_ms - 1),
        "a completed key 1 ms before its expiry",
    )
    .await;
    must_claim(
        store,
        &claim(key, "t3", done.expires_at_ms),
        "a completed key at its expiry",
    )
    .await;
}

async fn a_lease_ends_and_fencing_holds(store: &dyn IdempotencyStore, key: &str) {
    let stale = claim(key, "t1", T0);
    must_claim(store, &stale, "a free key").await;
    let record = existing(
        store,
        &claim(key, "t2", stale.lease_expires_at_ms - 1),
        "an in-progress key 1 ms before its lease ends",
    )
    .await;
    assert_eq!(record.status, Status::InProgress);
    let newer = claim(key, "t3", stale.lease_expires_at_ms);
    must_claim(store, &newer, "an in-progress key whose lease ended").await;
    must_be_fenced(
        store.complete(&completion(&stale, "\"stale\"")).await,
        "a stale invocation completing after a takeover",
    );
    must_be_fenced(
        store.release(key, &stale.token).await,
        "a stale invocation releasing after a takeover",
    );
    let record = existing(
        store,
        &claim(key, "t4", newer.now_ms + 1),
        "a taken-over key",
    )
    .await;
    assert_eq!(
        record,
        Record::in_progress(&newer),
        "the stale invocation must leave the newer claim's record untouched"
    );
    if let Err(err) = store.complete(&completion(&newer, "\"newer\"")).await {
        panic!("the newer claim must complete: {err:?}");
    }
}

async fn a_zero_lease_is_a_real_lease(store: &dyn IdempotencyStore, key: &str) {
    let no_time_left = Claim {
        lease_expires_at_ms: T0,
        ..claim(key, "t1", T0)
    };
    must_claim(store, &no_time_left, "a free key").await;
    must_claim(
        store,
        &claim(key, "t2", T0),
        "a key claimed with no time left (its lease ended when it began)",
    )
    .await;
}

async fn results_round_trip(store: &dyn IdempotencyStore, key: &str) {
    let first = claim(key, "t1", T0);
    must_claim(store, &first, "a free key").await;
    let mut data =
        String::from(r#"{"text":"quotes \" backslashes \\ unicode é 🦀 newlines \n","pad":""#);
    data.push_str(&"x".repeat(10_000));
    data.push_str("\"}");
    let done = completion(&first, &data);
    if let Err(err) = store.complete(&done).await {
        panic!("completing with a 10 KB result must succeed: {err:?}");
    }
    let record = existing(store, &claim(key, "t2", T0 + 1), "a completed key").await;
    assert_eq!(
        record.data.as_deref(),
        Some(data.as_str()),
        "a stored result must come back byte for byte"
    );
}

async fn racing_claims_have_one_winner(store: &Arc<dyn IdempotencyStore>, key: &str) {
    let mut racers = JoinSet::new();
    for racer in 0..RACING_CLAIMS {
        let store = Arc::clone(store);
        let claim = claim(key, &format!("racer-{racer}"), T0);
        racers.spawn(async move { store.claim(&claim).await });
    }
    let (mut winners, mut losers) = (0, 0);
    while let Some(result) = racers.join_next().await {
        match result {
            Ok(Ok(Claimed::New)) => winners += 1,
            Ok(Ok(Claimed::Existing(_))) => losers += 1,
            Ok(Err(err)) => panic!("a racing claim failed: {err:?}"),
            Err(err) => panic!("a racing claim panicked: {err}"),
        }
    }
    assert_eq!(
        (winners, losers),
        (1, RACING_CLAIMS - 1),
        "of {RACING_CLAIMS} concurrent claims of one key exactly one must win"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use faas::idempotency::MemoryStore;

    #[tokio::test]
    async fn the_memory_store_conforms() {
        conformance(Arc::new(MemoryStore::new())).await;
    }

    /// A store that lets a stale claim complete: the suite must catch it.
    #[derive(Debug, Default)]
    struct Unfenced(MemoryStore);

    #[faas::idempotency::async_trait]
    impl IdempotencyStore for Unfenced {
        async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
            self.0.claim(claim).await
        }
        async fn complete(&self, _: &Completion) -> Result<(), StoreError> {
            Ok(())
        }
        async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
            self.0.release(key, token).await
        }
    }

    #[tokio::test]
    #[should_panic(expected = "completing with another claim's token")]
    async fn a_store_without_fencing_fails() {
        conformance(Arc::new(Unfenced::default())).await;
    }
}
