//! Opening the store `FAAS_IDEMPOTENCY_STORE` names.

use std::sync::Arc;

use super::memory::MemoryStore;
use super::store::{IdempotencyStore, StoreError};
use crate::config::Config;

/// The variable that names the store `faas::main!` opens for an idempotent
/// handler: `memory` (the default), `redis://…` / `rediss://…` (feature
/// `redis`), or `dynamodb://<table>` (feature `dynamodb`; credentials,
/// region and an optional `AWS_ENDPOINT_URL` come from the usual AWS
/// variables; for local development, `dynamodb://<table>?create_table=true`
/// creates the table when it is missing).
pub const FAAS_IDEMPOTENCY_STORE: &str = "FAAS_IDEMPOTENCY_STORE";

/// Opens the store `FAAS_IDEMPOTENCY_STORE` names in `config`.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use faas::Config;
/// use faas::idempotency::open_store;
///
/// let memory = open_store(&Config::from_pairs([("FAAS_IDEMPOTENCY_STORE", "memory")])).await;
/// assert!(memory.is_ok());
/// let unknown = open_store(&Config::from_pairs([("FAAS_IDEMPOTENCY_STORE", "postgres://db")])).await;
/// assert!(unknown.unwrap_err().to_string().contains("postgres://db"));
/// # });
/// ```
///
/// # Errors
///
/// An unknown scheme, a store whose cargo feature is off, or a store that
/// cannot be reached at start-up.
pub async fn open_store(config: &Config) -> Result<Arc<dyn IdempotencyStore>, StoreError> {
    let spec = config
        .get(FAAS_IDEMPOTENCY_STORE)
        .unwrap_or("memory")
        .trim();
    let scheme = spec.split_once("://").map_or(spec, |(scheme, _)| scheme);
    match scheme {
        "memory" | "" => Ok(Arc::new(MemoryStore::new())),
        "redis" | "rediss" => open_redis(spec).await,
        "dynamodb" => open_dynamodb(spec).await,
        _ => Err(StoreError::Config(format!(
            "unknown store `{spec}`; expected `memory`, `redis://host:port`, `rediss://host:port` or `dynamodb://table`"
        ))),
    }
}

#[cfg(feature = "redis")]
async fn open_redis(url: &str) -> Result<Arc<dyn IdempotencyStore>, StoreError> {
    Ok(Arc::new(super::RedisStore::connect(url).await?))
}

#[cfg(not(feature = "redis"))]
async fn open_redis(_: &str) -> Result<Arc<dyn IdempotencyStore>, StoreError> {
    Err(missing_feature("redis"))
}

#[cfg(feature = "dynamodb")]
async fn open_dynamodb(spec: &str) -> Result<Arc<dyn IdempotencyStore>, StoreError> {
    let rest = spec.trim_start_matches("dynamodb://");
    let (table, query) = rest.split_once('?').unwrap_or((rest, ""));
    let table = table.trim_end_matches('/');
    if table.is_empty() {
        return Err(StoreError::Config(
            "name the table: `dynamodb://<table>`".to_owned(),
        ));
    }
    let create_table = match query {
        "" => false,
        "create_table=true" => true,
        other => {
            return Err(StoreError::Config(format!(
                "unknown option `{other}` in `{spec}`; the only one is `create_table=true`"
            )));
        }
    };
    let store = super::DynamoDbStore::from_env(table).await?;
    if create_table {
        store.create_table().await?;
    }
    Ok(Arc::new(store))
}

#[cfg(not(feature = "dynamodb"))]
async fn open_dynamodb(_: &str) -> Result<Arc<dyn IdempotencyStore>, StoreError> {
    Err(missing_feature("dynamodb"))
}

#[cfg(any(not(feature = "redis"), not(feature = "dynamodb")))]
fn missing_feature(feature: &str) -> StoreError {
    StoreError::Config(format!(
        "this binary was built without the `{feature}` feature of faas-sdk; enable it to use this store"
    ))
}
