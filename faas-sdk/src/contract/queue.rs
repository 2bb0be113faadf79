//! Queue messages: SQS, SNS, and SNS delivered through SQS; Google Cloud
//! Pub/Sub push requests and CloudEvents (mapped in `contract::google`).

use std::collections::HashMap;

use aws_lambda_events::event::sns::{MessageAttribute, SnsEvent, SnsMessage};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::contract::{Record, Records, Unit, event_json, google};
use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::wire::{DecodeError, Incoming, RawEvent, Shape, Source, keys, parse_provider};

pub(crate) const EXPECTED: &str = "a queue message (SQS, SNS, SNS over SQS, Pub/Sub)";

/// Which service delivered a [`QueueMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QueueSource {
    /// An SQS queue.
    Sqs,
    /// An SNS topic (delivered to Lambda, or posted over HTTP).
    Sns,
    /// An SNS topic whose notifications an SQS queue subscribes to.
    SnsOverSqs,
    /// A Google Cloud Pub/Sub subscription: a push request, or a
    /// `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (Eventarc).
    PubSub,
    /// An Azure Queue Storage queue (an Azure Functions queue trigger).
    AzureQueue,
}

/// One message from a queue or topic, its body decoded into `T`.
///
/// `T` is any JSON type, or [`Text`](crate::payload::Text) /
/// [`Binary`](crate::payload::Binary) for bodies that are not JSON. For SNS
/// over SQS the SNS envelope is unwrapped: `body` is what the publisher sent.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Job { job_id: String }
///
/// #[faas::handler(batch)]
/// async fn work(msg: QueueMessage<Job>, ctx: &Context) -> Result<(), FunctionError> {
///     tracing::info!(job = %msg.body.job_id, attempt = ?msg.receive_count, "working");
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueueMessage<T> {
    /// The message id: SQS `messageId` (also for SNS over SQS), SNS
    /// `MessageId`, Pub/Sub `messageId`, or Azure Queue Storage `Id`.
    pub id: String,
    /// The body, decoded.
    pub body: T,
    /// Message attributes (string values; binary values base64-encoded).
    pub attributes: HashMap<String, String>,
    /// How many times SQS has delivered this message (1 = first time);
    /// Pub/Sub's `deliveryAttempt`, sent when the subscription has a
    /// dead-letter topic; Azure Queue Storage's `DequeueCount`.
    pub receive_count: Option<u32>,
    /// The FIFO message group, or the Pub/Sub `orderingKey`.
    pub group_id: Option<String>,
    /// When the message was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The delivering service.
    pub source: QueueSource,
    /// The queue or topic ARN; for Pub/Sub the subscription
    /// (`projects/P/subscriptions/S`), else the topic (`projects/P/topics/T`).
    pub origin: Option<String>,
    pub(crate) raw: RawEvent,
}

impl<T> QueueMessage<T> {
    /// A message with `id` and `body` and nothing else set, for unit tests
    /// that call a handler directly.
    ///
    /// ```
    /// let msg = faas::QueueMessage::new("m-1", "hello");
    /// assert_eq!(msg.id, "m-1");
    /// ```
    pub fn new(id: impl Into<String>, body: T) -> Self {
        QueueMessage {
            id: id.into(),
            body,
            attributes: HashMap::new(),
            receive_count: None,
            group_id: None,
            sent_at: None,
            source: QueueSource::Sqs,
            origin: None,
            raw: RawEvent::new(Bytes::new(), Source::Direct),
        }
    }

    /// The raw provider event this message came in.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    fn try_map_body<U, E>(
        self,
        decode: impl FnOnce(T) -> Result<U, E>,
    ) -> Result<QueueMessage<U>, E> {
        Ok(QueueMessage {
            body: decode(self.body)?,
            id: self.id,
            attributes: self.attributes,
            receive_count: self.receive_count,
            group_id: self.group_id,
            sent_at: self.sent_at,
            source: self.source,
            origin: self.origin,
            raw: self.raw,
        })
    }
}

impl Unit for QueueMessage<Payload> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, &self.body)
    }

    fn item_id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn correlation_id(&self) -> Option<&str> {
        ["correlation_id", "CorrelationId", "correlation-id"]
            .iter()
            .find_map(|key| self.attributes.get(*key))
            .map(String::as_str)
    }

    fn delivery_attempt(&self) -> Option<u32> {
        self.receive_count
    }
}

impl<T: FromPayload> Record for QueueMessage<T> {
    type Unit = QueueMessage<Payload>;
    type Payload = T;

    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError> {
        if google::is_cloudevent_request(&incoming) {
            return google::pubsub_cloudevents(incoming);
        }
        let (bytes, source) = event_json(
            incoming,
            EXPECTED,
            &[
                Source::Sqs,
                Source::Sns,
                Source::SnsEnvelope,
                Source::CloudEvent,
                Source::PubSubPush,
                Source::AzureFunctions,
            ],
        )?;
        match source {
            // One message per invocation; a failure fails it, and the host retries.
            Source::AzureFunctions => Ok(Records::all_or_nothing(vec![
                crate::contract::azure::queue_message(&bytes, EXPECTED)?,
            ])),
            Source::CloudEvent => google::pubsub_cloudevents(Incoming::Json(bytes)),
            Source::PubSubPush => google::pubsub_push(bytes),
            Source::Sqs => {
                let event: SqsEvent = parse_provider(&bytes, source, EXPECTED)?;
                let fifo = is_fifo(&event);
                let units = sqs_units(event, &bytes, EXPECTED)?
                    .map(|(message, raw)| from_sqs(message, raw))
                    .collect();
                Ok(Records::reportable(units, fifo))
            }
            Source::Sns => {
                let event: SnsEvent = parse_provider(&bytes, source, EXPECTED)?;
                let raw = RawEvent::new(bytes.clone(), source);
                let units = event
                    .records
                    .into_iter()
                    .enumerate()
                    .map(|(index, record)| {
                        from_sns(record.sns, QueueSource::Sns, raw.for_record(index))
                    })
                    .collect();
                Ok(Records::all_or_nothing(units))
            }
            _ => {
                let message = sns_notification(&bytes, EXPECTED)?;
                let unit = from_sns(
                    message,
                    QueueSource::Sns,
                    RawEvent::new(bytes.clone(), source),
                );
                Ok(Records::all_or_nothing(vec![unit]))
            }
        }
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        unit.try_map_body(Payload::decode)
    }
}

/// Whether the batch comes from a FIFO queue, whose order must be kept.
pub(crate) fn is_fifo(event: &SqsEvent) -> bool {
    event.records.iter().any(|record| {
        record
            .event_source_arn
            .as_deref()
            .is_some_and(|arn| arn.ends_with(".fifo"))
            || record.attributes.contains_key("MessageGroupId")
    })
}

/// The records of an SQS batch with their raw views; every record must have
/// a message id, since partial batch failures are reported by it.
pub(crate) fn sqs_units(
    event: SqsEvent,
    bytes: &Bytes,
    expected: &'static str,
) -> Result<impl Iterator<Item = (SqsMessage, RawEvent)>, DecodeError> {
    if let Some(index) = event.records.iter().position(|r| r.message_id.is_none()) {
        return Err(DecodeError::field(
            expected,
            Source::Sqs,
            format!("/Records/{index}/messageId"),
            "missing field `messageId`",
        ));
    }
    let raw = RawEvent::new(bytes.clone(), Source::Sqs);
    Ok(event
        .records
        .into_iter()
        .enumerate()
        .map(move |(index, message)| (message, raw.for_record(index))))
}

/// An SNS envelope inside an SQS body, if the body is one.
pub(crate) fn unwrap_sns(body: &str) -> Option<SnsMessage> {
    if Shape(body.as_bytes()).has(&keys::TOPIC_ARN) {
        serde_json::from_str::<SnsMessage>(body)
            .ok()
            .filter(|message| message.sns_message_type == "Notification")
    } else {
        None
    }
}

/// A top-level SNS envelope (HTTP delivery), which must be a notification.
pub(crate) fn sns_notification(
    bytes: &[u8],
    expected: &'static str,
) -> Result<SnsMessage, DecodeError> {
    // The envelope's own `Type`: a key scan could find a message attribute's
    // `"Type": "String"` first, since JSON objects have no key order.
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "Type")]
        kind: String,
    }
    let kind = parse_provider::<Envelope>(bytes, Source::SnsEnvelope, expected)?.kind;
    if kind != "Notification" {
        return Err(DecodeError::field(
            expected,
            Source::SnsEnvelope,
            "/Type",
            format!(
                "an SNS {kind} carries no message; confirm or remove the subscription instead of handling it"
            ),
        ));
    }
    parse_provider(bytes, Source::SnsEnvelope, expected)
}

fn from_sqs(message: SqsMessage, raw: RawEvent) -> QueueMessage<Payload> {
    let attribute = |key: &str| message.attributes.get(key);
    let receive_count = attribute("ApproximateReceiveCount").and_then(|n| n.parse().ok());
    let sent_at = attribute("SentTimestamp")
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis);
    let group_id = attribute("MessageGroupId").cloned();
    let body = message.body.unwrap_or_default();
    let id = message.message_id.unwrap_or_default();
    match unwrap_sns(&body) {
        Some(sns) => {
            let mut unit = from_sns(sns, QueueSource::SnsOverSqs, raw);
            unit.id = id;
            unit.receive_count = receive_count;
            unit.group_id = group_id;
            unit.origin = message.event_source_arn;
            unit
        }
        None => QueueMessage {
            id,
            body: Payload::from(body),
            attributes: message
                .message_attributes
                .into_iter()
                .filter_map(|(key, value)| {
                    let text = match (value.string_value, value.binary_value) {
                        (Some(text), _) => text,
                        (None, Some(binary)) => {
                            use base64::Engine as _;
                            base64::engine::general_purpose::STANDARD.encode(&*binary)
                        }
                        (None, None) => return None,
                    };
                    Some((key, text))
                })
                .collect(),
            receive_count,
            group_id,
            sent_at,
            source: QueueSource::Sqs,
            origin: message.event_source_arn,
            raw,
        },
    }
}

fn from_sns(message: SnsMessage, source: QueueSource, raw: RawEvent) -> QueueMessage<Payload> {
    QueueMessage {
        id: message.message_id,
        body: Payload::from(message.message),
        attributes: sns_attributes(message.message_attributes),
        receive_count: None,
        group_id: None,
        sent_at: Some(message.timestamp),
        source,
        origin: Some(message.topic_arn),
        raw,
    }
}

fn sns_attributes(attributes: HashMap<String, MessageAttribute>) -> HashMap<String, String> {
    attributes
        .into_iter()
        .map(|(key, attribute)| (key, attribute.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: &str) -> serde_json::Value {
        // Keys sorted, as a re-serializing proxy would send them: the message
        // attribute's `Type` comes before the envelope's.
        serde_json::json!({
            "Message": "hello",
            "MessageAttributes": {"event_type": {"Type": "String", "Value": "order.placed"}},
            "MessageId": "m-1",
            "Signature": "EXAMPLE",
            "SignatureVersion": "1",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/cert.pem",
            "Timestamp": "2024-03-15T09:12:44.655Z",
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
            "Type": kind,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
        })
    }

    #[test]
    fn an_http_notification_is_told_by_its_own_type_not_an_attributes_type() {
        let bytes = envelope("Notification").to_string();
        let message = sns_notification(bytes.as_bytes(), EXPECTED).expect("a notification");
        assert_eq!(message.message, "hello");
        let bytes = envelope("SubscriptionConfirmation").to_string();
        let err = sns_notification(bytes.as_bytes(), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Type");
        assert!(
            err.to_string()
                .contains("an SNS SubscriptionConfirmation carries no message"),
            "{err}"
        );
    }
}
