//! SQS, SNS, and SNS delivered through SQS → [`QueueMessage`].

use std::collections::HashMap;

use aws_lambda_events::event::sns::{MessageAttribute, SnsEvent, SnsMessage};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use bytes::Bytes;
use chrono::DateTime;

use crate::contract::{QueueMessage, QueueSource, Records};
use crate::payload::Payload;
use crate::wire::json::{Shape, keys};
use crate::wire::{DecodeError, RawEvent, Source, parse_provider};

/// The messages of an SQS batch; a failure is reported by message id.
pub(crate) fn sqs_messages(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<QueueMessage<Payload>>, DecodeError> {
    let event: SqsEvent = parse_provider(bytes, Source::Sqs, expected)?;
    let fifo = is_fifo(&event);
    let units = sqs_units(event, bytes, expected)?
        .map(|(message, raw)| from_sqs(message, raw))
        .collect();
    Ok(Records::reportable(units, fifo))
}

/// The notifications of an SNS invocation; any failure fails it whole.
pub(crate) fn sns_messages(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<QueueMessage<Payload>>, DecodeError> {
    let event: SnsEvent = parse_provider(bytes, Source::Sns, expected)?;
    let raw = RawEvent::new(bytes.clone(), Source::Sns);
    let units = event
        .records
        .into_iter()
        .enumerate()
        .map(|(index, record)| from_sns(record.sns, QueueSource::Sns, raw.for_record(index)))
        .collect();
    Ok(Records::all_or_nothing(units))
}

/// An SNS message envelope on its own (an HTTP delivery): one message.
pub(crate) fn sns_envelope(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<QueueMessage<Payload>>, DecodeError> {
    let message = sns_notification(bytes, expected)?;
    let raw = RawEvent::new(bytes.clone(), Source::SnsEnvelope);
    Ok(Records::all_or_nothing(vec![from_sns(
        message,
        QueueSource::Sns,
        raw,
    )]))
}

/// Whether the batch comes from a FIFO queue, whose order must be kept.
pub(super) fn is_fifo(event: &SqsEvent) -> bool {
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
pub(super) fn sqs_units(
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
pub(super) fn unwrap_sns(body: &str) -> Option<SnsMessage> {
    if Shape(body.as_bytes()).has(&keys::TOPIC_ARN) {
        serde_json::from_str::<SnsMessage>(body)
            .ok()
            .filter(|message| message.sns_message_type == "Notification")
    } else {
        None
    }
}

/// A top-level SNS envelope (HTTP delivery), which must be a notification.
fn sns_notification(bytes: &[u8], expected: &'static str) -> Result<SnsMessage, DecodeError> {
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

    const EXPECTED: &str = "a queue message";

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
