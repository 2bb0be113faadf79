//! What the tests of real stores share: DynamoDB clients of a moto server.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use faas::idempotency::DynamoDbStore;
use faas_testkit::servers::moto::MotoServer;

/// A client of `endpoint` with short timeouts and `attempts` attempts per call.
pub fn client(endpoint: &str, attempts: u32) -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_attempt_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .build();
    Client::from_conf(config)
}

/// A store of a new table named `table` on `moto`.
pub async fn store(moto: &MotoServer, table: &str) -> DynamoDbStore {
    let store = DynamoDbStore::new(client(&moto.endpoint_url(), 3), table);
    store.create_table().await.expect("the table is created");
    store
}
