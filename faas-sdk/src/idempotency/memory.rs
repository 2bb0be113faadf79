//! An in-process store: for tests, the local server and single-instance
//! functions.

use std::collections::HashMap;
use std::sync::Mutex;

use super::store::{Claim, Claimed, Completion, IdempotencyStore, Record, StoreError};

/// Records in a map in this process's memory, lost when it exits.
///
/// The default store: the local server and the test kit use it. In
/// production it only protects against duplicates that reach the same
/// instance; use [`RedisStore`](super) or `DynamoDbStore` across instances.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use faas::idempotency::{Claim, Claimed, IdempotencyStore, MemoryStore};
/// let store = MemoryStore::new();
/// let claim = Claim {
///     key: "orders#ab".into(), token: "t1".into(), now_ms: 0,
///     lease_expires_at_ms: 1_000, expires_at_ms: 3_600_000, validation: None,
/// };
/// assert_eq!(store.claim(&claim).await.unwrap(), Claimed::New);
/// let again = Claim { token: "t2".into(), ..claim };
/// assert!(matches!(store.claim(&again).await.unwrap(), Claimed::Existing(_)));
/// # }
/// ```
///
/// Expired records are dropped every 1024 claims, so memory follows the
/// number of live keys, not of every key ever seen.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<Records>,
}

#[derive(Debug, Default)]
struct Records {
    by_key: HashMap<String, Record>,
    claims_since_sweep: usize,
}

/// Every this many claims, expired records are dropped, so that a long-lived
/// instance (the local server, an HTTP platform) does not keep every key it
/// ever saw: an amortised sweep instead of a timer task.
const SWEEP_EVERY: usize = 1024;

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many records it holds, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.records().by_key.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while the lock was held cannot leave a record half
        // written (each operation is one insert or remove), so a poisoned
        // map is still consistent.
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `change` on the record `key` if it carries `token`.
    fn if_token(
        &self,
        key: &str,
        token: &str,
        change: impl FnOnce(&mut HashMap<String, Record>),
    ) -> Result<(), StoreError> {
        let mut records = self.records();
        match records.by_key.get(key) {
            Some(record) if record.token == token => {
                change(&mut records.by_key);
                Ok(())
            }
            _ => Err(StoreError::Fenced {
                key: key.to_owned(),
            }),
        }
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
        let mut records = self.records();
        records.claims_since_sweep += 1;
        if records.claims_since_sweep >= SWEEP_EVERY {
            records.claims_since_sweep = 0;
            records
                .by_key
                .retain(|_, record| record.is_live(claim.now_ms));
        }
        match records.by_key.get(&claim.key) {
            Some(record) if record.is_live(claim.now_ms) => {
                return Ok(Claimed::Existing(record.clone()));
            }
            _ => {}
        }
        records
            .by_key
            .insert(claim.key.clone(), Record::in_progress(claim));
        Ok(Claimed::New)
    }

    async fn complete(&self, completion: &Completion) -> Result<(), StoreError> {
        self.if_token(&completion.key, &completion.token, |records| {
            records.insert(completion.key.clone(), Record::completed(completion));
        })
    }

    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
        self.if_token(key, token, |records| {
            records.remove(key);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(n: usize, now_ms: i64) -> Claim {
        Claim {
            key: format!("t#{n}"),
            token: "t".into(),
            now_ms,
            lease_expires_at_ms: now_ms + 1_000,
            expires_at_ms: now_ms + 1_000,
            validation: None,
        }
    }

    #[tokio::test]
    async fn expired_records_are_swept_as_claims_go_by() {
        let store = MemoryStore::new();
        for n in 0..SWEEP_EVERY - 1 {
            store.claim(&claim(n, 0)).await.unwrap();
        }
        assert_eq!(store.len(), SWEEP_EVERY - 1);
        // A claim a second later sweeps the expired ones, and stays.
        store.claim(&claim(SWEEP_EVERY, 1_000)).await.unwrap();
        assert_eq!(store.len(), 1);
    }
}
