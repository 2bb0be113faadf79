//! Object storage notifications: S3 direct, via EventBridge, via SQS or SNS;
//! Google Cloud Storage CloudEvents (mapped in `contract::google`).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use aws_lambda_events::event::sns::SnsEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::contract::queue::{is_fifo, sqs_units, unwrap_sns};
use crate::contract::{EventBridgeHeader, Record, Records, Unit, event_json, google};
use crate::error::FunctionError;
use crate::wire::{DecodeError, Incoming, RawEvent, Shape, Source, keys, parse_provider};

pub(crate) const EXPECTED: &str =
    "a storage event (S3 notification, S3 via EventBridge, S3 over SQS or SNS, GCS CloudEvent)";

/// What happened to the object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageEventKind {
    /// The object was created or overwritten (`ObjectCreated:*`, EventBridge `Object Created`).
    Created,
    /// The object was deleted (`ObjectRemoved:*`, `LifecycleExpiration:*`, `Object Deleted`).
    Removed,
    /// Any other notification (restore, tagging, ACL…), by its provider name.
    Other(String),
}

impl StorageEventKind {
    fn from_s3_name(name: &str) -> StorageEventKind {
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
}

/// How a [`StorageEvent`] was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageSource {
    /// An S3 event notification sent to the function.
    S3,
    /// An S3 event routed by EventBridge.
    EventBridge,
    /// An S3 event notification in an SQS message (possibly via SNS).
    Sqs,
    /// An S3 event notification in an SNS notification.
    Sns,
    /// A Google Cloud Storage CloudEvent (`google.cloud.storage.object.v1.*`, from Eventarc).
    Gcs,
    /// An Azure Blob Storage blob (an Azure Functions blob trigger).
    AzureBlob,
}

/// A change to one object in a bucket.
///
/// The key is URL-decoded (S3 notifications encode it, a space as `+`), so
/// it can be passed straight to `GetObject`.
///
/// ```
/// use faas::prelude::*;
///
/// #[faas::handler(batch)]
/// async fn on_upload(obj: StorageEvent, ctx: &Context) -> Result<(), FunctionError> {
///     if obj.kind == StorageEventKind::Created {
///         tracing::info!(bucket = %obj.bucket, key = %obj.key, size = ?obj.size, "new object");
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StorageEvent {
    /// The bucket name.
    pub bucket: String,
    /// The object key, URL-decoded.
    pub key: String,
    /// The object size in bytes (absent for deletions).
    pub size: Option<u64>,
    /// The object ETag.
    pub etag: Option<String>,
    /// The object version id, in a versioned bucket.
    pub version: Option<String>,
    /// Created, removed, or another change.
    pub kind: StorageEventKind,
    /// The provider's name for the change (`ObjectCreated:Put`, `Object Created`).
    pub event_name: String,
    /// When it happened.
    pub time: Option<DateTime<Utc>>,
    /// The bucket's region.
    pub region: Option<String>,
    /// How it was delivered.
    pub source: StorageSource,
    pub(crate) delivery: Delivery,
    pub(crate) raw: RawEvent,
}

/// The queue message a storage event arrived in, if any: failures are
/// reported by its id, and its receive count is the delivery attempt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Delivery {
    message_id: Option<String>,
    receive_count: Option<u32>,
}

impl StorageEvent {
    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }
}

/// One storage event, or the queue message that should have held one.
#[derive(Debug)]
pub enum StorageUnit {
    /// A decoded event.
    Event(StorageEvent),
    /// A queue message whose body is not a storage event: it fails alone.
    Undecodable {
        /// The queue message id.
        message_id: String,
        /// Why.
        error: DecodeError,
    },
}

impl Unit for StorageUnit {
    fn item_id(&self) -> Option<&str> {
        match self {
            StorageUnit::Event(event) => event.delivery.message_id.as_deref(),
            StorageUnit::Undecodable { message_id, .. } => Some(message_id),
        }
    }

    fn delivery_attempt(&self) -> Option<u32> {
        match self {
            StorageUnit::Event(event) => event.delivery.receive_count,
            StorageUnit::Undecodable { .. } => None,
        }
    }
}

impl Record for StorageEvent {
    type Unit = StorageUnit;
    type Payload = ();

    fn decode_records(incoming: Incoming) -> Result<Records<StorageUnit>, DecodeError> {
        if google::is_cloudevent_request(&incoming) {
            return google::storage_records(incoming);
        }
        let accepted = [
            Source::S3,
            Source::EventBridge,
            Source::Sqs,
            Source::Sns,
            Source::CloudEvent,
            Source::AzureFunctions,
        ];
        let (bytes, source) = event_json(incoming, EXPECTED, &accepted)?;
        let units = match source {
            Source::AzureFunctions => {
                let blob = crate::contract::azure::storage_event(&bytes, EXPECTED)?;
                vec![StorageUnit::Event(blob)]
            }
            Source::CloudEvent => return google::storage_records(Incoming::Json(bytes)),
            Source::S3 => {
                let raw = RawEvent::new(bytes.clone(), source);
                let event: S3Event = parse_provider(&bytes, source, EXPECTED)?;
                from_s3(event, StorageSource::S3, &raw, Delivery::default())
            }
            Source::EventBridge => vec![StorageUnit::Event(from_eventbridge(&bytes)?)],
            Source::Sns => {
                let event: SnsEvent = parse_provider(&bytes, source, EXPECTED)?;
                let raw = RawEvent::new(bytes.clone(), source);
                let mut units = Vec::new();
                for (index, record) in event.records.into_iter().enumerate() {
                    if is_test_event(&record.sns.message) {
                        continue;
                    }
                    let notification =
                        nested_notification(&record.sns.message).map_err(|reason| {
                            DecodeError::field(
                                EXPECTED,
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
                units
            }
            _ => return from_sqs(&bytes),
        };
        Ok(Records::all_or_nothing(units))
    }

    fn from_unit(unit: StorageUnit) -> Result<Self, FunctionError> {
        match unit {
            StorageUnit::Event(event) => Ok(event),
            StorageUnit::Undecodable { error, .. } => Err(error.into()),
        }
    }
}

fn from_sqs(bytes: &Bytes) -> Result<Records<StorageUnit>, DecodeError> {
    let event: SqsEvent = parse_provider(bytes, Source::Sqs, EXPECTED)?;
    let fifo = is_fifo(&event);
    let mut units = Vec::new();
    for (message, raw) in sqs_units(event, bytes, EXPECTED)? {
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
                let error = DecodeError::field(EXPECTED, Source::Sqs, pointer, reason);
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
        kind: StorageEventKind::from_s3_name(&event_name),
        event_name,
        time: Some(record.event_time),
        region: record.aws_region,
        source,
        delivery,
        raw,
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

fn from_eventbridge(bytes: &Bytes) -> Result<StorageEvent, DecodeError> {
    let source = Source::EventBridge;
    if EventBridgeHeader::read(bytes, EXPECTED)?.source != "aws.s3" {
        return Err(DecodeError::field(
            EXPECTED,
            source,
            "/source",
            "the EventBridge event does not come from S3 (source is not \"aws.s3\")",
        ));
    }
    let event: EventBridgeEvent<S3Detail> = parse_provider(bytes, source, EXPECTED)?;
    let detail = event.detail;
    Ok(StorageEvent {
        bucket: detail.bucket.name,
        // EventBridge carries the key as is, unlike S3 notifications.
        key: detail.object.key,
        size: detail.object.size,
        etag: detail.object.etag,
        version: detail.object.version_id,
        kind: StorageEventKind::from_s3_name(&event.detail_type),
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
        let records = StorageEvent::decode_records(direct.into()).expect("decodes");
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
        let records = StorageEvent::decode_records(over_sqs.into()).expect("decodes");
        assert!(records.units.is_empty(), "{:?}", records.units);
    }

    #[test]
    fn a_bad_sns_record_is_pointed_at_by_its_index() {
        let event =
            serde_json::json!({"Records": [sns_record(TEST_EVENT), sns_record("not an S3 event")]});
        let err = StorageEvent::decode_records(event.into()).unwrap_err();
        assert_eq!(err.pointer(), "/Records/1/Sns/Message");
    }

    #[test]
    fn kinds_follow_the_provider_names() {
        assert_eq!(
            StorageEventKind::from_s3_name("ObjectCreated:Put"),
            StorageEventKind::Created
        );
        assert_eq!(
            StorageEventKind::from_s3_name("ObjectRemoved:Delete"),
            StorageEventKind::Removed
        );
        assert_eq!(
            StorageEventKind::from_s3_name("Object Deleted"),
            StorageEventKind::Removed
        );
        assert_eq!(
            StorageEventKind::from_s3_name("ObjectRestore:Completed"),
            StorageEventKind::Other("ObjectRestore:Completed".into())
        );
    }
}
