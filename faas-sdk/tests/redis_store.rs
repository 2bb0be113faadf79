//! The Redis idempotency store against a real `redis-server` (each test
//! starts its own). Outside CI a missing `redis-server` skips these tests;
//! with `CI=true` it fails them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use faas::idempotency::{
    Claim, Claimed, Completion, IdempotencyStore, Record, RedisStore, Status, StoreError,
};
use faas_testkit::idempotency::{LEASE_MS, T0, TTL_MS, claim, completion, key};
use faas_testkit::servers::redis::{RedisServer, Reply};

/// The bound every failing call must meet: the store's timeout plus slack.
const NO_HANG: Duration = Duration::from_secs(8);

async fn connect(redis: &RedisServer) -> RedisStore {
    match RedisStore::connect(&redis.url()).await {
        Ok(store) => store,
        Err(err) => panic!(
            "connecting to {} must succeed: {err:?}\n{}",
            redis.url(),
            redis.logs()
        ),
    }
}

/// `err` and its sources, as one line.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{what}: must fail with StoreError::Unavailable, got {result:?}"
    );
}

#[tokio::test]
async fn conforms() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis).await;
    faas_testkit::idempotency::conformance(Arc::new(store)).await;
}

#[tokio::test(flavor = "current_thread")]
async fn conforms_on_a_single_thread() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    faas_testkit::idempotency::conformance(Arc::new(connect(&redis).await)).await;
}

#[tokio::test]
async fn stores_one_hash_per_record_with_a_gc_ttl_only() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis).await;
    let key = key("layout", 1);
    let first = claim(&key, "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);

    let field = |name: &str| redis.command(&["HGET", &key, name]).unwrap();
    assert_eq!(
        redis.command(&["TYPE", &key]).unwrap().as_str(),
        Some("hash")
    );
    assert_eq!(field("status").as_str(), Some("INPROGRESS"));
    assert_eq!(field("token").as_str(), Some("t1"));
    assert_eq!(
        field("expiration").as_str(),
        Some((T0 + TTL_MS).to_string().as_str())
    );
    assert_eq!(
        field("in_progress_expiration").as_str(),
        Some((T0 + LEASE_MS).to_string().as_str())
    );
    assert_eq!(field("validation").as_str(), Some("0".repeat(64).as_str()));
    assert_eq!(field("data"), Reply::Nil);
    // T0 is months in the past: an absolute PEXPIREAT at the record's
    // expiry would have deleted it already. The TTL is the remaining
    // lifetime plus a grace minute.
    let ttl = redis.command(&["PTTL", &key]).unwrap().as_int().unwrap();
    assert!(
        (TTL_MS..=TTL_MS + 60_000).contains(&ttl),
        "a GC ttl of about the record's lifetime, got {ttl} ms"
    );

    let done = Completion {
        expires_at_ms: T0 + 2 * TTL_MS,
        ..completion(&first, r#"{"ok":true}"#)
    };
    store.complete(&done).await.unwrap();
    assert_eq!(field("status").as_str(), Some("COMPLETED"));
    assert_eq!(field("data").as_str(), Some(r#"{"ok":true}"#));
    assert_eq!(field("in_progress_expiration"), Reply::Nil);
    let ttl = redis.command(&["PTTL", &key]).unwrap().as_int().unwrap();
    assert!(
        (2 * TTL_MS..=2 * TTL_MS + 60_000).contains(&ttl),
        "completion moves the GC ttl with the expiry, got {ttl} ms"
    );

    // Without a validation hash, none is stored, and none comes back.
    let bare = Claim {
        validation: None,
        ..claim(&format!("layout#{:064x}", 2), "t1", T0)
    };
    assert_eq!(store.claim(&bare).await.unwrap(), Claimed::New);
    let again = store.claim(&claim(&bare.key, "t2", T0 + 1)).await.unwrap();
    assert_eq!(again, Claimed::Existing(Record::in_progress(&bare)));
    assert_eq!(
        redis
            .command(&["HEXISTS", &bare.key, "validation"])
            .unwrap(),
        Reply::Integer(0)
    );

    // A record still in Redis after it expired does not hold its key.
    let expired = claim(&bare.key, "t3", T0 + TTL_MS);
    assert_eq!(store.claim(&expired).await.unwrap(), Claimed::New);
    assert_eq!(
        redis
            .command(&["HGET", &bare.key, "token"])
            .unwrap()
            .as_str(),
        Some("t3")
    );
}

#[tokio::test]
async fn each_operation_is_one_round_trip() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis).await;
    redis.command(&["CONFIG", "RESETSTAT"]).unwrap();

    const CLAIMS: usize = 200;
    let started = Instant::now();
    for n in 0..CLAIMS {
        let claimed = store.claim(&claim(&key("trips", n), "t1", T0)).await;
        assert_eq!(claimed.unwrap(), Claimed::New);
    }
    let per_claim = started.elapsed() / CLAIMS as u32;
    let duplicate = store.claim(&claim(&key("trips", 0), "t2", T0)).await;
    assert!(matches!(duplicate, Ok(Claimed::Existing(_))));
    let calls = |name| redis.command_calls(name).unwrap();
    assert_eq!(calls("evalsha"), CLAIMS as u64 + 1, "one EVALSHA per claim");
    assert_eq!(calls("eval"), 0, "the scripts were loaded at connect");
    assert_eq!(calls("script|load"), 0);

    redis.command(&["CONFIG", "RESETSTAT"]).unwrap();
    let first = claim(&key("trips", 0), "t1", T0);
    store.complete(&completion(&first, "1")).await.unwrap();
    assert_eq!(calls("evalsha"), 1, "one EVALSHA per completion");
    store.release(&first.key, "t1").await.unwrap();
    assert_eq!(calls("evalsha"), 2, "one EVALSHA per release");
    eprintln!(
        "claim latency on loopback: {per_claim:?} on average over {CLAIMS} sequential claims"
    );
}

/// A store on the TLS server `redis`, trusting its CA.
async fn connect_tls(redis: &RedisServer) -> RedisStore {
    let ca = redis.ca_pem().expect("a TLS server");
    match RedisStore::connect_with_root_ca(&redis.url(), &ca).await {
        Ok(store) => store,
        Err(err) => panic!(
            "connecting to {} with its CA must succeed: {err:?}\n{}",
            redis.url(),
            redis.logs()
        ),
    }
}

/// The URL of `redis` with the password `s3cret`, and `fragment`.
fn with_password(redis: &RedisServer, fragment: &str) -> String {
    let url = redis.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    format!("{scheme}://:s3cret@{rest}/0{fragment}")
}

/// Checks that `err` names `url` without its password.
fn names_the_server_without_password(err: &StoreError, redis: &RedisServer) -> String {
    let text = chain(err);
    assert!(
        text.contains(&format!("127.0.0.1:{}", redis.port())),
        "the error names the server: {text}"
    );
    assert!(!text.contains("s3cret"), "the password is hidden: {text}");
    assert!(text.contains(":***@"), "{text}");
    text
}

#[tokio::test]
async fn conforms_over_tls() {
    let Some(redis) = RedisServer::start_tls() else {
        return;
    };
    let store = connect_tls(&redis).await;
    redis.command(&["CONFIG", "RESETSTAT"]).unwrap();
    faas_testkit::idempotency::conformance(Arc::new(store)).await;
    assert!(
        redis.command_calls("evalsha").unwrap() > 0,
        "the store spoke to this server"
    );
    let clients = redis.command(&["CLIENT", "LIST"]).unwrap();
    let clients = clients.as_str().unwrap();
    assert!(
        clients.contains(&format!("laddr=127.0.0.1:{}", redis.port())),
        "the store is connected to the TLS port: {clients}"
    );
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_some(),
        "connect installed a crypto provider"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn conforms_over_tls_on_a_single_thread() {
    let Some(redis) = RedisServer::start_tls() else {
        return;
    };
    faas_testkit::idempotency::conformance(Arc::new(connect_tls(&redis).await)).await;
}

#[tokio::test]
async fn tls_claims_are_one_round_trip_too() {
    let (Some(tls), Some(plain)) = (RedisServer::start_tls(), RedisServer::start()) else {
        return;
    };
    const CLAIMS: usize = 200;
    let mut latencies = Vec::new();
    for (redis, store) in [
        (&plain, connect(&plain).await),
        (&tls, connect_tls(&tls).await),
    ] {
        redis.command(&["CONFIG", "RESETSTAT"]).unwrap();
        let started = Instant::now();
        for n in 0..CLAIMS {
            let claimed = store.claim(&claim(&key("tls-trips", n), "t1", T0)).await;
            assert_eq!(claimed.unwrap(), Claimed::New);
        }
        latencies.push(started.elapsed() / CLAIMS as u32);
        assert_eq!(
            redis.command_calls("evalsha").unwrap(),
            CLAIMS as u64,
            "{}: one EVALSHA per claim",
            redis.url()
        );
        assert_eq!(redis.command_calls("eval").unwrap(), 0);
    }
    eprintln!(
        "claim latency on loopback, {CLAIMS} sequential claims: plain {:?}, TLS {:?}",
        latencies[0], latencies[1]
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_error() {
    let (Some(redis), Some(other)) = (RedisServer::start_tls(), RedisServer::start_tls()) else {
        return;
    };
    let url = with_password(&redis, "");

    // The platform's roots do not include the server's throwaway CA.
    let started = Instant::now();
    let result = RedisStore::connect(&url).await;
    assert!(started.elapsed() < NO_HANG, "connect must not hang");
    let err = result.expect_err("an untrusted certificate must fail");
    let text = names_the_server_without_password(&err, &redis);
    eprintln!(
        "connect with platform roots to a private CA: {text} (after {:?})",
        started.elapsed()
    );
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(text.contains("not trusted"), "{text}");
    assert!(text.contains("connect_with_root_ca"), "{text}");

    // Another CA is not this server's either.
    let result = RedisStore::connect_with_root_ca(&url, &other.ca_pem().unwrap()).await;
    let err = result.expect_err("another CA must not verify the server");
    let text = names_the_server_without_password(&err, &redis);
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(text.contains("not trusted"), "{text}");

    // Its own CA, by IP address (as above) or by the name in the
    // certificate; the password too travels in TLS.
    let reply = redis
        .command(&["CONFIG", "SET", "requirepass", "s3cret"])
        .unwrap();
    assert_eq!(reply.as_str(), Some("OK"));
    let ca = redis.ca_pem().unwrap();
    let store = RedisStore::connect_with_root_ca(&url, &ca).await.unwrap();
    let first = claim(&key("tls", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    let by_name = format!("rediss://:s3cret@localhost:{}", redis.port());
    let store = RedisStore::connect_with_root_ca(&by_name, &ca)
        .await
        .unwrap();
    let duplicate = store.claim(&claim(&first.key, "t2", T0)).await.unwrap();
    assert_eq!(duplicate, Claimed::Existing(Record::in_progress(&first)));

    // `#insecure` (development only) skips verification.
    let insecure = RedisStore::connect(&with_password(&redis, "#insecure")).await;
    let insecure = insecure.expect("#insecure trusts any certificate");
    let duplicate = insecure.claim(&claim(&first.key, "t3", T0)).await.unwrap();
    assert_eq!(duplicate, Claimed::Existing(Record::in_progress(&first)));
    assert!(
        format!("{insecure:?}").contains("rediss://:***@"),
        "{insecure:?}"
    );
}

#[tokio::test]
async fn a_tls_url_to_a_plain_server_fails_clearly() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(tls) = RedisServer::start_tls() else {
        return;
    };
    let url = format!("rediss://:s3cret@127.0.0.1:{}/0", redis.port());
    let ca = tls.ca_pem().unwrap();
    // Both at once: each may take the whole connection timeout.
    let started = Instant::now();
    let (platform, private) = tokio::join!(
        RedisStore::connect(&url),
        RedisStore::connect_with_root_ca(&url, &ca)
    );
    for (what, connecting) in [("connect", platform), ("connect_with_root_ca", private)] {
        let err = connecting.expect_err("a plain server cannot do TLS");
        let text = chain(&err);
        eprintln!(
            "{what}: rediss:// to a plain server: {text} (after {:?})",
            started.elapsed()
        );
        assert!(!text.contains("s3cret"), "{text}");
        assert!(
            text.contains(&format!("127.0.0.1:{}", redis.port())),
            "{text}"
        );
        assert!(started.elapsed() < NO_HANG, "{what} must not hang");
        match err {
            // The server answered its error to the handshake in plain text.
            StoreError::Config(message) => {
                assert!(message.contains("did not answer in TLS"), "{message}")
            }
            // It waited for the end of a command line that never came.
            StoreError::Unavailable(_) => assert!(text.contains("TLS"), "{text}"),
            other => panic!("{what}: must be Config or Unavailable, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_tls_url_to_a_server_answering_plain_text_is_a_configuration_error() {
    // A server that answers the TLS handshake with a plain-text error, as
    // Redis does when the handshake happens to contain a line break.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut hello = [0_u8; 64];
            let _ = socket.read(&mut hello).await;
            let _ = socket.write_all(b"-ERR unknown command\r\n").await;
        }
    });
    let url = format!("rediss://:s3cret@127.0.0.1:{port}/0");
    let started = Instant::now();
    match RedisStore::connect(&url).await {
        Err(StoreError::Config(message)) => {
            eprintln!("rediss:// to a plain-text answer: {message}");
            assert!(message.contains("did not answer in TLS"), "{message}");
            assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
            assert!(!message.contains("s3cret"), "{message}");
        }
        other => panic!("must be a configuration error, got {other:?}"),
    }
    assert!(started.elapsed() < NO_HANG);
}

#[tokio::test]
async fn a_root_ca_needs_a_certificate_and_a_tls_url() {
    let Some(redis) = RedisServer::start_tls() else {
        return;
    };
    let ca = redis.ca_pem().unwrap();
    let url = with_password(&redis, "");
    for (pem, expected) in [
        (&b""[..], "no PEM certificate"),
        (b"not a certificate", "no PEM certificate"),
        (
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
            "not valid PEM",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "root CA",
        ),
    ] {
        match RedisStore::connect_with_root_ca(&url, pem).await {
            Err(StoreError::Config(message)) => {
                assert!(message.contains(expected), "{message}");
                assert!(message.contains(":***@"), "{message}");
                assert!(!message.contains("s3cret"), "{message}");
            }
            other => panic!("{pem:?}: must be a configuration error, got {other:?}"),
        }
    }
    let plain = format!("redis://:s3cret@127.0.0.1:{}", redis.port());
    match RedisStore::connect_with_root_ca(&plain, &ca).await {
        Err(StoreError::Config(message)) => {
            assert!(message.contains("rediss://"), "{message}");
            assert!(!message.contains("s3cret"), "{message}");
        }
        other => panic!("a redis:// URL must be a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    // Nothing listens on a port that was free a moment ago.
    let port = faas_testkit::tools::free_port();
    let url = format!("redis://:s3cret@127.0.0.1:{port}/0");
    let started = Instant::now();
    let result = RedisStore::connect(&url).await;
    assert!(started.elapsed() < NO_HANG, "connect must not hang");
    let Err(err) = result else {
        panic!("connecting to a closed port must fail");
    };
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let text = chain(&err);
    eprintln!(
        "connect to a closed port: {text} (after {:?})",
        started.elapsed()
    );
    assert!(
        text.contains(&format!("127.0.0.1:{port}")),
        "the error names the server: {text}"
    );
    assert!(!text.contains("s3cret"), "the password is hidden: {text}");
    assert!(text.contains("***"), "{text}");

    for (url, expected) in [
        ("not a url", "invalid Redis URL"),
        ("http://127.0.0.1:6379", "invalid Redis URL"),
        (
            "rediss://:s3cret@127.0.0.1:6380/#trusted",
            "invalid Redis URL",
        ),
    ] {
        match RedisStore::connect(url).await {
            Err(StoreError::Config(message)) => {
                assert!(message.contains(expected), "{url}: {message}");
                assert!(!message.contains("s3cret"), "{url}: {message}");
            }
            other => panic!("{url}: must be a configuration error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn rejected_credentials_are_a_configuration_error() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let reply = redis
        .command(&["CONFIG", "SET", "requirepass", "right"])
        .unwrap();
    assert_eq!(reply.as_str(), Some("OK"));
    let url = format!("redis://:wrong@127.0.0.1:{}", redis.port());
    match RedisStore::connect(&url).await {
        Err(StoreError::Config(message)) => {
            assert!(!message.contains("wrong"), "{message}");
            assert!(message.contains(&redis.port().to_string()), "{message}");
        }
        other => panic!("a wrong password must be a configuration error, got {other:?}"),
    }
    let url = format!("redis://:right@127.0.0.1:{}", redis.port());
    let store = RedisStore::connect(&url).await.expect("the right password");
    let claimed = store.claim(&claim(&key("auth", 1), "t1", T0)).await;
    assert_eq!(claimed.unwrap(), Claimed::New);
}

/// Claims `claim` until Redis answers, for at most 10 s.
async fn claim_when_back(store: &RedisStore, claim: &Claim) -> Claimed {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.claim(claim).await {
            Ok(claimed) => return claimed,
            Err(StoreError::Unavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("the store must work again once Redis is back: {err:?}"),
        }
    }
}

#[tokio::test]
async fn a_tls_store_reconnects_after_an_outage() {
    let Some(mut redis) = RedisServer::start_tls() else {
        return;
    };
    let store = connect_tls(&redis).await;
    let before = claim(&key("tls-outage", 1), "t1", T0);
    assert_eq!(store.claim(&before).await.unwrap(), Claimed::New);
    redis.kill();
    unavailable(
        store.claim(&claim(&key("tls-outage", 2), "t1", T0)).await,
        "claim while the TLS server is down",
    );
    redis.restart();
    let restarted = Instant::now();
    let after = claim(&key("tls-outage", 3), "t1", T0);
    assert_eq!(claim_when_back(&store, &after).await, Claimed::New);
    eprintln!(
        "first successful TLS claim {:?} after the restart (a new handshake, the same CA)",
        restarted.elapsed()
    );
}

#[tokio::test]
async fn an_outage_is_unavailable_and_the_store_recovers() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis).await;
    let before = claim(&key("outage", 1), "t1", T0);
    assert_eq!(store.claim(&before).await.unwrap(), Claimed::New);

    redis.kill();
    for round in 0..2 {
        let started = Instant::now();
        unavailable(
            store.claim(&claim(&key("outage", 2), "t1", T0)).await,
            &format!("claim during the outage (round {round})"),
        );
        unavailable(
            store.complete(&completion(&before, "1")).await,
            "complete during the outage",
        );
        unavailable(
            store.release(&before.key, "t1").await,
            "release during the outage",
        );
        eprintln!(
            "outage round {round}: claim + complete + release failed in {:?}",
            started.elapsed()
        );
        assert!(
            started.elapsed() < 3 * NO_HANG,
            "failing calls must not hang: {:?}",
            started.elapsed()
        );
    }
    let err = store
        .claim(&claim(&key("outage", 2), "t1", T0))
        .await
        .unwrap_err();
    let text = chain(&err);
    eprintln!("claim during an outage: {text}");
    assert!(text.contains("claim"), "the error says what failed: {text}");

    redis.restart();
    let restarted = Instant::now();
    let after = claim(&key("outage", 3), "t1", T0);
    assert_eq!(
        claim_when_back(&store, &after).await,
        Claimed::New,
        "the first claim after the restart wins"
    );
    eprintln!(
        "first successful claim {:?} after the restart",
        restarted.elapsed()
    );
    let duplicate = store.claim(&claim(&after.key, "t2", T0)).await.unwrap();
    assert_eq!(duplicate, Claimed::Existing(Record::in_progress(&after)));
    store.complete(&completion(&after, "1")).await.unwrap();
    store.release(&after.key, "t1").await.unwrap();
}

#[tokio::test]
async fn a_frozen_server_times_out_instead_of_hanging() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis)
        .await
        .with_timeout(Duration::from_millis(1500));
    let first = claim(&key("frozen", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);

    redis.pause();
    let started = Instant::now();
    unavailable(
        store.claim(&claim(&key("frozen", 2), "t1", T0)).await,
        "claim on a frozen server",
    );
    unavailable(
        store.complete(&completion(&first, "1")).await,
        "complete on a frozen server",
    );
    unavailable(
        store.release(&first.key, "t1").await,
        "release on a frozen server",
    );
    let elapsed = started.elapsed();
    eprintln!("frozen server: claim + complete + release failed in {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(3 * 3),
        "each call is bounded by the timeout: {elapsed:?}"
    );

    redis.resume();
    let resumed = Instant::now();
    let after = claim(&key("frozen", 3), "t1", T0);
    assert_eq!(claim_when_back(&store, &after).await, Claimed::New);
    eprintln!(
        "first successful claim {:?} after resuming",
        resumed.elapsed()
    );
}

#[tokio::test]
async fn corrupt_records_are_reported_and_left_alone() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = connect(&redis).await;
    let set = |args: &[&str]| {
        let reply = redis.command(args).unwrap();
        assert!(!matches!(reply, Reply::Error(_)), "{args:?}: {reply:?}");
    };
    let corrupt = |result: Result<Claimed, StoreError>, what: &str| match result {
        Err(StoreError::Corrupt { key, reason }) => {
            assert!(key.starts_with("corrupt#"), "{what}: {key}");
            reason
        }
        other => panic!("{what}: must be StoreError::Corrupt, got {other:?}"),
    };

    let garbage = key("corrupt", 1);
    set(&["SET", &garbage, "\u{1}not a record"]);
    let reason = corrupt(store.claim(&claim(&garbage, "t1", T0)).await, "a string");
    assert!(reason.contains("string"), "{reason}");
    assert!(matches!(
        store
            .complete(&completion(&claim(&garbage, "t1", T0), "1"))
            .await,
        Err(StoreError::Corrupt { .. })
    ));
    assert!(matches!(
        store.release(&garbage, "t1").await,
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(
        redis.command(&["GET", &garbage]).unwrap().as_str(),
        Some("\u{1}not a record"),
        "a corrupt record is left for an operator"
    );

    let cases: [(&str, &[&str]); 6] = [
        (
            "a non-integer expiration",
            &[
                "status",
                "COMPLETED",
                "token",
                "t",
                "expiration",
                "soon",
                "data",
                "1",
            ],
        ),
        (
            "a hexadecimal expiration",
            &[
                "status",
                "COMPLETED",
                "token",
                "t",
                "expiration",
                "0x1",
                "data",
                "1",
            ],
        ),
        (
            "no expiration",
            &["status", "COMPLETED", "token", "t", "data", "1"],
        ),
        (
            "an unknown status",
            &[
                "status",
                "DONE",
                "token",
                "t",
                "expiration",
                "9999999999999",
            ],
        ),
        (
            "a live record without a token",
            &[
                "status",
                "COMPLETED",
                "expiration",
                "9999999999999",
                "data",
                "1",
            ],
        ),
        (
            "a live completed record without data",
            &[
                "status",
                "COMPLETED",
                "token",
                "t",
                "expiration",
                "9999999999999",
            ],
        ),
    ];
    for (n, (what, fields)) in cases.iter().enumerate() {
        let key = key("corrupt", 10 + n);
        let mut args = vec!["HSET", key.as_str()];
        args.extend_from_slice(fields);
        set(&args);
        corrupt(store.claim(&claim(&key, "t1", T0)).await, what);
    }

    let bad_lease = key("corrupt", 20);
    set(&[
        "HSET",
        &bad_lease,
        "status",
        "INPROGRESS",
        "token",
        "t",
        "expiration",
        "9999999999999",
        "in_progress_expiration",
        "later",
    ]);
    corrupt(
        store.claim(&claim(&bad_lease, "t1", T0)).await,
        "a non-integer lease",
    );

    // A hash whose times are fine but which expired is simply replaced.
    let stale = key("corrupt", 21);
    set(&["HSET", &stale, "status", "COMPLETED", "expiration", "1"]);
    assert_eq!(
        store.claim(&claim(&stale, "t1", T0)).await.unwrap(),
        Claimed::New
    );

    // Stored results that are not UTF-8 cannot be replayed.
    let binary = key("corrupt", 22);
    let first = claim(&binary, "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    store.complete(&completion(&first, "1")).await.unwrap();
    // `command` sends text; write a lone continuation byte through Lua.
    set(&[
        "EVAL",
        "redis.call('HSET', KEYS[1], 'data', string.char(128)) return 1",
        "1",
        &binary,
    ]);
    let reason = corrupt(
        store.claim(&claim(&binary, "t2", T0 + 1)).await,
        "non-UTF-8 data",
    );
    assert!(reason.contains("UTF-8"), "{reason}");
}

#[tokio::test]
async fn a_completed_record_replays_to_many_racing_duplicates() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store: Arc<dyn IdempotencyStore> = Arc::new(connect(&redis).await);
    let first = claim(&key("replay", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    store
        .complete(&completion(&first, r#"{"order":42}"#))
        .await
        .unwrap();
    let mut duplicates = tokio::task::JoinSet::new();
    for n in 0..100 {
        let store = Arc::clone(&store);
        let duplicate = claim(&first.key, &format!("dup-{n}"), T0 + 10);
        duplicates.spawn(async move { store.claim(&duplicate).await });
    }
    while let Some(result) = duplicates.join_next().await {
        match result.unwrap().unwrap() {
            Claimed::Existing(record) => {
                assert_eq!(record.status, Status::Completed);
                assert_eq!(record.data.as_deref(), Some(r#"{"order":42}"#));
                assert_eq!(record.token, "t1");
            }
            Claimed::New => panic!("a completed key must not be claimed again"),
        }
    }
}
