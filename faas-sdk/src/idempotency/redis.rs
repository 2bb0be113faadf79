//! The Redis idempotency store: [`RedisStore`], shared by every instance of
//! a function that reaches the same Redis server (or cluster-mode-disabled
//! replication group, such as ElastiCache or MemoryDB).
//!
//! # Data layout
//!
//! Each record is **one Redis hash** stored at the record's key exactly as
//! the SDK gives it (`<namespace>#<sha-256 hex>`), with these fields, all
//! strings:
//!
//! | field                    | value                                                         |
//! |--------------------------|---------------------------------------------------------------|
//! | `status`                 | `INPROGRESS` or `COMPLETED`                                   |
//! | `token`                  | the fencing token of the claim that wrote the record          |
//! | `expiration`             | when the record expires, ms since the Unix epoch (decimal)    |
//! | `in_progress_expiration` | when the in-progress lease ends, ms (`INPROGRESS` only)       |
//! | `data`                   | the serialized result, byte for byte (`COMPLETED` only)       |
//! | `validation`             | the payload validation hash (only when the claim had one)     |
//!
//! For example, `HGETALL 'orders#3f…'` on a completed record gives
//! `status COMPLETED token 0b9e… expiration 1767229200000 data {"ok":true}`.
//!
//! Each operation is **one Lua script, run atomically in one round trip**
//! (`EVALSHA`; when the server does not know the script yet, for example
//! right after a restart, the client loads it and runs it again):
//!
//! - *claim* writes a fresh `INPROGRESS` hash if the key is absent or the
//!   stored record is no longer live, and otherwise returns the stored
//!   record. Liveness is decided from the stored `expiration` and
//!   `in_progress_expiration` against the claim's `now`, exactly as
//!   [`Record::is_live`] does, never from the Redis key's TTL.
//! - *complete* rewrites the hash as `COMPLETED` with the result, and
//!   *release* deletes it, each only if the stored `token` is the claim's;
//!   otherwise (a missing key included) they fail with
//!   [`StoreError::Fenced`].
//!
//! Expiry (a Redis TTL as garbage collection only), failures and TLS are
//! described on [`RedisStore`], whose documentation is the rendered one.

use std::collections::HashMap;
use std::fmt;
use std::sync::Once;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Script, ScriptInvocation, Value};

use super::store::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};

/// Extra time Redis keeps a record after it expired in its callers' clock:
/// a margin for the clocks of different instances.
const GC_GRACE_MS: i64 = 60_000;

/// The longest Redis TTL given to a record (100 years): a larger one would
/// overflow the server's expiry arithmetic.
const GC_MAX_TTL_MS: i64 = 100 * 365 * 24 * 3_600_000;

/// The largest result Redis keeps in one field (`proto-max-bulk-len`'s default).
const MAX_DATA_LEN: usize = 512 * 1024 * 1024;

/// Each script makes as few Redis calls as it can (each costs about a
/// microsecond of server time): the type of the key is only asked for
/// when a read fails, to word the `corrupt` answer.
macro_rules! not_a_hash {
    () => {
        "return {'corrupt', 'the key holds a Redis ' .. redis.call('TYPE', key).ok .. ', not a hash'}"
    };
}

/// Claims the key, or returns the live record that holds it.
///
/// KEYS[1] the record's key. ARGV: 1 token, 2 now, 3 lease end, 4 expiry,
/// 5 GC ttl (all ms), 6 validation (absent: none).
/// Returns {'new'}, {'existing', {field, value, …}} or {'corrupt', reason}.
const CLAIM: &str = concat!(
    r#"
local key = KEYS[1]
local fields = redis.pcall('HGETALL', key)
if fields.err then
  "#,
    not_a_hash!(),
    r#"
end
if #fields > 0 then
  local record = {}
  for i = 1, #fields, 2 do
    record[fields[i]] = fields[i + 1]
  end
  local function int(name)
    local text = record[name]
    if text == nil then
      return nil, false
    end
    if #text > 19 or not string.match(text, '^%-?%d+$') then
      return nil, true
    end
    return tonumber(text), false
  end
  local now = tonumber(ARGV[2])
  local expires, bad = int('expiration')
  if expires == nil then
    return {'corrupt', 'its expiration is missing or not an integer'}
  end
  local live
  if record.status == 'COMPLETED' then
    live = now < expires
  elseif record.status == 'INPROGRESS' then
    local lease
    lease, bad = int('in_progress_expiration')
    if bad then
      return {'corrupt', 'its in_progress_expiration is not an integer'}
    end
    live = now < expires and lease ~= nil and now < lease
  else
    return {'corrupt', 'its status is neither INPROGRESS nor COMPLETED'}
  end
  if live then
    return {'existing', fields}
  end
  redis.call('DEL', key)
end
if ARGV[6] then
  redis.call('HSET', key, 'status', 'INPROGRESS', 'token', ARGV[1],
    'expiration', ARGV[4], 'in_progress_expiration', ARGV[3], 'validation', ARGV[6])
else
  redis.call('HSET', key, 'status', 'INPROGRESS', 'token', ARGV[1],
    'expiration', ARGV[4], 'in_progress_expiration', ARGV[3])
end
redis.call('PEXPIRE', key, ARGV[5])
return {'new'}
"#
);

/// A script whose `body` runs only if the hash at `KEYS[1]` carries the
/// token `ARGV[1]`; it returns {'fenced'} for a missing key or another
/// token, {'corrupt', reason} for a key that is not a hash. The body sees
/// `key` (`KEYS[1]`) and `expiration` (the record's, as stored).
macro_rules! if_token {
    ($body:literal) => {
        concat!(
            r#"
local key = KEYS[1]
local found = redis.pcall('HMGET', key, 'token', 'expiration')
if found.err then
  "#,
            not_a_hash!(),
            r#"
end
if found[1] ~= ARGV[1] then
  return {'fenced'}
end
local expiration = found[2]
"#,
            $body
        )
    };
}

/// Completes the record if it carries the token.
///
/// KEYS[1] the record's key. ARGV: 1 token, 2 data, 3 expiry (ms),
/// 4 GC grace (ms), 5 GC max ttl (ms), 6 validation (absent: none).
/// Returns {'ok'}, {'fenced'} or {'corrupt', reason}.
const COMPLETE: &str = if_token!(
    r#"
local ttl = redis.call('PTTL', key)
if ARGV[6] then
  redis.call('HSET', key, 'status', 'COMPLETED', 'expiration', ARGV[3], 'data', ARGV[2],
    'validation', ARGV[6])
  redis.call('HDEL', key, 'in_progress_expiration')
else
  redis.call('HSET', key, 'status', 'COMPLETED', 'expiration', ARGV[3], 'data', ARGV[2])
  redis.call('HDEL', key, 'in_progress_expiration', 'validation')
end
local new_ttl = tonumber(ARGV[4])
if ttl > 0 and expiration and #expiration <= 19 and string.match(expiration, '^%-?%d+$') then
  -- Move the garbage-collection time as far as the expiry moved.
  new_ttl = ttl + (tonumber(ARGV[3]) - tonumber(expiration))
end
new_ttl = math.max(1, math.min(new_ttl, tonumber(ARGV[5])))
redis.call('PEXPIRE', key, string.format('%.0f', new_ttl))
return {'ok'}
"#
);

/// Deletes the record if it carries the token.
///
/// KEYS[1] the record's key. ARGV: 1 token.
/// Returns {'ok'}, {'fenced'} or {'corrupt', reason}.
const RELEASE: &str = if_token!(
    r#"
redis.call('DEL', key)
return {'ok'}
"#
);

/// Idempotency records in Redis, shared by every instance that reaches the
/// server.
///
/// It holds one [`ConnectionManager`]: a multiplexed connection, shared by
/// concurrent invocations, re-established in the background after an
/// outage. Each operation is one Lua script (one round trip) and is bounded
/// by a [timeout](Self::with_timeout), so an unreachable server fails the
/// invocation with [`StoreError::Unavailable`] instead of hanging it.
///
/// ```no_run
/// # async fn demo() -> Result<(), faas::idempotency::StoreError> {
/// use std::sync::Arc;
/// use faas::idempotency::{Claim, Claimed, IdempotencyStore, RedisStore};
///
/// let store: Arc<dyn IdempotencyStore> =
///     Arc::new(RedisStore::connect("redis://127.0.0.1:6379").await?);
/// let claim = Claim {
///     key: "orders#ab".into(), token: "t1".into(), now_ms: 0,
///     lease_expires_at_ms: 1_000, expires_at_ms: 3_600_000, validation: None,
/// };
/// assert_eq!(store.claim(&claim).await?, Claimed::New);
/// # Ok(()) }
/// ```
///
/// # Data layout
///
/// Each record is **one Redis hash** stored at the record's key exactly as
/// the SDK gives it (`<namespace>#<sha-256 hex>`), with these fields, all
/// strings:
///
/// | field                    | value                                                         |
/// |--------------------------|---------------------------------------------------------------|
/// | `status`                 | `INPROGRESS` or `COMPLETED`                                   |
/// | `token`                  | the fencing token of the claim that wrote the record          |
/// | `expiration`             | when the record expires, ms since the Unix epoch (decimal)    |
/// | `in_progress_expiration` | when the in-progress lease ends, ms (`INPROGRESS` only)       |
/// | `data`                   | the serialized result, byte for byte (`COMPLETED` only)       |
/// | `validation`             | the payload validation hash (only when the claim had one)     |
///
/// Claiming is one script that writes a fresh `INPROGRESS` hash if the key
/// is absent or its record is no longer live (decided from the stored
/// times against the claim's `now`, exactly as [`Record::is_live`] does),
/// and otherwise returns the stored record. Completing (rewriting the hash
/// as `COMPLETED`) and releasing (deleting it) are one script each, run
/// only if the stored `token` is the claim's: otherwise, a missing key
/// included, [`StoreError::Fenced`].
///
/// # Expiry
///
/// Every hash also gets a Redis TTL, as **garbage collection only**: it
/// never decides whether a record is live. The TTL is the record's
/// remaining lifetime in the caller's clock (`expires_at - now` at the
/// claim, moved by the change of `expires_at` at completion) plus one
/// minute of grace, capped at 100 years. It is relative rather than a
/// `PEXPIREAT` at `expires_at` itself so that Redis never deletes a record
/// its callers still consider live when their clock and the server's
/// differ: a fake clock in tests (set in the past, an absolute expiry would
/// delete the record at once), or instances whose clocks drift. Expired
/// records that Redis keeps meanwhile are ignored by the next claim.
///
/// # Failures
///
/// Every Redis or network error, and any operation not answered within the
/// store's [timeout](RedisStore::with_timeout), is
/// [`StoreError::Unavailable`]; the connection is re-established in the
/// background, so the same store works again once Redis is back. (An
/// operation that timed out may still have run: a claim then holds its key
/// until its lease ends, as a crashed invocation's would.) A hash
/// the store cannot read (another type at the key, a missing or
/// non-integer time, an unknown status, a completed record without data,
/// text that is not UTF-8) is [`StoreError::Corrupt`] and is left in place
/// for an operator to inspect and delete. Only while
/// [connecting](RedisStore::connect) are rejected credentials and a failed
/// TLS handshake [`StoreError::Config`] instead: later, during an operation,
/// they are `Unavailable` like any other error.
///
/// # TLS (`rediss://`)
///
/// A `rediss://[[user]:password@]host[:port][/db]` URL connects over TLS
/// (rustls, TLS 1.3 or 1.2) and verifies the server's certificate against
/// the **platform's root certificates** (the system store, read with
/// `rustls-native-certs`; `SSL_CERT_FILE` / `SSL_CERT_DIR` override it).
/// Managed services with in-transit encryption (ElastiCache and MemoryDB,
/// Azure Cache for Redis on port 6380, Upstash) work as they are: use the
/// host name the service gives, the one its certificate names. A container
/// image without a CA bundle (`scratch`, some distroless images) needs one
/// (Debian's `ca-certificates`, for instance).
///
/// - A server whose certificate comes from a **private CA** (your own
///   Redis, a test server):
///   [`connect_with_root_ca`](RedisStore::connect_with_root_ca) trusts that
///   CA instead of the platform's.
/// - `rediss://host:port/#insecure` turns certificate and host name
///   verification off: **for development only** (a local server with a
///   self-signed certificate), since anyone on the network path could then
///   read and change the records. The store logs a warning when it
///   connects so.
/// - Client certificates (mutual TLS): build a client with
///   `redis::Client::build_with_tls` and pass its connection manager to
///   [`from_manager`](RedisStore::from_manager).
///
/// rustls needs a crypto provider: before its first TLS connection the
/// store installs aws-lc-rs (the AWS SDK's provider) as the process-wide
/// default, unless the application installed one already, which is then
/// used. An application that installs its own must do so before connecting
/// (rustls accepts one default per process).
///
/// A TLS handshake that fails at [`connect`](RedisStore::connect) (a
/// certificate the store does not trust, expired, or for another name; a
/// server that answers without TLS; a server that refuses the handshake) is
/// [`StoreError::Config`], naming the URL and the TLS error: trying again
/// will not help. A plain-text server may also just wait for a command that
/// never comes: that is [`StoreError::Unavailable`] once the connection
/// timeout has passed, with a hint that the server may not speak TLS.
#[derive(Clone)]
pub struct RedisStore {
    manager: ConnectionManager,
    /// The URL without its password, for errors and `Debug`.
    endpoint: String,
    timeout: Duration,
    claim: Script,
    complete: Script,
    release: Script,
}

impl RedisStore {
    /// How long one operation may take by default, reconnection attempts
    /// included, before it fails with [`StoreError::Unavailable`].
    ///
    /// ```
    /// assert_eq!(faas::idempotency::RedisStore::DEFAULT_TIMEOUT.as_secs(), 5);
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// Connects to the Redis server at `url`
    /// (`redis://[[user]:password@]host[:port][/db]`, its TLS form
    /// `rediss://…`, or `redis+unix:///path/to/socket`), with
    /// [`manager_config`](Self::manager_config) and
    /// [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT), and loads the store's
    /// scripts into the server. A `rediss://` server's certificate must
    /// chain to one of the platform's root certificates (see
    /// [TLS](Self#tls-rediss)); for a private CA, use
    /// [`connect_with_root_ca`](Self::connect_with_root_ca).
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] for a URL that does not parse, for rejected
    /// credentials and for a failed TLS handshake (an untrusted
    /// certificate, a server without TLS);
    /// [`StoreError::Unavailable`] when the server cannot be reached within
    /// the timeout. Both name the URL, its password replaced by `***`.
    ///
    /// ```no_run
    /// # async fn demo() {
    /// use faas::idempotency::{RedisStore, StoreError};
    ///
    /// match RedisStore::connect("rediss://:secret@my-cache.example.com:6380/0").await {
    ///     Ok(store) => println!("connected: {store:?}"),
    ///     // e.g. "cannot connect to Redis at rediss://:***@my-cache.example.com:6380/0"
    ///     Err(StoreError::Unavailable(cause)) => eprintln!("Redis is down: {cause}"),
    ///     // e.g. "… the server's TLS certificate is not trusted …"
    ///     Err(other) => eprintln!("{other}"),
    /// }
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let endpoint = redact(url);
        let client = ::redis::Client::open(url)
            .map_err(|err| StoreError::Config(format!("invalid Redis URL {endpoint}: {err}")))?;
        RedisStore::open(client, endpoint).await
    }

    /// Connects to the Redis server at the `rediss://` URL `url` as
    /// [`connect`](Self::connect) does, trusting the root certificates in
    /// `ca_pem` (one or more PEM `CERTIFICATE` blocks) **instead of** the
    /// platform's: for a server whose certificate a private CA issued.
    ///
    /// The server's certificate must name the URL's host (a DNS name, or
    /// an IP address in its subject alternative names).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect), and [`StoreError::Config`] for a URL
    /// that is not `rediss://` or a `ca_pem` without a certificate.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use faas::idempotency::RedisStore;
    ///
    /// let ca = std::fs::read("/etc/redis/tls/ca.crt")?;
    /// let store = RedisStore::connect_with_root_ca("rediss://:secret@redis.internal:6380/0", &ca).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect_with_root_ca(url: &str, ca_pem: &[u8]) -> Result<RedisStore, StoreError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;

        let endpoint = redact(url);
        if !is_tls(&endpoint) {
            return Err(StoreError::Config(format!(
                "RedisStore::connect_with_root_ca needs a rediss:// URL, not {endpoint}"
            )));
        }
        let certificates = CertificateDer::pem_slice_iter(ca_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| {
                StoreError::Config(format!(
                    "the root CA for Redis at {endpoint} is not valid PEM: {err}"
                ))
            })?;
        if certificates.is_empty() {
            return Err(StoreError::Config(format!(
                "the root CA for Redis at {endpoint} holds no PEM certificate \
                 (-----BEGIN CERTIFICATE-----)"
            )));
        }
        let tls = ::redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(ca_pem.to_vec()),
        };
        let client = ::redis::Client::build_with_tls(url, tls).map_err(|err| {
            StoreError::Config(format!(
                "cannot use Redis URL {endpoint} with the root CA given: {err}"
            ))
        })?;
        RedisStore::open(client, endpoint).await
    }

    /// Connects `client` (whose URL is `endpoint`, redacted) and loads the
    /// scripts.
    async fn open(client: ::redis::Client, endpoint: String) -> Result<RedisStore, StoreError> {
        let tls = match client.get_connection_info().addr() {
            ::redis::ConnectionAddr::TcpTls { insecure, .. } => {
                install_crypto_provider();
                if *insecure {
                    tracing::warn!(
                        redis = %endpoint,
                        "TLS certificate verification is off (#insecure): for development only"
                    );
                }
                true
            }
            _ => false,
        };
        let timeout = Self::DEFAULT_TIMEOUT;
        let connecting = ConnectionManager::new_with_config(client, Self::manager_config());
        let manager = match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(manager)) => manager,
            Ok(Err(err)) => return Err(connect_error(&endpoint, err)),
            Err(_) => {
                return Err(StoreError::unavailable(Failure {
                    context: format!(
                        "cannot connect to Redis at {endpoint}: no connection within {timeout:?}{}",
                        if tls { NO_TLS_HINT } else { "" }
                    ),
                    cause: None,
                }));
            }
        };
        let mut store = RedisStore::from_manager(manager);
        store.endpoint = endpoint;
        store.load_scripts().await?;
        Ok(store)
    }

    /// A store on a connection manager you configured yourself (other
    /// timeouts, RESP3, client certificates, …). The scripts are loaded on
    /// first use.
    ///
    /// For a `rediss://` client, a rustls crypto provider must be installed
    /// before the manager connects (as [`connect`](Self::connect) does it:
    /// `rustls::crypto::aws_lc_rs::default_provider().install_default()`,
    /// ignoring the error when one is installed already); otherwise rustls
    /// panics if the build has none or more than one.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), redis::RedisError> {
    /// use std::time::Duration;
    /// use faas::idempotency::RedisStore;
    /// use redis::aio::ConnectionManager;
    ///
    /// let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// let config = RedisStore::manager_config().set_response_timeout(Some(Duration::from_secs(1)));
    /// let manager = ConnectionManager::new_with_config(client, config).await?;
    /// let store = RedisStore::from_manager(manager);
    /// # Ok(()) }
    /// ```
    pub fn from_manager(manager: ConnectionManager) -> RedisStore {
        RedisStore {
            manager,
            endpoint: "Redis".to_owned(),
            timeout: Self::DEFAULT_TIMEOUT,
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            release: Script::new(RELEASE),
        }
    }

    /// The connection manager settings [`connect`](Self::connect) uses:
    /// 2 s to connect, 2 s for an answer, one retry of a failed connection
    /// attempt (after 50–500 ms). A base to adjust for
    /// [`from_manager`](Self::from_manager).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = faas::idempotency::RedisStore::manager_config();
    /// assert_eq!(config.response_timeout(), Some(Duration::from_secs(2)));
    /// ```
    pub fn manager_config() -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
    }

    /// The same store with each operation bounded by `timeout` instead of
    /// [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT) (waiting for a
    /// reconnection included).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), faas::idempotency::StoreError> {
    /// use std::time::Duration;
    /// use faas::idempotency::RedisStore;
    ///
    /// let store = RedisStore::connect("redis://127.0.0.1:6379")
    ///     .await?
    ///     .with_timeout(Duration::from_secs(1));
    /// assert_eq!(store.timeout(), Duration::from_secs(1));
    /// # Ok(()) }
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> RedisStore {
        self.timeout = timeout;
        self
    }

    /// How long one operation may take.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), faas::idempotency::StoreError> {
    /// use faas::idempotency::RedisStore;
    /// let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
    /// assert_eq!(store.timeout(), RedisStore::DEFAULT_TIMEOUT);
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Loads the three scripts in one pipeline, so that the first
    /// operations are one `EVALSHA` each.
    async fn load_scripts(&self) -> Result<(), StoreError> {
        let mut pipeline = ::redis::pipe();
        for script in [CLAIM, COMPLETE, RELEASE] {
            pipeline.cmd("SCRIPT").arg("LOAD").arg(script).ignore();
        }
        let mut manager = self.manager.clone();
        let loading = pipeline.exec_async(&mut manager);
        match tokio::time::timeout(self.timeout, loading).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(connect_error(&self.endpoint, err)),
            Err(_) => Err(StoreError::unavailable(Failure {
                context: format!(
                    "cannot connect to Redis at {}: no answer within {:?}",
                    self.endpoint, self.timeout
                ),
                cause: None,
            })),
        }
    }

    /// Runs one script invocation within the timeout.
    async fn eval(
        &self,
        invocation: &ScriptInvocation<'_>,
        operation: &str,
        key: &str,
    ) -> Result<Reply, StoreError> {
        let mut manager = self.manager.clone();
        let running = invocation.invoke_async::<Value>(&mut manager);
        let value = match tokio::time::timeout(self.timeout, running).await {
            Ok(Ok(value)) => value,
            Ok(Err(err)) => {
                return Err(StoreError::unavailable(Failure {
                    context: format!("{} failed to {operation} {key}", self.endpoint),
                    cause: Some(err),
                }));
            }
            Err(_) => {
                return Err(StoreError::unavailable(Failure {
                    context: format!(
                        "{} did not {operation} {key} within {:?}",
                        self.endpoint, self.timeout
                    ),
                    cause: None,
                }));
            }
        };
        Reply::parse(value).ok_or_else(|| {
            StoreError::unavailable(Failure {
                context: format!(
                    "{} answered the {operation} of {key} with an unexpected reply",
                    self.endpoint
                ),
                cause: None,
            })
        })
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for RedisStore {
    async fn claim(&self, claim: &Claim) -> Result<Claimed, StoreError> {
        let gc_ttl = claim
            .expires_at_ms
            .saturating_sub(claim.now_ms)
            .max(0)
            .saturating_add(GC_GRACE_MS)
            .min(GC_MAX_TTL_MS);
        let mut invocation = self.claim.key(&claim.key);
        invocation
            .arg(&claim.token)
            .arg(claim.now_ms)
            .arg(claim.lease_expires_at_ms)
            .arg(claim.expires_at_ms)
            .arg(gc_ttl);
        if let Some(validation) = &claim.validation {
            invocation.arg(validation);
        }
        match self.eval(&invocation, "claim", &claim.key).await? {
            Reply::New => Ok(Claimed::New),
            Reply::Existing(fields) => parse_record(&claim.key, fields).map(Claimed::Existing),
            Reply::Corrupt(reason) => Err(corrupt(&claim.key, reason)),
            Reply::Ok | Reply::Fenced => Err(unexpected(&self.endpoint, "claim", &claim.key)),
        }
    }

    async fn complete(&self, completion: &Completion) -> Result<(), StoreError> {
        let mut invocation = self.complete.key(&completion.key);
        invocation
            .arg(&completion.token)
            .arg(&completion.data)
            .arg(completion.expires_at_ms)
            .arg(GC_GRACE_MS)
            .arg(GC_MAX_TTL_MS);
        if let Some(validation) = &completion.validation {
            invocation.arg(validation);
        }
        let reply = self.eval(&invocation, "complete", &completion.key).await?;
        fenced_reply(reply, &self.endpoint, "complete", &completion.key)
    }

    async fn release(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let mut invocation = self.release.key(key);
        invocation.arg(token);
        let reply = self.eval(&invocation, "release", key).await?;
        fenced_reply(reply, &self.endpoint, "release", key)
    }

    /// 512 MiB, the largest string Redis accepts by default
    /// (`proto-max-bulk-len`).
    fn max_data_len(&self) -> Option<usize> {
        Some(MAX_DATA_LEN)
    }
}

/// What a script answered.
#[derive(Debug)]
enum Reply {
    Ok,
    New,
    Fenced,
    Existing(Vec<Value>),
    Corrupt(String),
}

impl Reply {
    /// The reply in `value`, `None` if it is not one the scripts give.
    fn parse(value: Value) -> Option<Reply> {
        let Value::Array(items) = value else {
            return None;
        };
        let mut items = items.into_iter();
        let tag = match items.next()? {
            Value::BulkString(tag) => tag,
            _ => return None,
        };
        let reply = match (tag.as_slice(), items.next()) {
            (b"ok", None) => Reply::Ok,
            (b"new", None) => Reply::New,
            (b"fenced", None) => Reply::Fenced,
            (b"existing", Some(Value::Array(fields))) => Reply::Existing(fields),
            (b"corrupt", Some(Value::BulkString(reason))) => {
                Reply::Corrupt(String::from_utf8_lossy(&reason).into_owned())
            }
            _ => return None,
        };
        match items.next() {
            None => Some(reply),
            Some(_) => None,
        }
    }
}

/// `Ok` for `{'ok'}`, `Fenced` for `{'fenced'}`, `Corrupt` for `{'corrupt', …}`.
fn fenced_reply(
    reply: Reply,
    endpoint: &str,
    operation: &str,
    key: &str,
) -> Result<(), StoreError> {
    match reply {
        Reply::Ok => Ok(()),
        Reply::Fenced => Err(StoreError::Fenced {
            key: key.to_owned(),
        }),
        Reply::Corrupt(reason) => Err(corrupt(key, reason)),
        Reply::New | Reply::Existing(_) => Err(unexpected(endpoint, operation, key)),
    }
}

/// The record in a hash's `HGETALL` field list.
fn parse_record(key: &str, fields: Vec<Value>) -> Result<Record, StoreError> {
    let mut map = HashMap::with_capacity(fields.len() / 2);
    let mut fields = fields.into_iter();
    while let Some(name) = fields.next() {
        let name = text(key, name, "a field name")?;
        let Some(value) = fields.next() else {
            return Err(corrupt(key, format!("field {name} has no value")));
        };
        let value = text(key, value, &name)?;
        map.insert(name, value);
    }
    let Some(status_name) = map.remove("status") else {
        return Err(corrupt(key, "it has no status".to_owned()));
    };
    let Some(status) = Status::parse(&status_name) else {
        return Err(corrupt(
            key,
            "its status is neither INPROGRESS nor COMPLETED".to_owned(),
        ));
    };
    let Some(token) = map.remove("token") else {
        return Err(corrupt(key, "it has no token".to_owned()));
    };
    let Some(expires_at_ms) = int(key, &map, "expiration")? else {
        return Err(corrupt(key, "it has no expiration".to_owned()));
    };
    let lease_expires_at_ms = int(key, &map, "in_progress_expiration")?;
    let data = map.remove("data");
    if status == Status::Completed && data.is_none() {
        return Err(corrupt(key, "it is COMPLETED but has no data".to_owned()));
    }
    Ok(Record {
        key: key.to_owned(),
        status,
        token,
        expires_at_ms,
        lease_expires_at_ms,
        data,
        validation: map.remove("validation"),
    })
}

/// A hash field (name or value) as text.
fn text(key: &str, value: Value, what: &str) -> Result<String, StoreError> {
    match value {
        Value::BulkString(bytes) => {
            String::from_utf8(bytes).map_err(|_| corrupt(key, format!("{what} is not UTF-8 text")))
        }
        Value::SimpleString(text) => Ok(text),
        other => Err(corrupt(
            key,
            format!("{what} is not a string but {other:?}"),
        )),
    }
}

/// The optional integer field `name`.
fn int(key: &str, map: &HashMap<String, String>, name: &str) -> Result<Option<i64>, StoreError> {
    map.get(name)
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| corrupt(key, format!("its {name} {text:?} is not an integer")))
        })
        .transpose()
}

fn corrupt(key: &str, reason: String) -> StoreError {
    StoreError::Corrupt {
        key: key.to_owned(),
        reason,
    }
}

fn unexpected(endpoint: &str, operation: &str, key: &str) -> StoreError {
    StoreError::unavailable(Failure {
        context: format!("{endpoint} answered the {operation} of {key} with an unexpected reply"),
        cause: None,
    })
}

/// Added to a TLS connection's timeout: the usual cause.
const NO_TLS_HINT: &str = " (a rediss:// URL: is the server listening for TLS on that port?)";

/// Installs aws-lc-rs as rustls' process-wide crypto provider, unless one
/// is installed already (by the application, or by a library).
///
/// rustls chooses a provider by itself only when exactly one is compiled
/// in, and panics at the first handshake otherwise (none; or both `ring`
/// and `aws-lc-rs`, which any other crate in the build can enable).
/// aws-lc-rs because the AWS SDK (the `dynamodb` feature) compiles it
/// anyway and it is rustls' own default: a build with both stores compiles
/// one provider.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // An error means another thread installed one meanwhile: it is used.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
    });
}

/// A failed connection: rejected credentials, a bad configuration and a
/// failed TLS handshake are `Config`, anything else `Unavailable`.
fn connect_error(endpoint: &str, err: ::redis::RedisError) -> StoreError {
    use ::redis::ErrorKind;
    if let Some(tls) = tls_error(&err) {
        let why = match tls {
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                "the server's TLS certificate is not trusted (for a private CA, use \
                 RedisStore::connect_with_root_ca)"
            }
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. } => {
                "the server did not answer in TLS (if it is a plain-text server, use redis://)"
            }
            rustls::Error::AlertReceived(_) => "the server refused the TLS handshake",
            _ => "the TLS handshake failed",
        };
        return StoreError::Config(format!(
            "cannot connect to Redis at {endpoint}: {why}: {tls}"
        ));
    }
    match err.kind() {
        ErrorKind::AuthenticationFailed | ErrorKind::InvalidClientConfig => {
            StoreError::Config(format!("cannot connect to Redis at {endpoint}: {err}"))
        }
        _ => {
            let hint = if err.is_timeout() && is_tls(endpoint) {
                NO_TLS_HINT
            } else {
                ""
            };
            StoreError::unavailable(Failure {
                context: format!("cannot connect to Redis at {endpoint}{hint}"),
                cause: Some(err),
            })
        }
    }
}

/// Whether the (redacted, trimmed) URL asks for TLS.
fn is_tls(url: &str) -> bool {
    ["rediss://", "valkeys://"].iter().any(|scheme| {
        url.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    })
}

/// The rustls error somewhere in `err`'s chain. The `redis` crate keeps
/// it as an `Arc<dyn Error>` around an I/O error, neither of which lists
/// what it wraps as its source: look inside both.
fn tls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    fn direct<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
        err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        })
    }
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let mut current = Some(err);
    while let Some(err) = current {
        let found = direct(err).or_else(|| {
            err.downcast_ref::<Shared>()
                .and_then(|shared| direct(&**shared))
        });
        if found.is_some() {
            return found;
        }
        current = err.source();
    }
    None
}

/// What went wrong with Redis, and the client's error if there is one.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct Failure {
    context: String,
    #[source]
    cause: Option<::redis::RedisError>,
}

/// `url` with its password (and any `pass`/`password` query value)
/// replaced by `***`, for messages. Everything between the scheme and the
/// last `@` is user information, so that a malformed URL does not leak a
/// password either.
fn redact(url: &str) -> String {
    let url = url.trim();
    let start = url.find("://").map_or(0, |scheme_end| scheme_end + 3);
    let url = match url[start..].rfind('@') {
        Some(at) => {
            let at = start + at;
            let user = match url[start..at].split_once(':') {
                Some((user, _))
                    if user
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.~%".contains(c)) =>
                {
                    format!("{user}:")
                }
                // A lone user name may be a password written in the wrong place.
                _ => String::new(),
            };
            format!("{}{user}***{}", &url[..start], &url[at..])
        }
        None => url.to_owned(),
    };
    let Some((head, query)) = url.split_once('?') else {
        return url;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let query = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.to_ascii_lowercase().contains("pass") => {
                format!("{name}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    match fragment {
        Some(fragment) => format!("{head}?{query}#{fragment}"),
        None => format!("{head}?{query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crypto_provider_is_installed_once() {
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        // Again (another store, a reconnection): no panic, the same provider.
        let installed = rustls::crypto::CryptoProvider::get_default().unwrap();
        install_crypto_provider();
        assert!(std::sync::Arc::ptr_eq(
            installed,
            rustls::crypto::CryptoProvider::get_default().unwrap()
        ));
    }

    #[test]
    fn tls_failures_are_found_inside_the_redis_error() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let err = ::redis::RedisError::from(io);
        let found = tls_error(&err);
        assert!(
            matches!(found, Some(rustls::Error::InvalidCertificate(_))),
            "{found:?}"
        );
        match connect_error("rediss://:***@host:6380", err) {
            StoreError::Config(message) => assert!(message.contains("not trusted"), "{message}"),
            other => panic!("{other:?}"),
        }
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(tls_error(&::redis::RedisError::from(refused)).is_none());

        let plain = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, plain);
        match connect_error("rediss://host:6379", ::redis::RedisError::from(io)) {
            StoreError::Config(message) => {
                assert!(message.contains("did not answer in TLS"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert!(is_tls("REDISS://host") && is_tls("valkeys://host"));
        assert!(!is_tls("redis://host") && !is_tls("rediss:/"));
    }

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(
            redact("redis://:s3cret@10.0.0.7:6379/0"),
            "redis://:***@10.0.0.7:6379/0"
        );
        assert_eq!(
            redact("redis://app:p@ss:w@host/1?protocol=resp3"),
            "redis://app:***@host/1?protocol=resp3"
        );
        assert_eq!(redact("redis://token@host"), "redis://***@host");
        assert_eq!(
            redact("redis+unix:///run/redis.sock?db=1&pass=s3cret"),
            "redis+unix:///run/redis.sock?db=1&pass=***"
        );
        assert_eq!(redact("not a url"), "not a url");
        assert_eq!(redact("redis//:s3cret@host"), "***@host");
        assert_eq!(redact("redis://:pa/ss@host:1"), "redis://:***@host:1");
        assert_eq!(redact("redis://u:pa?ss@host"), "redis://u:***@host");
        assert_eq!(
            redact("rediss://:s3cret@cache.example.com:6380/0#insecure"),
            "rediss://:***@cache.example.com:6380/0#insecure"
        );
    }

    #[test]
    fn replies_parse_strictly() {
        let bulk = |text: &str| Value::BulkString(text.as_bytes().to_vec());
        assert!(matches!(
            Reply::parse(Value::Array(vec![bulk("new")])),
            Some(Reply::New)
        ));
        assert!(matches!(
            Reply::parse(Value::Array(vec![bulk("corrupt"), bulk("why")])),
            Some(Reply::Corrupt(reason)) if reason == "why"
        ));
        assert!(Reply::parse(Value::Array(vec![bulk("new"), bulk("extra")])).is_none());
        assert!(Reply::parse(Value::Int(1)).is_none());
        assert!(Reply::parse(Value::Array(vec![])).is_none());
    }

    #[test]
    fn records_parse_and_reject_garbage() {
        let bulk = |text: &str| Value::BulkString(text.as_bytes().to_vec());
        let fields = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .flat_map(|(name, value)| [bulk(name), bulk(value)])
                .collect::<Vec<_>>()
        };
        let record = parse_record(
            "k",
            fields(&[
                ("status", "INPROGRESS"),
                ("token", "t1"),
                ("expiration", "3600000"),
                ("in_progress_expiration", "1000"),
            ]),
        )
        .expect("a valid record");
        assert_eq!(record.lease_expires_at_ms, Some(1000));
        assert_eq!(record.validation, None);

        for bad in [
            fields(&[("status", "DONE"), ("token", "t"), ("expiration", "1")]),
            fields(&[("status", "COMPLETED"), ("token", "t"), ("expiration", "1")]),
            fields(&[("status", "INPROGRESS"), ("expiration", "1")]),
            fields(&[
                ("status", "INPROGRESS"),
                ("token", "t"),
                ("expiration", "0x10"),
            ]),
            vec![bulk("status")],
            vec![bulk("status"), Value::BulkString(vec![0xff, 0xfe])],
        ] {
            assert!(
                matches!(
                    parse_record("k", bad.clone()),
                    Err(StoreError::Corrupt { .. })
                ),
                "{bad:?} must be corrupt"
            );
        }
    }
}
