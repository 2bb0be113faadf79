//! A store in a DynamoDB table: records shared by every instance of a
//! function, one conditional request per operation.
//!
//! See [`DynamoDbStore`] for the table schema, the composite-key mode and
//! the IAM policy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    TimeToLiveStatus,
};

use super::store::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};

/// DynamoDB's limit on the size of one item (names and values), in bytes.
const ITEM_LIMIT: usize = 400 * 1024;

/// What an item holds besides its result, at most: the keys (a partition
/// key is at most 2,048 bytes, a sort key 1,024), the token, the
/// validation hash, the numbers and the attribute names.
const ITEM_OVERHEAD: usize = 8 * 1024;

/// The attribute names (see the module documentation).
const ID: &str = "id";
const STATUS: &str = "status";
const TOKEN: &str = "token";
const EXPIRATION: &str = "expiration";
const EXPIRATION_MS: &str = "expiration_ms";
const LEASE: &str = "in_progress_expiration";
const DATA: &str = "data";
const VALIDATION: &str = "validation";

/// The condition of a claim: the key is free (absent, expired, or in
/// progress past its lease). The negation of [`Record::is_live`].
const CLAIM_CONDITION: &str = "attribute_not_exists(#id) OR #expiration_ms <= :now \
     OR (#status = :inprogress AND (attribute_not_exists(#lease) OR #lease <= :now))";

/// The condition of a completion or a release: the item carries the claim's token.
const TOKEN_CONDITION: &str = "#token = :token";

/// How long [`DynamoDbStore::create_table`] waits for a new table to become active.
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

type Item = HashMap<String, AttributeValue>;

/// Idempotency records in a DynamoDB table, shared by every instance of a
/// function.
///
/// ```no_run
/// # async fn run() -> Result<(), faas::idempotency::StoreError> {
/// use std::sync::Arc;
/// use faas::idempotency::{DynamoDbStore, IdempotencyStore};
///
/// // Region, credentials and `AWS_ENDPOINT_URL` from the environment.
/// let store = DynamoDbStore::from_env("idempotency").await?;
/// let store: Arc<dyn IdempotencyStore> = Arc::new(store);
/// # Ok(()) }
/// ```
///
/// # Table schema
///
/// One item per stored key:
///
/// | Attribute | Type | Meaning |
/// |---|---|---|
/// | `id` | S | Partition key: the stored key `<namespace>#<sha-256 hex>` (in [composite-key mode](DynamoDbStore#one-table-for-many-functions), the namespace) |
/// | *sort key* | S | Only in [composite-key mode](DynamoDbStore#one-table-for-many-functions): the stored key |
/// | `status` | S | `INPROGRESS` or `COMPLETED` |
/// | `token` | S | The fencing token of the claim that wrote the item |
/// | `expiration_ms` | N | When the record expires, epoch **milliseconds**: decides liveness |
/// | `expiration` | N | The same instant in epoch **seconds**, rounded up: the table's TTL attribute, for garbage collection only |
/// | `in_progress_expiration` | N | When the in-progress lease ends, epoch milliseconds (`INPROGRESS` items) |
/// | `data` | S | The stored result (`COMPLETED` items) |
/// | `validation` | S | The hash of the payload parts a duplicate must match (when configured) |
///
/// Liveness follows [`Record::is_live`] exactly and is decided by DynamoDB
/// inside the condition of the claim: an item is free once
/// `expiration_ms <= now`, or, while `INPROGRESS`, once
/// `in_progress_expiration <= now`. The seconds-granular `expiration`
/// attribute is never read: DynamoDB's TTL deletes expired items only
/// eventually (typically within days), and cannot express milliseconds.
/// Enable TTL on `expiration` so that the table does not grow forever.
///
/// Each operation is **one** request:
///
/// | Operation | Request | Condition |
/// |---|---|---|
/// | [`claim`](IdempotencyStore::claim) | `PutItem`, `ReturnValuesOnConditionCheckFailure=ALL_OLD` | `attribute_not_exists(id) OR expiration_ms <= :now OR (status = :inprogress AND (attribute_not_exists(in_progress_expiration) OR in_progress_expiration <= :now))` |
/// | [`complete`](IdempotencyStore::complete) | `PutItem` | `token = :token` |
/// | [`release`](IdempotencyStore::release) | `DeleteItem` | `token = :token` |
///
/// A duplicate's claim fails its condition and DynamoDB returns the live
/// item with the `ConditionalCheckFailedException`, so a fresh invocation
/// costs 2 requests (claim, complete) and a duplicate 1.
///
/// # One table for many functions
///
/// By default the partition key `id` holds the whole stored key, so one
/// table can already serve many functions (their namespaces differ). With
/// [`with_sort_key`](DynamoDbStore::with_sort_key), the table has a
/// composite primary key instead: the partition key `id` holds the
/// function's namespace and the sort key the stored key, so that one
/// function's records form one item collection (a `Query` on `id` lists
/// them, e.g. to purge one function's records):
///
/// | `id` (partition key) | `sk` (sort key) | `status` | … |
/// |---|---|---|---|
/// | `orders` | `orders#3f2a…` | `COMPLETED` | … |
/// | `orders` | `orders#9bc1…` | `INPROGRESS` | … |
/// | `refunds` | `refunds#07de…` | `COMPLETED` | … |
///
/// The namespace is the stored key up to its last `#`. Every function
/// using the table must use the same mode, and the table's key schema must
/// match it ([`create_table`](DynamoDbStore::create_table) creates either).
/// Mind that all of one function's writes then go to one partition key
/// value: a partition serves about 1,000 write units per second, and
/// DynamoDB splits a hot item collection only gradually, so a function
/// with bursts above that is better served by the default mode, which
/// spreads its keys over partitions.
///
/// # Permissions
///
/// The store needs only these actions, on this table only:
///
/// ```json
/// {
///   "Version": "2012-10-17",
///   "Statement": [
///     {
///       "Sid": "FaasIdempotencyStore",
///       "Effect": "Allow",
///       "Action": [
///         "dynamodb:GetItem",
///         "dynamodb:PutItem",
///         "dynamodb:UpdateItem",
///         "dynamodb:DeleteItem"
///       ],
///       "Resource": "arn:aws:dynamodb:REGION:ACCOUNT_ID:table/TABLE_NAME"
///     }
///   ]
/// }
/// ```
///
/// (Today it calls `PutItem` and `DeleteItem`; `GetItem` and `UpdateItem`
/// keep the policy valid for later versions.)
/// [`create_table`](DynamoDbStore::create_table) needs more
/// (`dynamodb:CreateTable`, `DescribeTable`, `DescribeTimeToLive`,
/// `UpdateTimeToLive`): it is for local development and tests; create
/// production tables with your infrastructure tooling, for example:
///
/// ```text
/// aws dynamodb create-table --table-name idempotency \
///     --attribute-definitions AttributeName=id,AttributeType=S \
///     --key-schema AttributeName=id,KeyType=HASH \
///     --billing-mode PAY_PER_REQUEST
/// aws dynamodb update-time-to-live --table-name idempotency \
///     --time-to-live-specification Enabled=true,AttributeName=expiration
/// ```
///
/// # Errors and timeouts
///
/// A missing table (`ResourceNotFoundException`), a key schema that does not
/// match the store's mode, or denied access is [`StoreError::Config`]; an
/// item over DynamoDB's 400 KB limit is [`StoreError::TooLarge`]; an item
/// whose attributes are missing or mistyped is [`StoreError::Corrupt`];
/// anything else (network, throttling, server errors, timeouts) is
/// [`StoreError::Unavailable`], after the client's own retries. The store
/// uses the client's timeouts and retry policy as given: in a function
/// with a short deadline, configure them (see [`DynamoDbStore::new`]).
#[derive(Debug)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
    sort_key: Option<String>,
    requests: AtomicU64,
}

impl DynamoDbStore {
    /// A store in `table`, through `client`, in the default mode (the
    /// partition key `id` holds the stored key).
    ///
    /// The store makes one attempt-set per operation with the client's
    /// retry and timeout settings; give a function with a short deadline a
    /// client with short ones:
    ///
    /// ```no_run
    /// # async fn run() {
    /// use std::time::Duration;
    /// use aws_sdk_dynamodb::config::retry::RetryConfig;
    /// use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
    /// use faas::idempotency::DynamoDbStore;
    ///
    /// let shared = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let config = aws_sdk_dynamodb::config::Builder::from(&shared)
    ///     .timeout_config(
    ///         TimeoutConfig::builder()
    ///             .connect_timeout(Duration::from_millis(500))
    ///             .operation_attempt_timeout(Duration::from_secs(1))
    ///             .operation_timeout(Duration::from_secs(3))
    ///             .build(),
    ///     )
    ///     .retry_config(RetryConfig::standard().with_max_attempts(2))
    ///     .build();
    /// let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::from_conf(config), "idempotency");
    /// # }
    /// ```
    pub fn new(client: Client, table: impl Into<String>) -> DynamoDbStore {
        DynamoDbStore {
            client,
            table: table.into(),
            sort_key: None,
            requests: AtomicU64::new(0),
        }
    }

    /// A store in `table` with a client configured from the environment, as
    /// every AWS SDK does: `AWS_REGION`, credentials (variables, profile,
    /// the Lambda execution role, …) and `AWS_ENDPOINT_URL` (or
    /// `AWS_ENDPOINT_URL_DYNAMODB`) for a local server.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] when no region is configured. Credentials are
    /// only resolved by the first request.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), faas::idempotency::StoreError> {
    /// // AWS_REGION=us-east-1 AWS_ENDPOINT_URL=http://127.0.0.1:5000 …
    /// let store = faas::idempotency::DynamoDbStore::from_env("idempotency").await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_env(table: impl Into<String>) -> Result<DynamoDbStore, StoreError> {
        let table = table.into();
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        if config.region().is_none() {
            return Err(StoreError::Config(format!(
                "no AWS region is configured for the DynamoDB idempotency table {table}: \
                 set AWS_REGION (or a region in the AWS profile)"
            )));
        }
        Ok(DynamoDbStore::new(Client::new(&config), table))
    }

    /// Switches to composite-key mode: the partition key `id` holds the
    /// function's namespace and the sort key `name` the stored key (see
    /// [One table for many functions](DynamoDbStore#one-table-for-many-functions)).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), faas::idempotency::StoreError> {
    /// use faas::idempotency::DynamoDbStore;
    /// let store = DynamoDbStore::from_env("idempotency").await?.with_sort_key("sk");
    /// # Ok(()) }
    /// ```
    pub fn with_sort_key(mut self, name: impl Into<String>) -> DynamoDbStore {
        self.sort_key = Some(name.into());
        self
    }

    /// The table's name.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), faas::idempotency::StoreError> {
    /// let store = faas::idempotency::DynamoDbStore::from_env("idempotency").await?;
    /// assert_eq!(store.table(), "idempotency");
    /// # Ok(()) }
    /// ```
    pub fn table(&self) -> &str {
        &self.table
    }

    /// How many DynamoDB API calls this store has made (a call retried by
    /// the SDK counts once).
    ///
    /// A fresh invocation costs 2 (claim, complete), a duplicate 1 (its
    /// claim returns the stored record).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), faas::idempotency::StoreError> {
    /// let store = faas::idempotency::DynamoDbStore::from_env("idempotency").await?;
    /// assert_eq!(store.requests(), 0);
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Creates the table for this store's mode, on-demand
    /// (`PAY_PER_REQUEST`), waits until it is active and enables TTL on
    /// `expiration`; a table that exists is checked and left as it is
    /// (TTL enabled if it was not). For local development and tests: it
    /// needs more permissions than the store (see the [module
    /// documentation](DynamoDbStore#permissions)).
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] when an existing table's key schema does not
    /// match this store's mode; otherwise as the store's operations.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), faas::idempotency::StoreError> {
    /// let store = faas::idempotency::DynamoDbStore::from_env("idempotency").await?;
    /// store.create_table().await?;
    /// store.create_table().await?; // it exists: nothing to do
    /// # Ok(()) }
    /// ```
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let built =
            |err: BuildError| StoreError::Config(format!("invalid table definition: {err}"));
        let mut definitions = vec![
            AttributeDefinition::builder()
                .attribute_name(ID)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(built)?,
        ];
        let mut schema = vec![
            KeySchemaElement::builder()
                .attribute_name(ID)
                .key_type(KeyType::Hash)
                .build()
                .map_err(built)?,
        ];
        if let Some(sort_key) = &self.sort_key {
            definitions.push(
                AttributeDefinition::builder()
                    .attribute_name(sort_key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(built)?,
            );
            schema.push(
                KeySchemaElement::builder()
                    .attribute_name(sort_key)
                    .key_type(KeyType::Range)
                    .build()
                    .map_err(built)?,
            );
        }
        self.count();
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .set_attribute_definitions(Some(definitions))
            .set_key_schema(Some(schema))
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(err) if err.code() == Some("ResourceInUseException") => {}
            Err(err) => return Err(self.error(err, None)),
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    /// Waits until the table is active, and checks its key schema.
    async fn wait_until_active(&self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        loop {
            self.count();
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|err| self.error(err, None))?;
            let Some(table) = described.table() else {
                return Err(StoreError::unavailable(format!(
                    "DescribeTable returned no description of table {}",
                    self.table
                )));
            };
            let key_schema: Vec<(&str, &KeyType)> = table
                .key_schema()
                .iter()
                .map(|element| (element.attribute_name(), element.key_type()))
                .collect();
            let mut expected = vec![(ID, &KeyType::Hash)];
            if let Some(sort_key) = &self.sort_key {
                expected.push((sort_key.as_str(), &KeyType::Range));
            }
            if key_schema != expected {
                return Err(StoreError::Config(format!(
                    "table {} has the key schema {key_schema:?}, but the store needs {expected:?}",
                    self.table
                )));
            }
            if table.table_status() == Some(&TableStatus::Active) {
                return Ok(());
            }
            if started.elapsed() > TABLE_ACTIVE_TIMEOUT {
                return Err(StoreError::unavailable(format!(
                    "table {} is still not active after {TABLE_ACTIVE_TIMEOUT:?}",
                    self.table
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Enables TTL on `expiration`, unless TTL is on already.
    async fn enable_ttl(&self) -> Result<(), StoreError> {
        self.count();
        let described = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|err| self.error(err, None))?;
        if let Some(ttl) = described.time_to_live_description() {
            if matches!(
                ttl.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            ) {
                if ttl.attribute_name() != Some(EXPIRATION) {
                    tracing::warn!(
                        table = %self.table,
                        ttl_attribute = ?ttl.attribute_name(),
                        "the table's TTL is on another attribute than `expiration`: idempotency records are never deleted"
                    );
                }
                return Ok(());
            }
        }
        let specification = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(EXPIRATION)
            .build()
            .map_err(|err| StoreError::Config(format!("invalid TTL specification: {err}")))?;
        self.count();
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(specification)
            .send()
            .await
            .map_err(|err| self.error(err, None))?;
        Ok(())
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The attributes every record has: its key, status, token, expiry
    /// (both the TTL seconds and the exact milliseconds) and validation hash.
    fn record_item(&self, record: &Record) -> Item {
        let mut item = self.item_key(&record.key);
        item.insert(
            STATUS.to_owned(),
            AttributeValue::S(record.status.as_str().to_owned()),
        );
        item.insert(TOKEN.to_owned(), AttributeValue::S(record.token.clone()));
        item.insert(
            EXPIRATION.to_owned(),
            number(ttl_seconds(record.expires_at_ms)),
        );
        item.insert(EXPIRATION_MS.to_owned(), number(record.expires_at_ms));
        if let Some(validation) = &record.validation {
            item.insert(VALIDATION.to_owned(), AttributeValue::S(validation.clone()));
        }
        item
    }

    /// The primary key of the item of `key`.
    fn item_key(&self, key: &str) -> Item {
        let mut item = HashMap::with_capacity(8);
        match &self.sort_key {
            None => {
                item.insert(ID.to_owned(), AttributeValue::S(key.to_owned()));
            }
            Some(sort_key) => {
                let namespace = key.rsplit_once('#').map_or(key, |(namespace, _)| namespace);
                item.insert(ID.to_owned(), AttributeValue::S(namespace.to_owned()));
                item.insert(sort_key.clone(), AttributeValue::S(key.to_owned()));
            }
        }
        item
    }

    /// The error of a write conditional on the record's token: a failed
    /// condition means another claim holds the key.
    fn token_error<E>(&self, err: SdkError<E>, key: &str, item_len: Option<usize>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        if err.code() == Some("ConditionalCheckFailedException") {
            StoreError::Fenced {
                key: key.to_owned(),
            }
        } else {
            self.error(err, item_len)
        }
    }

    /// Maps an error other than a failed condition.
    fn error<E>(&self, err: SdkError<E>, item_len: Option<usize>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let message = err.message().unwrap_or_default().to_owned();
        match err.code() {
            Some("ResourceNotFoundException") => StoreError::Config(format!(
                "table {} does not exist (or is not visible in this region and account): \
                 create it (see `DynamoDbStore::create_table` for the schema) ({message})",
                self.table
            )),
            Some("ValidationException") if message.to_ascii_lowercase().contains("item size") => {
                StoreError::TooLarge {
                    len: item_len.unwrap_or(ITEM_LIMIT + 1),
                    limit: ITEM_LIMIT,
                }
            }
            Some("ValidationException") => StoreError::Config(format!(
                "DynamoDB rejected a request to table {} (does its key schema match the store's mode, {}?): {message}",
                self.table,
                self.schema_description()
            )),
            Some(
                code @ ("AccessDeniedException"
                | "UnrecognizedClientException"
                | "InvalidSignatureException"),
            ) => StoreError::Config(format!(
                "DynamoDB denied access to table {} ({code}): {message}",
                self.table
            )),
            _ => StoreError::unavailable(err),
        }
    }

    fn schema_description(&self) -> String {
        match &self.sort_key {
            None => format!("partition key `{ID}` (S)"),
            Some(sort_key) => format!("partition key `{ID}` (S) and sort key `{sort_key}` (S)"),
        }
    }

    /// Reads the record `key` from its item.
    fn record(&self, key: &str, item: &Item) -> Result<Record, StoreError> {
        let fields = Fields { key, item };
        let status_name = fields
            .string(STATUS)?
            .ok_or_else(|| fields.missing(STATUS))?;
        let Some(status) = Status::parse(status_name) else {
            return Err(fields.corrupt(format!("unknown status {status_name:?}")));
        };
        Ok(Record {
            key: key.to_owned(),
            status,
            token: fields
                .string(TOKEN)?
                .ok_or_else(|| fields.missing(TOKEN))?
                .to_owned(),
            expires_at_ms: fields
                .number(EXPIRATION_MS)?
                .ok_or_else(|| fields.missing(EXPIRATION_MS))?,
            lease_expires_at_ms: fields.number(LEASE)?,
            data: fields.string(DATA)?.map(str::to_owned),
            validation: fields.string(VALIDATION)?.map(str::to_owned),
        })
    }
}

/// The attributes of a stored item, read with the errors a corrupt one gives.
struct Fields<'a> {
    key: &'a str,
    item: &'a Item,
}

impl<'a> Fields<'a> {
    fn corrupt(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            key: self.key.to_owned(),
            reason,
        }
    }

    fn missing(&self, name: &str) -> StoreError {
        self.corrupt(format!("the item has no `{name}` attribute"))
    }

    fn string(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(value)) => Ok(Some(value)),
            Some(other) => Err(self.corrupt(format!(
                "`{name}` must be a string (S), not {}",
                type_name(other)
            ))),
        }
    }

    fn number(&self, name: &str) -> Result<Option<i64>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(value)) => value.parse().map(Some).map_err(|_| {
                self.corrupt(format!(
                    "`{name}` must be a whole number of milliseconds, not {value}"
                ))
            }),
            Some(other) => Err(self.corrupt(format!(
                "`{name}` must be a number (N), not {}",
                type_name(other)
            ))),
        }
    }
}

/// The DynamoDB type of `value`, for error messages.
fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::B(_) => "a binary (B)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::Bs(_) => "a binary set (BS)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::M(_) => "a map (M)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::Ns(_) => "a number set (NS)",
        AttributeValue::Null(_) => "null (NULL)",
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::Ss(_) => "a string set (SS)",
        _ => "an unknown type",
    }
}

/// The size DynamoDB counts for `item`, near enough for an error message.
fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| {
            name.len()
                + match value {
                    AttributeValue::S(text) | AttributeValue::N(text) => text.len(),
                    _ => 1,
                }
        })
        .sum()
}

/// Epoch seconds of `ms`, rounded up: DynamoDB's TTL must not delete an
/// item before its millisecond expiry.
fn ttl_seconds(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[async_trait::async_trait]
impl IdempotencyStore for DynamoDbStore {
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
        let mut item = self.record_item(&Record::in_progress(claim));
        item.insert(LEASE.to_owned(), number(claim.lease_expires_at_ms));
        let size = item_size(&item);
        self.count();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(CLAIM_CONDITION)
            .expression_attribute_names("#id", ID)
            .expression_attribute_names("#expiration_ms", EXPIRATION_MS)
            .expression_attribute_names("#status", STATUS)
            .expression_attribute_names("#lease", LEASE)
            .expression_attribute_values(":now", number(claim.now_ms))
            .expression_attribute_values(
                ":inprogress",
                AttributeValue::S(Status::InProgress.as_str().to_owned()),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claimed::New),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    match failed.item() {
                        Some(old) => self.record(&claim.key, old).map(Claimed::Existing),
                        None => Err(StoreError::unavailable(format!(
                            "the claim of {} found a live record, but DynamoDB did not return it \
                         (ReturnValuesOnConditionCheckFailure=ALL_OLD unsupported?)",
                            claim.key
                        ))),
                    }
                }
                _ => Err(self.error(err, Some(size))),
            },
        }
    }

    async fn complete(&self, completion: &Completion) -> Result<(), StoreError> {
        let limit = ITEM_LIMIT - ITEM_OVERHEAD;
        if completion.data.len() > limit {
            return Err(StoreError::TooLarge {
                len: completion.data.len(),
                limit,
            });
        }
        let mut item = self.record_item(&Record::completed(completion));
        item.insert(DATA.to_owned(), AttributeValue::S(completion.data.clone()));
        let size = item_size(&item);
        self.count();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(TOKEN_CONDITION)
            .expression_attribute_names("#token", TOKEN)
            .expression_attribute_values(":token", AttributeValue::S(completion.token.clone()))
            .send()
            .await;
        put.map(drop)
            .map_err(|err| self.token_error(err, &completion.key, Some(size)))
    }

    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
        self.count();
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self.item_key(key)))
            .condition_expression(TOKEN_CONDITION)
            .expression_attribute_names("#token", TOKEN)
            .expression_attribute_values(":token", AttributeValue::S(token.to_owned()))
            .send()
            .await;
        deleted
            .map(drop)
            .map_err(|err| self.token_error(err, key, None))
    }

    /// 400 KB (DynamoDB's item limit) less 8 KB for the item's other
    /// attributes: 401,408 bytes.
    fn max_data_len(&self) -> Option<usize> {
        Some(ITEM_LIMIT - ITEM_OVERHEAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_seconds_round_up() {
        assert_eq!(ttl_seconds(1_767_225_600_000), 1_767_225_600);
        assert_eq!(ttl_seconds(1_767_225_600_001), 1_767_225_601);
        assert_eq!(ttl_seconds(i64::MAX), i64::MAX / 1000 + 1);
    }

    #[test]
    fn composite_keys_split_at_the_last_hash() {
        let client = Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .build(),
        );
        let store = DynamoDbStore::new(client, "t").with_sort_key("sk");
        let item = store.item_key("orders#v2#ab");
        assert_eq!(item[ID], AttributeValue::S("orders#v2".into()));
        assert_eq!(item["sk"], AttributeValue::S("orders#v2#ab".into()));
        let plain = DynamoDbStore::new(store.client.clone(), "t").item_key("orders#ab");
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[ID], AttributeValue::S("orders#ab".into()));
    }

    #[test]
    fn mistyped_attributes_are_corrupt() {
        let client = Client::from_conf(
            aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .build(),
        );
        let store = DynamoDbStore::new(client, "t");
        let mut item = store.item_key("k#1");
        item.insert(STATUS.into(), AttributeValue::S("COMPLETED".into()));
        item.insert(TOKEN.into(), AttributeValue::S("t1".into()));
        item.insert(EXPIRATION_MS.into(), AttributeValue::S("soon".into()));
        let err = store.record("k#1", &item).unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt { reason, .. } if reason.contains("expiration_ms")),
            "{err:?}"
        );
        item.insert(EXPIRATION_MS.into(), number(5));
        item.insert(DATA.into(), AttributeValue::S("1".into()));
        let record = store.record("k#1", &item).unwrap();
        assert_eq!(record.status, Status::Completed);
        assert_eq!(record.expires_at_ms, 5);
        item.insert(STATUS.into(), AttributeValue::S("DONE".into()));
        assert!(matches!(
            store.record("k#1", &item),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
