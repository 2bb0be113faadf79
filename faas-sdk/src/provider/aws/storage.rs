//! S3 event notifications, direct or via EventBridge, SQS or SNS →
//! [`StorageEvent`].

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use aws_lambda_events::event::sns::SnsEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::EventBridgeHeader;
use super::queue::{is_fifo, sqs_units, unwrap_sns};
use crate::contract::{
    Delivery, Records, StorageEvent, StorageEventKind, StorageSource, StorageUnit,
};
use crate::wire::json::{Shape, keys};
use crate::wire::{DecodeError, RawEvent, Source, parse_provider};

/// An S3 notification sent to the function: one event per record.
pub(crate) fn s3_records(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StorageUnit>, DecodeError> {
    let raw = RawEvent::new(bytes.clone(), Source::S3);
    let event: S3Event = parse_provider(bytes, Source::S3, expected)?;
    Ok(Records::all_or_nothing(from_s3(
        event,
        StorageSource::S3,
        &raw,
        Delivery::default(),
    )))
}

/// An S3 event routed by EventBridge: one event.
pub(crate) fn s3_via_eventbridge(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StorageUnit>, DecodeError> {
    let event = from_eventbridge(bytes, expected)?;
    Ok(Records::all_or_nothing(vec![StorageUnit::Event(event)]))
}

/// S3 notifications inside SNS notifications; the S3 test event is skipped.
pub(crate) fn s3_over_sns(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StorageUnit>, DecodeError> {
    let source = Source::Sns;
    let event: SnsEvent = parse_provider(bytes, source, expected)?;
    let raw = RawEvent::new(bytes.clone(), source);
    let mut units = Vec::new();
    for (index, record) in event.records.into_iter().enumerate() {
        if is_test_event(&record.sns.message) {
            continue;
        }
        let notification = nested_notification(&record.sns.message).map_err(|reason| {
            DecodeError::field(
                expected,
                source,
                format!("/Records/{index}/Sns/Message"),
                reason,
            )
        })?;
        units.extend(from_s3(
            notification,
            StorageSource::Sns,
            &raw,
            Delivery::default(),
        ));
    }
    Ok(Records::all_or_nothing(units))
}

/// S3 notifications inside SQS messages (possibly inside SNS envelopes); a
/// message that holds none fails alone, reported by its id.
pub(crate) fn s3_over_sqs(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StorageUnit>, DecodeError> {
    let event: SqsEvent = parse_provider(bytes, Source::Sqs, expected)?;
    let fifo = is_fifo(&event);
    let mut units = Vec::new();
    for (message, raw) in sqs_units(event, bytes, expected)? {
        let message_id = message.message_id.unwrap_or_default();
        let body = message.body.unwrap_or_default();
        let inner = unwrap_sns(&body).map(|sns| sns.message).unwrap_or(body);
        if is_test_event(&inner) {
            continue;
        }
        let delivery = Delivery {
            message_id: Some(message_id.clone()),
            receive_count: message
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|n| n.parse().ok()),
        };
        match nested_notification(&inner) {
            Ok(notification) => {
                units.extend(from_s3(notification, StorageSource::Sqs, &raw, delivery))
            }
            Err(reason) => {
                let pointer = format!("/Records/{}/body", raw.record_index().unwrap_or_default());
                let error = DecodeError::field(expected, Source::Sqs, pointer, reason);
                units.push(StorageUnit::Undecodable { message_id, error });
            }
        }
    }
    Ok(Records::reportable(units, fifo))
}

/// S3 sends a test event to a queue or topic when a notification is
/// configured on it; it holds no object, so it is skipped wherever it arrives
/// (in an SQS message, in an SNS notification, or in SNS over SQS).
fn is_test_event(text: &str) -> bool {
    Shape(text.as_bytes()).string(&keys::EVENT) == Some("s3:TestEvent")
}

/// An S3 notification carried as text inside another message.
fn nested_notification(text: &str) -> Result<S3Event, String> {
    if Source::detect(text.as_bytes()) != Source::S3 {
        return Err("the message is not an S3 event notification".to_owned());
    }
    serde_json::from_str(text)
        .map_err(|err| format!("the S3 event notification inside is invalid: {err}"))
}

fn from_s3(
    event: S3Event,
    source: StorageSource,
    raw: &RawEvent,
    delivery: Delivery,
) -> Vec<StorageUnit> {
    event
        .records
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            StorageUnit::Event(from_s3_record(
                record,
                source,
                raw.for_record(index),
                delivery.clone(),
            ))
        })
        .collect()
}

fn from_s3_record(
    record: S3EventRecord,
    source: StorageSource,
    raw: RawEvent,
    delivery: Delivery,
) -> StorageEvent {
    let object = record.s3.object;
    let key = object
        .url_decoded_key
        .unwrap_or_else(|| decode_s3_key(object.key.as_deref().unwrap_or("")));
    let event_name = record.event_name.unwrap_or_default();
    StorageEvent {
        bucket: record.s3.bucket.name.unwrap_or_default(),
        key,
        size: object.size.and_then(|size| u64::try_from(size).ok()),
        etag: object.e_tag,
        version: object.version_id,
        kind: kind_of(&event_name),
        event_name,
        time: Some(record.event_time),
        region: record.aws_region,
        source,
        delivery,
        raw,
    }
}

/// What an S3 (or EventBridge) event name says happened to the object.
fn kind_of(name: &str) -> StorageEventKind {
    if name.starts_with("ObjectCreated:") || name == "Object Created" {
        StorageEventKind::Created
    } else if name.starts_with("ObjectRemoved:")
        || name.starts_with("LifecycleExpiration:Delete")
        || name == "Object Deleted"
    {
        StorageEventKind::Removed
    } else {
        StorageEventKind::Other(name.to_owned())
    }
}

/// S3 encodes keys like a form value: `+` is a space, `%2B` a plus.
fn decode_s3_key(key: &str) -> String {
    form_urlencoded::parse(format!("k={key}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The `detail` of an S3 event on EventBridge.
#[derive(Debug, Deserialize, Serialize)]
struct S3Detail {
    bucket: S3DetailBucket,
    object: S3DetailObject,
}

#[derive(Debug, Deserialize, Serialize)]
struct S3DetailBucket {
    name: String,
}

#[derive(Debug, Deserialize, Serialize)]
struct S3DetailObject {
    key: String,
    size: Option<u64>,
    etag: Option<String>,
    #[serde(rename = "version-id")]
    version_id: Option<String>,
}

fn from_eventbridge(bytes: &Bytes, expected: &'static str) -> Result<StorageEvent, DecodeError> {
    let source = Source::EventBridge;
    if EventBridgeHeader::read(bytes, expected)?.source != "aws.s3" {
        return Err(DecodeError::field(
            expected,
            source,
            "/source",
            "the EventBridge event does not come from S3 (source is not \"aws.s3\")",
        ));
    }
    let event: EventBridgeEvent<S3Detail> = parse_provider(bytes, source, expected)?;
    let detail = event.detail;
    Ok(StorageEvent {
        bucket: detail.bucket.name,
        // EventBridge carries the key as is, unlike S3 notifications.
        key: detail.object.key,
        size: detail.object.size,
        etag: detail.object.etag,
        version: detail.object.version_id,
        kind: kind_of(&event.detail_type),
        event_name: event.detail_type,
        time: event.time,
        region: event.region,
        source: StorageSource::EventBridge,
        delivery: Delivery::default(),
        raw: RawEvent::new(bytes.clone(), source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = "a storage event";

    fn bytes(value: serde_json::Value) -> Bytes {
        Bytes::from(value.to_string())
    }

    #[test]
    fn s3_keys_decode_plus_as_space_and_percent_escapes() {
        assert_eq!(decode_s3_key("Happy+Face%2B1.jpg"), "Happy Face+1.jpg");
        assert_eq!(decode_s3_key("dir%2Fa%3Ab"), "dir/a:b");
    }

    const TEST_EVENT: &str = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-03-13T17:20:02.089Z","Bucket":"b","RequestId":"r","HostId":"h"}"#;

    fn sns_record(message: &str) -> serde_json::Value {
        serde_json::json!({"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:eu-west-1:1:t:s", "Sns": {
            "Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Subject": "Amazon S3 Notification",
            "Message": message, "Timestamp": "2024-03-13T17:20:02.187Z", "SignatureVersion": "1", "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/cert.pem", "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"
        }})
    }

    #[test]
    fn the_s3_test_event_is_skipped_when_it_comes_through_sns() {
        let direct = serde_json::json!({"Records": [sns_record(TEST_EVENT)]});
        let records = s3_over_sns(&bytes(direct), EXPECTED).expect("decodes");
        assert!(records.units.is_empty());

        // Over SQS the envelope spells the URL keys as SNS's HTTP delivery does.
        let mut envelope = sns_record(TEST_EVENT)["Sns"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (lambda_key, sqs_key) in [
            ("SigningCertUrl", "SigningCertURL"),
            ("UnsubscribeUrl", "UnsubscribeURL"),
        ] {
            let value = envelope.remove(lambda_key).unwrap_or_default();
            envelope.insert(sqs_key.to_owned(), value);
        }
        let over_sqs = serde_json::json!({"Records": [{
            "messageId": "q-1", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q",
            "body": serde_json::Value::Object(envelope).to_string(), "attributes": {"ApproximateReceiveCount": "1"}
        }]});
        let records = s3_over_sqs(&bytes(over_sqs), EXPECTED).expect("decodes");
        assert!(records.units.is_empty(), "{:?}", records.units);
    }

    #[test]
    fn a_bad_sns_record_is_pointed_at_by_its_index() {
        let event =
            serde_json::json!({"Records": [sns_record(TEST_EVENT), sns_record("not an S3 event")]});
        let err = s3_over_sns(&bytes(event), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Records/1/Sns/Message");
    }

    #[test]
    fn kinds_follow_the_provider_names() {
        assert_eq!(kind_of("ObjectCreated:Put"), StorageEventKind::Created);
        assert_eq!(kind_of("ObjectRemoved:Delete"), StorageEventKind::Removed);
        assert_eq!(kind_of("Object Deleted"), StorageEventKind::Removed);
        assert_eq!(
            kind_of("ObjectRestore:Completed"),
            StorageEventKind::Other("ObjectRestore:Completed".into())
        );
    }
}
