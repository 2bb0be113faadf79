//! Builders for events in their real wire formats.
//!
//! Each builder starts from realistic defaults (ids, ARNs, timestamps as
//! the provider sends them) and lets a test override what it cares about.
//! `build()` gives the wire JSON; every builder also converts into
//! [`Incoming`] so it can be passed straight to
//! [`Harness::invoke`](crate::Harness::invoke).

use base64::Engine as _;
use faas::wire::Incoming;
use serde_json::{Map, Value, json};

/// A fixed, realistic account id used in ARNs.
pub const ACCOUNT: &str = "123456789012";
/// The region used in ARNs.
pub const REGION: &str = "us-east-1";
/// The time events claim to be sent at.
pub const TIME: &str = "2026-01-01T12:00:00Z";
/// [`TIME`] in milliseconds since the epoch.
pub const TIME_MS: i64 = 1_767_268_800_000;

macro_rules! into_incoming {
    ($($builder:ty),* $(,)?) => {$(
        impl From<$builder> for Incoming {
            fn from(builder: $builder) -> Incoming {
                builder.build().into()
            }
        }
        impl From<&$builder> for Incoming {
            fn from(builder: &$builder) -> Incoming {
                builder.build().into()
            }
        }
    )*};
}

into_incoming!(HttpEvent, SqsEvent);

// ---------------------------------------------------------------- HTTP

/// The gateway format an [`HttpEvent`] is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFormat {
    /// API Gateway REST API (payload 1.0).
    ApiGatewayRest,
    /// API Gateway HTTP API (payload 2.0), the default.
    ApiGatewayHttp,
    /// Lambda Function URL.
    FunctionUrl,
    /// ALB target group, single-value headers.
    Alb,
    /// ALB target group with multi-value headers enabled.
    AlbMultiValue,
}

/// An HTTP request event.
///
/// ```
/// use faas_testkit::events::{self, HttpFormat};
/// let event = events::http_post("/orders", serde_json::json!({"order_id": "o-1"}))
///     .header("x-correlation-id", "c-1")
///     .format(HttpFormat::ApiGatewayRest)
///     .build();
/// assert_eq!(event["httpMethod"], "POST");
/// assert_eq!(event["body"], r#"{"order_id":"o-1"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct HttpEvent {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    path_params: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    binary: bool,
    format: HttpFormat,
    request_id: String,
}

/// A request with `method` to `path`.
pub fn http(method: &str, path: &str) -> HttpEvent {
    HttpEvent {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        query: Vec::new(),
        headers: vec![
            ("accept".into(), "*/*".into()),
            ("host".into(), "api.example.com".into()),
            ("user-agent".into(), "faas-testkit".into()),
        ],
        cookies: Vec::new(),
        path_params: Vec::new(),
        body: None,
        binary: false,
        format: HttpFormat::ApiGatewayHttp,
        request_id: uuid::Uuid::new_v4().to_string(),
    }
}

/// A `GET` of `path`.
pub fn http_get(path: &str) -> HttpEvent {
    http("GET", path)
}

/// A `POST` of a JSON `body` to `path`.
pub fn http_post(path: &str, body: Value) -> HttpEvent {
    http("POST", path).json(&body)
}

impl HttpEvent {
    /// Sets the gateway format.
    pub fn format(mut self, format: HttpFormat) -> Self {
        self.format = format;
        self
    }

    /// Adds a header value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Adds a query parameter value (given decoded; encoded as each format does).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a cookie.
    pub fn cookie(mut self, name: &str, value: &str) -> Self {
        self.cookies.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a path parameter matched by the route (REST and HTTP APIs).
    pub fn path_param(mut self, name: &str, value: &str) -> Self {
        self.path_params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body and `content-type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.text_body(&body.to_string()).header("content-type", "application/json")
    }

    /// Sets a text body.
    pub fn text_body(mut self, body: &str) -> Self {
        self.body = Some(body.as_bytes().to_vec());
        self.binary = false;
        self
    }

    /// Sets a binary body (sent base64-encoded, as gateways do).
    pub fn binary_body(mut self, body: &[u8]) -> Self {
        self.body = Some(body.to_vec());
        self.binary = true;
        self
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let body = self.body.as_ref().map(|bytes| {
            if self.binary {
                base64::engine::general_purpose::STANDARD.encode(bytes)
            } else {
                String::from_utf8_lossy(bytes).into_owned()
            }
        });
        let mut event = match self.format {
            HttpFormat::ApiGatewayRest => self.rest(),
            HttpFormat::ApiGatewayHttp => self.http_api(false),
            HttpFormat::FunctionUrl => self.http_api(true),
            HttpFormat::Alb | HttpFormat::AlbMultiValue => self.alb(),
        };
        event["body"] = body.map_or(Value::Null, Value::String);
        event["isBase64Encoded"] = Value::Bool(self.binary);
        event
    }

    fn raw_query(&self) -> String {
        let mut encoder = form_encoder();
        for (name, value) in &self.query {
            encoder.append_pair(name, value);
        }
        encoder.finish()
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Headers with the cookies in a `cookie` header (REST and ALB formats).
    fn headers_with_cookies(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Some(cookie) = self.cookie_header() {
            headers.push(("cookie".into(), cookie));
        }
        headers
    }

    fn rest(&self) -> Value {
        let headers = self.headers_with_cookies();
        json!({
            "resource": self.path,
            "path": self.path,
            "httpMethod": self.method,
            "headers": single_values(&headers),
            "multiValueHeaders": multi_values(&headers),
            "queryStringParameters": nullable(single_values(&self.query)),
            "multiValueQueryStringParameters": nullable(multi_values(&self.query)),
            "pathParameters": nullable(single_values(&self.path_params)),
            "stageVariables": null,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": "1234567890",
                "resourceId": "123456",
                "stage": "prod",
                "requestId": self.request_id,
                "requestTime": "01/Jan/2026:12:00:00 +0000",
                "requestTimeEpoch": TIME_MS,
                "identity": {"sourceIp": "203.0.113.7", "userAgent": "faas-testkit"},
                "path": format!("/prod{}", self.path),
                "resourcePath": self.path,
                "httpMethod": self.method,
                "protocol": "HTTP/1.1",
                "domainName": "1234567890.execute-api.us-east-1.amazonaws.com"
            }
        })
    }

    fn http_api(&self, function_url: bool) -> Value {
        let (domain, api_id) = if function_url {
            ("abcdefghij.lambda-url.us-east-1.on.aws", "abcdefghij")
        } else {
            ("1234567890.execute-api.us-east-1.amazonaws.com", "1234567890")
        };
        // HTTP APIs join repeated headers and query values with commas.
        let mut event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": self.path,
            "rawQueryString": self.raw_query(),
            "headers": joined_values(&self.headers),
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": api_id,
                "domainName": domain,
                "domainPrefix": api_id,
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.7",
                    "userAgent": "faas-testkit"
                },
                "requestId": self.request_id,
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Jan/2026:12:00:00 +0000",
                "timeEpoch": TIME_MS
            }
        });
        if !self.query.is_empty() {
            event["queryStringParameters"] = Value::Object(joined_values(&self.query));
        }
        if !self.cookies.is_empty() {
            event["cookies"] = self.cookies.iter().map(|(n, v)| Value::String(format!("{n}={v}"))).collect();
        }
        if !self.path_params.is_empty() && !function_url {
            event["pathParameters"] = Value::Object(single_values(&self.path_params));
        }
        event
    }

    fn alb(&self) -> Value {
        let headers = self.headers_with_cookies();
        // An ALB passes the query through as the client encoded it.
        let encoded: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(name, value)| (encode_component(name), encode_component(value)))
            .collect();
        let mut event = json!({
            "requestContext": {"elb": {"targetGroupArn": format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/lambda-target/abcdef0123456789")}},
            "httpMethod": self.method,
            "path": self.path,
        });
        if self.format == HttpFormat::AlbMultiValue {
            event["multiValueHeaders"] = Value::Object(multi_values(&headers));
            event["multiValueQueryStringParameters"] = Value::Object(multi_values(&encoded));
        } else {
            event["headers"] = Value::Object(single_values(&headers));
            event["queryStringParameters"] = Value::Object(single_values(&encoded));
        }
        event
    }
}

fn form_encoder() -> form_urlencoded::Serializer<'static, String> {
    form_urlencoded::Serializer::new(String::new())
}

fn encode_component(text: &str) -> String {
    let mut encoder = form_encoder();
    encoder.append_pair("", text);
    encoder.finish().trim_start_matches('=').to_owned()
}

/// Last value wins, as single-value maps do.
fn single_values(pairs: &[(String, String)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
}

fn multi_values(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        let entry = map.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(values) = entry {
            values.push(Value::String(value.clone()));
        }
    }
    map
}

fn joined_values(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        match map.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    map
}

fn nullable(map: Map<String, Value>) -> Value {
    if map.is_empty() { Value::Null } else { Value::Object(map) }
}

// ---------------------------------------------------------------- SQS

/// An SQS batch.
///
/// ```
/// use faas_testkit::events;
/// let batch = events::sqs()
///     .fifo("orders")
///     .message(serde_json::json!({"job_id": "j-1"}))
///     .message_text("plain text")
///     .build();
/// assert_eq!(batch["Records"].as_array().unwrap().len(), 2);
/// assert_eq!(batch["Records"][0]["attributes"]["MessageGroupId"], "orders");
/// assert!(batch["Records"][0]["eventSourceARN"].as_str().unwrap().ends_with(".fifo"));
/// ```
#[derive(Debug, Clone)]
pub struct SqsEvent {
    queue: String,
    group: Option<String>,
    messages: Vec<SqsMessage>,
}

#[derive(Debug, Clone)]
struct SqsMessage {
    id: String,
    body: String,
    receive_count: u32,
    attributes: Vec<(String, String)>,
}

/// An empty SQS batch from queue `jobs`; add messages with [`SqsEvent::message`].
pub fn sqs() -> SqsEvent {
    SqsEvent {
        queue: "jobs".to_owned(),
        group: None,
        messages: Vec::new(),
    }
}

impl SqsEvent {
    /// Sets the queue name.
    pub fn queue(mut self, name: &str) -> Self {
        self.queue = name.to_owned();
        self
    }

    /// Makes it a FIFO queue (`<name>.fifo`) with every message in `group`.
    pub fn fifo(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// Adds a message whose body is this JSON.
    pub fn message(self, body: Value) -> Self {
        self.message_text(&body.to_string())
    }

    /// Adds a message with this body text.
    pub fn message_text(mut self, body: &str) -> Self {
        self.messages.push(SqsMessage {
            id: uuid::Uuid::new_v4().to_string(),
            body: body.to_owned(),
            receive_count: 1,
            attributes: Vec::new(),
        });
        self
    }

    /// Sets the id of the last message added.
    pub fn with_id(mut self, id: &str) -> Self {
        if let Some(message) = self.messages.last_mut() {
            message.id = id.to_owned();
        }
        self
    }

    /// Sets the receive count of the last message added.
    pub fn receive_count(mut self, count: u32) -> Self {
        if let Some(message) = self.messages.last_mut() {
            message.receive_count = count;
        }
        self
    }

    /// Adds a string message attribute to the last message added.
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        if let Some(message) = self.messages.last_mut() {
            message.attributes.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// The message ids, in order: what a batch failure report names.
    pub fn message_ids(&self) -> Vec<String> {
        self.messages.iter().map(|m| m.id.clone()).collect()
    }

    fn queue_name(&self) -> String {
        match &self.group {
            Some(_) if !self.queue.ends_with(".fifo") => format!("{}.fifo", self.queue),
            _ => self.queue.clone(),
        }
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let arn = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}", self.queue_name());
        let records: Vec<Value> = self
            .messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                let mut attributes = json!({
                    "ApproximateReceiveCount": message.receive_count.to_string(),
                    "SentTimestamp": TIME_MS.to_string(),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": (TIME_MS + 10).to_string()
                });
                if let Some(group) = &self.group {
                    attributes["MessageGroupId"] = Value::String(group.clone());
                    attributes["SequenceNumber"] = Value::String(format!("{:020}", index + 1));
                    attributes["MessageDeduplicationId"] = Value::String(message.id.clone());
                }
                let message_attributes: Map<String, Value> = message
                    .attributes
                    .iter()
                    .map(|(name, value)| {
                        let attribute = json!({"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"});
                        (name.clone(), attribute)
                    })
                    .collect();
                json!({
                    "messageId": message.id,
                    "receiptHandle": format!("AQEB{}", message.id.replace('-', "")),
                    "body": message.body,
                    "attributes": attributes,
                    "messageAttributes": message_attributes,
                    "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": REGION
                })
            })
            .collect();
        json!({ "Records": records })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faas::contract::FromEvent;
    use faas::{HttpRequest, QueueMessage};

    fn decode_http(event: HttpEvent) -> HttpRequest {
        HttpRequest::decode(event.into()).expect("decodes").into_units().remove(0)
    }

    #[test]
    fn every_http_format_decodes_to_the_same_request() {
        for format in [
            HttpFormat::ApiGatewayRest,
            HttpFormat::ApiGatewayHttp,
            HttpFormat::FunctionUrl,
            HttpFormat::Alb,
            HttpFormat::AlbMultiValue,
        ] {
            let event = http("put", "/items/7")
                .query("tag", "a b")
                .query("tag", "c&d")
                .header("x-trace", "t-1")
                .cookie("session", "s-1")
                .binary_body(&[0, 1, 2, 255])
                .format(format);
            let req = decode_http(event);
            assert_eq!(req.method(), "PUT", "{format:?}");
            assert_eq!(req.path(), "/items/7", "{format:?}");
            assert_eq!(req.header("x-trace"), Some("t-1"), "{format:?}");
            assert_eq!(req.cookie("session"), Some("s-1"), "{format:?}");
            assert_eq!(req.body(), [0, 1, 2, 255], "{format:?}");
            let tags: Vec<_> = req.query_all("tag").collect();
            // A single-value ALB keeps only the last value of a repeated key.
            let expected: &[&str] = if format == HttpFormat::Alb { &["c&d"] } else { &["a b", "c&d"] };
            assert_eq!(tags, expected, "{format:?}");
        }
    }

    #[test]
    fn sqs_batches_decode_with_their_ids_and_counts() {
        let batch = sqs().message(json!({"n": 1})).receive_count(3).attribute("correlation_id", "c-9");
        let ids = batch.message_ids();
        let decoded = <faas::contract::Each<QueueMessage<Value>>>::decode(batch.into()).unwrap();
        let units = decoded.into_units();
        assert_eq!(units[0].id, ids[0]);
        assert_eq!(units[0].receive_count, Some(3));
        assert_eq!(units[0].attributes["correlation_id"], "c-9");
    }
}
