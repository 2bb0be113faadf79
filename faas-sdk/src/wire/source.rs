//! Which provider format an event arrived in, told by a few well-known keys
//! of its JSON and, for HTTP requests, by their headers.
//!
//! Telling the source apart is a scan for keys rather than a trial parse
//! into every candidate type, so it costs a fraction of one parse, and when
//! nothing fits the error can say what the payload looked like instead of
//! "data did not match any variant of untagged enum".

use std::fmt;

use http::HeaderMap;

use super::json::{Shape, keys};

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
    /// A CloudEvent: structured JSON, or an HTTP request that declares one
    /// (binary, structured or batched mode).
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
        // Looks at the first key only: it costs nothing on other platforms.
        if is_azure_envelope(json) {
            return Source::AzureFunctions;
        }
        // Each check that fails scans the whole event, so the common formats
        // are told apart by keys they do have, checked first.
        let shape = Shape(json);
        if shape.has(&REQUEST_CONTEXT) {
            return http_source(&shape);
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

    /// What the headers of an HTTP request declare: a CloudEvent (in any
    /// content mode), a Cloud Scheduler job, or nothing (`None`: the body
    /// tells, if anything does).
    ///
    /// ```
    /// use faas::wire::Source;
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("ce-id", http::HeaderValue::from_static("e-1"));
    /// assert_eq!(Source::declared_by(&headers), Some(Source::CloudEvent));
    /// assert_eq!(Source::declared_by(&http::HeaderMap::new()), None);
    /// ```
    pub fn declared_by(headers: &HeaderMap) -> Option<Source> {
        if CloudEventMode::declared_by(headers).is_some() {
            Some(Source::CloudEvent)
        } else if headers.contains_key("x-cloudscheduler") {
            Some(Source::CloudScheduler)
        } else {
            None
        }
    }
}

/// Which gateway sent an event with a `requestContext`.
fn http_source(shape: &Shape<'_>) -> Source {
    use keys::*;
    if shape.has(&RAW_PATH) || shape.string(&VERSION) == Some("2.0") {
        // Authorizer requests carry the ARN of the route they guard.
        if shape.has(&ROUTE_ARN) {
            return Source::ApiGatewayAuthorizer;
        }
        let lambda_url = shape
            .string(&DOMAIN_NAME)
            .is_some_and(|domain| domain.contains(".lambda-url."));
        return if lambda_url {
            Source::FunctionUrl
        } else {
            Source::ApiGatewayHttp
        };
    }
    if shape.has(&ELB) {
        Source::Alb
    } else if shape.has(&METHOD_ARN) {
        Source::ApiGatewayAuthorizer
    } else if shape.has(&CONNECTION_ID) && shape.has(&EVENT_TYPE) {
        Source::ApiGatewayWebSocket
    } else if shape.has(&HTTP_METHOD) {
        Source::ApiGatewayRest
    } else {
        Source::Direct
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Whether `json` is an Azure Functions custom handler invocation: an
/// object whose first key is `Data` or `Metadata`. The host serializes
/// `Data` first; the check looks at a few bytes.
pub(crate) fn is_azure_envelope(json: &[u8]) -> bool {
    let Some(rest) = json.trim_ascii_start().strip_prefix(b"{") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    [&b"\"Data\""[..], b"\"Metadata\""].iter().any(|key| {
        rest.strip_prefix(*key)
            .is_some_and(|after| after.trim_ascii_start().starts_with(b":"))
    })
}

/// The content modes of the CloudEvents HTTP binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloudEventMode {
    /// Attributes in `ce-` headers, the body is the data.
    Binary,
    /// The event is one JSON document (`application/cloudevents+json`).
    Structured,
    /// A JSON array of events (`application/cloudevents-batch+json`).
    Batched,
}

/// The attributes every CloudEvent has, as binary-mode headers.
const REQUIRED_CE_HEADERS: [&str; 4] = ["ce-specversion", "ce-id", "ce-source", "ce-type"];

impl CloudEventMode {
    /// The mode an HTTP request declares: by its `Content-Type` (a
    /// CloudEvents media type), else binary mode when it carries a required
    /// attribute as a `ce-` header; `None` for a request that declares none.
    pub(crate) fn declared_by(headers: &HeaderMap) -> Option<CloudEventMode> {
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .trim_start();
        if has_prefix(content_type, "application/cloudevents-batch") {
            Some(CloudEventMode::Batched)
        } else if has_prefix(content_type, "application/cloudevents") {
            Some(CloudEventMode::Structured)
        } else if REQUIRED_CE_HEADERS
            .iter()
            .any(|name| headers.contains_key(*name))
        {
            Some(CloudEventMode::Binary)
        } else {
            None
        }
    }
}

fn has_prefix(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_inside_strings_do_not_change_the_source() {
        let body = br#"{"Records":[{"eventSource":"aws:sqs","body":"{\"requestContext\":{},\"httpMethod\":\"GET\"}"}]}"#;
        assert_eq!(Source::detect(body), Source::Sqs);
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
    }

    #[test]
    fn azure_envelopes_are_told_by_their_first_key() {
        assert!(is_azure_envelope(br#"{"Data":{},"Metadata":{}}"#));
        assert!(is_azure_envelope(b" \n{ \"Metadata\" : {}, \"Data\": {}}"));
        assert!(!is_azure_envelope(br#"{"Records":[{"Data":{}}]}"#));
        assert!(!is_azure_envelope(br#"{"Database":1}"#));
        assert!(!is_azure_envelope(br#"["Data"]"#));
        assert!(!is_azure_envelope(b""));
    }

    #[test]
    fn the_content_type_declares_the_cloudevent_mode_whatever_its_case() {
        let mode = |content_type: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(content_type),
            );
            CloudEventMode::declared_by(&headers)
        };
        assert_eq!(
            mode("Application/CloudEvents+JSON; charset=utf-8"),
            Some(CloudEventMode::Structured)
        );
        assert_eq!(
            mode("application/cloudevents-batch+json"),
            Some(CloudEventMode::Batched)
        );
        assert_eq!(mode("application/json"), None);
        let mut headers = HeaderMap::new();
        headers.insert("x-cloudscheduler", http::HeaderValue::from_static("true"));
        assert_eq!(Source::declared_by(&headers), Some(Source::CloudScheduler));
    }
}
