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

into_incoming!(
    HttpEvent,
    SqsEvent,
    SnsEvent,
    SnsEnvelope,
    S3Event,
    ScheduledEvent,
    KinesisEvent,
    DynamoDbEvent,
    CloudEventBuilder,
    PubSubMessage,
);

/// An ARN in [`REGION`] and [`ACCOUNT`].
fn arn(service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A request id in the 16-hex-digit style of S3 and SNS.
fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_ascii_uppercase()
}

fn base64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Applies `change` to the item added last: builders' per-item setters.
fn with_last<T>(items: &mut [T], change: impl FnOnce(&mut T)) {
    if let Some(item) = items.last_mut() {
        change(item);
    }
}

/// Headers from name/value pairs; a pair that is not a valid header is left out.
fn header_map<N: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (N, V)>,
) -> http::HeaderMap {
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            let name = http::HeaderName::from_bytes(name.as_ref().as_bytes()).ok()?;
            let value = http::HeaderValue::from_str(value.as_ref()).ok()?;
            Some((name, value))
        })
        .collect()
}

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
        request_id: new_id(),
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
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
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
        self.text_body(&body.to_string())
            .header("content-type", "application/json")
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
                base64_encode(bytes)
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
            (
                "1234567890.execute-api.us-east-1.amazonaws.com",
                "1234567890",
            )
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
            event["cookies"] = self
                .cookies
                .iter()
                .map(|(n, v)| Value::String(format!("{n}={v}")))
                .collect();
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
            "requestContext": {"elb": {"targetGroupArn": arn("elasticloadbalancing", "targetgroup/lambda-target/abcdef0123456789")}},
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
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

fn multi_values(pairs: &[(String, String)]) -> Map<String, Value> {
    let mut map = Map::new();
    for (name, value) in pairs {
        let entry = map
            .entry(name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
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
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
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
            id: new_id(),
            body: body.to_owned(),
            receive_count: 1,
            attributes: Vec::new(),
        });
        self
    }

    /// Adds a message whose body is an SNS envelope around `body`: what an
    /// SQS queue subscribed to a topic receives without raw message delivery.
    /// For a customised envelope, pass [`SnsEnvelope::build`] to [`message`](Self::message).
    ///
    /// ```
    /// use faas_testkit::events;
    /// let batch = events::sqs().message_via_sns(serde_json::json!({"job_id": "j-1"})).build();
    /// let envelope: serde_json::Value = serde_json::from_str(batch["Records"][0]["body"].as_str().unwrap()).unwrap();
    /// assert_eq!(envelope["Type"], "Notification");
    /// assert_eq!(envelope["Message"], r#"{"job_id":"j-1"}"#);
    /// ```
    pub fn message_via_sns(self, body: Value) -> Self {
        self.message(sns_envelope(body).build())
    }

    /// Sets the id of the last message added.
    pub fn with_id(mut self, id: &str) -> Self {
        with_last(&mut self.messages, |message| message.id = id.to_owned());
        self
    }

    /// Sets the receive count of the last message added.
    pub fn receive_count(mut self, count: u32) -> Self {
        with_last(&mut self.messages, |message| message.receive_count = count);
        self
    }

    /// Adds a string message attribute to the last message added.
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        with_last(&mut self.messages, |message| {
            message.attributes.push((name.to_owned(), value.to_owned()))
        });
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
        let arn = arn("sqs", &self.queue_name());
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

// ---------------------------------------------------------------- SNS

const SNS_SIGNATURE: &str = "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=";

/// A topic and the subscription that delivers it.
#[derive(Debug, Clone)]
struct SnsTopic {
    name: String,
    subscription: String,
}

impl SnsTopic {
    fn new(name: &str) -> SnsTopic {
        SnsTopic {
            name: name.to_owned(),
            subscription: new_id(),
        }
    }

    fn arn(&self) -> String {
        arn("sns", &self.name)
    }

    fn subscription_arn(&self) -> String {
        format!("{}:{}", self.arn(), self.subscription)
    }
}

/// The two spellings of an SNS message: Lambda's event writes `SigningCertUrl`,
/// while HTTP (and SQS) delivery writes `SigningCertURL` and omits empty fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SnsDelivery {
    Lambda,
    Http,
}

#[derive(Debug, Clone)]
struct SnsNotification {
    id: String,
    subject: Option<String>,
    message: String,
    attributes: Vec<(String, String)>,
}

impl SnsNotification {
    fn new(message: String) -> SnsNotification {
        SnsNotification {
            id: new_id(),
            subject: None,
            message,
            attributes: Vec::new(),
        }
    }

    fn to_json(&self, topic: &SnsTopic, delivery: SnsDelivery) -> Value {
        let attributes: Map<String, Value> = self
            .attributes
            .iter()
            .map(|(name, value)| (name.clone(), json!({"Type": "String", "Value": value})))
            .collect();
        let mut message = json!({
            "Type": "Notification",
            "MessageId": self.id,
            "TopicArn": topic.arn(),
            "Subject": self.subject,
            "Message": self.message,
            "Timestamp": TIME,
            "SignatureVersion": "1",
            "Signature": SNS_SIGNATURE,
            "MessageAttributes": attributes,
        });
        let cert_url = format!(
            "https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
        );
        let unsubscribe_url = format!(
            "https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={}",
            topic.subscription_arn()
        );
        let (cert_key, unsubscribe_key) = match delivery {
            SnsDelivery::Lambda => ("SigningCertUrl", "UnsubscribeUrl"),
            SnsDelivery::Http => ("SigningCertURL", "UnsubscribeURL"),
        };
        message[cert_key] = Value::String(cert_url);
        message[unsubscribe_key] = Value::String(unsubscribe_url);
        if let (SnsDelivery::Http, Value::Object(fields)) = (delivery, &mut message) {
            if self.subject.is_none() {
                fields.remove("Subject");
            }
            if self.attributes.is_empty() {
                fields.remove("MessageAttributes");
            }
        }
        message
    }
}

/// An SNS notification delivered to a Lambda function.
///
/// ```
/// use faas_testkit::events;
/// let event = events::sns()
///     .topic("orders")
///     .message(serde_json::json!({"order_id": "o-1"}))
///     .subject("order created")
///     .attribute("tenant", "acme")
///     .build();
/// let sns = &event["Records"][0]["Sns"];
/// assert_eq!(sns["TopicArn"], "arn:aws:sns:us-east-1:123456789012:orders");
/// assert_eq!(sns["Message"], r#"{"order_id":"o-1"}"#);
/// assert_eq!(sns["MessageAttributes"]["tenant"]["Value"], "acme");
/// ```
#[derive(Debug, Clone)]
pub struct SnsEvent {
    topic: SnsTopic,
    notifications: Vec<SnsNotification>,
}

/// An SNS event from topic `notifications` with no message yet; add one
/// with [`SnsEvent::message`] (SNS delivers one per invocation).
///
/// ```
/// let event = faas_testkit::events::sns().message_text("hello").build();
/// assert_eq!(event["Records"][0]["EventSource"], "aws:sns");
/// assert_eq!(event["Records"][0]["Sns"]["Message"], "hello");
/// ```
pub fn sns() -> SnsEvent {
    SnsEvent {
        topic: SnsTopic::new("notifications"),
        notifications: Vec::new(),
    }
}

impl SnsEvent {
    /// Sets the topic name.
    pub fn topic(mut self, name: &str) -> Self {
        self.topic = SnsTopic::new(name);
        self
    }

    /// Adds a message whose text is this JSON.
    pub fn message(self, body: Value) -> Self {
        self.message_text(&body.to_string())
    }

    /// Adds a message with this text.
    pub fn message_text(mut self, text: &str) -> Self {
        self.notifications
            .push(SnsNotification::new(text.to_owned()));
        self
    }

    /// Sets the subject of the last message added.
    pub fn subject(mut self, subject: &str) -> Self {
        with_last(&mut self.notifications, |n| {
            n.subject = Some(subject.to_owned())
        });
        self
    }

    /// Sets the id of the last message added.
    pub fn with_id(mut self, id: &str) -> Self {
        with_last(&mut self.notifications, |n| n.id = id.to_owned());
        self
    }

    /// Adds a string message attribute to the last message added.
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        with_last(&mut self.notifications, |n| {
            n.attributes.push((name.to_owned(), value.to_owned()))
        });
        self
    }

    /// The message ids, in order.
    pub fn message_ids(&self) -> Vec<String> {
        self.notifications.iter().map(|n| n.id.clone()).collect()
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let records: Vec<Value> = self
            .notifications
            .iter()
            .map(|notification| {
                json!({
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.topic.subscription_arn(),
                    "Sns": notification.to_json(&self.topic, SnsDelivery::Lambda),
                })
            })
            .collect();
        json!({ "Records": records })
    }
}

/// An SNS message envelope on its own: the body SNS POSTs to an HTTP(S)
/// subscription, and the SQS message body of a queue subscribed without raw
/// message delivery.
///
/// ```
/// use faas_testkit::events;
/// let envelope = events::sns_envelope(serde_json::json!({"n": 1})).topic("orders").build();
/// assert_eq!(envelope["Type"], "Notification");
/// assert_eq!(envelope["Message"], r#"{"n":1}"#);
/// assert!(envelope["SigningCertURL"].as_str().unwrap().starts_with("https://sns."));
/// ```
#[derive(Debug, Clone)]
pub struct SnsEnvelope {
    topic: SnsTopic,
    notification: SnsNotification,
}

/// An SNS envelope from topic `notifications` whose message is `body`.
///
/// ```
/// let envelope = faas_testkit::events::sns_envelope(serde_json::json!({"n": 1})).build();
/// assert_eq!(envelope["TopicArn"], "arn:aws:sns:us-east-1:123456789012:notifications");
/// ```
pub fn sns_envelope(body: Value) -> SnsEnvelope {
    SnsEnvelope {
        topic: SnsTopic::new("notifications"),
        notification: SnsNotification::new(body.to_string()),
    }
}

impl SnsEnvelope {
    /// Sets the topic name.
    pub fn topic(mut self, name: &str) -> Self {
        self.topic = SnsTopic::new(name);
        self
    }

    /// Replaces the message with this text.
    pub fn message_text(mut self, text: &str) -> Self {
        self.notification.message = text.to_owned();
        self
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: &str) -> Self {
        self.notification.subject = Some(subject.to_owned());
        self
    }

    /// Sets the message id.
    pub fn with_id(mut self, id: &str) -> Self {
        self.notification.id = id.to_owned();
        self
    }

    /// Adds a string message attribute.
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        self.notification
            .attributes
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        &self.notification.id
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        self.notification.to_json(&self.topic, SnsDelivery::Http)
    }

    /// The request SNS sends to an HTTP(S) subscription: a `POST` of the
    /// envelope as `text/plain`, with the `x-amz-sns-*` headers.
    ///
    /// ```
    /// use faas_testkit::events;
    /// let request = events::sns_envelope(serde_json::json!({"n": 1})).http_request();
    /// assert_eq!(request.header("x-amz-sns-message-type"), Some("Notification"));
    /// ```
    pub fn http_request(&self) -> faas::HttpRequest {
        let (topic_arn, subscription_arn) = (self.topic.arn(), self.topic.subscription_arn());
        let headers = header_map([
            ("content-type", "text/plain; charset=UTF-8"),
            ("user-agent", "Amazon Simple Notification Service Agent"),
            ("x-amz-sns-message-type", "Notification"),
            ("x-amz-sns-message-id", &self.notification.id),
            ("x-amz-sns-topic-arn", &topic_arn),
            ("x-amz-sns-subscription-arn", &subscription_arn),
        ]);
        faas::HttpRequest::new(http::Method::POST, "/", headers, self.build().to_string())
    }
}

// ---------------------------------------------------------------- S3

/// The change an S3 record reports, in each of S3's vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum S3Change {
    Put,
    Delete,
}

impl S3Change {
    fn notification_name(self) -> &'static str {
        match self {
            S3Change::Put => "ObjectCreated:Put",
            S3Change::Delete => "ObjectRemoved:Delete",
        }
    }

    fn eventbridge_name(self) -> &'static str {
        match self {
            S3Change::Put => "Object Created",
            S3Change::Delete => "Object Deleted",
        }
    }

    fn reason(self) -> &'static str {
        match self {
            S3Change::Put => "PutObject",
            S3Change::Delete => "DeleteObject",
        }
    }
}

#[derive(Debug, Clone)]
struct S3Object {
    change: S3Change,
    bucket: String,
    key: String,
    size: Option<u64>,
    etag: Option<String>,
    version: Option<String>,
    time: String,
    sequencer: String,
    request_id: String,
}

impl S3Object {
    fn new(change: S3Change, bucket: &str, key: &str, index: u64) -> S3Object {
        // Deletions carry no size or ETag, as in real notifications.
        let (size, etag) = match change {
            S3Change::Put => (
                Some(1024),
                Some("0123456789abcdef0123456789abcdef".to_owned()),
            ),
            S3Change::Delete => (None, None),
        };
        S3Object {
            change,
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            size,
            etag,
            version: None,
            time: TIME.to_owned(),
            sequencer: format!("{:018X}", 0x0067_5F2A_1C3B_0000_u64 + index),
            request_id: request_id(),
        }
    }

    /// The object's fields, under the ETag and version id names of one
    /// format; absent ones are left out.
    fn object_json(&self, key: String, etag_name: &str, version_name: &str) -> Value {
        let mut object = json!({"key": key, "sequencer": self.sequencer});
        if let Some(size) = self.size {
            object["size"] = json!(size);
        }
        if let Some(etag) = &self.etag {
            object[etag_name] = json!(etag);
        }
        if let Some(version) = &self.version {
            object[version_name] = json!(version);
        }
        object
    }

    fn notification_record(&self) -> Value {
        json!({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": REGION,
            "eventTime": self.time,
            "eventName": self.change.notification_name(),
            "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
            "requestParameters": {"sourceIPAddress": "203.0.113.7"},
            "responseElements": {
                "x-amz-request-id": self.request_id,
                "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "faas-testkit",
                "bucket": {
                    "name": self.bucket,
                    "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                    "arn": format!("arn:aws:s3:::{}", self.bucket)
                },
                "object": self.object_json(encode_s3_key(&self.key), "eTag", "versionId")
            }
        })
    }

    fn to_eventbridge(&self) -> Value {
        // EventBridge carries the key as is, unlike notifications.
        let mut detail = json!({
            "version": "0",
            "bucket": {"name": self.bucket},
            "object": self.object_json(self.key.clone(), "etag", "version-id"),
            "request-id": self.request_id,
            "requester": ACCOUNT,
            "source-ip-address": "203.0.113.7",
            "reason": self.change.reason()
        });
        if self.change == S3Change::Delete {
            detail["deletion-type"] = json!("Permanently Deleted");
        }
        let resources = vec![format!("arn:aws:s3:::{}", self.bucket)];
        eventbridge_event(
            &new_id(),
            self.change.eventbridge_name(),
            "aws.s3",
            &self.time,
            resources,
            detail,
        )
    }
}

/// S3 encodes notification keys like form values (a space as `+`, a plus
/// as `%2B`) but leaves the `/` between "folders" alone.
fn encode_s3_key(key: &str) -> String {
    key.split('/')
        .map(encode_component)
        .collect::<Vec<_>>()
        .join("/")
}

/// An S3 event notification.
///
/// Setters apply to the object added last. The key is given as is and
/// URL-encoded in the notification exactly as S3 does.
///
/// ```
/// use faas_testkit::events;
/// let event = events::s3_put("uploads", "photos/Happy Face+1.jpg")
///     .size(2048)
///     .version("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
///     .delete("uploads", "old.txt")
///     .build();
/// let object = &event["Records"][0]["s3"]["object"];
/// assert_eq!(object["key"], "photos/Happy+Face%2B1.jpg");
/// assert_eq!(object["size"], 2048);
/// assert_eq!(event["Records"][1]["eventName"], "ObjectRemoved:Delete");
/// ```
#[derive(Debug, Clone)]
pub struct S3Event {
    earlier: Vec<S3Object>,
    last: S3Object,
}

/// A notification that `key` was put into `bucket` (1 KiB, with an ETag).
///
/// ```
/// let event = faas_testkit::events::s3_put("uploads", "a.txt").build();
/// assert_eq!(event["Records"][0]["eventName"], "ObjectCreated:Put");
/// assert_eq!(event["Records"][0]["s3"]["bucket"]["arn"], "arn:aws:s3:::uploads");
/// ```
pub fn s3_put(bucket: &str, key: &str) -> S3Event {
    S3Event::first(S3Object::new(S3Change::Put, bucket, key, 0))
}

/// A notification that `key` was deleted from `bucket`.
///
/// ```
/// let event = faas_testkit::events::s3_delete("uploads", "a.txt").build();
/// assert_eq!(event["Records"][0]["eventName"], "ObjectRemoved:Delete");
/// assert!(event["Records"][0]["s3"]["object"].get("size").is_none());
/// ```
pub fn s3_delete(bucket: &str, key: &str) -> S3Event {
    S3Event::first(S3Object::new(S3Change::Delete, bucket, key, 0))
}

/// The test message S3 sends to a destination when a notification is
/// configured; it holds no object. Use it as an SQS message body.
///
/// ```
/// use faas_testkit::events;
/// let batch = events::sqs().message(events::s3_test_event()).build();
/// assert!(batch["Records"][0]["body"].as_str().unwrap().contains("s3:TestEvent"));
/// ```
pub fn s3_test_event() -> Value {
    json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": TIME,
        "Bucket": "uploads",
        "RequestId": request_id(),
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"
    })
}

impl S3Event {
    fn first(object: S3Object) -> S3Event {
        S3Event {
            earlier: Vec::new(),
            last: object,
        }
    }

    fn objects(&self) -> impl Iterator<Item = &S3Object> {
        self.earlier.iter().chain(std::iter::once(&self.last))
    }

    fn add(mut self, change: S3Change, bucket: &str, key: &str) -> Self {
        let index = self.earlier.len() as u64 + 1;
        let previous = std::mem::replace(&mut self.last, S3Object::new(change, bucket, key, index));
        self.earlier.push(previous);
        self
    }

    /// Adds a record: `key` was put into `bucket`.
    pub fn put(self, bucket: &str, key: &str) -> Self {
        self.add(S3Change::Put, bucket, key)
    }

    /// Adds a record: `key` was deleted from `bucket`.
    pub fn delete(self, bucket: &str, key: &str) -> Self {
        self.add(S3Change::Delete, bucket, key)
    }

    /// Sets the object size in bytes.
    pub fn size(mut self, bytes: u64) -> Self {
        self.last.size = Some(bytes);
        self
    }

    /// Sets the object ETag.
    pub fn etag(mut self, etag: &str) -> Self {
        self.last.etag = Some(etag.to_owned());
        self
    }

    /// Sets the object version id (a versioned bucket).
    pub fn version(mut self, version_id: &str) -> Self {
        self.last.version = Some(version_id.to_owned());
        self
    }

    /// Sets when it happened, an RFC 3339 time.
    pub fn time(mut self, rfc3339: &str) -> Self {
        self.last.time = rfc3339.to_owned();
        self
    }

    /// The wire JSON of the notification.
    pub fn build(&self) -> Value {
        let records: Vec<Value> = self.objects().map(S3Object::notification_record).collect();
        json!({ "Records": records })
    }

    /// The EventBridge event for the object added last (EventBridge sends
    /// one event per object), with the key not URL-encoded.
    ///
    /// ```
    /// let event = faas_testkit::events::s3_put("uploads", "a b.txt").eventbridge();
    /// assert_eq!(event["detail-type"], "Object Created");
    /// assert_eq!(event["source"], "aws.s3");
    /// assert_eq!(event["detail"]["object"]["key"], "a b.txt");
    /// ```
    pub fn eventbridge(&self) -> Value {
        self.last.to_eventbridge()
    }

    /// An SQS batch from queue `s3-notifications` with one message whose body
    /// is the notification.
    ///
    /// ```
    /// let batch = faas_testkit::events::s3_put("uploads", "a.txt").into_sqs().build();
    /// assert!(batch["Records"][0]["body"].as_str().unwrap().contains("ObjectCreated:Put"));
    /// ```
    pub fn into_sqs(self) -> SqsEvent {
        sqs().queue("s3-notifications").message(self.build())
    }

    /// An SNS event from topic `s3-notifications` whose message is the notification.
    ///
    /// ```
    /// let event = faas_testkit::events::s3_put("uploads", "a.txt").into_sns().build();
    /// assert_eq!(event["Records"][0]["Sns"]["Subject"], "Amazon S3 Notification");
    /// ```
    pub fn into_sns(self) -> SnsEvent {
        sns()
            .topic("s3-notifications")
            .message(self.build())
            .subject("Amazon S3 Notification")
    }
}

// ---------------------------------------------------------------- EventBridge

/// An EventBridge event in [`ACCOUNT`] and [`REGION`] (S3 events and schedules).
fn eventbridge_event(
    id: &str,
    detail_type: &str,
    source: &str,
    time: &str,
    resources: Vec<String>,
    detail: Value,
) -> Value {
    json!({
        "version": "0",
        "id": id,
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": time,
        "region": REGION,
        "resources": resources,
        "detail": detail
    })
}

/// An EventBridge scheduled rule's event.
///
/// ```
/// use faas_testkit::events;
/// let event = events::schedule("nightly-report").at("2026-01-02T03:00:00Z").build();
/// assert_eq!(event["detail-type"], "Scheduled Event");
/// assert_eq!(event["resources"][0], "arn:aws:events:us-east-1:123456789012:rule/nightly-report");
/// assert_eq!(event["time"], "2026-01-02T03:00:00Z");
/// ```
#[derive(Debug, Clone)]
pub struct ScheduledEvent {
    rule: String,
    time: String,
    id: String,
}

/// A tick of the rule `rule_name`, at [`TIME`].
///
/// ```
/// let event = faas_testkit::events::schedule("every-5-minutes").build();
/// assert_eq!(event["source"], "aws.events");
/// assert_eq!(event["detail"], serde_json::json!({}));
/// ```
pub fn schedule(rule_name: &str) -> ScheduledEvent {
    ScheduledEvent {
        rule: rule_name.to_owned(),
        time: TIME.to_owned(),
        id: new_id(),
    }
}

impl ScheduledEvent {
    /// Sets the time the tick was scheduled for, an RFC 3339 time.
    pub fn at(mut self, rfc3339: &str) -> Self {
        self.time = rfc3339.to_owned();
        self
    }

    /// Sets the event id.
    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let rule = arn("events", &format!("rule/{}", self.rule));
        eventbridge_event(
            &self.id,
            "Scheduled Event",
            "aws.events",
            &self.time,
            vec![rule],
            json!({}),
        )
    }
}

// ---------------------------------------------------------------- Kinesis

/// A Kinesis Data Streams batch.
///
/// ```
/// use faas_testkit::events;
/// let batch = events::kinesis()
///     .record(serde_json::json!({"reading": 21.5}))
///     .partition_key("sensor-7")
///     .record_bytes(b"\x00\x01")
///     .build();
/// let first = &batch["Records"][0]["kinesis"];
/// assert_eq!(first["partitionKey"], "sensor-7");
/// assert_eq!(first["data"], "eyJyZWFkaW5nIjoyMS41fQ==");
/// assert_eq!(batch["Records"][1]["kinesis"]["data"], "AAE=");
/// ```
#[derive(Debug, Clone)]
pub struct KinesisEvent {
    stream: String,
    records: Vec<KinesisRecord>,
}

#[derive(Debug, Clone)]
struct KinesisRecord {
    data: Vec<u8>,
    partition_key: String,
    sequence_number: String,
}

/// An empty batch from stream `events`; add records with
/// [`KinesisEvent::record`], each with partition key `pk-1` unless set.
///
/// ```
/// let batch = faas_testkit::events::kinesis().record(serde_json::json!({"n": 1})).build();
/// assert_eq!(batch["Records"][0]["eventSource"], "aws:kinesis");
/// ```
pub fn kinesis() -> KinesisEvent {
    KinesisEvent {
        stream: "events".to_owned(),
        records: Vec::new(),
    }
}

/// The `index`th sequence number of a stream, as long as real ones and
/// increasing; `prefix` sets the length.
fn sequence_number(prefix: &str, index: usize) -> String {
    format!("{prefix}{:08}", index + 1)
}

const KINESIS_SEQUENCE_PREFIX: &str = "495903382714902566085596925383615710959215759891";
const DYNAMODB_SEQUENCE_PREFIX: &str = "44215845000000000";
const SHARD_ID: &str = "shardId-000000000000";

impl KinesisEvent {
    /// Sets the stream name.
    pub fn stream(mut self, name: &str) -> Self {
        self.stream = name.to_owned();
        self
    }

    /// Adds a record whose data is this JSON.
    pub fn record(self, data: Value) -> Self {
        self.record_bytes(data.to_string().as_bytes())
    }

    /// Adds a record with these bytes as data.
    pub fn record_bytes(mut self, data: &[u8]) -> Self {
        let sequence_number = sequence_number(KINESIS_SEQUENCE_PREFIX, self.records.len());
        self.records.push(KinesisRecord {
            data: data.to_vec(),
            partition_key: "pk-1".to_owned(),
            sequence_number,
        });
        self
    }

    /// Sets the partition key of the last record added.
    pub fn partition_key(mut self, key: &str) -> Self {
        with_last(&mut self.records, |record| {
            record.partition_key = key.to_owned()
        });
        self
    }

    /// The sequence numbers, in order: what a batch failure report names.
    pub fn sequence_numbers(&self) -> Vec<String> {
        self.records
            .iter()
            .map(|r| r.sequence_number.clone())
            .collect()
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let stream_arn = arn("kinesis", &format!("stream/{}", self.stream));
        let records: Vec<Value> = self
            .records
            .iter()
            .map(|record| {
                json!({
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": record.partition_key,
                        "sequenceNumber": record.sequence_number,
                        "data": base64_encode(&record.data),
                        "approximateArrivalTimestamp": TIME_MS as f64 / 1000.0
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": format!("{SHARD_ID}:{}", record.sequence_number),
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/lambda-kinesis-role"),
                    "awsRegion": REGION,
                    "eventSourceARN": stream_arn
                })
            })
            .collect();
        json!({ "Records": records })
    }
}

// ---------------------------------------------------------------- DynamoDB Streams

/// What a DynamoDB stream writes about each changed item (`StreamViewType`).
///
/// ```
/// use faas_testkit::events::{self, StreamViewType};
/// let old = serde_json::json!({"id": "o-1", "total": 12});
/// let batch = events::dynamodb().view(StreamViewType::OldImage).remove(old).build();
/// assert_eq!(batch["Records"][0]["dynamodb"]["StreamViewType"], "OLD_IMAGE");
/// assert_eq!(batch["Records"][0]["dynamodb"]["OldImage"]["total"], serde_json::json!({"N": "12"}));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamViewType {
    /// Only the key attributes.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// The item before and after the change, the default.
    NewAndOldImages,
}

impl StreamViewType {
    fn wire_name(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    fn has_new_image(self) -> bool {
        matches!(
            self,
            StreamViewType::NewImage | StreamViewType::NewAndOldImages
        )
    }

    fn has_old_image(self) -> bool {
        matches!(
            self,
            StreamViewType::OldImage | StreamViewType::NewAndOldImages
        )
    }
}

/// A DynamoDB Streams batch. Items are plain JSON objects, written as
/// DynamoDB attribute values (`{"S": ...}`, `{"N": "12"}`, `{"M": {...}}`…).
///
/// ```
/// use faas_testkit::events;
/// use serde_json::json;
/// let batch = events::dynamodb()
///     .insert(json!({"id": "o-1", "total": 12}))
///     .modify(json!({"id": "o-1", "total": 12}), json!({"id": "o-1", "total": 15}))
///     .build();
/// let change = &batch["Records"][1]["dynamodb"];
/// assert_eq!(batch["Records"][1]["eventName"], "MODIFY");
/// assert_eq!(change["Keys"], json!({"id": {"S": "o-1"}}));
/// assert_eq!(change["NewImage"]["total"], json!({"N": "15"}));
/// assert_eq!(change["OldImage"]["total"], json!({"N": "12"}));
/// ```
#[derive(Debug, Clone)]
pub struct DynamoDbEvent {
    table: String,
    keys: Vec<String>,
    view: StreamViewType,
    changes: Vec<ItemChange>,
}

#[derive(Debug, Clone, Copy)]
enum ChangeName {
    Insert,
    Modify,
    Remove,
}

#[derive(Debug, Clone)]
struct ItemChange {
    name: ChangeName,
    old: Option<Value>,
    new: Option<Value>,
    event_id: String,
    sequence_number: String,
}

/// An empty batch from table `items` keyed by `id`, with new and old
/// images; add changes with [`DynamoDbEvent::insert`] and friends.
///
/// ```
/// let batch = faas_testkit::events::dynamodb().remove(serde_json::json!({"id": "o-1"})).build();
/// assert_eq!(batch["Records"][0]["eventSource"], "aws:dynamodb");
/// assert_eq!(batch["Records"][0]["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
/// ```
pub fn dynamodb() -> DynamoDbEvent {
    DynamoDbEvent {
        table: "items".to_owned(),
        keys: vec!["id".to_owned()],
        view: StreamViewType::NewAndOldImages,
        changes: Vec::new(),
    }
}

impl DynamoDbEvent {
    /// Sets the table name.
    pub fn table(mut self, name: &str) -> Self {
        self.table = name.to_owned();
        self
    }

    /// Sets which attributes form the item key (partition key, then sort key).
    pub fn keys(mut self, names: &[&str]) -> Self {
        self.keys = names.iter().map(|name| (*name).to_owned()).collect();
        self
    }

    /// Sets what the stream writes about each item.
    ///
    /// ```
    /// use faas_testkit::events::{self, StreamViewType};
    /// let batch = events::dynamodb()
    ///     .view(StreamViewType::KeysOnly)
    ///     .insert(serde_json::json!({"id": "o-1", "total": 12}))
    ///     .build();
    /// assert!(batch["Records"][0]["dynamodb"].get("NewImage").is_none());
    /// ```
    pub fn view(mut self, view: StreamViewType) -> Self {
        self.view = view;
        self
    }

    fn change(mut self, name: ChangeName, old: Option<Value>, new: Option<Value>) -> Self {
        self.changes.push(ItemChange {
            name,
            old,
            new,
            event_id: uuid::Uuid::new_v4().simple().to_string(),
            sequence_number: sequence_number(DYNAMODB_SEQUENCE_PREFIX, self.changes.len()),
        });
        self
    }

    /// Adds the creation of `new_item` (a JSON object).
    pub fn insert(self, new_item: Value) -> Self {
        self.change(ChangeName::Insert, None, Some(new_item))
    }

    /// Adds an update of an item from `old` to `new` (JSON objects).
    pub fn modify(self, old: Value, new: Value) -> Self {
        self.change(ChangeName::Modify, Some(old), Some(new))
    }

    /// Adds the deletion of `old` (a JSON object).
    pub fn remove(self, old: Value) -> Self {
        self.change(ChangeName::Remove, Some(old), None)
    }

    /// The sequence numbers, in order: what a batch failure report names.
    pub fn sequence_numbers(&self) -> Vec<String> {
        self.changes
            .iter()
            .map(|c| c.sequence_number.clone())
            .collect()
    }

    /// The wire JSON.
    pub fn build(&self) -> Value {
        let stream_arn = arn(
            "dynamodb",
            &format!("table/{}/stream/2026-01-01T00:00:00.000", self.table),
        );
        let records: Vec<Value> = self
            .changes
            .iter()
            .map(|change| {
                json!({
                    "eventID": change.event_id,
                    "eventName": match change.name {
                        ChangeName::Insert => "INSERT",
                        ChangeName::Modify => "MODIFY",
                        ChangeName::Remove => "REMOVE",
                    },
                    "eventVersion": "1.1",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": REGION,
                    "dynamodb": self.stream_record(change),
                    "eventSourceARN": stream_arn
                })
            })
            .collect();
        json!({ "Records": records })
    }

    fn stream_record(&self, change: &ItemChange) -> Value {
        let item = change.new.as_ref().or(change.old.as_ref());
        let keys: Map<String, Value> = item_attributes(item)
            .into_iter()
            .filter(|(name, _)| self.keys.contains(name))
            .collect();
        let mut record = json!({
            "ApproximateCreationDateTime": TIME_MS / 1000,
            "Keys": keys,
            "SequenceNumber": change.sequence_number,
            "StreamViewType": self.view.wire_name()
        });
        if let (true, Some(new)) = (self.view.has_new_image(), &change.new) {
            record["NewImage"] = Value::Object(item_attributes(Some(new)));
        }
        if let (true, Some(old)) = (self.view.has_old_image(), &change.old) {
            record["OldImage"] = Value::Object(item_attributes(Some(old)));
        }
        // Close enough to DynamoDB's own count of the keys and images.
        record["SizeBytes"] = json!(record.to_string().len());
        record
    }
}

/// An item as DynamoDB attribute values; anything but an object is no item.
fn item_attributes(item: Option<&Value>) -> Map<String, Value> {
    match item {
        Some(Value::Object(fields)) => fields
            .iter()
            .map(|(name, value)| (name.clone(), attribute_value(value)))
            .collect(),
        _ => Map::new(),
    }
}

/// Plain JSON as a DynamoDB attribute value.
fn attribute_value(value: &Value) -> Value {
    match value {
        Value::Null => json!({"NULL": true}),
        Value::Bool(flag) => json!({"BOOL": flag}),
        Value::Number(number) => json!({"N": number.to_string()}),
        Value::String(text) => json!({"S": text}),
        Value::Array(items) => json!({"L": items.iter().map(attribute_value).collect::<Vec<_>>()}),
        Value::Object(_) => json!({"M": item_attributes(Some(value))}),
    }
}

// ---------------------------------------------------------------- CloudEvents

/// A CloudEvent (spec 1.0): [`build`](CloudEventBuilder::build) gives
/// structured mode JSON, [`binary`](CloudEventBuilder::binary) a binary-mode
/// HTTP request. Converting it into [`Incoming`] gives structured mode.
///
/// ```
/// use faas_testkit::events;
/// let event = events::cloudevent("com.example.order.created", "//orders")
///     .subject("o-1")
///     .extension("tenant", "acme")
///     .data(serde_json::json!({"order_id": "o-1"}))
///     .build();
/// assert_eq!(event["specversion"], "1.0");
/// assert_eq!(event["type"], "com.example.order.created");
/// assert_eq!(event["tenant"], "acme");
/// assert_eq!(event["data"]["order_id"], "o-1");
/// ```
#[derive(Debug, Clone)]
pub struct CloudEventBuilder {
    event_type: String,
    source: String,
    id: String,
    subject: Option<String>,
    time: Option<String>,
    data_schema: Option<String>,
    extensions: Vec<(String, Value)>,
    data: CloudEventData,
}

#[derive(Debug, Clone)]
enum CloudEventData {
    None,
    Json(Value),
    Text {
        content_type: String,
        text: String,
    },
    Bytes {
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// JSON media types (`application/json`, `…+json`), whose data structured
/// mode embeds as JSON.
fn is_json_media_type(content_type: &str) -> bool {
    content_type.contains("json")
}

impl CloudEventData {
    fn content_type(&self) -> Option<&str> {
        match self {
            CloudEventData::None => None,
            CloudEventData::Json(_) => Some("application/json"),
            CloudEventData::Text { content_type, .. }
            | CloudEventData::Bytes { content_type, .. } => Some(content_type),
        }
    }

    fn body(&self) -> Vec<u8> {
        match self {
            CloudEventData::None => Vec::new(),
            CloudEventData::Json(value) => value.to_string().into_bytes(),
            CloudEventData::Text { text, .. } => text.clone().into_bytes(),
            CloudEventData::Bytes { bytes, .. } => bytes.clone(),
        }
    }

    /// The `data` or `data_base64` member of structured mode.
    fn structured_member(&self) -> Option<(&'static str, Value)> {
        match self {
            CloudEventData::None => None,
            CloudEventData::Json(value) => Some(("data", value.clone())),
            CloudEventData::Text { content_type, text } if is_json_media_type(content_type) => {
                // JSON text is embedded as JSON; text that does not parse keeps its bytes.
                match serde_json::from_str(text) {
                    Ok(value) => Some(("data", value)),
                    Err(_) => Some(("data_base64", Value::String(base64_encode(text.as_bytes())))),
                }
            }
            CloudEventData::Text { text, .. } => Some(("data", Value::String(text.clone()))),
            CloudEventData::Bytes { bytes, .. } => {
                Some(("data_base64", Value::String(base64_encode(bytes))))
            }
        }
    }
}

/// A CloudEvent of `event_type` from `source`, with a fresh id, `time` at
/// [`TIME`] and no data.
///
/// ```
/// let event = faas_testkit::events::cloudevent("com.example.ping", "//monitor").build();
/// assert_eq!(event["source"], "//monitor");
/// assert!(event.get("data").is_none());
/// ```
pub fn cloudevent(event_type: &str, source: &str) -> CloudEventBuilder {
    CloudEventBuilder {
        event_type: event_type.to_owned(),
        source: source.to_owned(),
        id: new_id(),
        subject: None,
        time: Some(TIME.to_owned()),
        data_schema: None,
        extensions: Vec::new(),
        data: CloudEventData::None,
    }
}

impl CloudEventBuilder {
    /// Sets the `id`.
    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    /// Sets the `subject`.
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Sets the `time`, an RFC 3339 time.
    pub fn time(mut self, rfc3339: &str) -> Self {
        self.time = Some(rfc3339.to_owned());
        self
    }

    /// Sets the `dataschema` URI.
    pub fn data_schema(mut self, uri: &str) -> Self {
        self.data_schema = Some(uri.to_owned());
        self
    }

    /// Sets JSON data (`datacontenttype: application/json`).
    pub fn data(mut self, data: Value) -> Self {
        self.data = CloudEventData::Json(data);
        self
    }

    /// Sets text data of `content_type`.
    pub fn data_text(mut self, content_type: &str, text: &str) -> Self {
        self.data = CloudEventData::Text {
            content_type: content_type.to_owned(),
            text: text.to_owned(),
        };
        self
    }

    /// Sets binary data of `content_type` (`data_base64` in structured mode).
    pub fn data_bytes(mut self, content_type: &str, bytes: &[u8]) -> Self {
        self.data = CloudEventData::Bytes {
            content_type: content_type.to_owned(),
            bytes: bytes.to_vec(),
        };
        self
    }

    /// Adds an extension attribute; names are lowercase letters and digits,
    /// as the spec requires.
    pub fn extension(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.push((name.to_owned(), value.into()));
        self
    }

    /// The context attributes but `datacontenttype`, in the spec's order.
    fn attributes(&self) -> Vec<(String, Value)> {
        let optional = [
            ("subject", &self.subject),
            ("time", &self.time),
            ("dataschema", &self.data_schema),
        ];
        let mut attributes = vec![
            ("specversion".to_owned(), json!("1.0")),
            ("id".to_owned(), json!(self.id)),
            ("source".to_owned(), json!(self.source)),
            ("type".to_owned(), json!(self.event_type)),
        ];
        attributes.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| Some((name.to_owned(), json!(value.as_ref()?)))),
        );
        attributes.extend(self.extensions.iter().cloned());
        attributes
    }

    /// Structured mode: the event as one JSON document.
    pub fn build(&self) -> Value {
        let mut document: Map<String, Value> = self.attributes().into_iter().collect();
        if let Some(content_type) = self.data.content_type() {
            document.insert("datacontenttype".to_owned(), json!(content_type));
        }
        if let Some((member, data)) = self.data.structured_member() {
            document.insert(member.to_owned(), data);
        }
        Value::Object(document)
    }

    /// Binary mode: a `POST /` whose body is the data, with each attribute in
    /// a percent-encoded `ce-` header and the data's type in `content-type`.
    /// A header the `http` crate rejects (a bad extension name or content
    /// type) is left out.
    ///
    /// ```
    /// use faas_testkit::events;
    /// let request = events::cloudevent("com.example.order.created", "//orders")
    ///     .subject("order 1")
    ///     .data_text("text/plain", "hello")
    ///     .binary();
    /// assert_eq!(request.header("ce-subject"), Some("order%201"));
    /// assert_eq!(request.header("content-type"), Some("text/plain"));
    /// assert_eq!(request.body(), b"hello");
    /// ```
    pub fn binary(&self) -> faas::HttpRequest {
        let attributes = self.attributes().into_iter().map(|(name, value)| {
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            (format!("ce-{name}"), encode_header_value(&text))
        });
        let content_type = self
            .data
            .content_type()
            .map(|ct| ("content-type".to_owned(), ct.to_owned()));
        let headers = header_map(attributes.chain(content_type));
        faas::HttpRequest::new(http::Method::POST, "/", headers, self.data.body())
    }

    /// Structured mode over HTTP: a `POST /` of [`build`](Self::build)'s
    /// JSON as `application/cloudevents+json`.
    ///
    /// ```
    /// let request = faas_testkit::events::cloudevent("com.example.ping", "//monitor").structured();
    /// assert_eq!(request.header("content-type"), Some("application/cloudevents+json; charset=utf-8"));
    /// assert_eq!(request.json::<serde_json::Value>().unwrap()["type"], "com.example.ping");
    /// ```
    pub fn structured(&self) -> faas::HttpRequest {
        json_post("application/cloudevents+json; charset=utf-8", &self.build())
    }
}

/// Batched mode: a `POST /` of these events as a JSON array, as
/// `application/cloudevents-batch+json`.
///
/// ```
/// use faas_testkit::events::{cloudevent, cloudevent_batch};
/// let request = cloudevent_batch(&[cloudevent("t", "//a"), cloudevent("t", "//b")]);
/// assert_eq!(request.header("content-type"), Some("application/cloudevents-batch+json; charset=utf-8"));
/// assert_eq!(request.json::<serde_json::Value>().unwrap()[1]["source"], "//b");
/// ```
pub fn cloudevent_batch(events: &[CloudEventBuilder]) -> faas::HttpRequest {
    let batch = Value::Array(events.iter().map(CloudEventBuilder::build).collect());
    json_post("application/cloudevents-batch+json; charset=utf-8", &batch)
}

/// A `POST /` of `body` as `content_type`.
fn json_post(content_type: &str, body: &Value) -> faas::HttpRequest {
    let headers = header_map([("content-type", content_type)]);
    faas::HttpRequest::new(http::Method::POST, "/", headers, body.to_string())
}

/// Percent-encodes a `ce-` header value as the CloudEvents HTTP binding
/// requires: everything but printable ASCII, and space, `"` and `%`.
fn encode_header_value(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if (0x21..=0x7E).contains(&byte) && byte != b'"' && byte != b'%' {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

// ---------------------------------------------------------------- Google Cloud

/// The Google Cloud project used in resource names.
pub const PROJECT: &str = "my-project";

/// [`TIME`] in microseconds since the epoch: GCS generations and Eventarc
/// event ids are numbers of this kind.
const TIME_US: i64 = TIME_MS * 1000;

/// A Cloud Storage object event as Eventarc delivers it to Cloud Run: a
/// binary-mode CloudEvent of type `google.cloud.storage.object.v1.*` whose
/// data is the object's metadata (`StorageObjectData`, in the proto3 JSON
/// mapping: `size` and `generation` are strings). Converting it into
/// [`Incoming`] gives that binary-mode request;
/// [`cloudevent`](GcsEvent::cloudevent) gives the event for other modes.
///
/// ```
/// use faas_testkit::events;
/// let request = events::gcs_finalized("uploads", "photos/cat.jpg").size(4096).binary();
/// assert_eq!(request.header("ce-type"), Some("google.cloud.storage.object.v1.finalized"));
/// assert_eq!(request.header("ce-subject"), Some("objects/photos/cat.jpg"));
/// let object: serde_json::Value = request.json().unwrap();
/// assert_eq!(object["size"], "4096");
/// ```
#[derive(Debug, Clone)]
pub struct GcsEvent {
    event_type: &'static str,
    bucket: String,
    name: String,
    size: u64,
    generation: u64,
    content_type: String,
    time: String,
    id: String,
}

/// A new object `name` in `bucket` (1 KiB, `application/octet-stream`).
pub fn gcs_finalized(bucket: &str, name: &str) -> GcsEvent {
    gcs_event("google.cloud.storage.object.v1.finalized", bucket, name)
}

/// The deletion of object `name` from `bucket`.
pub fn gcs_deleted(bucket: &str, name: &str) -> GcsEvent {
    gcs_event("google.cloud.storage.object.v1.deleted", bucket, name)
}

fn gcs_event(event_type: &'static str, bucket: &str, name: &str) -> GcsEvent {
    GcsEvent {
        event_type,
        bucket: bucket.to_owned(),
        name: name.to_owned(),
        size: 1024,
        generation: TIME_US.unsigned_abs(),
        content_type: "application/octet-stream".to_owned(),
        time: TIME.to_owned(),
        id: (TIME_US + i64::from(uuid::Uuid::new_v4().as_fields().1)).to_string(),
    }
}

impl GcsEvent {
    /// Sets the object size in bytes.
    pub fn size(mut self, bytes: u64) -> Self {
        self.size = bytes;
        self
    }

    /// Sets the object generation.
    pub fn generation(mut self, generation: u64) -> Self {
        self.generation = generation;
        self
    }

    /// Sets the object's content type.
    pub fn content_type(mut self, content_type: &str) -> Self {
        self.content_type = content_type.to_owned();
        self
    }

    /// Sets when it happened (the event `time` and the object's `updated`).
    pub fn time(mut self, rfc3339: &str) -> Self {
        self.time = rfc3339.to_owned();
        self
    }

    /// Sets the event id.
    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    /// The object's metadata, the event's data.
    pub fn data(&self) -> Value {
        let (bucket, name, generation) = (&self.bucket, &self.name, self.generation);
        // Percent-encoded as a path segment (`byte_serialize` writes a space as `+`).
        let path = form_urlencoded::byte_serialize(name.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        json!({
            "kind": "storage#object",
            "id": format!("{bucket}/{name}/{generation}"),
            "selfLink": format!("https://www.googleapis.com/storage/v1/b/{bucket}/o/{path}"),
            "name": name,
            "bucket": bucket,
            "generation": generation.to_string(),
            "metageneration": "1",
            "contentType": self.content_type,
            "timeCreated": self.time,
            "updated": self.time,
            "storageClass": "STANDARD",
            "timeStorageClassUpdated": self.time,
            "size": self.size.to_string(),
            "md5Hash": "XrY7u+Ae7tCTyyK7j1rNww==",
            "mediaLink": format!("https://storage.googleapis.com/download/storage/v1/b/{bucket}/o/{path}?generation={generation}&alt=media"),
            "crc32c": "yZRlqg==",
            "etag": "CKih16GjycICEAE=",
        })
    }

    /// The CloudEvent, with Eventarc's `source` and `subject`.
    pub fn cloudevent(&self) -> CloudEventBuilder {
        let source = format!(
            "//storage.googleapis.com/projects/_/buckets/{}",
            self.bucket
        );
        cloudevent(self.event_type, &source)
            .id(&self.id)
            .subject(&format!("objects/{}", self.name))
            .time(&self.time)
            .data(self.data())
    }

    /// Binary mode, as Eventarc sends it.
    pub fn binary(&self) -> faas::HttpRequest {
        self.cloudevent().binary()
    }

    /// Structured mode JSON.
    pub fn build(&self) -> Value {
        self.cloudevent().build()
    }
}

/// A Pub/Sub message, as a push subscription posts it (the default
/// conversion into [`Incoming`]: `{"message": …, "subscription": …}`) or
/// as Eventarc delivers it (a `google.cloud.pubsub.topic.v1.messagePublished`
/// CloudEvent, [`cloudevent`](PubSubMessage::cloudevent)). The data is
/// base64 in both, as Pub/Sub writes bytes in JSON.
///
/// ```
/// use faas_testkit::events;
/// let message = events::pubsub(serde_json::json!({"job_id": "j-1"})).attribute("tenant", "acme");
/// let push = message.build();
/// assert_eq!(push["subscription"], "projects/my-project/subscriptions/jobs-push");
/// assert_eq!(push["message"]["data"], "eyJqb2JfaWQiOiJqLTEifQ==");
/// assert_eq!(push["message"]["messageId"], message.message_id());
/// assert_eq!(message.binary().header("ce-type"), Some("google.cloud.pubsub.topic.v1.messagePublished"));
/// ```
#[derive(Debug, Clone)]
pub struct PubSubMessage {
    topic: String,
    subscription: String,
    id: String,
    data: Vec<u8>,
    attributes: Vec<(String, String)>,
    ordering_key: Option<String>,
    delivery_attempt: Option<u32>,
    publish_time: String,
}

/// A message with JSON `data` on topic `jobs`, pushed to subscription `jobs-push`.
pub fn pubsub(data: Value) -> PubSubMessage {
    pubsub_bytes(data.to_string().as_bytes())
}

/// A message whose data is these bytes.
pub fn pubsub_bytes(data: &[u8]) -> PubSubMessage {
    PubSubMessage {
        topic: "jobs".to_owned(),
        subscription: "jobs-push".to_owned(),
        id: (TIME_US + i64::from(uuid::Uuid::new_v4().as_fields().1)).to_string(),
        data: data.to_vec(),
        attributes: Vec::new(),
        ordering_key: None,
        delivery_attempt: None,
        publish_time: "2026-01-01T12:00:00.123Z".to_owned(),
    }
}

impl PubSubMessage {
    /// Sets the topic name (in project [`PROJECT`]).
    pub fn topic(mut self, name: &str) -> Self {
        self.topic = name.to_owned();
        self
    }

    /// Sets the subscription name (in project [`PROJECT`]).
    pub fn subscription(mut self, name: &str) -> Self {
        self.subscription = name.to_owned();
        self
    }

    /// Sets the message id.
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    /// Adds a message attribute.
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the ordering key.
    pub fn ordering_key(mut self, key: &str) -> Self {
        self.ordering_key = Some(key.to_owned());
        self
    }

    /// Sets `deliveryAttempt`, which push requests carry when the
    /// subscription has a dead-letter topic.
    pub fn delivery_attempt(mut self, attempt: u32) -> Self {
        self.delivery_attempt = Some(attempt);
        self
    }

    /// Sets the publish time, an RFC 3339 time.
    pub fn published_at(mut self, rfc3339: &str) -> Self {
        self.publish_time = rfc3339.to_owned();
        self
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        &self.id
    }

    /// The `PubsubMessage` JSON; push requests also spell `messageId` and
    /// `publishTime` in snake case.
    fn message(&self, both_spellings: bool) -> Value {
        let mut message = json!({
            "data": base64_encode(&self.data),
            "messageId": self.id,
            "publishTime": self.publish_time,
        });
        if both_spellings {
            message["message_id"] = json!(self.id);
            message["publish_time"] = json!(self.publish_time);
        }
        if !self.attributes.is_empty() {
            let attributes: Map<String, Value> = self
                .attributes
                .iter()
                .map(|(name, value)| (name.clone(), json!(value)))
                .collect();
            message["attributes"] = Value::Object(attributes);
        }
        if let Some(key) = &self.ordering_key {
            message["orderingKey"] = json!(key);
        }
        message
    }

    fn subscription_name(&self) -> String {
        format!("projects/{PROJECT}/subscriptions/{}", self.subscription)
    }

    /// The body of a push request.
    pub fn build(&self) -> Value {
        let mut push = json!({
            "message": self.message(true),
            "subscription": self.subscription_name(),
        });
        if let Some(attempt) = self.delivery_attempt {
            push["deliveryAttempt"] = json!(attempt);
        }
        push
    }

    /// A push request: a `POST /` of [`build`](Self::build)'s JSON.
    pub fn push_request(&self) -> faas::HttpRequest {
        json_post("application/json", &self.build())
    }

    /// The `messagePublished` CloudEvent Eventarc delivers (data:
    /// `MessagePublishedData`).
    pub fn cloudevent(&self) -> CloudEventBuilder {
        let source = format!(
            "//pubsub.googleapis.com/projects/{PROJECT}/topics/{}",
            self.topic
        );
        let data =
            json!({"message": self.message(false), "subscription": self.subscription_name()});
        cloudevent("google.cloud.pubsub.topic.v1.messagePublished", &source)
            .id(&self.id)
            .time(&self.publish_time)
            .data(data)
    }

    /// The CloudEvent in binary mode, as Eventarc sends it.
    pub fn binary(&self) -> faas::HttpRequest {
        self.cloudevent().binary()
    }
}

/// A Cloud Scheduler job with an HTTP target: a `POST /` carrying
/// `X-CloudScheduler: true`, the job name and the scheduled time in
/// headers, and the job's body. Converts into [`Incoming`] as that request.
///
/// ```
/// let request = faas_testkit::events::cloud_scheduler("nightly-report").at("2026-03-04T05:06:00Z").request();
/// assert_eq!(request.header("x-cloudscheduler"), Some("true"));
/// assert_eq!(request.header("x-cloudscheduler-jobname"), Some("nightly-report"));
/// assert_eq!(request.header("x-cloudscheduler-scheduletime"), Some("2026-03-04T05:06:00Z"));
/// ```
#[derive(Debug, Clone)]
pub struct SchedulerJob {
    name: String,
    schedule_time: String,
    body: Vec<u8>,
    content_type: Option<String>,
}

/// A tick of Cloud Scheduler job `name`, scheduled at [`TIME`], without a body.
pub fn cloud_scheduler(name: &str) -> SchedulerJob {
    SchedulerJob {
        name: name.to_owned(),
        schedule_time: TIME.to_owned(),
        body: Vec::new(),
        content_type: None,
    }
}

impl SchedulerJob {
    /// Sets the scheduled time, an RFC 3339 time.
    pub fn at(mut self, rfc3339: &str) -> Self {
        self.schedule_time = rfc3339.to_owned();
        self
    }

    /// Sets a JSON body (`application/json`).
    pub fn body(mut self, body: Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.content_type = Some("application/json".to_owned());
        self
    }

    /// Sets a text body, sent as Cloud Scheduler's default
    /// `application/octet-stream`.
    pub fn body_text(mut self, text: &str) -> Self {
        self.body = text.as_bytes().to_vec();
        self.content_type = Some("application/octet-stream".to_owned());
        self
    }

    /// The request Cloud Scheduler sends.
    pub fn request(&self) -> faas::HttpRequest {
        let headers = [
            ("user-agent", "Google-Cloud-Scheduler"),
            ("x-cloudscheduler", "true"),
            ("x-cloudscheduler-jobname", self.name.as_str()),
            ("x-cloudscheduler-scheduletime", self.schedule_time.as_str()),
        ];
        let content_type = self.content_type.as_deref().map(|ct| ("content-type", ct));
        let headers = header_map(headers.into_iter().chain(content_type));
        faas::HttpRequest::new(http::Method::POST, "/", headers, self.body.clone())
    }
}

impl From<GcsEvent> for Incoming {
    fn from(event: GcsEvent) -> Incoming {
        event.binary().into()
    }
}

impl From<&GcsEvent> for Incoming {
    fn from(event: &GcsEvent) -> Incoming {
        event.binary().into()
    }
}

impl From<SchedulerJob> for Incoming {
    fn from(job: SchedulerJob) -> Incoming {
        job.request().into()
    }
}

impl From<&SchedulerJob> for Incoming {
    fn from(job: &SchedulerJob) -> Incoming {
        job.request().into()
    }
}

// ---------------------------------------------------------------- Azure Functions

/// The address of the local Functions host (`func start`), as it appears in
/// the URLs of HTTP triggers.
pub const AZURE_HOST: &str = "localhost:7071";
/// The host version sent in `X-Azure-Functions-HostVersion`.
pub const AZURE_HOST_VERSION: &str = "4.1040.300.25317";

into_incoming!(
    AzureHttpTrigger,
    AzureQueueTrigger,
    AzureBlobTrigger,
    AzureTimerTrigger
);

/// The setters and the invocation every Azure trigger builder has.
macro_rules! azure_trigger {
    ($($builder:ty),* $(,)?) => {$(
        impl $builder {
            /// Sets the function name (the folder of its `function.json`):
            /// the host invokes `/<name>`.
            pub fn function(mut self, name: &str) -> Self {
                self.function = name.to_owned();
                self
            }

            /// Sets the trigger binding's `name` in `function.json`, the
            /// key of its value in `Data`.
            pub fn binding(mut self, name: &str) -> Self {
                self.binding = name.to_owned();
                self
            }

            /// Sets the invocation id (`X-Azure-Functions-InvocationId`).
            pub fn invocation_id(mut self, id: &str) -> Self {
                self.invocation_id = id.to_owned();
                self
            }

            /// The function name.
            pub fn function_name(&self) -> &str {
                &self.function
            }

            /// The host's invocation: `POST /<function>` with
            /// [`build`](Self::build)'s request payload.
            pub fn host_request(&self) -> AzureHostRequest {
                AzureHostRequest::invocation(&self.function, &self.invocation_id, &self.build())
            }
        }
    )*};
}

azure_trigger!(
    AzureHttpTrigger,
    AzureQueueTrigger,
    AzureBlobTrigger,
    AzureTimerTrigger,
);

/// A request of the Functions host to a custom handler, as it goes over
/// HTTP: an invocation (`POST /<FunctionName>` with the request payload) or
/// a forwarded HTTP request.
///
/// ```
/// let request = faas_testkit::events::azure_queue_text("hello").function("jobs").host_request();
/// assert_eq!((request.method.as_str(), request.target.as_str()), ("POST", "/jobs"));
/// assert!(request.invocation_id().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AzureHostRequest {
    /// The method.
    pub method: String,
    /// The path and query.
    pub target: String,
    /// The headers, in order (`Host` and `Content-Length` are left to the client).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl AzureHostRequest {
    /// The headers every request of the host carries
    /// (`DefaultHttpWorkerService.AddHeaders` in azure-functions-host).
    fn host_headers(invocation_id: &str) -> Vec<(String, String)> {
        vec![
            (
                "X-Azure-Functions-HostVersion".to_owned(),
                AZURE_HOST_VERSION.to_owned(),
            ),
            (
                "X-Azure-Functions-InvocationId".to_owned(),
                invocation_id.to_owned(),
            ),
            (
                "User-Agent".to_owned(),
                format!("Azure-Functions-Host/{AZURE_HOST_VERSION}"),
            ),
        ]
    }

    /// `POST /<function>` with `payload`, as JSON (the host's `JsonMediaTypeFormatter`).
    fn invocation(function: &str, invocation_id: &str, payload: &Value) -> AzureHostRequest {
        let mut headers = AzureHostRequest::host_headers(invocation_id);
        headers.push((
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ));
        AzureHostRequest {
            method: "POST".to_owned(),
            target: format!("/{function}"),
            headers,
            body: payload.to_string().into_bytes(),
        }
    }

    /// The invocation id the host sent.
    pub fn invocation_id(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("x-azure-functions-invocationid"))
            .map(|(_, value)| value.as_str())
    }

    /// Sends the request to a custom handler listening on `addr`, over real HTTP.
    pub async fn send(
        &self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<crate::local::HttpReply> {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        crate::local::send(addr, &self.method, &self.target, &headers, &self.body).await
    }
}

/// `Metadata.sys`: the function name, the host's clock and a random GUID.
fn azure_sys(function: &str, now: &str) -> Value {
    json!({"MethodName": function, "UtcNow": now, "RandGuid": new_id()})
}

/// A string as the host puts it in a request payload: through
/// `JsonConvert.SerializeObject`, so the JSON string holds a JSON string
/// literal (`hello` is `"\"hello\""`).
fn host_quoted(text: &str) -> Value {
    Value::String(Value::String(text.to_owned()).to_string())
}

/// An RFC 3339 time moved by `delta`, in .NET's `DateTimeOffset` style
/// (`2026-01-01T12:00:00+00:00`); `UtcNow` style (7 fraction digits, `Z`)
/// with `utc_now`. Text that is no RFC 3339 time is sent as it is, for
/// tests of what the decoder makes of it.
fn azure_time(rfc3339: &str, delta: chrono::TimeDelta, utc_now: bool) -> String {
    let Ok(time) = chrono::DateTime::parse_from_rfc3339(rfc3339) else {
        return rfc3339.to_owned();
    };
    let time = time.to_utc() + delta;
    if utc_now {
        format!(
            "{}{:07}Z",
            time.format("%Y-%m-%dT%H:%M:%S."),
            time.timestamp_subsec_nanos() / 100
        )
    } else {
        time.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// The host's `sys.UtcNow` for an invocation at `rfc3339`: 15 ms later.
fn azure_now(rfc3339: &str) -> String {
    azure_time(rfc3339, chrono::TimeDelta::microseconds(15_123), true)
}

/// Whether the host sends a body of this type as bytes (base64):
/// `IsMediaTypeOctetOrMultipart` in azure-functions-host.
fn is_octet_or_multipart(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/octet-stream" || mime.contains("multipart/")
}

/// An HTTP trigger's invocation: the request as the host puts it in
/// `Data.<binding>` (`GetRequestAsJObject` in azure-functions-host; the
/// documentation's "Function with bindings" example), or forwarded as is
/// (`enableForwardingHttpRequest`).
///
/// ```
/// use faas_testkit::events;
/// let payload = events::azure_http("POST", "/api/orders")
///     .query("dry_run", "1")
///     .json(serde_json::json!({"order_id": "o-1"}))
///     .build();
/// let req = &payload["Data"]["req"];
/// assert_eq!(req["Url"], "http://localhost:7071/api/orders?dry_run=1");
/// assert_eq!(req["Query"], r#"{"dry_run":"1"}"#);
/// assert_eq!(req["Headers"]["Content-Type"], serde_json::json!(["application/json"]));
/// assert_eq!(req["Body"], r#"{"order_id":"o-1"}"#);
/// ```
#[derive(Debug, Clone)]
pub struct AzureHttpTrigger {
    function: String,
    binding: String,
    invocation_id: String,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    params: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

/// A `method` request to `path` (with the route prefix: `/api/orders`),
/// for the function named after the path's last segment, through a binding
/// named `req`.
pub fn azure_http(method: &str, path: &str) -> AzureHttpTrigger {
    let function = path
        .rsplit('/')
        .find(|segment| !segment.is_empty())
        .unwrap_or("HttpTrigger");
    AzureHttpTrigger {
        function: function.to_owned(),
        binding: "req".to_owned(),
        invocation_id: new_id(),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        query: Vec::new(),
        headers: Vec::new(),
        params: Vec::new(),
        body: None,
    }
}

impl AzureHttpTrigger {
    /// Adds a query parameter (repeat the call for several values).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a route parameter (`{id}` in the trigger's `route`).
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body.
    pub fn json(self, body: Value) -> Self {
        self.bytes("application/json", body.to_string().as_bytes())
    }

    /// Sets a body of `content_type`. The host sends
    /// `application/octet-stream` and `multipart/*` bodies base64-encoded,
    /// other bodies as text.
    pub fn bytes(mut self, content_type: &str, body: &[u8]) -> Self {
        self.body = Some((content_type.to_owned(), body.to_vec()));
        self
    }

    fn target(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.query);
        format!("{}?{}", self.path, query.finish())
    }

    /// The client's headers, with the body's type and length.
    fn client_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Some((content_type, body)) = &self.body {
            headers.push(("Content-Type".to_owned(), content_type.clone()));
            headers.push(("Content-Length".to_owned(), body.len().to_string()));
        }
        headers
    }

    /// The request payload the host posts to `/<function>`.
    pub fn build(&self) -> Value {
        let mut headers = Map::new();
        let mut metadata_headers = Map::new();
        let host = ("Host".to_owned(), AZURE_HOST.to_owned());
        for (name, value) in std::iter::once(host).chain(self.client_headers()) {
            let values = headers.entry(name.clone()).or_insert_with(|| json!([]));
            if let Value::Array(values) = values {
                values.push(Value::String(value.clone()));
            }
            metadata_headers
                .entry(name)
                .and_modify(|joined| {
                    if let Value::String(joined) = joined {
                        joined.push(',');
                        joined.push_str(&value);
                    }
                })
                .or_insert(Value::String(value));
        }
        // `StringValues.ToString()` joins repeated query values with commas.
        let mut query = Map::new();
        for (name, value) in &self.query {
            query
                .entry(name.clone())
                .and_modify(|joined| {
                    if let Value::String(joined) = joined {
                        joined.push(',');
                        joined.push_str(value);
                    }
                })
                .or_insert_with(|| Value::String(value.clone()));
        }
        let params: Map<String, Value> = self
            .params
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        let mut request = json!({
            "Url": format!("http://{AZURE_HOST}{}", self.target()),
            "Method": self.method,
            "Query": Value::Object(query.clone()).to_string(),
            "Headers": headers,
            "Params": params,
            "Identities": r#"[{"AuthenticationType":null,"IsAuthenticated":false,"Actor":null,"BootstrapContext":null,"Claims":[],"Label":null,"Name":null,"NameClaimType":"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name","RoleClaimType":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role"}]"#,
        });
        if let Some((content_type, body)) = self.body.as_ref().filter(|(_, body)| !body.is_empty())
        {
            request["Body"] = if is_octet_or_multipart(content_type) {
                Value::String(base64_encode(body))
            } else {
                Value::String(String::from_utf8_lossy(body).into_owned())
            };
        }
        let mut metadata = Map::new();
        metadata.insert("Query".to_owned(), Value::Object(query));
        metadata.insert("Headers".to_owned(), Value::Object(metadata_headers));
        for (name, value) in &self.params {
            metadata.insert(name.clone(), host_quoted(value));
        }
        metadata.insert(
            "sys".to_owned(),
            azure_sys(&self.function, &azure_now(TIME)),
        );
        json!({"Data": {self.binding.as_str(): request}, "Metadata": metadata})
    }

    /// The request forwarded as is (`enableForwardingHttpRequest`): the
    /// original method, path and query, the client's headers and body, and
    /// the host's headers.
    ///
    /// ```
    /// let forwarded = faas_testkit::events::azure_http("GET", "/api/orders").query("id", "o 1").forwarded();
    /// assert_eq!(forwarded.target, "/api/orders?id=o+1");
    /// assert!(forwarded.invocation_id().is_some());
    /// ```
    pub fn forwarded(&self) -> AzureHostRequest {
        let mut headers = self.client_headers();
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-length"));
        headers.extend(AzureHostRequest::host_headers(&self.invocation_id));
        AzureHostRequest {
            method: self.method.clone(),
            target: self.target(),
            headers,
            body: self
                .body
                .as_ref()
                .map(|(_, body)| body.clone())
                .unwrap_or_default(),
        }
    }
}

/// A queue message's content, as its binding's `dataType` makes the host send it.
#[derive(Debug, Clone)]
enum AzureContent {
    /// `"dataType": "string"` (the default): a quoted JSON string literal.
    Text(String),
    /// `"dataType": "binary"`: base64.
    Bytes(Vec<u8>),
}

impl AzureContent {
    fn value(&self) -> Value {
        match self {
            AzureContent::Text(text) => host_quoted(text),
            AzureContent::Bytes(bytes) => Value::String(base64_encode(bytes)),
        }
    }

    fn len(&self) -> usize {
        match self {
            AzureContent::Text(text) => text.len(),
            AzureContent::Bytes(bytes) => bytes.len(),
        }
    }
}

/// A Queue Storage trigger's invocation, with the metadata of "Message
/// metadata" in the queue trigger documentation, spelled as the host
/// really sends it (`"DequeueCount": "1"`, `"Id": "\"…\""`).
///
/// ```
/// use faas_testkit::events;
/// let payload = events::azure_queue(serde_json::json!({"job_id": "j-1"})).dequeue_count(2).id("m-1").build();
/// assert_eq!(payload["Data"]["myQueueItem"], r#""{\"job_id\":\"j-1\"}""#);
/// assert_eq!(payload["Metadata"]["DequeueCount"], "2");
/// assert_eq!(payload["Metadata"]["Id"], r#""m-1""#);
/// ```
#[derive(Debug, Clone)]
pub struct AzureQueueTrigger {
    function: String,
    binding: String,
    invocation_id: String,
    content: AzureContent,
    id: String,
    dequeue_count: u32,
}

/// A queue message holding `message` as JSON text.
pub fn azure_queue(message: Value) -> AzureQueueTrigger {
    azure_queue_with(AzureContent::Text(message.to_string()))
}

/// A queue message holding `text`.
pub fn azure_queue_text(text: &str) -> AzureQueueTrigger {
    azure_queue_with(AzureContent::Text(text.to_owned()))
}

/// A queue message holding `bytes`, for a binding with `"dataType": "binary"`.
pub fn azure_queue_bytes(bytes: &[u8]) -> AzureQueueTrigger {
    azure_queue_with(AzureContent::Bytes(bytes.to_vec()))
}

fn azure_queue_with(content: AzureContent) -> AzureQueueTrigger {
    AzureQueueTrigger {
        function: "QueueTrigger".to_owned(),
        binding: "myQueueItem".to_owned(),
        invocation_id: new_id(),
        content,
        id: new_id(),
        dequeue_count: 1,
    }
}

impl AzureQueueTrigger {
    /// Sets the message id.
    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }

    /// Sets how many times the message has been dequeued (1 = first delivery).
    pub fn dequeue_count(mut self, count: u32) -> Self {
        self.dequeue_count = count;
        self
    }

    /// The message id.
    pub fn message_id(&self) -> &str {
        &self.id
    }

    /// The request payload.
    pub fn build(&self) -> Value {
        json!({
            "Data": {self.binding.as_str(): self.content.value()},
            "Metadata": {
                "DequeueCount": self.dequeue_count.to_string(),
                "ExpirationTime": azure_time(TIME, chrono::TimeDelta::days(7), false),
                "Id": host_quoted(&self.id),
                "InsertionTime": azure_time(TIME, chrono::TimeDelta::zero(), false),
                "NextVisibleTime": azure_time(TIME, chrono::TimeDelta::minutes(10), false),
                "PopReceipt": host_quoted("AgAAAAMAAAAAAAAA8d5gQex+2AE="),
                "sys": azure_sys(&self.function, &azure_now(TIME)),
            }
        })
    }
}

/// A Blob Storage trigger's invocation: the content in `Data`, and the
/// metadata of "Blob metadata" in the blob trigger documentation (`Uri`,
/// `Properties`, `Metadata`; `BlobTrigger` is left out by the host).
///
/// ```
/// use faas_testkit::events;
/// let payload = events::azure_blob("uploads", "photos/cat 1.png").content(&[0, 255]).build();
/// assert_eq!(payload["Data"]["myBlob"], "AP8=");
/// assert_eq!(payload["Metadata"]["Uri"], r#""https://faasexample.blob.core.windows.net/uploads/photos/cat%201.png""#);
/// assert_eq!(payload["Metadata"]["Properties"]["Length"], 2);
/// ```
#[derive(Debug, Clone)]
pub struct AzureBlobTrigger {
    function: String,
    binding: String,
    invocation_id: String,
    account: String,
    container: String,
    name: String,
    content: AzureContent,
    content_type: String,
    etag: String,
}

/// A new blob `name` in `container`, read as bytes (`"dataType": "binary"`).
pub fn azure_blob(container: &str, name: &str) -> AzureBlobTrigger {
    AzureBlobTrigger {
        function: "BlobTrigger".to_owned(),
        binding: "myBlob".to_owned(),
        invocation_id: new_id(),
        account: "faasexample".to_owned(),
        container: container.to_owned(),
        name: name.to_owned(),
        content: AzureContent::Bytes(b"hello from a blob\n".to_vec()),
        content_type: "application/octet-stream".to_owned(),
        etag: "\"0x8DE2A1B3C4D5E6F\"".to_owned(),
    }
}

impl AzureBlobTrigger {
    /// Sets the storage account.
    pub fn account(mut self, account: &str) -> Self {
        self.account = account.to_owned();
        self
    }

    /// Sets the content, sent as bytes (base64).
    pub fn content(mut self, bytes: &[u8]) -> Self {
        self.content = AzureContent::Bytes(bytes.to_vec());
        self
    }

    /// Sets the content, read as text (`"dataType": "string"`).
    pub fn text(mut self, text: &str) -> Self {
        self.content = AzureContent::Text(text.to_owned());
        self
    }

    /// Sets the blob's content type.
    pub fn content_type(mut self, content_type: &str) -> Self {
        self.content_type = content_type.to_owned();
        self
    }

    /// Sets the ETag (an HTTP entity tag, quotes included).
    pub fn etag(mut self, etag: &str) -> Self {
        self.etag = etag.to_owned();
        self
    }

    /// The blob's URL, its name percent-encoded.
    fn uri(&self) -> String {
        let mut name = String::new();
        for byte in self.name.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
                name.push(char::from(byte));
            } else {
                name.push_str(&format!("%{byte:02X}"));
            }
        }
        format!(
            "https://{}.blob.core.windows.net/{}/{name}",
            self.account, self.container
        )
    }

    /// The request payload.
    pub fn build(&self) -> Value {
        let time = azure_time(TIME, chrono::TimeDelta::zero(), false);
        json!({
            "Data": {self.binding.as_str(): self.content.value()},
            "Metadata": {
                "Uri": host_quoted(&self.uri()),
                "Properties": {
                    "CacheControl": null, "ContentDisposition": null, "ContentEncoding": null,
                    "ContentLanguage": null, "Length": self.content.len(), "ContentMD5": null,
                    "ContentType": self.content_type, "ETag": self.etag, "Created": time,
                    "LastModified": time, "BlobType": 2, "LeaseStatus": 2, "LeaseState": 1,
                    "LeaseDuration": 0, "IsServerEncrypted": true, "StandardBlobTier": 0,
                },
                "Metadata": {},
                "name": host_quoted(&self.name),
                "sys": azure_sys(&self.function, &azure_now(TIME)),
            }
        })
    }
}

/// A timer trigger's invocation: the `TimerInfo` in `Data` (`Schedule`,
/// `ScheduleStatus`, `IsPastDue`, see the timer trigger's "Usage"), and
/// `sys` in `Metadata`.
///
/// ```
/// use faas_testkit::events;
/// let payload = events::azure_timer("nightly").at("2026-01-02T03:00:00Z").build();
/// assert_eq!(payload["Data"]["myTimer"]["ScheduleStatus"]["Next"], "2026-01-02T03:00:00+00:00");
/// assert_eq!(payload["Metadata"]["sys"]["MethodName"], "nightly");
/// ```
#[derive(Debug, Clone)]
pub struct AzureTimerTrigger {
    function: String,
    binding: String,
    invocation_id: String,
    scheduled: String,
    now: String,
    monitored: bool,
    past_due: bool,
}

/// A tick of the function `function`'s schedule, due at [`TIME`], with
/// schedule monitoring on.
pub fn azure_timer(function: &str) -> AzureTimerTrigger {
    AzureTimerTrigger {
        function: function.to_owned(),
        binding: "myTimer".to_owned(),
        invocation_id: new_id(),
        scheduled: TIME.to_owned(),
        now: azure_now(TIME),
        monitored: true,
        past_due: false,
    }
}

impl AzureTimerTrigger {
    /// Sets the occurrence (RFC 3339) the tick is for; the host's clock
    /// reads 15 ms later.
    pub fn at(mut self, rfc3339: &str) -> Self {
        self.scheduled = rfc3339.to_owned();
        self.now = azure_now(rfc3339);
        self
    }

    /// Sets the host's clock (`sys.UtcNow`, RFC 3339).
    pub fn now(mut self, rfc3339: &str) -> Self {
        self.now = azure_now(rfc3339);
        self
    }

    /// Marks the tick as a missed occurrence run late.
    pub fn past_due(mut self) -> Self {
        self.past_due = true;
        self
    }

    /// Turns schedule monitoring off (`"useMonitor": false`): `ScheduleStatus` is null.
    pub fn without_monitor(mut self) -> Self {
        self.monitored = false;
        self
    }

    /// The request payload.
    pub fn build(&self) -> Value {
        let status = if self.monitored {
            let previous = azure_time(&self.scheduled, chrono::TimeDelta::minutes(-5), false);
            json!({
                "Last": previous,
                "Next": azure_time(&self.scheduled, chrono::TimeDelta::zero(), false),
                "LastUpdated": previous,
            })
        } else {
            Value::Null
        };
        json!({
            "Data": {self.binding.as_str(): {
                "Schedule": {"AdjustForDST": true},
                "ScheduleStatus": status,
                "IsPastDue": self.past_due,
            }},
            "Metadata": {"sys": azure_sys(&self.function, &self.now)},
        })
    }
}

/// A custom handler binary started the way the Functions host starts one:
/// in the function app's folder, with `FUNCTIONS_CUSTOMHANDLER_PORT` set
/// to a free loopback port, then probed with `GET /` until it answers
/// (`IsWorkerReady` in azure-functions-host; the documentation gives a
/// custom handler 60 seconds to start). Killed when dropped.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use faas_testkit::events::{self, AzureCustomHandler};
///
/// let handler = AzureCustomHandler::start("target/debug/queue-worker", "examples/queue-worker/azure").await?;
/// let reply = events::azure_queue_text("hello").function("jobs").host_request().send(handler.addr()).await?;
/// assert_eq!(reply.status, 200);
/// let (status, logs) = handler.stop(std::time::Duration::from_secs(20)).await?;
/// assert!(status.success(), "{logs}");
/// # Ok(())
/// # }
/// ```
pub struct AzureCustomHandler {
    process: crate::process::Spawned,
    addr: std::net::SocketAddr,
}

impl AzureCustomHandler {
    /// Starts `binary` in `app_root` and waits until it answers the probe.
    pub async fn start(
        binary: impl AsRef<std::ffi::OsStr>,
        app_root: impl AsRef<std::path::Path>,
    ) -> std::io::Result<AzureCustomHandler> {
        AzureCustomHandler::start_with_env(binary, app_root, &[]).await
    }

    /// Like [`start`](Self::start), with these environment variables set
    /// too (the app settings of `local.settings.json`, say).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use faas_testkit::events::AzureCustomHandler;
    ///
    /// let settings = [("ORDERS_API_KEY", "k-1")];
    /// let handler = AzureCustomHandler::start_with_env("target/debug/order-webhook", "examples/order-webhook/azure", &settings).await?;
    /// # drop(handler);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_with_env(
        binary: impl AsRef<std::ffi::OsStr>,
        app_root: impl AsRef<std::path::Path>,
        env: &[(&str, &str)],
    ) -> std::io::Result<AzureCustomHandler> {
        let port = crate::tools::free_port();
        let process = crate::process::Spawned::start(
            std::process::Command::new(binary)
                .current_dir(app_root)
                .envs(env.iter().copied())
                .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
                .env_remove("FAAS_PLATFORM")
                .env_remove("AWS_LAMBDA_RUNTIME_API"),
        )?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let limit = std::time::Duration::from_secs(60);
        let started = std::time::Instant::now();
        loop {
            match crate::local::send(addr, "GET", "/", &[], b"").await {
                Ok(_) => return Ok(AzureCustomHandler { process, addr }),
                Err(err) if started.elapsed() > limit => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "the custom handler did not answer GET / on {addr} within {limit:?} ({err}); its stderr:\n{}",
                            process.stderr()
                        ),
                    ));
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// What it wrote to stderr so far (its logs).
    pub fn stderr(&self) -> String {
        self.process.stderr()
    }

    /// Stops it as the platform does (SIGTERM) and waits for it to exit, for
    /// at most `timeout`: its exit status and everything it wrote to stderr.
    pub async fn stop(
        mut self,
        timeout: std::time::Duration,
    ) -> std::io::Result<(std::process::ExitStatus, String)> {
        self.process.terminate()?;
        let status = self.process.wait(timeout).await?;
        Ok((status, self.process.stderr()))
    }
}

#[cfg(test)]
mod azure_tests {
    use super::*;
    use faas::contract::{FromEvent, QueueSource, StorageSource};
    use faas::payload::{Binary, Text};
    use faas::{HttpRequest, QueueMessage, ScheduleEvent, StorageEvent};

    fn decode<E: FromEvent>(incoming: impl Into<Incoming>) -> E {
        let unit = E::decode(incoming.into())
            .expect("decodes")
            .into_units()
            .remove(0);
        E::from_unit(unit).expect("converts")
    }

    fn time(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .expect("a valid time")
            .to_utc()
    }

    #[test]
    fn http_triggers_decode_with_query_headers_params_and_body() {
        let trigger = azure_http("put", "/api/items/7")
            .query("tag", "a b")
            .query("tag", "c&d")
            .header("Cookie", "session=s-1")
            .header("X-Trace", "t-1")
            .param("id", "7")
            .json(json!({"n": 1}));
        let req: HttpRequest = decode(&trigger);
        assert_eq!(req.method(), "PUT");
        assert_eq!(req.path(), "/api/items/7");
        assert_eq!(req.query_all("tag").collect::<Vec<_>>(), ["a b", "c&d"]);
        assert_eq!(req.header("x-trace"), Some("t-1"));
        assert_eq!(req.header("host"), Some(AZURE_HOST));
        assert_eq!(req.cookie("session"), Some("s-1"));
        assert_eq!(req.path_param("id"), Some("7"));
        assert_eq!(req.json::<Value>().unwrap(), json!({"n": 1}));
        assert_eq!(trigger.function_name(), "7");

        let binary: HttpRequest = decode(
            azure_http("POST", "/api/upload").bytes("application/octet-stream", &[0, 255, 10]),
        );
        assert_eq!(binary.body(), [0, 255, 10]);
        let multipart =
            azure_http("POST", "/api/form").bytes("multipart/form-data; boundary=x", b"--x--");
        assert_eq!(
            multipart.build()["Data"]["req"]["Body"],
            base64_encode(b"--x--")
        );
    }

    #[test]
    fn forwarded_requests_are_the_clients_own_plus_the_hosts_headers() {
        let trigger = azure_http("POST", "/api/orders")
            .query("q", "1")
            .json(json!({"order_id": "o-1"}))
            .invocation_id("inv-1");
        let forwarded = trigger.forwarded();
        assert_eq!(forwarded.target, "/api/orders?q=1");
        assert_eq!(forwarded.invocation_id(), Some("inv-1"));
        assert_eq!(forwarded.body, br#"{"order_id":"o-1"}"#);
        let headers = header_map(
            forwarded
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        let method = http::Method::from_bytes(forwarded.method.as_bytes()).unwrap();
        let req: HttpRequest = decode(HttpRequest::new(
            method,
            &forwarded.target,
            headers,
            forwarded.body.clone(),
        ));
        assert_eq!(req.query("q"), Some("1"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(
            req.header("user-agent"),
            Some(format!("Azure-Functions-Host/{AZURE_HOST_VERSION}").as_str())
        );
        let invocation = trigger.host_request();
        assert_eq!(invocation.target, "/orders");
        let payload: Value = serde_json::from_slice(&invocation.body).unwrap();
        assert_eq!(payload["Data"], trigger.build()["Data"]);
    }

    #[test]
    fn queue_triggers_decode_json_text_and_bytes() {
        let trigger = azure_queue(json!({"job_id": "j-1"}))
            .dequeue_count(3)
            .binding("job");
        let message: QueueMessage<Value> = decode(&trigger);
        assert_eq!(message.id, trigger.message_id());
        assert_eq!(message.body, json!({"job_id": "j-1"}));
        assert_eq!(message.receive_count, Some(3));
        assert_eq!(message.sent_at, Some(time(TIME)));
        assert_eq!(message.source, QueueSource::AzureQueue);
        let text: QueueMessage<Text> = decode(azure_queue_text("plain \"words\""));
        assert_eq!(text.body.as_str(), "plain \"words\"");
        let bytes: QueueMessage<Binary> = decode(azure_queue_bytes(&[0, 159, 255]));
        assert_eq!(&bytes.body.0[..], [0, 159, 255]);
    }

    #[test]
    fn blob_triggers_decode_with_their_content() {
        let trigger = azure_blob("uploads", "photos/My Cat+1.png")
            .content(&[0x89, b'P', b'N', b'G'])
            .etag("\"0x1\"");
        let blob: StorageEvent = decode(&trigger);
        assert_eq!(
            (blob.bucket.as_str(), blob.key.as_str()),
            ("uploads", "photos/My Cat+1.png")
        );
        assert_eq!(blob.size, Some(4));
        assert_eq!(blob.etag.as_deref(), Some("\"0x1\""));
        assert_eq!(blob.time, Some(time(TIME)));
        assert_eq!(blob.source, StorageSource::AzureBlob);
        assert_eq!(
            &faas::azure::blob_content(&blob).unwrap()[..],
            [0x89, b'P', b'N', b'G']
        );
        let text: StorageEvent = decode(azure_blob("docs", "a.txt").text("hi \"there\""));
        assert_eq!(
            &faas::azure::blob_content(&text).unwrap()[..],
            b"hi \"there\""
        );
    }

    #[test]
    fn timer_triggers_decode_to_the_scheduled_occurrence() {
        let tick: ScheduleEvent =
            decode(azure_timer("nightly").at("2026-03-04T05:06:00Z").past_due());
        assert_eq!(tick.name, "nightly");
        assert_eq!(tick.scheduled_time, time("2026-03-04T05:06:00Z"));
        assert_eq!(tick.id, "nightly/2026-03-04T05:06:00Z");
        assert_eq!(tick.detail["IsPastDue"], true);
        let unmonitored: ScheduleEvent = decode(
            azure_timer("hourly")
                .without_monitor()
                .now("2026-01-01T13:00:00Z"),
        );
        assert_eq!(
            unmonitored.scheduled_time,
            time("2026-01-01T13:00:00.015123Z")
        );
        assert_eq!(
            azure_now("2026-01-01T13:00:00Z"),
            "2026-01-01T13:00:00.0151230Z"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use faas::contract::{FromEvent, QueueSource, Record, StorageSource, StreamSource, Unit};
    use faas::payload::{Binary, Text};
    use faas::{
        ChangeKind, CloudEvent, HttpRequest, QueueMessage, ScheduleEvent, StorageEvent,
        StorageEventKind, StreamRecord,
    };

    fn decode_http(event: HttpEvent) -> HttpRequest {
        let unit = <HttpRequest>::decode(event.into())
            .expect("decodes")
            .into_units()
            .remove(0);
        <HttpRequest>::from_unit(unit).expect("a request")
    }

    /// The one event of an invocation, decoded as a handler taking `E` gets it.
    fn event<E: FromEvent>(incoming: impl Into<Incoming>) -> E {
        let unit = E::decode(incoming.into())
            .expect("decodes")
            .into_units()
            .remove(0);
        E::from_unit(unit).expect("converts")
    }

    /// Every record of a batch, decoded as a handler of the record type gets them.
    fn records<R: Record>(incoming: impl Into<Incoming>) -> Vec<R> {
        let units =
            faas::contract::Decoded::records(R::decode_records(incoming.into()).expect("decodes"))
                .into_units();
        units
            .into_iter()
            .map(|unit| R::from_unit(unit).expect("converts"))
            .collect()
    }

    fn utc(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("a valid time")
            .to_utc()
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
            let expected: &[&str] = if format == HttpFormat::Alb {
                &["c&d"]
            } else {
                &["a b", "c&d"]
            };
            assert_eq!(tags, expected, "{format:?}");
        }
    }

    #[test]
    fn sqs_batches_decode_with_their_ids_and_counts() {
        let batch = sqs()
            .message(json!({"n": 1}))
            .receive_count(3)
            .attribute("correlation_id", "c-9");
        let ids = batch.message_ids();
        let decoded = QueueMessage::<Value>::decode(batch.into()).unwrap();
        let units = decoded.into_units();
        assert_eq!(units[0].id, ids[0]);
        assert_eq!(units[0].receive_count, Some(3));
        assert_eq!(units[0].attributes["correlation_id"], "c-9");
    }

    #[test]
    fn sns_events_decode_to_queue_messages() {
        let event = sns()
            .topic("orders")
            .message(json!({"order_id": "o-1"}))
            .subject("order created")
            .attribute("tenant", "acme")
            .message(json!({"order_id": "o-2"}))
            .with_id("m-2");
        let ids = event.message_ids();
        assert_eq!(ids[1], "m-2");
        assert_eq!(
            event.build()["Records"][0]["Sns"]["Subject"],
            "order created"
        );
        let messages: Vec<QueueMessage<Value>> = records(&event);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].id, ids[0]);
        assert_eq!(messages[0].body, json!({"order_id": "o-1"}));
        assert_eq!(messages[0].attributes["tenant"], "acme");
        assert_eq!(messages[0].source, QueueSource::Sns);
        assert_eq!(
            messages[0].origin.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:orders")
        );
        assert_eq!(messages[0].sent_at, Some(utc(TIME)));
        assert_eq!(messages[1].id, "m-2");
        assert_eq!(messages[1].body, json!({"order_id": "o-2"}));
        assert!(messages[1].attributes.is_empty());

        let text: Vec<QueueMessage<Text>> = records(sns().message_text("plain words"));
        assert_eq!(text[0].body.as_str(), "plain words");
    }

    #[test]
    fn sns_over_sqs_unwraps_to_the_inner_message() {
        let envelope = sns_envelope(json!({"job_id": "j-2"}))
            .topic("jobs")
            .attribute("tenant", "acme");
        let batch = sqs()
            .message_via_sns(json!({"job_id": "j-1"}))
            .with_id("m-1")
            .receive_count(2)
            .message(envelope.build());
        let messages: Vec<QueueMessage<Value>> = records(&batch);
        assert_eq!(messages[0].id, "m-1");
        assert_eq!(messages[0].body, json!({"job_id": "j-1"}));
        assert_eq!(messages[0].source, QueueSource::SnsOverSqs);
        assert_eq!(messages[0].receive_count, Some(2));
        assert_eq!(
            messages[0].origin.as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:jobs")
        );
        assert_eq!(messages[1].id, batch.message_ids()[1]);
        assert_eq!(messages[1].body, json!({"job_id": "j-2"}));
        assert_eq!(messages[1].source, QueueSource::SnsOverSqs);
        assert_eq!(messages[1].attributes["tenant"], "acme");
    }

    #[test]
    fn sns_envelopes_decode_as_json_and_as_http_deliveries() {
        // The attribute's nested `"Type": "String"` sorts before the envelope's own `Type`.
        let envelope = sns_envelope(json!({"n": 1}))
            .subject("s")
            .attribute("k", "v")
            .with_id("sns-1");
        assert!(sns_envelope(json!({})).build().get("Subject").is_none());
        for incoming in [Incoming::from(&envelope), envelope.http_request().into()] {
            let messages: Vec<QueueMessage<Value>> = records(incoming);
            assert_eq!(messages.len(), 1);
            assert_eq!(messages[0].id, "sns-1");
            assert_eq!(messages[0].body, json!({"n": 1}));
            assert_eq!(messages[0].source, QueueSource::Sns);
            assert_eq!(messages[0].attributes["k"], "v");
            assert_eq!(messages[0].sent_at, Some(utc(TIME)));
        }
    }

    #[test]
    fn s3_keys_are_encoded_as_s3_does_and_decode_back() {
        let wire_key =
            |key: &str| s3_put("uploads", key).build()["Records"][0]["s3"]["object"]["key"].clone();
        assert_eq!(
            wire_key("photos/Happy Face+1.jpg"),
            "photos/Happy+Face%2B1.jpg"
        );
        assert_eq!(wire_key("a:b=c&d~é.txt"), "a%3Ab%3Dc%26d%7E%C3%A9.txt");
        for key in [
            "Happy Face+1.jpg",
            "dir/sub dir/ünïcödé €.png",
            "100% real?#&=.txt",
            "a+b+c",
            " spaced  out ",
        ] {
            let events: Vec<StorageEvent> = records(s3_put("uploads", key));
            assert_eq!(events[0].key, key);
            assert_eq!(
                event::<StorageEvent>(s3_put("uploads", key).eventbridge()).key,
                key
            );
        }
    }

    /// The fields every delivery of an S3 event carries alike.
    #[derive(Debug, PartialEq)]
    struct StorageFields {
        bucket: String,
        key: String,
        size: Option<u64>,
        etag: Option<String>,
        version: Option<String>,
        kind: StorageEventKind,
        time: Option<DateTime<Utc>>,
        region: Option<String>,
    }

    fn storage_fields(event: &StorageEvent) -> StorageFields {
        StorageFields {
            bucket: event.bucket.clone(),
            key: event.key.clone(),
            size: event.size,
            etag: event.etag.clone(),
            version: event.version.clone(),
            kind: event.kind.clone(),
            time: event.time,
            region: event.region.clone(),
        }
    }

    #[test]
    fn s3_events_decode_the_same_through_every_delivery() {
        let put = s3_put("uploads", "photos/My Cat+1.jpg")
            .size(4096)
            .etag("9b2cf535f27731c974343645a3985328")
            .version("v-1")
            .time("2026-02-03T04:05:06Z");
        let delete = s3_delete("uploads", "old/a b.txt").version("v-2");
        let expected = [
            StorageFields {
                bucket: "uploads".into(),
                key: "photos/My Cat+1.jpg".into(),
                size: Some(4096),
                etag: Some("9b2cf535f27731c974343645a3985328".into()),
                version: Some("v-1".into()),
                kind: StorageEventKind::Created,
                time: Some(utc("2026-02-03T04:05:06Z")),
                region: Some(REGION.into()),
            },
            StorageFields {
                bucket: "uploads".into(),
                key: "old/a b.txt".into(),
                size: None,
                etag: None,
                version: Some("v-2".into()),
                kind: StorageEventKind::Removed,
                time: Some(utc(TIME)),
                region: Some(REGION.into()),
            },
        ];
        for (s3, expected) in [put, delete].into_iter().zip(expected) {
            let deliveries: [(Incoming, StorageSource); 5] = [
                ((&s3).into(), StorageSource::S3),
                (s3.eventbridge().into(), StorageSource::EventBridge),
                (s3.clone().into_sqs().into(), StorageSource::Sqs),
                (s3.clone().into_sns().into(), StorageSource::Sns),
                (sqs().message_via_sns(s3.build()).into(), StorageSource::Sqs),
            ];
            for (incoming, source) in deliveries {
                let events: Vec<StorageEvent> = records(incoming);
                assert_eq!(events.len(), 1, "{source:?}");
                assert_eq!(storage_fields(&events[0]), expected, "{source:?}");
                assert_eq!(events[0].source, source);
            }
        }
    }

    #[test]
    fn s3_notifications_carry_every_record_added() {
        let s3 = s3_put("a", "1").delete("b", "2").put("c", "3").size(7);
        let events: Vec<StorageEvent> = records(&s3);
        let summary: Vec<_> = events
            .iter()
            .map(|e| (e.bucket.as_str(), e.kind.clone(), e.size))
            .collect();
        assert_eq!(
            summary,
            [
                ("a", StorageEventKind::Created, Some(1024)),
                ("b", StorageEventKind::Removed, None),
                ("c", StorageEventKind::Created, Some(7)),
            ]
        );
        let wire = s3.build();
        let sequencers: Vec<&str> = (0..3)
            .filter_map(|i| wire["Records"][i]["s3"]["object"]["sequencer"].as_str())
            .collect();
        assert!(
            sequencers.len() == 3 && sequencers.is_sorted(),
            "{sequencers:?}"
        );
    }

    #[test]
    fn the_s3_test_event_yields_no_storage_event() {
        assert!(records::<StorageEvent>(sqs().message(s3_test_event())).is_empty());
        assert!(records::<StorageEvent>(sqs().message_via_sns(s3_test_event())).is_empty());
        assert!(records::<StorageEvent>(sns().message(s3_test_event())).is_empty());
        let batch = sqs()
            .message(s3_test_event())
            .message(s3_put("uploads", "a.txt").build())
            .with_id("m-2");
        let units = <StorageEvent as FromEvent>::decode(batch.into())
            .expect("decodes")
            .into_units();
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].item_id(), Some("m-2"));
    }

    #[test]
    fn scheduled_events_decode_with_rule_time_and_id() {
        let tick: ScheduleEvent = event(
            schedule("nightly-report")
                .at("2026-03-04T05:06:07Z")
                .id("tick-1"),
        );
        assert_eq!(tick.name, "nightly-report");
        assert_eq!(tick.scheduled_time, utc("2026-03-04T05:06:07Z"));
        assert_eq!(tick.id, "tick-1");
        assert_eq!(tick.detail, json!({}));
        let default: ScheduleEvent = event(schedule("hourly"));
        assert_eq!(default.scheduled_time, utc(TIME));
    }

    #[test]
    fn kinesis_records_round_trip_json_and_bytes() {
        let bytes = [0_u8, 159, 255, b'\n'];
        let batch = kinesis()
            .stream("readings")
            .record(json!({"reading": 21.5}))
            .partition_key("sensor-7")
            .record_bytes(&bytes);
        let sequence_numbers = batch.sequence_numbers();
        assert!(sequence_numbers[0] < sequence_numbers[1]);
        let mut units = <StreamRecord<Value> as FromEvent>::decode(batch.into())
            .expect("decodes")
            .into_units();
        let unit_ids: Vec<_> = units
            .iter()
            .map(|unit| unit.item_id().map(str::to_owned))
            .collect();
        assert_eq!(
            unit_ids,
            sequence_numbers
                .iter()
                .cloned()
                .map(Some)
                .collect::<Vec<_>>()
        );
        let raw_bytes =
            <StreamRecord<Binary> as FromEvent>::from_unit(units.remove(1)).expect("converts");
        let json_record =
            <StreamRecord<Value> as FromEvent>::from_unit(units.remove(0)).expect("converts");
        assert_eq!(json_record.data, json!({"reading": 21.5}));
        assert_eq!(json_record.partition_key, "sensor-7");
        assert_eq!(json_record.sequence_number, sequence_numbers[0]);
        assert_eq!(json_record.arrived_at, Some(utc(TIME)));
        assert_eq!(json_record.source, StreamSource::Kinesis);
        assert_eq!(
            json_record.origin.as_deref(),
            Some("arn:aws:kinesis:us-east-1:123456789012:stream/readings")
        );
        assert_eq!(&raw_bytes.data.0[..], bytes);
        assert_eq!(raw_bytes.partition_key, "pk-1");
        assert_eq!(raw_bytes.sequence_number, sequence_numbers[1]);
    }

    #[test]
    fn dynamodb_changes_decode_to_plain_items() {
        let old = json!({
            "id": "o-1", "total": 12, "ratio": 0.5, "paid": false, "note": null,
            "lines": [{"sku": "a", "qty": 2}, "gift"], "meta": {"tags": ["x", "y"], "empty": {}}
        });
        let new = json!({"id": "o-1", "total": 15, "paid": true, "lines": []});
        let batch = dynamodb()
            .table("orders")
            .insert(old.clone())
            .modify(old.clone(), new.clone())
            .remove(new.clone());
        assert_eq!(
            batch.build()["Records"][0]["dynamodb"]["NewImage"]["note"],
            json!({"NULL": true})
        );
        let changes: Vec<StreamRecord<Value>> = records(&batch);
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c.change.clone(), c.data.clone(), c.old_image.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (Some(ChangeKind::Insert), old.clone(), None),
                (Some(ChangeKind::Modify), new.clone(), Some(old)),
                (Some(ChangeKind::Remove), new.clone(), Some(new)),
            ]
        );
        for (change, sequence_number) in changes.iter().zip(batch.sequence_numbers()) {
            assert_eq!(change.keys, Some(json!({"id": "o-1"})));
            assert_eq!(change.partition_key, r#"{"id":"o-1"}"#);
            assert_eq!(change.sequence_number, sequence_number);
            assert_eq!(change.source, StreamSource::DynamoDb);
            assert_eq!(change.arrived_at, Some(utc(TIME)));
            assert!(
                change
                    .origin
                    .as_deref()
                    .is_some_and(|arn| arn.contains(":table/orders/stream/"))
            );
        }
    }

    #[test]
    fn dynamodb_views_and_composite_keys_shape_the_record() {
        let old = json!({"tenant": "t-1", "id": "o-1", "n": 1});
        let new = json!({"tenant": "t-1", "id": "o-1", "n": 2});
        let keys = json!({"tenant": "t-1", "id": "o-1"});
        let cases = [
            (StreamViewType::KeysOnly, keys.clone(), None),
            (StreamViewType::NewImage, new.clone(), None),
            (StreamViewType::OldImage, old.clone(), Some(old.clone())),
            (
                StreamViewType::NewAndOldImages,
                new.clone(),
                Some(old.clone()),
            ),
        ];
        for (view, data, old_image) in cases {
            let batch = dynamodb()
                .keys(&["tenant", "id"])
                .view(view)
                .modify(old.clone(), new.clone());
            let change: Vec<StreamRecord<Value>> = records(&batch);
            assert_eq!(change[0].data, data, "{view:?}");
            assert_eq!(change[0].old_image, old_image, "{view:?}");
            assert_eq!(change[0].keys.as_ref(), Some(&keys), "{view:?}");
        }
    }

    /// The attributes every mode of a CloudEvent carries alike.
    fn cloudevent_attributes<T>(event: &CloudEvent<T>) -> Value {
        json!({
            "id": event.id, "source": event.source, "type": event.event_type, "specversion": event.spec_version,
            "subject": event.subject, "time": event.time, "datacontenttype": event.data_content_type,
            "dataschema": event.data_schema, "extensions": event.extensions,
        })
    }

    #[test]
    fn cloudevents_decode_the_same_in_binary_and_structured_mode() {
        let builder = cloudevent("com.example.order.created", "//orders/eu west")
            .id("e 1/ü")
            .subject("order \"1\" is 100% done")
            .time("2026-01-02T03:04:05Z")
            .data_schema("https://example.com/order.json")
            .extension("tenant", "acme €")
            .data(json!({"order_id": "o-1"}));
        let structured: CloudEvent<Value> = event(&builder);
        let binary: CloudEvent<Value> = event(builder.binary());
        let expected = json!({
            "id": "e 1/ü", "source": "//orders/eu west", "type": "com.example.order.created", "specversion": "1.0",
            "subject": "order \"1\" is 100% done", "time": "2026-01-02T03:04:05Z",
            "datacontenttype": "application/json", "dataschema": "https://example.com/order.json",
            "extensions": {"tenant": "acme €"},
        });
        for (mode, decoded) in [("structured", &structured), ("binary", &binary)] {
            assert_eq!(cloudevent_attributes(decoded), expected, "{mode}");
            assert_eq!(decoded.data, json!({"order_id": "o-1"}), "{mode}");
        }
    }

    #[test]
    fn cloudevent_text_and_byte_data_survive_both_modes() {
        let text = cloudevent("t", "s").data_text("text/plain; charset=utf-8", "héllo \"wörld\"");
        let json_text = cloudevent("t", "s").data_text("application/vnd.order+json", r#"{"a":1}"#);
        let bytes = cloudevent("t", "s").data_bytes("application/octet-stream", &[0, 255, 10]);
        assert_eq!(json_text.build()["data"], json!({"a": 1}));
        assert!(bytes.build().get("data_base64").is_some());
        for incoming in [Incoming::from(&text), text.binary().into()] {
            let decoded: CloudEvent<Text> = event(incoming);
            assert_eq!(decoded.data.as_str(), "héllo \"wörld\"");
            assert_eq!(
                decoded.data_content_type.as_deref(),
                Some("text/plain; charset=utf-8")
            );
        }
        for incoming in [Incoming::from(&json_text), json_text.binary().into()] {
            assert_eq!(event::<CloudEvent<Value>>(incoming).data, json!({"a": 1}));
        }
        for incoming in [Incoming::from(&bytes), bytes.binary().into()] {
            assert_eq!(
                &event::<CloudEvent<Binary>>(incoming).data.0[..],
                [0, 255, 10]
            );
        }
    }

    #[test]
    fn cloudevent_header_values_are_percent_encoded_as_the_http_binding_requires() {
        assert_eq!(encode_header_value("a b\"%€~:/"), "a%20b%22%25%E2%82%AC~:/");
        let request = cloudevent("t", "s")
            .extension("count", 3)
            .extension("Bad Name", "x")
            .binary();
        assert_eq!(request.header("ce-count"), Some("3"));
        assert_eq!(request.header("ce-specversion"), Some("1.0"));
        assert!(request.header("content-type").is_none());
    }

    #[test]
    fn a_cloudevent_batch_decodes_to_one_unit_per_event() {
        let events = [
            cloudevent("com.example.a", "//a").data(json!({"n": 1})),
            cloudevent("com.example.b", "//b").data_bytes("application/octet-stream", &[0, 255]),
        ];
        let units = CloudEvent::<Binary>::decode(cloudevent_batch(&events).into())
            .expect("decodes")
            .into_units();
        let decoded: Vec<CloudEvent<Binary>> = units
            .into_iter()
            .map(|unit| CloudEvent::from_unit(unit).expect("converts"))
            .collect();
        let summary: Vec<_> = decoded
            .iter()
            .map(|e| (e.event_type.as_str(), e.source.as_str(), e.data.0.to_vec()))
            .collect();
        assert_eq!(
            summary,
            [
                ("com.example.a", "//a", br#"{"n":1}"#.to_vec()),
                ("com.example.b", "//b", vec![0, 255]),
            ]
        );
        let structured: CloudEvent<Value> = event(events[0].structured());
        assert_eq!(structured.data, json!({"n": 1}));
    }

    #[test]
    fn gcs_cloudevents_decode_to_storage_events_in_every_mode() {
        let finalized = gcs_finalized("uploads", "photos/My Cat+1.jpg")
            .size(4096)
            .generation(1_767_268_800_123_456)
            .time("2026-02-03T04:05:06.789Z");
        let deleted = gcs_deleted("uploads", "old/a b.txt");
        let expected = [
            StorageFields {
                bucket: "uploads".into(),
                key: "photos/My Cat+1.jpg".into(),
                size: Some(4096),
                etag: Some("CKih16GjycICEAE=".into()),
                version: Some("1767268800123456".into()),
                kind: StorageEventKind::Created,
                time: Some(utc("2026-02-03T04:05:06.789Z")),
                region: None,
            },
            StorageFields {
                bucket: "uploads".into(),
                key: "old/a b.txt".into(),
                size: Some(1024),
                etag: Some("CKih16GjycICEAE=".into()),
                version: Some("1767268800000000".into()),
                kind: StorageEventKind::Removed,
                time: Some(utc(TIME)),
                region: None,
            },
        ];
        for (gcs, expected) in [&finalized, &deleted].into_iter().zip(expected) {
            let modes: [(&str, Incoming); 3] = [
                ("binary", gcs.into()),
                ("structured", gcs.cloudevent().structured().into()),
                ("event JSON", gcs.build().into()),
            ];
            for (mode, incoming) in modes {
                let events: Vec<StorageEvent> = records(incoming);
                assert_eq!(events.len(), 1, "{mode}");
                assert_eq!(storage_fields(&events[0]), expected, "{mode}");
                assert_eq!(events[0].source, StorageSource::Gcs, "{mode}");
                assert_eq!(events[0].event_name, gcs.event_type, "{mode}");
            }
        }
        let both: Vec<StorageEvent> = records(cloudevent_batch(&[
            finalized.cloudevent(),
            deleted.cloudevent(),
        ]));
        let kinds: Vec<_> = both.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(
            kinds,
            [StorageEventKind::Created, StorageEventKind::Removed]
        );
    }

    #[test]
    fn gcs_events_with_a_bad_field_or_another_type_are_refused_by_name() {
        let mut bad_size = gcs_finalized("uploads", "a.txt").build();
        bad_size["data"]["size"] = json!("big");
        let err = <StorageEvent as FromEvent>::decode(bad_size.into()).unwrap_err();
        assert_eq!(err.pointer(), "/data/size");
        assert!(
            err.to_string()
                .contains("invalid value: string \"big\", expected a non-negative integer"),
            "{err}"
        );
        let no_name = cloudevent("google.cloud.storage.object.v1.finalized", "//storage")
            .data(json!({"bucket": "b"}))
            .binary();
        let err = <StorageEvent as FromEvent>::decode(no_name.into()).unwrap_err();
        assert_eq!(err.pointer(), "/name");
        let other = cloudevent("com.example.order.created", "//orders").binary();
        let err = <StorageEvent as FromEvent>::decode(other.into()).unwrap_err();
        assert_eq!(err.pointer(), "header ce-type");
        assert!(
            err.to_string().starts_with("expected a storage event")
                && err
                    .to_string()
                    .contains("`com.example.order.created` is not a Cloud Storage object event"),
            "{err}"
        );
    }

    #[test]
    fn pubsub_messages_decode_the_same_pushed_or_as_cloudevents() {
        let message = pubsub(json!({"job_id": "j-1"}))
            .with_id("m-1")
            .attribute("correlation_id", "c-1")
            .ordering_key("customer-7")
            .published_at("2026-01-02T03:04:05.678Z");
        let subscription = "projects/my-project/subscriptions/jobs-push";
        let deliveries: [(&str, Incoming); 4] = [
            ("push JSON", (&message).into()),
            ("push request", message.push_request().into()),
            ("binary CloudEvent", message.binary().into()),
            (
                "structured CloudEvent",
                message.cloudevent().structured().into(),
            ),
        ];
        for (delivery, incoming) in deliveries {
            let messages: Vec<QueueMessage<Value>> = records(incoming);
            assert_eq!(messages.len(), 1, "{delivery}");
            let got = &messages[0];
            assert_eq!(got.id, "m-1", "{delivery}");
            assert_eq!(got.body, json!({"job_id": "j-1"}), "{delivery}");
            assert_eq!(got.attributes["correlation_id"], "c-1", "{delivery}");
            assert_eq!(got.group_id.as_deref(), Some("customer-7"), "{delivery}");
            assert_eq!(
                got.sent_at,
                Some(utc("2026-01-02T03:04:05.678Z")),
                "{delivery}"
            );
            assert_eq!(got.source, QueueSource::PubSub, "{delivery}");
            assert_eq!(got.origin.as_deref(), Some(subscription), "{delivery}");
            assert_eq!(got.receive_count, None, "{delivery}");
        }
        let retried: Vec<QueueMessage<Value>> = records(message.clone().delivery_attempt(3));
        assert_eq!(retried[0].receive_count, Some(3));
        let units = <QueueMessage<Value> as FromEvent>::decode(message.into())
            .expect("decodes")
            .into_units();
        assert_eq!(units[0].correlation_id(), Some("c-1"));
        assert_eq!(units[0].delivery_attempt(), None);

        let bytes: Vec<QueueMessage<Binary>> = records(pubsub_bytes(&[0, 159, 255]));
        assert_eq!(&bytes[0].body.0[..], [0, 159, 255]);
    }

    #[test]
    fn broken_pubsub_messages_are_refused_by_field() {
        let mut push = pubsub(json!({})).build();
        push["message"]["data"] = json!("not base64!");
        let err = <QueueMessage<Value> as FromEvent>::decode(push.into()).unwrap_err();
        assert_eq!(err.pointer(), "/message/data");
        assert!(
            err.to_string()
                .contains("a Pub/Sub push request has a bad field"),
            "{err}"
        );

        let mut push = pubsub(json!({})).build();
        for key in ["messageId", "message_id"] {
            push["message"]
                .as_object_mut()
                .expect("an object")
                .remove(key);
        }
        let err = <QueueMessage<Value> as FromEvent>::decode(push.into()).unwrap_err();
        assert_eq!(err.pointer(), "/message/messageId");

        let mut event = pubsub(json!({})).cloudevent().build();
        event["data"]["message"]["publishTime"] = json!("noon");
        let err = <QueueMessage<Value> as FromEvent>::decode(event.into()).unwrap_err();
        assert_eq!(err.pointer(), "/data/message/publishTime");
    }

    #[test]
    fn cloud_scheduler_requests_decode_to_schedule_events() {
        let job = cloud_scheduler("nightly-report")
            .at("2026-03-04T05:06:00Z")
            .body(json!({"report": "daily"}));
        let tick: ScheduleEvent = event(&job);
        assert_eq!(tick.name, "nightly-report");
        assert_eq!(tick.scheduled_time, utc("2026-03-04T05:06:00Z"));
        assert_eq!(tick.id, "nightly-report@2026-03-04T05:06:00Z");
        assert_eq!(tick.detail, json!({"report": "daily"}));

        let full = cloud_scheduler("projects/my-project/locations/europe-west1/jobs/hourly")
            .body_text("go");
        let tick: ScheduleEvent = event(full);
        assert_eq!(tick.name, "hourly");
        assert_eq!(tick.detail, json!("go"));
        let tick: ScheduleEvent = event(cloud_scheduler("hourly"));
        assert_eq!((tick.detail, tick.scheduled_time), (json!({}), utc(TIME)));

        let err = ScheduleEvent::decode(cloud_scheduler("hourly").at("").into()).unwrap_err();
        assert_eq!(err.pointer(), "header X-CloudScheduler-ScheduleTime");
        assert!(
            err.to_string().contains("a Cloud Scheduler request has a bad field at header X-CloudScheduler-ScheduleTime: missing header"),
            "{err}"
        );
    }
}
