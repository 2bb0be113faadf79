//! Every contract against every bundled provider payload.
//!
//! [`FIXTURES`] classifies each file under `faas-testkit/fixtures/`: the
//! provider format it looks like, and which contracts take it. Then:
//!
//! - every contract that takes it decodes it, and the typed fields equal the
//!   values read from the file by JSON pointer (an oracle that does not call
//!   the SDK), with the reply format the platform needs;
//! - every other contract refuses it with a `DecodeError` that names the
//!   trigger it expected, says what the event looks like, and points at the
//!   field at fault;
//! - the table covers every file, so a new fixture cannot be skipped.
//!
//! Each file is tried as stored and re-serialized with sorted keys (what
//! `fixtures::bundled` returns): JSON key order must not matter.

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use faas::contract::{
    Batch, ChangeKind, Decoded, FromEvent, HttpRequest, Json, QueueMessage, QueueSource, Record,
    ScheduleEvent, StorageEvent, StorageEventKind, StorageSource, StreamRecord, StreamSource, Unit,
};
use faas::payload::{Binary, Text};
use faas::wire::{DecodeError, Source};
use faas::wire::{HttpShape, ReplyFormat};
use faas::{ErrorKind, FunctionError};
use serde_json::{Value, json};

use Accept::*;
use Class::*;

// ---------------------------------------------------------------------------
// The classification

/// A contract a handler can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contract {
    Http,
    Json,
    Queue,
    Storage,
    Schedule,
    Stream,
    CloudEvent,
}

const CONTRACTS: [Contract; 7] = [
    Contract::Http,
    Contract::Json,
    Contract::Queue,
    Contract::Storage,
    Contract::Schedule,
    Contract::Stream,
    Contract::CloudEvent,
];

impl Contract {
    /// What its errors say it expected.
    fn trigger(self) -> &'static str {
        match self {
            Contract::Http | Contract::Json => {
                "an HTTP request (API Gateway REST or HTTP API, Lambda Function URL, ALB)"
            }
            Contract::Queue => "a queue message (SQS, SNS, SNS over SQS, Pub/Sub)",
            Contract::Storage => {
                "a storage event (S3 notification, S3 via EventBridge, S3 over SQS or SNS, GCS CloudEvent)"
            }
            Contract::Schedule => {
                "a schedule event (EventBridge scheduled rule, Cloud Scheduler HTTP job)"
            }
            Contract::Stream => "a stream record (Kinesis, DynamoDB Streams)",
            Contract::CloudEvent => "a CloudEvent (spec 1.0; binary, structured or batched mode)",
        }
    }
}

/// A contract that takes a fixture, and how the event reached it.
#[derive(Debug, Clone, Copy)]
enum Accept {
    /// `HttpRequest` and `Json<T>`.
    Http(HttpShape),
    Queue(QueueSource),
    Storage(StorageSource),
    Schedule,
    Stream(StreamSource),
    CloudEvent,
}

impl Accept {
    fn contracts(self) -> &'static [Contract] {
        match self {
            Http(_) => &[Contract::Http, Contract::Json],
            Queue(_) => &[Contract::Queue],
            Storage(_) => &[Contract::Storage],
            Schedule => &[Contract::Schedule],
            Stream(_) => &[Contract::Stream],
            CloudEvent => &[Contract::CloudEvent],
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Class {
    /// These contracts decode it; every other refuses it.
    Accepted(&'static [Accept]),
    /// The format of a contract, broken: it refuses the event at this pointer.
    Malformed(Contract, &'static str),
    /// No contract takes it, for this reason.
    NoContract(&'static str),
}

struct Fixture {
    /// The directory under `faas_testkit::fixtures::bundled_dir()`.
    dir: &'static str,
    file: &'static str,
    /// What `Source::detect` must say (`Direct`: no known format).
    looks_like: Source,
    class: Class,
}

impl Fixture {
    fn path(&self) -> String {
        format!("{}/{}", self.dir, self.file)
    }
}

/// A file copied unchanged from `aws_lambda_events` 1.2.1.
const fn aws(file: &'static str, looks_like: Source, class: Class) -> Fixture {
    Fixture {
        dir: "aws_lambda_events",
        file,
        looks_like,
        class,
    }
}

/// A file of ours, for a format `aws_lambda_events` has no example of
/// (see `fixtures/faas/README.md`).
const fn ours(file: &'static str, looks_like: Source, class: Class) -> Fixture {
    Fixture {
        dir: "faas",
        ..aws(file, looks_like, class)
    }
}

const REST: Accept = Http(HttpShape::ApiGatewayRest);
const HTTP_API: Accept = Http(HttpShape::ApiGatewayHttp);

const AUTHORIZER: &str =
    "an API Gateway Lambda authorizer request: it must answer with a policy, not a response";
const AUTHORIZER_RESPONSE: &str = "the IAM policy a Lambda authorizer returns, not an event";
const WEBSOCKET: &str = "an API Gateway WebSocket route event: a connection, not an HTTP request";
const OBJECT_LAMBDA: &str =
    "an S3 Object Lambda request: it must answer through WriteGetObjectResponse";
const SNS_CONFIRMATION: &str =
    "an SNS subscription (un)confirmation: it carries no message to handle";

/// Every bundled fixture: what it looks like, and who takes it.
#[rustfmt::skip]
const FIXTURES: &[Fixture] = &[
    aws("example-alb-lambda-target-request-headers-only.json", Source::Alb, Accepted(&[Http(HttpShape::Alb { multi_value: false })])),
    aws("example-alb-lambda-target-request-multivalue-headers.json", Source::Alb, Accepted(&[Http(HttpShape::Alb { multi_value: true })])),
    aws("example-alb-lambda-target-response.json", Source::Direct, NoContract("the response an ALB target returns, not a request")),
    aws("example-apigw-console-request.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-console-test-request.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-custom-auth-request-type-request.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-custom-auth-request.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-custom-auth-response-with-condition.json", Source::Direct, NoContract(AUTHORIZER_RESPONSE)),
    aws("example-apigw-custom-auth-response-with-single-value-action.json", Source::Direct, NoContract(AUTHORIZER_RESPONSE)),
    aws("example-apigw-custom-auth-response-with-single-value-resource.json", Source::Direct, NoContract(AUTHORIZER_RESPONSE)),
    aws("example-apigw-custom-auth-response.json", Source::Direct, NoContract(AUTHORIZER_RESPONSE)),
    aws("example-apigw-request-catch-all.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-request-multi-value-parameters.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-request.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-response.json", Source::Direct, NoContract("the response a REST API proxy integration returns, not a request")),
    aws("example-apigw-restapi-openapi-request.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-sam-http-request.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-sam-rest-request.json", Source::ApiGatewayRest, Accepted(&[REST])),
    aws("example-apigw-v2-custom-authorizer-v1-request.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-custom-authorizer-v2-request-null-maps.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-custom-authorizer-v2-request-without-cookies.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-custom-authorizer-v2-request-without-identity-source.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-custom-authorizer-v2-request.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-custom-authorizer-websocket-request.json", Source::ApiGatewayAuthorizer, NoContract(AUTHORIZER)),
    aws("example-apigw-v2-request-iam.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-v2-request-jwt-authorizer.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-v2-request-lambda-authorizer.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-v2-request-multi-value-parameters.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-v2-request-no-authorizer.json", Source::ApiGatewayHttp, Accepted(&[HTTP_API])),
    aws("example-apigw-websocket-request-disconnect-route.json", Source::ApiGatewayWebSocket, NoContract(WEBSOCKET)),
    aws("example-apigw-websocket-request-without-method.json", Source::ApiGatewayWebSocket, NoContract(WEBSOCKET)),
    aws("example-apigw-websocket-request.json", Source::ApiGatewayWebSocket, NoContract(WEBSOCKET)),
    aws("example-dynamodb-event-null-items.json", Source::DynamoDbStream, Malformed(Contract::Stream, "/Records/0/dynamodb/Keys")),
    aws("example-dynamodb-event-record-with-optional-fields.json", Source::Direct, NoContract("one DynamoDB stream record on its own; Lambda delivers batches")),
    aws("example-dynamodb-event.json", Source::DynamoDbStream, Accepted(&[Stream(StreamSource::DynamoDb)])),
    aws("example-eventbridge-event-obj.json", Source::EventBridge, NoContract("an EC2 event: EventBridge events of other services have no contract; take the payload as a `T`")),
    aws("example-eventbridge-schedule.json", Source::EventBridge, Accepted(&[Schedule])),
    aws("example-kinesis-event-encrypted.json", Source::Kinesis, Accepted(&[Stream(StreamSource::Kinesis)])),
    aws("example-kinesis-event.json", Source::Kinesis, Accepted(&[Stream(StreamSource::Kinesis)])),
    aws("example-kinesis-firehose-event.json", Source::Direct, NoContract("a Kinesis Data Firehose transformation: it must answer with the transformed records")),
    aws("example-kinesis-firehose-response.json", Source::Direct, NoContract("the answer to a Firehose transformation, not an event")),
    aws("example-s3-event-with-decoded.json", Source::S3, Accepted(&[Storage(StorageSource::S3)])),
    aws("example-s3-event.json", Source::S3, Accepted(&[Storage(StorageSource::S3)])),
    aws("example-s3-object-lambda-event-get-object-assumed-role.json", Source::Direct, NoContract(OBJECT_LAMBDA)),
    aws("example-s3-object-lambda-event-get-object-iam.json", Source::Direct, NoContract(OBJECT_LAMBDA)),
    aws("example-s3-object-lambda-event-head-object-iam.json", Source::Direct, NoContract(OBJECT_LAMBDA)),
    aws("example-s3-object-lambda-event-list-objects-iam.json", Source::Direct, NoContract(OBJECT_LAMBDA)),
    aws("example-s3-object-lambda-event-list-objects-v2-iam.json", Source::Direct, NoContract(OBJECT_LAMBDA)),
    aws("example-sns-event-obj.json", Source::Sns, Accepted(&[Queue(QueueSource::Sns)])),
    aws("example-sns-event-pascal-case.json", Source::Sns, Accepted(&[Queue(QueueSource::Sns)])),
    aws("example-sns-event.json", Source::Sns, Accepted(&[Queue(QueueSource::Sns)])),
    aws("example-sns-subscription-confirmation.json", Source::SnsEnvelope, NoContract(SNS_CONFIRMATION)),
    aws("example-sns-unsubscribe-confirmation.json", Source::SnsEnvelope, NoContract(SNS_CONFIRMATION)),
    aws("example-sqs-api-event-obj.json", Source::Direct, NoContract("the output of the SQS ReceiveMessage API, which a poller reads; Lambda never sends it")),
    aws("example-sqs-batch-response.json", Source::Direct, NoContract("the partial batch failure answer a function gives SQS, not an event")),
    aws("example-sqs-event-obj.json", Source::Sqs, Accepted(&[Queue(QueueSource::Sqs)])),
    aws("example-sqs-event.json", Source::Sqs, Accepted(&[Queue(QueueSource::Sqs)])),
    ours("cloudevent-structured.json", Source::CloudEvent, Accepted(&[CloudEvent])),
    ours("dynamodb-keys-only.json", Source::DynamoDbStream, Accepted(&[Stream(StreamSource::DynamoDb)])),
    ours("function-url-request.json", Source::FunctionUrl, Accepted(&[Http(HttpShape::FunctionUrl)])),
    ours("s3-eventbridge-object-created.json", Source::EventBridge, Accepted(&[Storage(StorageSource::EventBridge)])),
    ours("s3-eventbridge-object-deleted.json", Source::EventBridge, Accepted(&[Storage(StorageSource::EventBridge)])),
    ours("s3-over-sns-over-sqs.json", Source::Sqs, Accepted(&[Queue(QueueSource::SnsOverSqs), Storage(StorageSource::Sqs)])),
    ours("s3-over-sns.json", Source::Sns, Accepted(&[Queue(QueueSource::Sns), Storage(StorageSource::Sns)])),
    ours("s3-over-sqs.json", Source::Sqs, Accepted(&[Queue(QueueSource::Sqs), Storage(StorageSource::Sqs)])),
    ours("s3-test-event-over-sns-over-sqs.json", Source::Sqs, Accepted(&[Queue(QueueSource::SnsOverSqs), Storage(StorageSource::Sqs)])),
    ours("s3-test-event-over-sqs.json", Source::Sqs, Accepted(&[Queue(QueueSource::Sqs), Storage(StorageSource::Sqs)])),
    ours("sns-http-notification.json", Source::SnsEnvelope, Accepted(&[Queue(QueueSource::Sns)])),
    ours("sns-over-sqs.json", Source::Sqs, Accepted(&[Queue(QueueSource::SnsOverSqs)])),
    ours("sqs-fifo-batch.json", Source::Sqs, Accepted(&[Queue(QueueSource::Sqs)])),
];

/// Files in the fixture directories that are not payloads.
const NOT_PAYLOADS: &[&str] = &["aws_lambda_events/LICENSE", "faas/README.md"];

// ---------------------------------------------------------------------------
// The tests over the table

#[test]
fn the_table_classifies_every_bundled_file_once() {
    let root = faas_testkit::fixtures::bundled_dir();
    let mut on_disk = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("a fixture directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(&root).expect("under the root");
                on_disk.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(Fixture::path).collect();
    listed.extend(NOT_PAYLOADS.iter().map(|path| (*path).to_owned()));
    listed.sort();
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|path| !listed.contains(path))
        .collect();
    let missing: Vec<&String> = listed
        .iter()
        .filter(|path| !on_disk.contains(path))
        .collect();
    assert!(
        unlisted.is_empty(),
        "fixtures missing from FIXTURES: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "FIXTURES lists files that do not exist: {missing:?}"
    );
    listed.dedup();
    assert_eq!(
        listed.len(),
        FIXTURES.len() + NOT_PAYLOADS.len(),
        "a file is listed twice"
    );
    assert_eq!(
        FIXTURES
            .iter()
            .filter(|f| f.dir == "aws_lambda_events")
            .count(),
        57,
        "the vendored aws_lambda_events fixtures"
    );
}

#[test]
fn each_fixture_looks_like_its_source() {
    for fixture in FIXTURES {
        for (form, bytes) in forms(fixture) {
            assert_eq!(
                Source::detect(&bytes),
                fixture.looks_like,
                "{} ({form})",
                fixture.path()
            );
        }
    }
}

#[test]
fn each_contract_decodes_the_fixtures_it_accepts_into_the_files_values() {
    for fixture in FIXTURES {
        let Accepted(accepts) = fixture.class else {
            continue;
        };
        let file = load(&fixture.path());
        for (form, bytes) in forms(fixture) {
            let at = format!("{} ({form})", fixture.path());
            for accept in accepts {
                match *accept {
                    Http(shape) => check_http(&at, &file, &bytes, shape),
                    Queue(source) => check_queue(&at, &file, &bytes, source),
                    Storage(source) => check_storage(&at, &file, &bytes, source),
                    Schedule => check_schedule(&at, &file, &bytes),
                    Stream(source) => check_stream(&at, &file, &bytes, source),
                    CloudEvent => check_cloudevent(&at, &file, &bytes),
                }
            }
        }
    }
}

#[test]
fn every_other_contract_refuses_with_an_error_that_explains_itself() {
    for fixture in FIXTURES {
        let file = load(&fixture.path());
        let (accepting, why): (Vec<Contract>, &str) = match fixture.class {
            Accepted(accepts) => (
                accepts
                    .iter()
                    .flat_map(|a| a.contracts())
                    .copied()
                    .collect(),
                "accepted elsewhere",
            ),
            Malformed(..) => (Vec::new(), "malformed"),
            NoContract(why) => (Vec::new(), why),
        };
        for (form, bytes) in forms(fixture) {
            for contract in CONTRACTS.into_iter().filter(|c| !accepting.contains(c)) {
                let at = format!("{} ({form}) as {contract:?} [{why}]", fixture.path());
                for err in refusals(contract, &bytes, &at) {
                    assert_explains(&at, &err, contract, fixture.looks_like, &file);
                    if let Malformed(malformed, pointer) = fixture.class {
                        if malformed == contract {
                            assert_eq!(err.pointer(), pointer, "{at}: {err}");
                        }
                    }
                }
            }
        }
    }
}

/// The file as stored, and with its keys sorted.
fn forms(fixture: &Fixture) -> [(&'static str, Vec<u8>); 2] {
    let path = fixture.path();
    [
        ("as stored", bytes_of(&path)),
        ("keys sorted", load(&path).to_string().into_bytes()),
    ]
}

fn load(path: &str) -> Value {
    faas_testkit::fixtures::bundled(path).unwrap_or_else(|err| panic!("{err}"))
}

// ---------------------------------------------------------------------------
// Refusals

/// Why `contract` refuses the event: its decode error, or, when it decodes
/// the envelope but no record in it (a queue whose messages are not storage
/// events), the error of every record.
fn refusals(contract: Contract, bytes: &[u8], at: &str) -> Vec<DecodeError> {
    let units = match contract {
        Contract::Http => attempt::<HttpRequest>(bytes),
        Contract::Json => attempt::<Json<Value>>(bytes),
        Contract::Queue => attempt::<QueueMessage<Binary>>(bytes),
        Contract::Storage => attempt::<StorageEvent>(bytes),
        Contract::Schedule => attempt::<ScheduleEvent>(bytes),
        Contract::Stream => attempt::<StreamRecord<Binary>>(bytes),
        Contract::CloudEvent => attempt::<faas::CloudEvent<Value>>(bytes),
    };
    let units = match units {
        Err(err) => return vec![err],
        Ok(units) => units,
    };
    assert!(
        !units.is_empty(),
        "{at}: decoded into no records instead of refusing"
    );
    units
        .into_iter()
        .map(|unit| {
            let err = unit
                .err()
                .unwrap_or_else(|| panic!("{at}: a record was accepted"));
            assert_eq!(err.kind(), ErrorKind::BadInput, "{at}: {err}");
            let decode = err
                .downcast_ref::<DecodeError>()
                .unwrap_or_else(|| panic!("{at}: {err:?}"));
            assert_eq!(err.violations()[0].pointer, decode.pointer(), "{at}");
            decode.clone()
        })
        .collect()
}

/// Decodes `bytes` as `E` and every unit of it.
fn attempt<E: FromEvent>(bytes: &[u8]) -> Result<Vec<Result<(), FunctionError>>, DecodeError> {
    let decoded = E::decode(bytes.to_vec().into())?;
    Ok(decoded
        .into_units()
        .into_iter()
        .map(|unit| E::from_unit(unit).map(drop))
        .collect())
}

/// A refusal names the trigger, says what arrived, never falls back to
/// serde's untagged-enum wording, and points at the field at fault.
fn assert_explains(
    at: &str,
    err: &DecodeError,
    contract: Contract,
    looks_like: Source,
    file: &Value,
) {
    assert_typed(at, err, contract);
    let message = err.to_string();
    if looks_like == Source::Direct {
        assert!(
            message.contains("matches no known format"),
            "{at}: {message}"
        );
        assert_eq!(err.seen(), None, "{at}");
    } else {
        assert!(message.contains(looks_like.describe()), "{at}: {message}");
        assert_eq!(err.seen(), Some(looks_like), "{at}");
    }
    if message.contains(" has a bad field at ") {
        assert!(message.contains(err.pointer()), "{at}: {message}");
        assert!(
            points_into(file, err.pointer()),
            "{at}: {} is not in the file",
            err.pointer()
        );
    } else {
        assert!(
            !message.contains("could not be decoded"),
            "{at}: a field error without a pointer: {message}"
        );
        assert_eq!(err.pointer(), "", "{at}: {message}");
    }
}

/// What every decode error does: names the trigger, never serde's
/// untagged-enum wording, and becomes a `bad_input` error with its pointer.
fn assert_typed(at: &str, err: &DecodeError, contract: Contract) {
    let message = err.to_string();
    assert_eq!(err.expected(), contract.trigger(), "{at}");
    assert!(
        message.starts_with(&format!("expected {}", contract.trigger())),
        "{at}: {message}"
    );
    for banned in ["untagged enum", "did not match any variant"] {
        assert!(!message.contains(banned), "{at}: {message}");
    }
    let function_error = err.clone().into_function_error();
    assert_eq!(function_error.kind(), ErrorKind::BadInput, "{at}");
    assert_eq!(
        function_error.violations()[0].pointer,
        err.pointer(),
        "{at}"
    );
    assert_eq!(function_error.to_string(), message, "{at}");
}

/// Whether `pointer` names a value of `file`, or a missing field of one.
fn points_into(file: &Value, pointer: &str) -> bool {
    let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
    !pointer.is_empty()
        && (file.pointer(pointer).is_some() || file.pointer(parent).is_some_and(Value::is_object))
}

// ---------------------------------------------------------------------------
// Reading the file: the oracle

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn entries<'a>(value: &'a Value, pointer: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn items<'a>(value: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// JSON carried as text in a field (an SQS body, an SNS message).
fn nested(value: &Value, pointer: &str) -> Value {
    serde_json::from_str(text(value, pointer).unwrap_or_default()).unwrap_or(Value::Null)
}

fn time(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    text(value, pointer).map(|t| {
        DateTime::parse_from_rfc3339(t)
            .expect("an RFC 3339 time")
            .to_utc()
    })
}

fn millis(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    let ms: i64 = text(value, pointer)?.parse().expect("milliseconds");
    Utc.timestamp_millis_opt(ms).single()
}

/// Float seconds, in whole milliseconds.
fn seconds(value: &Value, pointer: &str) -> Option<i64> {
    Some((value.pointer(pointer)?.as_f64()? * 1000.0).round() as i64)
}

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// HTTP

/// What an HTTP request in the file says.
#[derive(Debug, PartialEq)]
struct HttpView {
    method: String,
    path: String,
    query: BTreeMap<String, Vec<String>>,
    headers: BTreeMap<String, Vec<String>>,
    cookies: Vec<(String, String)>,
    body: Bytes,
}

/// Payload 1.0 sends a single- and a multi-value map of the same pairs;
/// the multi-value one (when there is one) has every value.
fn every_value(file: &Value, multi: &str, single: &str) -> Vec<(String, String)> {
    let map = if entries(file, multi).count() > 0 {
        multi
    } else {
        single
    };
    entries(file, map)
        .flat_map(|(key, values)| {
            let values = values
                .as_array()
                .map_or_else(|| vec![values], |list| list.iter().collect());
            values
                .into_iter()
                .map(|v| (key.clone(), v.as_str().unwrap_or_default().to_owned()))
        })
        .collect()
}

/// Pairs grouped by key, values in order.
fn grouped(pairs: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    map
}

fn http_view_of_file(file: &Value, shape: HttpShape) -> HttpView {
    let payload_v1 = matches!(shape, HttpShape::ApiGatewayRest | HttpShape::Alb { .. });
    let lowercase = |(name, value): (String, String)| (name.to_ascii_lowercase(), value);
    let (method, path, query, headers) = if payload_v1 {
        let query = every_value(
            file,
            "/multiValueQueryStringParameters",
            "/queryStringParameters",
        );
        // An ALB passes the query through undecoded.
        let alb = matches!(shape, HttpShape::Alb { .. });
        let query = query.into_iter().map(|(k, v)| {
            if alb {
                (form_decode(&k), form_decode(&v))
            } else {
                (k, v)
            }
        });
        let headers = every_value(file, "/multiValueHeaders", "/headers")
            .into_iter()
            .map(lowercase);
        (
            text(file, "/httpMethod"),
            text(file, "/path"),
            grouped(query),
            grouped(headers),
        )
    } else {
        let raw_query = text(file, "/rawQueryString").unwrap_or_default();
        let query = form_urlencoded::parse(raw_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()));
        let headers = entries(file, "/headers")
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()));
        let (method, path) = (
            text(file, "/requestContext/http/method"),
            text(file, "/rawPath"),
        );
        (
            method,
            path,
            grouped(query),
            grouped(headers.map(lowercase)),
        )
    };
    // Cookies come in a list (payload 2.0) or in `Cookie` headers; a pair needs an `=`.
    let cookie_texts: Vec<String> = if payload_v1 {
        headers.get("cookie").cloned().unwrap_or_default()
    } else {
        items(file, "/cookies")
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect()
    };
    let cookies = cookie_texts
        .iter()
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let body = text(file, "/body").unwrap_or_default();
    let body = if file.pointer("/isBase64Encoded") == Some(&Value::Bool(true)) {
        Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .expect("a base64 body"),
        )
    } else {
        Bytes::copy_from_slice(body.as_bytes())
    };
    HttpView {
        method: method.expect("a method").to_owned(),
        path: path.expect("a path").to_owned(),
        query,
        headers,
        cookies,
        body,
    }
}

fn http_view_of_request(req: &HttpRequest) -> HttpView {
    let query = grouped(req.query_pairs().map(|(k, v)| (k.to_owned(), v.to_owned())));
    let headers = req
        .headers()
        .keys()
        .map(|name| {
            let values = req
                .headers()
                .get_all(name)
                .iter()
                .map(|v| v.to_str().expect("ASCII").to_owned());
            (name.as_str().to_owned(), values.collect())
        })
        .collect();
    HttpView {
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        query,
        headers,
        cookies: req
            .cookies()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        body: Bytes::copy_from_slice(req.body()),
    }
}

fn check_http(at: &str, file: &Value, bytes: &[u8], shape: HttpShape) {
    let decoded =
        <HttpRequest>::decode(bytes.to_vec().into()).unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(decoded.reply_format(), ReplyFormat::Http(shape), "{at}");
    let req = <HttpRequest>::from_unit(single(decoded.into_units(), at)).expect("a request");
    assert_eq!(req.shape(), shape, "{at}");
    assert_eq!(
        http_view_of_request(&req),
        http_view_of_file(file, shape),
        "{at}"
    );
    for (name, value) in entries(file, "/pathParameters") {
        assert_eq!(
            req.path_param(name),
            value.as_str(),
            "{at}: path parameter {name}"
        );
    }
    // `Json<T>` reads the same body, and answers in the same shape.
    let json =
        Json::<Value>::decode(bytes.to_vec().into()).unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(json.reply_format(), ReplyFormat::Http(shape), "{at}");
    match (
        serde_json::from_slice::<Value>(req.body()),
        Json::<Value>::from_unit(single(json.into_units(), at)),
    ) {
        (Ok(expected), Ok(Json(body))) => assert_eq!(body, expected, "{at}"),
        (Err(_), Err(err)) => assert_eq!(err.kind(), ErrorKind::BadInput, "{at}"),
        (expected, got) => panic!("{at}: body {expected:?}, Json<Value> gave {got:?}"),
    }
}

fn single<U>(units: Vec<U>, at: &str) -> U {
    assert_eq!(units.len(), 1, "{at}: one unit");
    units.into_iter().next().expect("one unit")
}

// ---------------------------------------------------------------------------
// Records

/// Decodes a batch one unit per record (as a handler of a record type
/// runs) and checks `Batch<R>` sees the same number of records.
fn records<R: Record>(at: &str, bytes: &[u8], reply: ReplyFormat) -> Vec<(Option<String>, R)> {
    let decoded = Decoded::records(
        R::decode_records(bytes.to_vec().into()).unwrap_or_else(|err| panic!("{at}: {err}")),
    );
    assert_eq!(decoded.reply_format(), reply, "{at}");
    let records: Vec<(Option<String>, R)> = decoded
        .into_units()
        .into_iter()
        .map(|unit| {
            let id = unit.item_id().map(str::to_owned);
            let record = R::from_unit(unit).unwrap_or_else(|err| panic!("{at}: {err}"));
            (id, record)
        })
        .collect();
    let batch =
        Batch::<R>::decode(bytes.to_vec().into()).unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(
        batch.reply_format(),
        ReplyFormat::Direct,
        "{at}: Batch<R> fails or succeeds as a whole"
    );
    let batch = Batch::<R>::from_unit(single(batch.into_units(), at))
        .unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(batch.records().len(), records.len(), "{at}: Batch<R>");
    records
}

/// What a queue message in the file says.
#[derive(Debug, PartialEq)]
struct QueueView {
    item_id: Option<String>,
    id: String,
    body: Bytes,
    attributes: BTreeMap<String, String>,
    receive_count: Option<u32>,
    group_id: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    source: QueueSource,
    origin: Option<String>,
}

/// The message of an SNS envelope at `sns`, as SNS delivered it.
fn sns_view(file: &Value, sns: &str) -> QueueView {
    QueueView {
        item_id: text(file, &format!("{sns}/MessageId")).map(str::to_owned),
        id: text(file, &format!("{sns}/MessageId"))
            .expect("MessageId")
            .to_owned(),
        body: Bytes::copy_from_slice(
            text(file, &format!("{sns}/Message"))
                .expect("Message")
                .as_bytes(),
        ),
        attributes: entries(file, &format!("{sns}/MessageAttributes"))
            .map(|(name, a)| (name.clone(), text(a, "/Value").expect("Value").to_owned()))
            .collect(),
        receive_count: None,
        group_id: None,
        sent_at: time(file, &format!("{sns}/Timestamp")),
        source: QueueSource::Sns,
        origin: text(file, &format!("{sns}/TopicArn")).map(str::to_owned),
    }
}

fn sqs_view(record: &Value, source: QueueSource) -> QueueView {
    let queue = QueueView {
        item_id: text(record, "/messageId").map(str::to_owned),
        id: text(record, "/messageId").expect("messageId").to_owned(),
        body: Bytes::copy_from_slice(text(record, "/body").expect("body").as_bytes()),
        attributes: entries(record, "/messageAttributes")
            .map(|(name, a)| {
                let value = text(a, "/stringValue")
                    .or_else(|| text(a, "/binaryValue"))
                    .expect("a value");
                (name.clone(), value.to_owned())
            })
            .collect(),
        receive_count: text(record, "/attributes/ApproximateReceiveCount")
            .map(|n| n.parse().expect("a count")),
        group_id: text(record, "/attributes/MessageGroupId").map(str::to_owned),
        sent_at: millis(record, "/attributes/SentTimestamp"),
        source,
        origin: text(record, "/eventSourceARN").map(str::to_owned),
    };
    if source != QueueSource::SnsOverSqs {
        return queue;
    }
    // The SNS envelope is unwrapped; the SQS message keeps its id, count and queue.
    let sns = sns_view(&json!({"Sns": nested(record, "/body")}), "/Sns");
    QueueView {
        body: sns.body,
        attributes: sns.attributes,
        sent_at: sns.sent_at,
        ..queue
    }
}

fn queue_views_of_file(file: &Value, source: QueueSource) -> Vec<QueueView> {
    match source {
        QueueSource::Sns if file.get("Records").is_none() => vec![sns_view(file, "")],
        QueueSource::Sns => (0..items(file, "/Records").count())
            .map(|i| sns_view(file, &format!("/Records/{i}/Sns")))
            .collect(),
        _ => items(file, "/Records")
            .map(|record| sqs_view(record, source))
            .collect(),
    }
}

fn check_queue(at: &str, file: &Value, bytes: &[u8], source: QueueSource) {
    let reply = match source {
        QueueSource::Sns => ReplyFormat::AllOrNothing,
        _ => ReplyFormat::BatchItemFailures,
    };
    let got: Vec<QueueView> = records::<QueueMessage<Binary>>(at, bytes, reply)
        .into_iter()
        .map(|(item_id, msg)| QueueView {
            item_id,
            id: msg.id,
            body: msg.body.0,
            attributes: msg.attributes.into_iter().collect(),
            receive_count: msg.receive_count,
            group_id: msg.group_id,
            sent_at: msg.sent_at,
            source: msg.source,
            origin: msg.origin,
        })
        .collect();
    assert_eq!(got, queue_views_of_file(file, source), "{at}");
}

/// What a storage notification in the file says.
#[derive(Debug, PartialEq)]
struct StorageView {
    item_id: Option<String>,
    bucket: String,
    key: String,
    kind: StorageEventKind,
    event_name: String,
    size: Option<u64>,
    etag: Option<String>,
    version: Option<String>,
    time: Option<DateTime<Utc>>,
    region: Option<String>,
    source: StorageSource,
}

fn kind_of(name: &str) -> StorageEventKind {
    match name {
        "ObjectCreated:Put" | "ObjectCreated:CompleteMultipartUpload" | "Object Created" => {
            StorageEventKind::Created
        }
        "ObjectRemoved:Delete" | "Object Deleted" => StorageEventKind::Removed,
        other => panic!("no fixture has {other}"),
    }
}

/// The records of an S3 notification document.
fn s3_views(s3: &Value, source: StorageSource, item_id: Option<&str>) -> Vec<StorageView> {
    if text(s3, "/Event") == Some("s3:TestEvent") {
        return Vec::new();
    }
    items(s3, "/Records")
        .map(|record| {
            let key = text(record, "/s3/object/key").expect("a key");
            let event_name = text(record, "/eventName").expect("eventName").to_owned();
            StorageView {
                item_id: item_id.map(str::to_owned),
                bucket: text(record, "/s3/bucket/name")
                    .expect("a bucket")
                    .to_owned(),
                key: text(record, "/s3/object/urlDecodedKey")
                    .map_or_else(|| form_decode(key), str::to_owned),
                size: record.pointer("/s3/object/size").and_then(Value::as_u64),
                etag: text(record, "/s3/object/eTag").map(str::to_owned),
                version: text(record, "/s3/object/versionId").map(str::to_owned),
                kind: kind_of(&event_name),
                event_name,
                time: time(record, "/eventTime"),
                region: text(record, "/awsRegion").map(str::to_owned),
                source,
            }
        })
        .collect()
}

fn storage_views_of_file(file: &Value, source: StorageSource) -> Vec<StorageView> {
    match source {
        StorageSource::S3 => s3_views(file, source, None),
        StorageSource::Sns => items(file, "/Records")
            .flat_map(|r| s3_views(&nested(r, "/Sns/Message"), source, None))
            .collect(),
        StorageSource::Sqs => items(file, "/Records")
            .flat_map(|record| {
                let body = nested(record, "/body");
                let s3 = if body.get("TopicArn").is_some() {
                    nested(&body, "/Message")
                } else {
                    body
                };
                s3_views(&s3, source, text(record, "/messageId"))
            })
            .collect(),
        _ => {
            let event_name = text(file, "/detail-type").expect("detail-type").to_owned();
            vec![StorageView {
                item_id: None,
                bucket: text(file, "/detail/bucket/name")
                    .expect("a bucket")
                    .to_owned(),
                key: text(file, "/detail/object/key").expect("a key").to_owned(),
                size: file.pointer("/detail/object/size").and_then(Value::as_u64),
                etag: text(file, "/detail/object/etag").map(str::to_owned),
                version: text(file, "/detail/object/version-id").map(str::to_owned),
                kind: kind_of(&event_name),
                event_name,
                time: time(file, "/time"),
                region: text(file, "/region").map(str::to_owned),
                source,
            }]
        }
    }
}

fn check_storage(at: &str, file: &Value, bytes: &[u8], source: StorageSource) {
    let reply = match source {
        StorageSource::Sqs => ReplyFormat::BatchItemFailures,
        _ => ReplyFormat::AllOrNothing,
    };
    let got: Vec<StorageView> = records::<StorageEvent>(at, bytes, reply)
        .into_iter()
        .map(|(item_id, event)| StorageView {
            item_id,
            bucket: event.bucket,
            key: event.key,
            size: event.size,
            etag: event.etag,
            version: event.version,
            kind: event.kind,
            event_name: event.event_name,
            time: event.time,
            region: event.region,
            source: event.source,
        })
        .collect();
    assert_eq!(got, storage_views_of_file(file, source), "{at}");
}

/// What a stream record in the file says. DynamoDB items are compared as
/// serde_json writes them (sorted keys), which both sides use.
#[derive(Debug, PartialEq)]
struct StreamView {
    item_id: Option<String>,
    partition_key: String,
    sequence_number: String,
    data: Bytes,
    /// Milliseconds: Kinesis sends float seconds.
    arrived_at: Option<i64>,
    source: StreamSource,
    change: Option<ChangeKind>,
    keys: Option<Value>,
    old_image: Option<Value>,
    origin: Option<String>,
}

/// DynamoDB's typed JSON as plain JSON; binary stays the base64 text it is.
fn plain(typed: &Value) -> Value {
    let (tag, value) = typed
        .as_object()
        .and_then(|o| o.iter().next())
        .expect("a typed value");
    let number = |n: &Value| {
        serde_json::from_str::<Value>(n.as_str().expect("N is text")).expect("a number")
    };
    match tag.as_str() {
        "S" | "B" | "BOOL" | "SS" | "BS" => value.clone(),
        "NULL" => Value::Null,
        "N" => number(value),
        "NS" => value.as_array().expect("NS").iter().map(number).collect(),
        "L" => value.as_array().expect("L").iter().map(plain).collect(),
        "M" => plain_map(value),
        other => panic!("unknown DynamoDB type {other}"),
    }
}

fn plain_map(map: &Value) -> Value {
    let map = map.as_object().expect("a map");
    Value::Object(map.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
}

/// A whole item; an empty or null one is no item.
fn plain_item(item: &Value) -> Option<Value> {
    item.as_object()
        .filter(|o| !o.is_empty())
        .map(|_| plain_map(item))
}

fn stream_views_of_file(file: &Value, source: StreamSource) -> Vec<StreamView> {
    items(file, "/Records")
        .map(|r| match source {
            StreamSource::Kinesis => StreamView {
                item_id: text(r, "/kinesis/sequenceNumber").map(str::to_owned),
                partition_key: text(r, "/kinesis/partitionKey")
                    .expect("partitionKey")
                    .to_owned(),
                sequence_number: text(r, "/kinesis/sequenceNumber")
                    .expect("sequenceNumber")
                    .to_owned(),
                data: base64::engine::general_purpose::STANDARD
                    .decode(text(r, "/kinesis/data").expect("data"))
                    .expect("base64")
                    .into(),
                arrived_at: seconds(r, "/kinesis/approximateArrivalTimestamp"),
                source,
                change: None,
                keys: None,
                old_image: None,
                origin: text(r, "/eventSourceARN").map(str::to_owned),
            },
            _ => {
                let keys = r.pointer("/dynamodb/Keys").and_then(plain_item);
                let old_image = r.pointer("/dynamodb/OldImage").and_then(plain_item);
                let new_image = r.pointer("/dynamodb/NewImage").and_then(plain_item);
                let data = new_image
                    .or_else(|| old_image.clone())
                    .or_else(|| keys.clone())
                    .expect("an item");
                StreamView {
                    item_id: text(r, "/dynamodb/SequenceNumber").map(str::to_owned),
                    partition_key: keys.as_ref().map(Value::to_string).unwrap_or_default(),
                    sequence_number: text(r, "/dynamodb/SequenceNumber")
                        .expect("SequenceNumber")
                        .to_owned(),
                    data: data.to_string().into(),
                    arrived_at: seconds(r, "/dynamodb/ApproximateCreationDateTime"),
                    source,
                    change: Some(match text(r, "/eventName") {
                        Some("INSERT") => ChangeKind::Insert,
                        Some("MODIFY") => ChangeKind::Modify,
                        Some("REMOVE") => ChangeKind::Remove,
                        other => panic!("no fixture has {other:?}"),
                    }),
                    keys,
                    old_image,
                    origin: text(r, "/eventSourceARN").map(str::to_owned),
                }
            }
        })
        .collect()
}

fn check_stream(at: &str, file: &Value, bytes: &[u8], source: StreamSource) {
    let as_json = |bytes: &[u8]| serde_json::from_slice::<Value>(bytes).expect("JSON");
    let got: Vec<StreamView> =
        records::<StreamRecord<Binary>>(at, bytes, ReplyFormat::BatchItemFailures)
            .into_iter()
            .map(|(item_id, rec)| StreamView {
                item_id,
                partition_key: rec.partition_key,
                sequence_number: rec.sequence_number,
                data: rec.data.0,
                arrived_at: rec
                    .arrived_at
                    .map(|t| (t.timestamp_micros() as f64 / 1000.0).round() as i64),
                source: rec.source,
                change: rec.change,
                keys: rec.keys,
                old_image: rec.old_image.map(|image| as_json(&image)),
                origin: rec.origin,
            })
            .collect();
    assert_eq!(got, stream_views_of_file(file, source), "{at}");
}

// ---------------------------------------------------------------------------
// Whole events

fn check_schedule(at: &str, file: &Value, bytes: &[u8]) {
    let decoded =
        ScheduleEvent::decode(bytes.to_vec().into()).unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(decoded.reply_format(), ReplyFormat::Direct, "{at}");
    let tick = ScheduleEvent::from_unit(single(decoded.into_units(), at)).expect("a tick");
    let rule = text(file, "/resources/0")
        .and_then(|arn| arn.rsplit_once('/'))
        .map(|(_, name)| name);
    assert_eq!(Some(tick.name.as_str()), rule, "{at}");
    assert_eq!(Some(tick.scheduled_time), time(file, "/time"), "{at}");
    assert_eq!(Some(tick.id.as_str()), text(file, "/id"), "{at}");
    assert_eq!(Some(&tick.detail), file.get("detail"), "{at}");
}

fn check_cloudevent(at: &str, file: &Value, bytes: &[u8]) {
    let decoded = faas::CloudEvent::<Value>::decode(bytes.to_vec().into())
        .unwrap_or_else(|err| panic!("{at}: {err}"));
    assert_eq!(decoded.reply_format(), ReplyFormat::Direct, "{at}");
    let event =
        faas::CloudEvent::<Value>::from_unit(single(decoded.into_units(), at)).expect("data");
    let attribute = |name: &str| text(file, &format!("/{name}")).map(str::to_owned);
    assert_eq!(Some(event.id), attribute("id"), "{at}");
    assert_eq!(Some(event.source), attribute("source"), "{at}");
    assert_eq!(Some(event.event_type), attribute("type"), "{at}");
    assert_eq!(Some(event.spec_version), attribute("specversion"), "{at}");
    assert_eq!(event.subject, attribute("subject"), "{at}");
    assert_eq!(event.time, time(file, "/time"), "{at}");
    assert_eq!(
        event.data_content_type,
        attribute("datacontenttype"),
        "{at}"
    );
    assert_eq!(event.data_schema, attribute("dataschema"), "{at}");
    let context = [
        "id",
        "source",
        "type",
        "specversion",
        "subject",
        "time",
        "datacontenttype",
        "dataschema",
        "data",
    ];
    let extensions: BTreeMap<String, Value> = entries(file, "")
        .filter(|(k, _)| !context.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(event.extensions, extensions, "{at}");
    assert_eq!(Some(&event.data), file.get("data"), "{at}");
}

// ---------------------------------------------------------------------------
// Values checked by hand, for the rules the oracle shares with the SDK
// (URL-decoded keys, repeated parameters, cookies, DynamoDB types)

fn bytes_of(path: &str) -> Vec<u8> {
    let path = faas_testkit::fixtures::bundled_dir().join(path);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn http(path: &str) -> HttpRequest {
    let decoded =
        <HttpRequest>::decode(bytes_of(path).into()).unwrap_or_else(|err| panic!("{path}: {err}"));
    <HttpRequest>::from_unit(single(decoded.into_units(), path)).expect("a request")
}

/// Each record of `bytes` decoded as `R`, as a handler of a record type gets them.
fn each<R: Record>(bytes: Vec<u8>, at: &str) -> Vec<Result<R, FunctionError>> {
    let records = R::decode_records(bytes.into()).unwrap_or_else(|err| panic!("{at}: {err}"));
    Decoded::records(records)
        .into_units()
        .into_iter()
        .map(R::from_unit)
        .collect()
}

fn all<R: Record>(path: &str) -> Vec<R> {
    each::<R>(bytes_of(path), path)
        .into_iter()
        .map(|r| r.unwrap_or_else(|err| panic!("{path}: {err}")))
        .collect()
}

/// A fixture with edits: `(pointer, new value)`; `None` removes the field.
fn edited(path: &str, edits: &[(&str, Option<Value>)]) -> Vec<u8> {
    let mut event = load(path);
    for (pointer, new) in edits {
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        match (event.pointer_mut(parent), new) {
            (Some(Value::Object(map)), Some(new)) => drop(map.insert(key.to_owned(), new.clone())),
            (Some(Value::Object(map)), None) => {
                assert!(map.remove(key).is_some(), "{path} has no {pointer}")
            }
            _ => panic!("{path} has no object at {parent}"),
        }
    }
    event.to_string().into_bytes()
}

#[test]
fn http_values_checked_by_hand() {
    let req = http("faas/function-url-request.json");
    assert_eq!(
        (req.method().as_str(), req.path()),
        ("PUT", "/orders/o-1001")
    );
    assert_eq!(
        req.query_all("expand").collect::<Vec<_>>(),
        ["lines", "customer"]
    );
    assert_eq!(req.query("note"), Some("rush order"));
    assert_eq!(
        req.cookies().collect::<Vec<_>>(),
        [("session", "5e3f1c2a"), ("theme", "dark")]
    );
    assert_eq!(req.header("x-request-id"), Some("req-7f3a"));
    assert_eq!(req.body(), br#"{"order_id":"o-1001","amount_cents":4200}"#);

    let req = http("aws_lambda_events/example-apigw-request-multi-value-parameters.json");
    assert_eq!(req.query_all("name").collect::<Vec<_>>(), ["me", "me2"]);
    let values: Vec<&[u8]> = req
        .headers()
        .get_all("headername")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    assert_eq!(values, [&b"headerValue"[..], b"headerValue2"]);
    assert_eq!(req.path_param("proxy"), Some("hello/world"));
    assert_eq!(req.body(), b"{\r\n\t\"a\": 1\r\n}");

    let req = http("aws_lambda_events/example-apigw-v2-request-multi-value-parameters.json");
    assert_eq!(
        req.query_all("Parameter1").collect::<Vec<_>>(),
        ["value1", "value2"]
    );
    assert_eq!(req.header("header2"), Some("value1,value2"));
    // "cookie1" and "cookie2" have no `=`: not cookie pairs (RFC 6265), so none is read.
    assert_eq!(req.cookies().count(), 0);

    let req = http("aws_lambda_events/example-alb-lambda-target-request-multivalue-headers.json");
    assert_eq!(
        (req.method().as_str(), req.query("key"), req.body()),
        ("GET", Some("hello"), &b"Some text"[..])
    );

    let base64_body = edited(
        "aws_lambda_events/example-apigw-v2-request-no-authorizer.json",
        &[
            ("/body", Some(json!("AJ+Slg=="))),
            ("/isBase64Encoded", Some(json!(true))),
        ],
    );
    let req = <HttpRequest>::from_unit(single(
        <HttpRequest>::decode(base64_body.into())
            .expect("decodes")
            .into_units(),
        "base64 body",
    ))
    .expect("a request");
    assert_eq!(req.body(), [0x00, 0x9f, 0x92, 0x96]);
}

#[test]
fn storage_values_checked_by_hand() {
    let objects = |path: &str| -> Vec<String> {
        let events = all::<StorageEvent>(path);
        events
            .into_iter()
            .map(|e| format!("{}/{} {:?} {:?}", e.bucket, e.key, e.size, e.kind))
            .collect()
    };
    assert_eq!(
        objects("aws_lambda_events/example-s3-event.json"),
        ["sourcebucket/Happy Face.jpg Some(1024) Created"]
    );
    assert_eq!(
        objects("aws_lambda_events/example-s3-event-with-decoded.json"),
        ["sourcebucket/Happy Face.jpg Some(1024) Created"]
    );
    assert_eq!(
        objects("faas/s3-over-sqs.json"),
        ["acme-uploads/uploads/2024/Happy Face(1).jpg Some(48213) Created"]
    );
    assert_eq!(
        objects("faas/s3-over-sns.json"),
        ["acme-media/videos/launch day!.mp4 Some(734003200) Created"]
    );
    assert_eq!(
        objects("faas/s3-over-sns-over-sqs.json"),
        ["acme-uploads/reports/2024/Q1 summary+draft.pdf None Removed"]
    );
    assert_eq!(
        objects("faas/s3-eventbridge-object-created.json"),
        ["acme-uploads/uploads/2024/invoice-0042.pdf Some(5) Created"]
    );
    assert_eq!(
        objects("faas/s3-eventbridge-object-deleted.json"),
        ["acme-uploads/uploads/2024/invoice-0042.pdf None Removed"]
    );
    assert_eq!(
        objects("faas/s3-test-event-over-sqs.json"),
        Vec::<String>::new()
    );
    assert_eq!(
        objects("faas/s3-test-event-over-sns-over-sqs.json"),
        Vec::<String>::new()
    );
}

#[test]
fn queue_values_checked_by_hand() {
    let fifo = all::<QueueMessage<Text>>("faas/sqs-fifo-batch.json");
    let groups: Vec<(Option<&str>, Option<u32>)> = fifo
        .iter()
        .map(|m| (m.group_id.as_deref(), m.receive_count))
        .collect();
    assert_eq!(
        groups,
        [(Some("tenant-42"), Some(1)), (Some("tenant-42"), Some(3))]
    );
    assert_eq!(fifo[1].attributes["correlation_id"], "c-9f2e");

    let sqs = all::<QueueMessage<Text>>("aws_lambda_events/example-sqs-event.json");
    let attributes: BTreeMap<&str, &str> = sqs[0]
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = [
        ("Attribute1", "AttributeValue1"),
        ("Attribute2", "123"),
        ("Attribute3", "MTEwMA=="),
    ];
    assert_eq!(attributes, BTreeMap::from(expected));
    assert_eq!(
        sqs[0].sent_at,
        Utc.timestamp_millis_opt(1_520_621_625_029).single()
    );

    let over_sqs = all::<QueueMessage<Text>>("faas/sns-over-sqs.json");
    assert_eq!(over_sqs[0].id, "059f36b4-87a3-44ab-83d2-661975830a7d");
    assert_eq!(over_sqs[0].source, QueueSource::SnsOverSqs);
    assert_eq!(
        over_sqs[0].body.as_str(),
        r#"{"order_id":"o-1001","amount_cents":4200}"#
    );
    assert_eq!(over_sqs[0].attributes["event_type"], "order.placed");
    assert_eq!(
        (over_sqs[0].receive_count, over_sqs[0].origin.as_deref()),
        (
            Some(2),
            Some("arn:aws:sqs:eu-west-1:123456789012:order-events-billing")
        )
    );

    let http = all::<QueueMessage<Text>>("faas/sns-http-notification.json");
    assert_eq!(
        (http[0].id.as_str(), http[0].source),
        ("22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", QueueSource::Sns)
    );
    assert_eq!(
        http[0].origin.as_deref(),
        Some("arn:aws:sns:us-west-2:123456789012:order-events")
    );
}

#[test]
fn stream_and_event_values_checked_by_hand() {
    let kinesis = all::<StreamRecord<Text>>("aws_lambda_events/example-kinesis-event.json");
    let data: Vec<(&str, &str)> = kinesis
        .iter()
        .map(|r| (r.partition_key.as_str(), r.data.as_str()))
        .collect();
    assert_eq!(data, [("s1", "Hello World"), ("s1", "Hello World")]);

    let dynamodb = all::<StreamRecord<Value>>("aws_lambda_events/example-dynamodb-event.json");
    assert_eq!(
        dynamodb[0].keys,
        Some(json!({"key": "binary", "val": "data"}))
    );
    assert_eq!(dynamodb[0].data["asdf2"], json!(["AAEqQQ==", "QSoBAA=="]));
    assert_eq!(dynamodb[1].data["Map"], json!({"Name": "Joe", "Age": 35}));
    assert_eq!(dynamodb[1].data["NumberSet"], json!([1234, 567.8]));
    assert_eq!(dynamodb[1].data["Null"], Value::Null);

    let keys_only = all::<StreamRecord<Value>>("faas/dynamodb-keys-only.json");
    let changes: Vec<(Option<ChangeKind>, Value)> =
        keys_only.into_iter().map(|r| (r.change, r.data)).collect();
    assert_eq!(
        changes,
        [
            (
                Some(ChangeKind::Insert),
                json!({"pk": "ORDER#o-1001", "sk": 1})
            ),
            (
                Some(ChangeKind::Modify),
                json!({"pk": "ORDER#o-1001", "sk": 1})
            ),
            (
                Some(ChangeKind::Remove),
                json!({"pk": "ORDER#o-0999", "sk": 2})
            ),
        ]
    );

    let path = "aws_lambda_events/example-eventbridge-schedule.json";
    let tick = ScheduleEvent::from_unit(single(
        ScheduleEvent::decode(bytes_of(path).into())
            .expect("decodes")
            .into_units(),
        path,
    ));
    let tick = tick.expect("a tick");
    assert_eq!(
        (tick.name.as_str(), tick.scheduled_time.to_rfc3339()),
        ("my-scheduled-rule", "2015-10-08T16:53:06+00:00".to_owned())
    );

    let path = "faas/cloudevent-structured.json";
    let decoded = faas::CloudEvent::<Value>::decode(bytes_of(path).into()).expect("decodes");
    let event =
        faas::CloudEvent::<Value>::from_unit(single(decoded.into_units(), path)).expect("data");
    assert_eq!(event.extensions["comexampleothervalue"], json!(5));
    assert_eq!(event.subject.as_deref(), Some("o-1001"));
}

// ---------------------------------------------------------------------------
// Broken and oversized input

/// An event no contract should take as it is.
struct Broken {
    what: &'static str,
    event: Vec<u8>,
    refused_by: &'static [Contract],
    pointer: &'static str,
    says: &'static str,
}

#[rustfmt::skip]
fn broken_events() -> Vec<Broken> {
    const SQS: &str = "aws_lambda_events/example-sqs-event.json";
    const V2: &str = "aws_lambda_events/example-apigw-v2-request-no-authorizer.json";
    const HTTP: &[Contract] = &[Contract::Http, Contract::Json];
    const QUEUES: &[Contract] = &[Contract::Queue, Contract::Storage];
    let broken = |what, event, refused_by, pointer, says| Broken { what, event, refused_by, pointer, says };
    let set = |path: &str, pointer: &str, value: Value| edited(path, &[(pointer, Some(value))]);
    let without = |path: &str, pointer: &str| edited(path, &[(pointer, None)]);
    let fifo = bytes_of("faas/sqs-fifo-batch.json");
    let bad_base64 = edited(V2, &[("/body", Some(json!("not base64!"))), ("/isBase64Encoded", Some(json!(true)))]);
    vec![
        broken("not JSON", b"<html>502 Bad Gateway</html>".to_vec(), &CONTRACTS, "", "but the event is not valid JSON (expected value at line 1 column 1)"),
        broken("a truncated SQS batch", fifo[..fifo.len() - 10].to_vec(), &CONTRACTS, "", "but the event is not valid JSON (EOF while parsing"),
        broken("an empty body", Vec::new(), &CONTRACTS, "", "but the event is empty"),
        broken("a JSON array", br#"[{"messageId":"1"}]"#.to_vec(), &CONTRACTS, "", "but the event is an array, which matches no known format"),
        broken("SQS Records as a string", set(SQS, "/Records", json!(r#"[{"messageId":"1"}]"#)), QUEUES, "", "matches no known format (top-level keys: Records); it has `Records`, but no record names its `eventSource`"),
        broken("SQS Records as an object", set(SQS, "/Records", load(SQS)["Records"][0].clone()), QUEUES, "/Records", "an SQS batch has a bad field at /Records: invalid type: map, expected a sequence"),
        broken("an SQS record without messageId", without(SQS, "/Records/0/messageId"), QUEUES, "/Records/0/messageId", "missing field `messageId`"),
        broken("an SQS body that is a number", set(SQS, "/Records/0/body", json!(42)), QUEUES, "/Records/0/body", "invalid type: integer `42`, expected a string"),
        broken("an SQS receive count that is a number", set(SQS, "/Records/0/attributes/ApproximateReceiveCount", json!(2)), QUEUES, "/Records/0/attributes/ApproximateReceiveCount", "invalid type: integer `2`, expected a string"),
        broken("API Gateway v2 with an invalid base64 body", bad_base64, HTTP, "/body", "an API Gateway HTTP API (v2) request has a bad field at /body: isBase64Encoded is true but the body is not base64"),
        broken("API Gateway v2 without requestContext.http", without(V2, "/requestContext/http"), HTTP, "/requestContext/http", "missing field `http`"),
        broken("an S3 eventTime that is not a time", set("aws_lambda_events/example-s3-event.json", "/Records/0/eventTime", json!("yesterday")), &[Contract::Storage], "/Records/0/eventTime", "an S3 event notification has a bad field at /Records/0/eventTime"),
        broken("Kinesis data that is not base64", set("aws_lambda_events/example-kinesis-event.json", "/Records/1/kinesis/data", json!("%%%")), &[Contract::Stream], "/Records/1/kinesis/data", "a Kinesis batch has a bad field at /Records/1/kinesis/data"),
        broken("a DynamoDB number that is not a number", set("aws_lambda_events/example-dynamodb-event.json", "/Records/1/dynamodb/NewImage/FloatNumber/N", json!("12,5")), &[Contract::Stream], "/Records/1/dynamodb/NewImage/FloatNumber/N", "\"12,5\" is not a number"),
        broken("a schedule whose time is not a time", set("aws_lambda_events/example-eventbridge-schedule.json", "/time", json!("soon")), &[Contract::Schedule], "/time", "an EventBridge event has a bad field at /time"),
        broken("a CloudEvent without source", without("faas/cloudevent-structured.json", "/source"), &[Contract::CloudEvent], "/source", "missing required attribute `source`"),
        broken("a CloudEvent of spec 0.3", set("faas/cloudevent-structured.json", "/specversion", json!("0.3")), &[Contract::CloudEvent], "/specversion", "unsupported specversion \"0.3\""),
        broken("a CloudEvent whose data_base64 is a number", set("faas/cloudevent-structured.json", "/data_base64", json!(5)), &[Contract::CloudEvent], "/data_base64", "expected a base64 string, found 5"),
        broken("an SNS notification without its message", without("faas/sns-http-notification.json", "/Message"), &[Contract::Queue], "/Message", "missing field `Message`"),
    ]
}

#[test]
fn broken_events_are_bad_input_naming_the_field_at_fault() {
    for case in broken_events() {
        for &contract in case.refused_by {
            let at = format!("{} as {contract:?}", case.what);
            for err in refusals(contract, &case.event, &at) {
                assert_typed(&at, &err, contract);
                assert_eq!(err.pointer(), case.pointer, "{at}: {err}");
                assert!(err.to_string().contains(case.says), "{at}: {err}");
            }
        }
    }
}

#[test]
fn a_ten_megabyte_batch_decodes_and_every_other_contract_refuses_it_cleanly() {
    let blob = "x".repeat(1 << 20);
    let mut batch = load("faas/sqs-fifo-batch.json");
    let record = batch["Records"][0].clone();
    batch["Records"] = (0..10)
        .map(|i| {
            let mut record = record.clone();
            record["messageId"] = json!(format!("m-{i}"));
            record["body"] = json!({"blob": blob}).to_string().into();
            record
        })
        .collect();
    let bytes = batch.to_string().into_bytes();
    assert!(bytes.len() > 10 << 20, "{} bytes", bytes.len());

    let messages = each::<QueueMessage<Value>>(bytes.clone(), "10 MB");
    assert_eq!(messages.len(), 10);
    for message in messages {
        assert_eq!(
            message.expect("a JSON body").body["blob"]
                .as_str()
                .map(str::len),
            Some(1 << 20)
        );
    }
    for contract in CONTRACTS.into_iter().filter(|&c| c != Contract::Queue) {
        let at = format!("10 MB as {contract:?}");
        for err in refusals(contract, &bytes, &at) {
            assert_explains(&at, &err, contract, Source::Sqs, &batch);
        }
    }
}

#[test]
fn huge_or_broken_json_is_refused_without_a_panic() {
    let cases = [
        ("10 MB that is not JSON", vec![b'x'; 10 << 20]),
        ("100,000 open brackets", "[".repeat(100_000).into_bytes()),
    ];
    for (what, bytes) in cases {
        for contract in CONTRACTS {
            let at = format!("{what} as {contract:?}");
            for err in refusals(contract, &bytes, &at) {
                assert_typed(&at, &err, contract);
                assert_eq!(err.pointer(), "", "{at}");
                assert!(
                    err.to_string()
                        .contains("but the event is not valid JSON ("),
                    "{at}: {err}"
                );
            }
        }
    }
}

/// Valid JSON nested deeper than the parser goes (10,000 levels in a field
/// that takes any JSON) is a bad field of its own format for the contract
/// that takes the format, and that format for every other.
#[test]
fn json_nested_too_deeply_is_a_bad_field_not_a_crash() {
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases = [
        (
            "aws_lambda_events/example-eventbridge-schedule.json",
            "/detail",
            Source::EventBridge,
            Contract::Schedule,
        ),
        (
            "faas/cloudevent-structured.json",
            "/data",
            Source::CloudEvent,
            Contract::CloudEvent,
        ),
    ];
    for (path, field, looks_like, owner) in cases {
        let mut file = load(path);
        file[&field[1..]] = json!("placeholder");
        let bytes = file
            .to_string()
            .replace("\"placeholder\"", &nested)
            .into_bytes();
        for contract in CONTRACTS {
            let at = format!("{path} with {field} nested 10,000 deep, as {contract:?}");
            for err in refusals(contract, &bytes, &at) {
                assert_typed(&at, &err, contract);
                assert_eq!(err.seen(), Some(looks_like), "{at}: {err}");
                if contract == owner {
                    assert!(
                        err.pointer().starts_with(&format!("{field}/0/0/")),
                        "{at}: {err}"
                    );
                    assert!(
                        err.to_string().ends_with("recursion limit exceeded"),
                        "{at}: {err}"
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Payload typing

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Job {
    job_id: String,
    action: String,
}

#[test]
fn queue_bodies_decode_as_json_text_or_binary() {
    let jobs = all::<QueueMessage<Job>>("faas/sqs-fifo-batch.json");
    let jobs: Vec<(&str, &str)> = jobs
        .iter()
        .map(|m| (m.body.job_id.as_str(), m.body.action.as_str()))
        .collect();
    assert_eq!(
        jobs,
        [("resize-0001", "thumbnail"), ("resize-0002", "crop")]
    );

    let text = all::<QueueMessage<Text>>("aws_lambda_events/example-sqs-event.json");
    assert_eq!(text[0].body.as_str(), "Message Body");
    let binary = all::<QueueMessage<Binary>>("aws_lambda_events/example-sqs-event.json");
    assert_eq!(&*binary[0].body, b"Message Body");

    let sns = all::<QueueMessage<Value>>("aws_lambda_events/example-sns-event-obj.json");
    assert_eq!(sns[0].body, json!({"foo": "Hello world!", "bar": 123}));

    // A text body is not JSON: asking for JSON fails that record, as bad input.
    let err = each::<QueueMessage<Value>>(
        bytes_of("aws_lambda_events/example-sqs-event.json"),
        "text as JSON",
    )
    .remove(0)
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert!(err.to_string().starts_with("invalid payload"), "{err}");
}

#[test]
fn a_body_that_does_not_fit_fails_only_its_record() {
    let path = "faas/sqs-fifo-batch.json";
    let event = edited(
        path,
        &[(
            "/Records/1/body",
            Some(json!(r#"{"job_id":7,"action":"crop"}"#)),
        )],
    );
    let results = each::<QueueMessage<Job>>(event.clone(), path);
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0].as_ref().map(|m| m.body.job_id.as_str()).ok(),
        Some("resize-0001")
    );
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadInput);
    assert_eq!(err.violations()[0].pointer, "/job_id");
    assert_eq!(
        err.to_string(),
        "invalid payload at /job_id: invalid type: integer `7`, expected a string"
    );

    // `Batch<R>` takes the batch whole, so the same record fails it whole.
    let batch = Batch::<QueueMessage<Job>>::decode(event.into()).expect("the envelope decodes");
    let err = Batch::<QueueMessage<Job>>::from_unit(single(batch.into_units(), path)).unwrap_err();
    assert_eq!(err.violations()[0].pointer, "/job_id");

    // Stream records too: one item that does not fit `T` fails alone.
    #[derive(Debug, serde::Deserialize)]
    struct OrderKey {
        pk: String,
        sk: u32,
    }
    let path = "faas/dynamodb-keys-only.json";
    let event = edited(
        path,
        &[("/Records/2/dynamodb/Keys/sk", Some(json!({"S": "two"})))],
    );
    let results = each::<StreamRecord<OrderKey>>(event, path);
    let keys: Vec<Option<(&str, u32)>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|r| (r.data.pk.as_str(), r.data.sk)))
        .collect();
    assert_eq!(
        keys,
        [Some(("ORDER#o-1001", 1)), Some(("ORDER#o-1001", 1)), None]
    );
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(
        (err.kind(), err.violations()[0].pointer.as_str()),
        (ErrorKind::BadInput, "/sk")
    );
}
