//! Wire formats: what arrives, which provider format it is, and what went
//! wrong when it cannot be decoded.
//!
//! An adapter hands the SDK an [`Incoming`] event: JSON bytes (a Lambda
//! invocation, a body posted to the local server) or an HTTP request. The
//! contract the handler asked for looks at its shape, tells which
//! [`Source`] produced it, and decodes it with the provider's own wire
//! structs from `aws_lambda_events`.
//!
//! Telling the source apart is a scan for a few well-known keys rather than
//! a trial parse into every candidate type, so it costs a fraction of one
//! parse, and when nothing fits the error can say what the payload looked
//! like instead of "data did not match any variant of untagged enum".

use std::fmt;
use std::sync::LazyLock;

use bytes::Bytes;
use memchr::memmem;
use serde::de::DeserializeOwned;

use crate::contract::HttpRequest;
use crate::error::{FunctionError, Violation};
use crate::payload::json_pointer;

/// An invocation as an adapter receives it.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A JSON event (a Lambda invocation payload, a body posted to `POST /`).
    Json(Bytes),
    /// An HTTP request received directly by a server adapter. Contracts other
    /// than HTTP read their event JSON from its body.
    Http(Box<HttpRequest>),
}

impl Incoming {
    /// The event JSON: the bytes, or the HTTP request's body.
    pub(crate) fn into_event_bytes(self) -> Bytes {
        match self {
            Incoming::Json(bytes) => bytes,
            Incoming::Http(request) => request.into_body(),
        }
    }
}

impl From<Bytes> for Incoming {
    fn from(bytes: Bytes) -> Self {
        Incoming::Json(bytes)
    }
}

impl From<Vec<u8>> for Incoming {
    fn from(bytes: Vec<u8>) -> Self {
        Incoming::Json(Bytes::from(bytes))
    }
}

impl From<serde_json::Value> for Incoming {
    fn from(value: serde_json::Value) -> Self {
        Incoming::Json(Bytes::from(value.to_string()))
    }
}

impl From<HttpRequest> for Incoming {
    fn from(request: HttpRequest) -> Self {
        Incoming::Http(Box::new(request))
    }
}

/// The provider format an event arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// API Gateway REST API (payload format 1.0).
    ApiGatewayRest,
    /// API Gateway HTTP API (payload format 2.0).
    ApiGatewayHttp,
    /// A Lambda Function URL.
    FunctionUrl,
    /// An Application Load Balancer target group.
    Alb,
    /// An API Gateway Lambda authorizer request (`TOKEN` or `REQUEST`, any
    /// payload version): it asks for a policy, not for a response.
    ApiGatewayAuthorizer,
    /// An API Gateway WebSocket API event (`$connect`, `$disconnect`, a message).
    ApiGatewayWebSocket,
    /// An SQS batch.
    Sqs,
    /// An SNS notification delivered to Lambda.
    Sns,
    /// An SNS message envelope on its own (HTTP delivery, or inside an SQS body).
    SnsEnvelope,
    /// An S3 event notification.
    S3,
    /// An EventBridge (CloudWatch Events) event.
    EventBridge,
    /// A Kinesis Data Streams batch.
    Kinesis,
    /// A DynamoDB Streams batch.
    DynamoDbStream,
    /// A CloudEvent in structured JSON mode.
    CloudEvent,
    /// A Google Cloud Pub/Sub push request (`{"message": …, "subscription": …}`).
    PubSubPush,
    /// A Google Cloud Scheduler HTTP job (told by its `X-CloudScheduler` headers).
    CloudScheduler,
    /// An Azure Functions custom handler invocation: the host's request
    /// payload `{"Data": {…}, "Metadata": {…}}`.
    AzureFunctions,
    /// An HTTP request received directly, or a payload with no provider envelope.
    Direct,
}

impl Source {
    /// How error messages name it.
    ///
    /// ```
    /// assert_eq!(faas::wire::Source::Sqs.describe(), "an SQS batch");
    /// ```
    pub const fn describe(self) -> &'static str {
        match self {
            Source::ApiGatewayRest => "an API Gateway REST API (v1) request",
            Source::ApiGatewayHttp => "an API Gateway HTTP API (v2) request",
            Source::FunctionUrl => "a Lambda Function URL request",
            Source::Alb => "an ALB target group request",
            Source::ApiGatewayAuthorizer => "an API Gateway Lambda authorizer request",
            Source::ApiGatewayWebSocket => "an API Gateway WebSocket event",
            Source::Sqs => "an SQS batch",
            Source::Sns => "an SNS notification",
            Source::SnsEnvelope => "an SNS message envelope",
            Source::S3 => "an S3 event notification",
            Source::EventBridge => "an EventBridge event",
            Source::Kinesis => "a Kinesis batch",
            Source::DynamoDbStream => "a DynamoDB Streams batch",
            Source::CloudEvent => "a CloudEvent",
            Source::PubSubPush => "a Pub/Sub push request",
            Source::CloudScheduler => "a Cloud Scheduler request",
            Source::AzureFunctions => "an Azure Functions custom handler invocation",
            Source::Direct => "a direct payload",
        }
    }

    /// Recognises the provider format of a JSON event from the keys it
    /// contains. `Direct` when no provider format matches.
    ///
    /// ```
    /// use faas::wire::Source;
    /// let sqs = br#"{"Records":[{"messageId":"1","eventSource":"aws:sqs","body":"{}"}]}"#;
    /// assert_eq!(Source::detect(sqs), Source::Sqs);
    /// assert_eq!(Source::detect(br#"{"order_id":"o-1"}"#), Source::Direct);
    /// ```
    pub fn detect(json: &[u8]) -> Source {
        use keys::*;
        // Each check that fails scans the whole event, so the common formats
        // are told apart by keys they do have, checked first.
        // Looks at the first key only: it costs nothing on other platforms.
        if crate::contract::azure::is_envelope(json) {
            return Source::AzureFunctions;
        }
        let shape = Shape(json);
        if shape.has(&REQUEST_CONTEXT) {
            return shape.http_source();
        }
        if shape.has(&RECORDS) {
            let source = shape
                .string(&EVENT_SOURCE)
                .or_else(|| shape.string(&EVENT_SOURCE_SNS));
            match source {
                Some("aws:sqs") => return Source::Sqs,
                Some("aws:sns") => return Source::Sns,
                Some("aws:s3") => return Source::S3,
                Some("aws:kinesis") => return Source::Kinesis,
                Some("aws:dynamodb") => return Source::DynamoDbStream,
                _ => {}
            }
        }
        if shape.has(&DETAIL_TYPE) && shape.has(&SOURCE) {
            return Source::EventBridge;
        }
        if shape.has(&SPEC_VERSION) {
            return Source::CloudEvent;
        }
        if shape.has(&SUBSCRIPTION) && shape.has(&MESSAGE) {
            return Source::PubSubPush;
        }
        if shape.has(&TOPIC_ARN) && shape.string(&TYPE).is_some() {
            return Source::SnsEnvelope;
        }
        // A TOKEN authorizer request has no request context, only the ARN.
        if shape.has(&METHOD_ARN) {
            return Source::ApiGatewayAuthorizer;
        }
        Source::Direct
    }
}

impl Shape<'_> {
    /// Which gateway sent an event with a `requestContext`.
    fn http_source(&self) -> Source {
        use keys::*;
        if self.has(&RAW_PATH) || self.string(&VERSION) == Some("2.0") {
            // Authorizer requests carry the ARN of the route they guard.
            if self.has(&ROUTE_ARN) {
                return Source::ApiGatewayAuthorizer;
            }
            let lambda_url = self
                .string(&DOMAIN_NAME)
                .is_some_and(|domain| domain.contains(".lambda-url."));
            return if lambda_url {
                Source::FunctionUrl
            } else {
                Source::ApiGatewayHttp
            };
        }
        if self.has(&ELB) {
            Source::Alb
        } else if self.has(&METHOD_ARN) {
            Source::ApiGatewayAuthorizer
        } else if self.has(&CONNECTION_ID) && self.has(&EVENT_TYPE) {
            Source::ApiGatewayWebSocket
        } else if self.has(&HTTP_METHOD) {
            Source::ApiGatewayRest
        } else {
            Source::Direct
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A JSON object key to look for. Its search state is built once per
/// process: detection runs on every invocation.
pub(crate) struct Key(LazyLock<memmem::Finder<'static>>);

macro_rules! json_keys {
    ($($name:ident = $key:literal,)*) => {
        /// The keys that tell provider formats apart.
        pub(crate) mod keys {
            use super::Key;
            $(pub(crate) static $name: Key = Key(std::sync::LazyLock::new(|| {
                memchr::memmem::Finder::new(concat!("\"", $key, "\"").as_bytes())
            }));)*
        }
    };
}

json_keys! {
    CONNECTION_ID = "connectionId",
    DETAIL_TYPE = "detail-type",
    DOMAIN_NAME = "domainName",
    ELB = "elb",
    EVENT = "Event",
    EVENT_SOURCE = "eventSource",
    EVENT_SOURCE_SNS = "EventSource",
    EVENT_TYPE = "eventType",
    HTTP_METHOD = "httpMethod",
    MESSAGE = "message",
    METHOD_ARN = "methodArn",
    RAW_PATH = "rawPath",
    RECORDS = "Records",
    REQUEST_CONTEXT = "requestContext",
    ROUTE_ARN = "routeArn",
    SOURCE = "source",
    SPEC_VERSION = "specversion",
    SUBSCRIPTION = "subscription",
    TOPIC_ARN = "TopicArn",
    TYPE = "Type",
    VERSION = "version",
}

/// A view of JSON bytes that answers "does some object have this key?".
///
/// Sound without parsing: a `"` inside a JSON string is always escaped, so
/// `"key"` followed by `:` can only be an object key, at whatever depth.
pub(crate) struct Shape<'a>(pub(crate) &'a [u8]);

impl<'a> Shape<'a> {
    /// The offsets just past `"key":` for every occurrence of the key.
    fn after_key<'k>(&self, key: &'k Key) -> impl Iterator<Item = usize> + use<'a, 'k> {
        let bytes = self.0;
        let len = key.0.needle().len();
        key.0.find_iter(bytes).filter_map(move |at| {
            let rest = skip_ws(bytes, at + len);
            (bytes.get(rest) == Some(&b':')).then(|| skip_ws(bytes, rest + 1))
        })
    }

    /// Whether some object has `key`.
    pub(crate) fn has(&self, key: &Key) -> bool {
        self.after_key(key).next().is_some()
    }

    /// The first plain (escape-free) string value of `key`.
    pub(crate) fn string(&self, key: &Key) -> Option<&'a str> {
        let bytes = self.0;
        self.after_key(key).find_map(|at| {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let len = memchr::memchr2(b'"', b'\\', &bytes[at + 1..])?;
            (bytes[at + 1 + len] == b'"')
                .then(|| std::str::from_utf8(&bytes[at + 1..at + 1 + len]).ok())
                .flatten()
        })
    }

    /// The keys of the top-level object, for error messages (at most 8).
    pub(crate) fn top_level_keys(&self) -> Vec<String> {
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(self.0) {
            Ok(map) => map.keys().take(8).cloned().collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// For an event of no known format with `Records`: where they say they come
/// from. A batch without `eventSource` is the usual hand-written test event.
fn records_hint(json: &[u8]) -> String {
    let shape = Shape(json);
    if !shape.has(&keys::RECORDS) {
        return String::new();
    }
    match shape
        .string(&keys::EVENT_SOURCE)
        .or_else(|| shape.string(&keys::EVENT_SOURCE_SNS))
    {
        Some(source) => format!("; its records come from `{source}`"),
        None => "; it has `Records`, but no record names its `eventSource`".to_owned(),
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The raw provider payload behind a decoded contract, for the fields the
/// contract does not normalise.
///
/// ```
/// use faas::wire::{RawEvent, Source};
/// let raw = RawEvent::new(br#"{"Records":[{"eventSource":"aws:sqs","messageId":"m-1"}]}"#.to_vec(), Source::Sqs);
/// let event: aws_lambda_events::event::sqs::SqsEvent = raw.parse().unwrap();
/// assert_eq!(event.records[0].message_id.as_deref(), Some("m-1"));
/// ```
#[derive(Clone)]
pub struct RawEvent {
    bytes: Bytes,
    source: Source,
    record: Option<usize>,
}

impl RawEvent {
    /// The raw event `bytes`, in the format of `source`.
    pub fn new(bytes: impl Into<Bytes>, source: Source) -> RawEvent {
        RawEvent {
            bytes: bytes.into(),
            source,
            record: None,
        }
    }

    pub(crate) fn for_record(&self, index: usize) -> RawEvent {
        RawEvent {
            bytes: self.bytes.clone(),
            source: self.source,
            record: Some(index),
        }
    }

    /// The bytes of the whole invocation, as received.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The provider format.
    pub fn source(&self) -> Source {
        self.source
    }

    /// For a record of a batch, its index in the invocation's record list.
    pub fn record_index(&self) -> Option<usize> {
        self.record
    }

    /// Parses the whole invocation into a provider struct (for example an
    /// `aws_lambda_events` type) or a `serde_json::Value`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
}

impl fmt::Debug for RawEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawEvent")
            .field("source", &self.source)
            .field("record", &self.record)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// An event that does not decode into the contract the handler takes.
///
/// It says which trigger was expected, what the payload looked like, and
/// where the first bad field is:
///
/// ```
/// use faas::contract::{FromEvent, QueueMessage};
/// let api_call = br#"{"version":"2.0","rawPath":"/orders","requestContext":{"http":{"method":"POST"}}}"#;
/// let err = <faas::Batch<QueueMessage<serde_json::Value>>>::decode(api_call.to_vec().into()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "expected a queue message (SQS, SNS, SNS over SQS, Pub/Sub), but the event looks like an API Gateway HTTP API (v2) request"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct DecodeError {
    expected: &'static str,
    seen: Seen,
    pointer: String,
    reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// No bytes at all (or only whitespace).
    Empty,
    /// Not JSON at all: why, with serde_json's position.
    NotJson(String),
    /// JSON, but not an object: what it is instead ("an array", "a string"…).
    NotObject(&'static str),
    /// JSON of a provider format the contract does not accept.
    Other(Source),
    /// JSON of no known format; its top-level keys, and what its
    /// `Records` say about their source (`""` without `Records`).
    Unknown(Vec<String>, String),
    /// An accepted format with a bad field.
    Field(Source),
}

impl DecodeError {
    /// The event is in a format the contract does not accept.
    pub(crate) fn unexpected(expected: &'static str, json: &[u8]) -> DecodeError {
        let first = json
            .iter()
            .copied()
            .find(|byte| !byte.is_ascii_whitespace());
        let seen = if first.is_none() {
            Seen::Empty
        } else if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(json) {
            Seen::NotJson(err.to_string())
        } else {
            match first {
                Some(b'{') => match Source::detect(json) {
                    Source::Direct => {
                        Seen::Unknown(Shape(json).top_level_keys(), records_hint(json))
                    }
                    source => Seen::Other(source),
                },
                Some(b'[') => Seen::NotObject("an array"),
                Some(b'"') => Seen::NotObject("a string"),
                Some(b't' | b'f') => Seen::NotObject("a boolean"),
                Some(b'n') => Seen::NotObject("null"),
                _ => Seen::NotObject("a number"),
            }
        };
        DecodeError {
            expected,
            seen,
            pointer: String::new(),
            reason: String::new(),
        }
    }

    /// A field of an accepted format is missing or has the wrong type.
    pub(crate) fn field(
        expected: &'static str,
        source: Source,
        pointer: impl Into<String>,
        reason: impl Into<String>,
    ) -> DecodeError {
        DecodeError {
            expected,
            seen: Seen::Field(source),
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    /// The same error for a document found at `prefix` inside the event (a
    /// CloudEvent's data): a bad field's pointer starts with `prefix`.
    pub(crate) fn within(mut self, prefix: &str) -> DecodeError {
        if matches!(self.seen, Seen::Field(_)) {
            self.pointer.insert_str(0, prefix);
        }
        self
    }

    /// The same error, from a contract that accepts `expected` (one that
    /// decodes an envelope, a CloudEvent, before its own format).
    pub(crate) fn expecting(mut self, expected: &'static str) -> DecodeError {
        self.expected = expected;
        self
    }

    /// What the contract accepts.
    pub fn expected(&self) -> &str {
        self.expected
    }

    /// The provider format the event was recognised as, if any.
    pub fn seen(&self) -> Option<Source> {
        match self.seen {
            Seen::Other(source) | Seen::Field(source) => Some(source),
            Seen::Empty | Seen::NotJson(_) | Seen::NotObject(_) | Seen::Unknown(..) => None,
        }
    }

    /// JSON pointer of the failing field (`""` when the whole event is wrong).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    fn describe(&self) -> String {
        let expected = self.expected;
        match &self.seen {
            Seen::Empty => format!("expected {expected}, but the event is empty"),
            Seen::NotJson(why) => {
                format!("expected {expected}, but the event is not valid JSON ({why})")
            }
            Seen::NotObject(what) => {
                format!(
                    "expected {expected}, but the event is {what}, which matches no known format"
                )
            }
            Seen::Other(source) => {
                format!("expected {expected}, but the event looks like {source}")
            }
            Seen::Unknown(keys, _) if keys.is_empty() => {
                format!("expected {expected}, but the event matches no known format")
            }
            Seen::Unknown(keys, hint) => format!(
                "expected {expected}, but the event matches no known format (top-level keys: {}){hint}",
                keys.join(", ")
            ),
            Seen::Field(source) if self.pointer.is_empty() => {
                format!(
                    "expected {expected}; {source} could not be decoded: {}",
                    self.reason
                )
            }
            Seen::Field(source) => format!(
                "expected {expected}; {source} has a bad field at {}: {}",
                self.pointer, self.reason
            ),
        }
    }
}

impl From<DecodeError> for FunctionError {
    fn from(err: DecodeError) -> Self {
        let violation = Violation::new(err.pointer.clone(), err.to_string());
        FunctionError::bad_input(err).with_violations(vec![violation])
    }
}

/// Parses a provider struct. Plain `serde_json` first; a failure is parsed
/// again with path tracking to name the field.
pub(crate) fn parse_provider<T: DeserializeOwned>(
    json: &[u8],
    source: Source,
    expected: &'static str,
) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(|first| {
        // Broken JSON is not a bad field, wherever the parser stopped. (Valid
        // JSON nested deeper than serde_json's limit is: its path is named.)
        if (first.is_syntax() || first.is_eof())
            && serde_json::from_slice::<serde::de::IgnoredAny>(json).is_err()
        {
            return DecodeError::unexpected(expected, json);
        }
        let mut de = serde_json::Deserializer::from_slice(json);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(err) => {
                let reason = err.inner().to_string();
                let reason = match reason.rfind(" at line ") {
                    Some(at) => reason[..at].to_owned(),
                    None => reason,
                };
                let mut pointer = json_pointer(err.path());
                // serde names the object a missing field belongs in; point at the field.
                if let Some(field) = reason
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.strip_suffix('`'))
                {
                    pointer.push('/');
                    pointer.push_str(&field.replace('~', "~0").replace('/', "~1"));
                }
                DecodeError::field(expected, source, pointer, reason)
            }
            Ok(_) => DecodeError::field(expected, source, "", first.to_string()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_inside_strings_are_not_mistaken_for_keys() {
        let body = br#"{"Records":[{"eventSource":"aws:sqs","body":"{\"requestContext\":{},\"httpMethod\":\"GET\"}"}]}"#;
        let shape = Shape(body);
        assert!(!shape.has(&keys::REQUEST_CONTEXT));
        assert!(!shape.has(&keys::HTTP_METHOD));
        assert_eq!(Source::detect(body), Source::Sqs);
    }

    #[test]
    fn a_key_used_as_a_value_is_not_a_key() {
        let shape = Shape(br#"{"name": "Records" , "list": ["elb"]}"#);
        assert!(!shape.has(&keys::RECORDS));
        assert!(!shape.has(&keys::ELB));
    }

    #[test]
    fn string_values_tolerate_whitespace_and_skip_non_strings() {
        let shape =
            Shape(b"{\"eventSource\" :\n {\"S\":\"x\"}, \"x\": {\"eventSource\":  \"aws:s3\"}}");
        assert_eq!(shape.string(&keys::EVENT_SOURCE), Some("aws:s3"));
    }

    #[test]
    fn authorizer_and_websocket_events_are_not_mistaken_for_http_requests() {
        let rest_authorizer = br#"{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:1:a/test/GET/r","httpMethod":"GET","requestContext":{"httpMethod":"GET"}}"#;
        let http_authorizer = br#"{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:us-east-1:1:a/test/GET/r","rawPath":"/r","requestContext":{"http":{"method":"GET"}}}"#;
        let websocket = br#"{"requestContext":{"routeKey":"$connect","eventType":"CONNECT","connectionId":"c-1"},"httpMethod":"POST","isBase64Encoded":false}"#;
        assert_eq!(
            Source::detect(rest_authorizer),
            Source::ApiGatewayAuthorizer
        );
        assert_eq!(
            Source::detect(http_authorizer),
            Source::ApiGatewayAuthorizer
        );
        assert_eq!(Source::detect(websocket), Source::ApiGatewayWebSocket);
        let err = DecodeError::unexpected("an HTTP request", http_authorizer);
        assert_eq!(
            err.to_string(),
            "expected an HTTP request, but the event looks like an API Gateway Lambda authorizer request"
        );
    }

    #[test]
    fn empty_events_and_non_objects_say_what_they_are() {
        let message = |json: &[u8]| DecodeError::unexpected("a queue message", json).to_string();
        assert_eq!(
            message(b" \n"),
            "expected a queue message, but the event is empty"
        );
        assert_eq!(
            message(b"[{\"messageId\":\"1\"}]"),
            "expected a queue message, but the event is an array, which matches no known format"
        );
        assert_eq!(
            message(b"\"hello\""),
            "expected a queue message, but the event is a string, which matches no known format"
        );
        assert_eq!(
            message(b"-1.5"),
            "expected a queue message, but the event is a number, which matches no known format"
        );
        assert_eq!(
            message(br#"{"Records":[{"messageId":"1","body":"x"}]}"#),
            "expected a queue message, but the event matches no known format (top-level keys: Records); \
             it has `Records`, but no record names its `eventSource`"
        );
        assert_eq!(
            message(br#"{"Records":[{"eventSource":"aws:ses","ses":{}}]}"#),
            "expected a queue message, but the event matches no known format (top-level keys: Records); \
             its records come from `aws:ses`"
        );
    }

    fn provider_error<T: DeserializeOwned>(json: &[u8], source: Source) -> DecodeError {
        match parse_provider::<T>(json, source, "an event") {
            Ok(_) => panic!("{} decoded", String::from_utf8_lossy(json)),
            Err(err) => err,
        }
    }

    #[test]
    fn a_missing_field_is_pointed_at_and_broken_json_is_not_a_bad_field() {
        use aws_lambda_events::event::{s3::S3Event, sqs::SqsEvent};
        let sqs = br#"{"Records":[{"eventSource":"aws:sqs","messageId":"1","attributes":{"ApproximateReceiveCount":2}}]}"#;
        let err = provider_error::<SqsEvent>(sqs, Source::Sqs);
        assert_eq!(
            err.pointer(),
            "/Records/0/attributes/ApproximateReceiveCount"
        );

        let s3 = br#"{"Records":[{"eventSource":"aws:s3","eventTime":"1970-01-01T00:00:00Z","userIdentity":{},"requestParameters":{}}]}"#;
        let message = provider_error::<S3Event>(s3, Source::S3).to_string();
        assert_eq!(
            message,
            "expected an event; an S3 event notification has a bad field at /Records/0/s3: missing field `s3`"
        );

        let truncated = br#"{"Records":[{"eventSource":"aws:sqs","messageId":"1""#;
        let err = provider_error::<SqsEvent>(truncated, Source::Sqs);
        assert_eq!((err.pointer(), err.seen()), ("", None));
        assert_eq!(
            err.to_string(),
            "expected an event, but the event is not valid JSON (EOF while parsing an object at line 1 column 52)"
        );
    }

    #[test]
    fn unknown_payloads_list_their_top_level_keys() {
        let err = DecodeError::unexpected("a schedule event", br#"{"hello":"world","n":1}"#);
        assert_eq!(
            err.to_string(),
            "expected a schedule event, but the event matches no known format (top-level keys: hello, n)"
        );
        let err = DecodeError::unexpected("a schedule event", b"{not json");
        assert_eq!(
            err.to_string(),
            "expected a schedule event, but the event is not valid JSON (key must be a string at line 1 column 2)"
        );
    }
}
