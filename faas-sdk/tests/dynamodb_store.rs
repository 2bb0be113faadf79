//! The DynamoDB idempotency store against a real moto server (each test
//! starts its own). Outside CI a missing `moto_server` skips these tests;
//! with `CI=true` it fails them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use faas::idempotency::{Claimed, Completion, DynamoDbStore, IdempotencyStore, Status, StoreError};
use faas_testkit::idempotency::{T0, TTL_MS, claim, completion, key};
use faas_testkit::servers::moto::MotoServer;

mod stores;
use stores::{client, store};

#[tokio::test]
async fn conforms_in_plain_mode() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = store(&moto, "idempotency").await;
    faas_testkit::idempotency::conformance(Arc::new(store)).await;
}

#[tokio::test]
async fn conforms_in_composite_key_mode() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = DynamoDbStore::new(client(&moto.endpoint_url(), 3), "shared").with_sort_key("sk");
    store.create_table().await.expect("the table is created");
    let store = Arc::new(store);
    faas_testkit::idempotency::conformance(Arc::clone(&store) as Arc<dyn IdempotencyStore>).await;

    // The items really are keyed by namespace, then stored key.
    let first = claim(&key("orders", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    let items = client(&moto.endpoint_url(), 1)
        .query()
        .table_name("shared")
        .key_condition_expression("#id = :namespace")
        .expression_attribute_names("#id", "id")
        .expression_attribute_values(":namespace", AttributeValue::S("orders".into()))
        .send()
        .await
        .expect("the namespace's items are queried");
    assert_eq!(items.count(), 1);
    assert_eq!(
        items.items()[0]["sk"],
        AttributeValue::S(first.key.clone()),
        "the sort key holds the stored key"
    );
}

#[tokio::test]
async fn create_table_is_idempotent_enables_ttl_and_checks_the_schema() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = store(&moto, "idempotency").await;
    store
        .create_table()
        .await
        .expect("creating an existing table is a no-op");
    let ttl = client(&moto.endpoint_url(), 1)
        .describe_time_to_live()
        .table_name("idempotency")
        .send()
        .await
        .expect("the TTL is described");
    let ttl = ttl.time_to_live_description().expect("a TTL description");
    assert_eq!(ttl.attribute_name(), Some("expiration"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    let composite =
        DynamoDbStore::new(client(&moto.endpoint_url(), 1), "idempotency").with_sort_key("sk");
    match composite.create_table().await {
        Err(StoreError::Config(message)) => {
            assert!(message.contains("key schema"), "{message}");
        }
        other => panic!("a composite store on a plain table must be a Config error, got {other:?}"),
    }
    // And a plain store on a composite table is told so by DynamoDB.
    DynamoDbStore::new(client(&moto.endpoint_url(), 1), "shared")
        .with_sort_key("sk")
        .create_table()
        .await
        .expect("the composite table is created");
    let plain = DynamoDbStore::new(client(&moto.endpoint_url(), 1), "shared");
    match plain.claim(&claim(&key("orders", 1), "t1", T0)).await {
        Err(StoreError::Config(message)) => {
            assert!(message.contains("key schema"), "{message}");
        }
        other => panic!("a plain store on a composite table must be a Config error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_table_is_a_config_error() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = DynamoDbStore::new(client(&moto.endpoint_url(), 3), "no-such-table");
    let first = claim(&key("orders", 1), "t1", T0);
    for result in [
        store.claim(&first).await.map(|_| ()),
        store.complete(&completion(&first, "1")).await,
        store.release(&first.key, "t1").await,
    ] {
        match result {
            Err(StoreError::Config(message)) => {
                assert!(
                    message.contains("no-such-table") && message.contains("does not exist"),
                    "{message}"
                );
            }
            other => panic!("a missing table must be a Config error, got {other:?}"),
        }
    }
    assert_eq!(store.requests(), 3, "a missing table is not retried");
}

#[tokio::test]
async fn a_stopped_server_is_unavailable_quickly() {
    let Some(mut moto) = MotoServer::start() else {
        return;
    };
    let store = DynamoDbStore::new(client(&moto.endpoint_url(), 2), "idempotency");
    store.create_table().await.expect("the table is created");
    let first = claim(&key("orders", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    moto.stop();

    let started = Instant::now();
    for result in [
        store
            .claim(&claim(&key("orders", 2), "t2", T0))
            .await
            .map(|_| ()),
        store.complete(&completion(&first, "1")).await,
        store.release(&first.key, "t1").await,
    ] {
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "a stopped server must make the store unavailable, got {result:?}"
        );
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "three calls to a stopped server took {elapsed:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_unavailable() {
    // Accepts connections, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_millis(300))
                .build(),
        )
        .retry_config(RetryConfig::disabled())
        .build();
    let store = DynamoDbStore::new(Client::from_conf(config), "idempotency");
    let started = Instant::now();
    let result = store.claim(&claim(&key("orders", 1), "t1", T0)).await;
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "a timeout must make the store unavailable, got {result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    silent.abort();
}

#[tokio::test]
async fn a_result_over_the_item_limit_is_too_large() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = store(&moto, "idempotency").await;
    let limit = store.max_data_len().expect("DynamoDB has an item limit");
    assert_eq!(limit, 400 * 1024 - 8 * 1024);

    // A result of exactly the limit fits, with a realistic key, token and validation.
    let first = claim(
        &key("orders", 1),
        &uuid::Uuid::new_v4().simple().to_string(),
        T0,
    );
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    store
        .complete(&completion(&first, "x".repeat(limit)))
        .await
        .expect("a result of max_data_len bytes is stored");
    match store.claim(&claim(&first.key, "t2", T0 + 1)).await {
        Ok(Claimed::Existing(record)) => assert_eq!(record.data.map(|d| d.len()), Some(limit)),
        other => panic!("the stored result must come back, got {other:?}"),
    }

    // One byte more is refused before any request.
    let second = claim(&key("orders", 2), "t1", T0);
    assert_eq!(store.claim(&second).await.unwrap(), Claimed::New);
    let before = store.requests();
    match store
        .complete(&completion(&second, "x".repeat(limit + 1)))
        .await
    {
        Err(StoreError::TooLarge { len, limit: l }) => assert_eq!((len, l), (limit + 1, limit)),
        other => panic!("a result over max_data_len must be TooLarge, got {other:?}"),
    }
    assert_eq!(
        store.requests(),
        before,
        "no request for a result that cannot fit"
    );

    // An item DynamoDB itself refuses (here through a huge validation hash)
    // is TooLarge too, from its ValidationException.
    let huge = Completion {
        validation: Some("v".repeat(20_000)),
        ..completion(&second, "x".repeat(limit))
    };
    match store.complete(&huge).await {
        Err(StoreError::TooLarge { len, limit }) => {
            assert_eq!(limit, 400 * 1024);
            assert!(len > limit, "{len}");
        }
        other => panic!("an item over 400 KB must be TooLarge, got {other:?}"),
    }
    assert_eq!(store.requests(), before + 1);
}

#[tokio::test]
async fn a_corrupt_item_is_corrupt() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = store(&moto, "idempotency").await;
    let raw = client(&moto.endpoint_url(), 1);
    let live = (T0 + TTL_MS).to_string();
    let corruptions: [(&str, Vec<(&str, AttributeValue)>); 3] = [
        (
            "token",
            vec![
                ("status", AttributeValue::S("COMPLETED".into())),
                ("token", AttributeValue::N("7".into())),
                ("expiration_ms", AttributeValue::N(live.clone())),
                ("data", AttributeValue::S("1".into())),
            ],
        ),
        (
            "status",
            vec![
                ("status", AttributeValue::S("DONE".into())),
                ("token", AttributeValue::S("t1".into())),
                ("expiration_ms", AttributeValue::N(live.clone())),
            ],
        ),
        (
            "data",
            vec![
                ("status", AttributeValue::S("COMPLETED".into())),
                ("token", AttributeValue::S("t1".into())),
                ("expiration_ms", AttributeValue::N(live.clone())),
                ("data", AttributeValue::Bool(true)),
            ],
        ),
    ];
    for (n, (attribute, attributes)) in corruptions.into_iter().enumerate() {
        let stored = key("corrupt", n);
        let mut put = raw
            .put_item()
            .table_name("idempotency")
            .item("id", AttributeValue::S(stored.clone()));
        for (name, value) in attributes {
            put = put.item(name, value);
        }
        put.send().await.expect("the corrupt item is written");
        match store.claim(&claim(&stored, "t2", T0)).await {
            Err(StoreError::Corrupt { key, reason }) => {
                assert_eq!(key, stored);
                assert!(reason.contains(attribute), "{reason}");
            }
            other => panic!("a bad `{attribute}` must be Corrupt, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_fresh_invocation_costs_two_requests_and_a_duplicate_one() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    let store = store(&moto, "idempotency").await;
    let setup = store.requests();
    assert!(setup >= 3, "create_table counts its own requests: {setup}");

    let first = claim(&key("orders", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
    store
        .complete(&completion(&first, r#"{"ok":true}"#))
        .await
        .unwrap();
    assert_eq!(store.requests() - setup, 2, "claim + complete");

    let before = store.requests();
    match store.claim(&claim(&first.key, "t2", T0 + 1)).await {
        Ok(Claimed::Existing(record)) => {
            assert_eq!(record.status, Status::Completed);
            assert_eq!(record.data.as_deref(), Some(r#"{"ok":true}"#));
        }
        other => panic!("a duplicate must see the completed record, got {other:?}"),
    }
    assert_eq!(store.requests() - before, 1, "a duplicate's claim");

    let before = store.requests();
    let released = claim(&key("orders", 2), "t1", T0);
    assert_eq!(store.claim(&released).await.unwrap(), Claimed::New);
    store.release(&released.key, "t1").await.unwrap();
    assert_eq!(store.requests() - before, 2, "claim + release");

    // Figures: sequential latency against moto on loopback.
    const ROUNDS: usize = 100;
    let started = Instant::now();
    for n in 0..ROUNDS {
        let fresh = claim(&key("latency", n), "t1", T0);
        assert_eq!(store.claim(&fresh).await.unwrap(), Claimed::New);
    }
    let fresh = started.elapsed() / ROUNDS as u32;
    let started = Instant::now();
    for n in 0..ROUNDS {
        let duplicate = claim(&key("latency", n), "t2", T0 + 1);
        assert!(matches!(
            store.claim(&duplicate).await.unwrap(),
            Claimed::Existing(_)
        ));
    }
    let duplicate = started.elapsed() / ROUNDS as u32;
    eprintln!(
        "moto on loopback: {fresh:?} per fresh claim, {duplicate:?} per duplicate claim ({ROUNDS} each, sequential)"
    );
}

/// Runs this test binary again as a child, with `env`, to run only
/// `test`: `from_env` reads the process environment, which a test must not
/// change under the other threads.
fn run_child(test: &str, env: Vec<(String, String)>, remove: &[&str]) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = std::process::Command::new(exe);
    command
        .args([test, "--exact", "--ignored", "--nocapture"])
        .env("FAAS_DYNAMODB_CHILD", test)
        .envs(env);
    for name in remove {
        command.env_remove(name);
    }
    let output = command.output().expect("the child test runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child test {test} failed:\n{stdout}\n{stderr}"
    );
}

/// Whether this process is the child running `test` (a child test run
/// with `--include-ignored` in the parent does nothing).
fn is_child(test: &str) -> bool {
    std::env::var("FAAS_DYNAMODB_CHILD").is_ok_and(|name| name == test)
}

#[tokio::test]
async fn from_env_reads_the_region_credentials_and_endpoint() {
    let Some(moto) = MotoServer::start() else {
        return;
    };
    run_child("from_env_child", moto.env(), &["AWS_PROFILE"]);
}

#[tokio::test]
#[ignore = "run in a child process by from_env_reads_the_region_credentials_and_endpoint"]
async fn from_env_child() {
    if !is_child("from_env_child") {
        return;
    }
    let store = DynamoDbStore::from_env("from-env")
        .await
        .expect("the environment configures the client");
    store.create_table().await.expect("the table is created");
    let first = claim(&key("orders", 1), "t1", T0);
    assert_eq!(store.claim(&first).await.unwrap(), Claimed::New);
}

#[test]
fn from_env_without_a_region_is_a_config_error() {
    let env = vec![
        (
            "AWS_CONFIG_FILE".to_owned(),
            "/nonexistent/config".to_owned(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
            "/nonexistent/credentials".to_owned(),
        ),
        ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
    ];
    run_child(
        "from_env_without_a_region_child",
        env,
        &["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"],
    );
}

#[tokio::test]
#[ignore = "run in a child process by from_env_without_a_region_is_a_config_error"]
async fn from_env_without_a_region_child() {
    if !is_child("from_env_without_a_region_child") {
        return;
    }
    match DynamoDbStore::from_env("idempotency").await {
        Err(StoreError::Config(message)) => assert!(message.contains("AWS_REGION"), "{message}"),
        other => panic!("no region must be a Config error, got {other:?}"),
    }
}
