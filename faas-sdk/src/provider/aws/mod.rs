//! AWS: the events Lambda receives from API Gateway (REST and HTTP API),
//! Function URLs, ALB, SQS, SNS, S3, EventBridge, Kinesis and DynamoDB
//! Streams, parsed with the wire structs of `aws_lambda_events`.

mod http;
mod queue;
mod schedule;
mod storage;
mod stream;

use crate::wire::{DecodeError, Source, parse_provider};

pub(crate) use http::http_request;
pub(crate) use queue::{sns_envelope, sns_messages, sqs_messages};
pub(crate) use schedule::scheduled_event;
pub(crate) use storage::{s3_over_sns, s3_over_sqs, s3_records, s3_via_eventbridge};
pub(crate) use stream::{dynamodb_records, kinesis_records};

/// The top-level `source` and `detail-type` of an EventBridge event, read
/// with serde: a key scan could find a key of the same name inside `detail`.
#[derive(serde::Deserialize)]
struct EventBridgeHeader {
    source: String,
    #[serde(rename = "detail-type")]
    detail_type: String,
}

impl EventBridgeHeader {
    fn read(bytes: &[u8], expected: &'static str) -> Result<Self, DecodeError> {
        parse_provider(bytes, Source::EventBridge, expected)
    }
}
