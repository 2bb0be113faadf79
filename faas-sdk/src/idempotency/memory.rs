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
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many records it holds, expired ones included.
    pub fn len(&self) -> usize {
        self.records().len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
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
        match records.get(key) {
            Some(record) if record.token == token => {
                change(&mut records);
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
        match records.get(&claim.key) {
            Some(record) if record.is_live(claim.now_ms) => {
                return Ok(Claimed::Existing(record.clone()));
            }
            _ => {}
        }
        records.insert(claim.key.clone(), Record::in_progress(claim));
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
