//! Google Cloud event formats, mapped onto the provider-neutral contracts.
//!
//! | arrives as | contract | format |
//! |---|---|---|
//! | CloudEvent `google.cloud.storage.object.v1.*` (Eventarc, binary mode) | [`StorageEvent`] | data: `StorageObjectData` |
//! | CloudEvent `google.cloud.pubsub.topic.v1.messagePublished` | [`QueueMessage<T>`](crate::QueueMessage) | data: `MessagePublishedData` |
//! | Pub/Sub push request (`{"message": …, "subscription": …}`) | [`QueueMessage<T>`](crate::QueueMessage) | the same JSON as the body |
//! | Cloud Scheduler HTTP job (`X-CloudScheduler: true`) | [`ScheduleEvent`] | job name and time in headers |
//!
//! The data formats are those of Google's event catalogue,
//! `googleapis/google-cloudevents`: `StorageObjectData` in
//! `proto/google/events/cloud/storage/v1/data.proto` and
//! `MessagePublishedData` / `PubsubMessage` in
//! `proto/google/events/cloud/pubsub/v1/data.proto`, written in the proto3
//! JSON mapping (camelCase names; `int64` as a decimal string, which is
//! why `size` and `generation` arrive as strings; `bytes` as base64). A push
//! request's body is the same `{"message", "subscription"}` JSON, plus
//! `deliveryAttempt` when the subscription has a dead-letter topic
//! (<https://cloud.google.com/pubsub/docs/push>). Cloud Scheduler sets
//! `X-CloudScheduler`, `X-CloudScheduler-JobName` and, for its unix-cron
//! jobs, `X-CloudScheduler-ScheduleTime` in RFC 3339 UTC (Cloud Scheduler
//! API, `HttpTarget.headers`). Pub/Sub-target scheduler jobs arrive as
//! Pub/Sub messages: take them as a `QueueMessage<T>`.

use std::collections::HashMap;

use base64::Engine as _;
use bytes::Bytes;
use chrono::DateTime;
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Unexpected, Visitor};
use serde_json::Value;

use super::cloudevents;
use crate::contract::{
    CloudEvent, Delivery, QueueMessage, QueueSource, Records, ScheduleEvent, StorageEvent,
    StorageEventKind, StorageSource, StorageUnit,
};
use crate::payload::Payload;
use crate::wire::{DecodeError, Incoming, RawEvent, Source, parse_provider};

/// The prefix of every Cloud Storage object event type.
const STORAGE_TYPES: &str = "google.cloud.storage.object.v1.";
/// A new object, or a new generation of one.
const STORAGE_FINALIZED: &str = "google.cloud.storage.object.v1.finalized";
/// An object deleted (or, without versioning, overwritten).
const STORAGE_DELETED: &str = "google.cloud.storage.object.v1.deleted";
/// A message published to a Pub/Sub topic.
const PUBSUB_PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";
/// How Pub/Sub topics name themselves as a CloudEvent `source`.
const PUBSUB_SOURCE: &str = "//pubsub.googleapis.com/";

// ---------------------------------------------------------------- Cloud Storage

/// `StorageObjectData`: the fields a [`StorageEvent`] keeps.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StorageObject {
    bucket: String,
    name: String,
    #[serde(default, deserialize_with = "int64")]
    size: Option<u64>,
    etag: Option<String>,
    #[serde(default, deserialize_with = "int64")]
    generation: Option<u64>,
}

/// Cloud Storage CloudEvents, one storage event each; a batch fails as one.
pub(crate) fn storage_records(
    incoming: Incoming,
    expected: &'static str,
) -> Result<Records<StorageUnit>, DecodeError> {
    let wanted = EventType::Prefix(STORAGE_TYPES, "a Cloud Storage object event");
    each_event(incoming, expected, wanted, |event| {
        let object: StorageObject = event_data(&event, expected)?;
        let kind = match event.event_type.as_str() {
            STORAGE_FINALIZED => StorageEventKind::Created,
            STORAGE_DELETED => StorageEventKind::Removed,
            other => StorageEventKind::Other(other.to_owned()),
        };
        Ok(StorageUnit::Event(StorageEvent {
            bucket: object.bucket,
            key: object.name,
            size: object.size,
            etag: object.etag,
            version: object.generation.map(|generation| generation.to_string()),
            kind,
            event_name: event.event_type,
            time: event.time,
            region: None,
            source: StorageSource::Gcs,
            delivery: Delivery::default(),
            raw: event.raw,
        }))
    })
}

// ---------------------------------------------------------------- Pub/Sub

/// `MessagePublishedData`, and the body of a push request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushedMessage {
    message: PubsubMessage,
    subscription: Option<String>,
    /// Sent with push requests when the subscription has a dead-letter topic.
    delivery_attempt: Option<u32>,
}

/// `PubsubMessage`. Push requests write `messageId` and `publishTime` twice,
/// also as `message_id` and `publish_time`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PubsubMessage {
    data: Option<String>,
    attributes: Option<HashMap<String, String>>,
    message_id: Option<String>,
    #[serde(rename = "message_id")]
    message_id_snake: Option<String>,
    publish_time: Option<String>,
    #[serde(rename = "publish_time")]
    publish_time_snake: Option<String>,
    ordering_key: Option<String>,
}

/// Pub/Sub `messagePublished` CloudEvents, one message each; a batch fails as one.
pub(crate) fn pubsub_cloudevents(
    incoming: Incoming,
    expected: &'static str,
) -> Result<Records<QueueMessage<Payload>>, DecodeError> {
    let wanted = EventType::Exactly(PUBSUB_PUBLISHED, "a Pub/Sub message");
    each_event(incoming, expected, wanted, |event| {
        let pushed: PushedMessage = event_data(&event, expected)?;
        let topic = event.source.strip_prefix(PUBSUB_SOURCE).map(str::to_owned);
        let within = format!("{}/message", event.data_pointer());
        let mut message = from_pubsub(
            pushed,
            topic,
            event.raw,
            Source::CloudEvent,
            &within,
            expected,
        )?;
        if message.id.is_empty() {
            message.id = event.id;
        }
        if message.sent_at.is_none() {
            message.sent_at = event.time;
        }
        Ok(message)
    })
}

/// A Pub/Sub push request: one message, which must have its `messageId`.
pub(crate) fn pubsub_push(
    bytes: Bytes,
    expected: &'static str,
) -> Result<Records<QueueMessage<Payload>>, DecodeError> {
    let source = Source::PubSubPush;
    let pushed: PushedMessage = parse_provider(&bytes, source, expected)?;
    let raw = RawEvent::new(bytes, source);
    let message = from_pubsub(pushed, None, raw, source, "/message", expected)?;
    if message.id.is_empty() {
        return Err(DecodeError::field(
            expected,
            source,
            "/message/messageId",
            "missing field `messageId`",
        ));
    }
    Ok(Records::all_or_nothing(vec![message]))
}

/// The queue message of a pushed Pub/Sub message whose JSON is at
/// `pointer` in an event from `source`. Its id is empty when it has none.
fn from_pubsub(
    pushed: PushedMessage,
    topic: Option<String>,
    raw: RawEvent,
    source: Source,
    pointer: &str,
    expected: &'static str,
) -> Result<QueueMessage<Payload>, DecodeError> {
    let bad = |field: &str, reason: String| {
        DecodeError::field(expected, source, format!("{pointer}/{field}"), reason)
    };
    let message = pushed.message;
    let body = match message.data {
        None => Bytes::new(),
        Some(data) => base64::engine::general_purpose::STANDARD
            .decode(data)
            .map(Bytes::from)
            .map_err(|err| bad("data", format!("invalid base64: {err}")))?,
    };
    let (time_field, publish_time) = match (message.publish_time, message.publish_time_snake) {
        (Some(time), _) => ("publishTime", Some(time)),
        (None, time) => ("publish_time", time),
    };
    let sent_at = publish_time
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|time| time.to_utc())
                .map_err(|err| bad(time_field, format!("not an RFC 3339 time: {err}")))
        })
        .transpose()?;
    Ok(QueueMessage {
        id: message
            .message_id
            .or(message.message_id_snake)
            .unwrap_or_default(),
        body: Payload::from_bytes(body),
        attributes: message.attributes.unwrap_or_default(),
        receive_count: pushed.delivery_attempt,
        group_id: message.ordering_key.filter(|key| !key.is_empty()),
        sent_at,
        source: QueueSource::PubSub,
        origin: pushed.subscription.or(topic),
        raw,
    })
}

// ---------------------------------------------------------------- Cloud Scheduler

const JOB_NAME: &str = "X-CloudScheduler-JobName";
const SCHEDULE_TIME: &str = "X-CloudScheduler-ScheduleTime";

/// A Cloud Scheduler HTTP job: the job name and scheduled time from its
/// headers, the body as the detail. The id, `<job>@<schedule time>`, is the
/// same for every retry of a tick.
pub(crate) fn cloud_scheduler_tick(
    request: http::Request<Bytes>,
    expected: &'static str,
) -> Result<ScheduleEvent, DecodeError> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .ok_or_else(|| scheduler_error(name, format!("missing header `{name}`"), expected))
    };
    let job = header(JOB_NAME)?.to_owned();
    let time = header(SCHEDULE_TIME)?.to_owned();
    let scheduled_time = DateTime::parse_from_rfc3339(&time)
        .map_err(|err| {
            scheduler_error(
                SCHEDULE_TIME,
                format!("not an RFC 3339 time: {err}"),
                expected,
            )
        })?
        .to_utc();
    let body = request.into_body();
    let detail = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    // A full resource name ends in `jobs/<name>`.
    let name = job
        .rsplit_once("/jobs/")
        .map_or(job.as_str(), |(_, name)| name)
        .to_owned();
    Ok(ScheduleEvent {
        name,
        scheduled_time,
        id: format!("{job}@{time}"),
        detail,
        raw: RawEvent::new(body, Source::CloudScheduler),
    })
}

fn scheduler_error(header: &str, reason: String, expected: &'static str) -> DecodeError {
    DecodeError::field(
        expected,
        Source::CloudScheduler,
        format!("header {header}"),
        reason,
    )
}

// ---------------------------------------------------------------- shared

/// The CloudEvent types a contract takes, and how its errors name them.
#[derive(Clone, Copy)]
enum EventType {
    /// Every type with this prefix.
    Prefix(&'static str, &'static str),
    /// This one type.
    Exactly(&'static str, &'static str),
}

impl EventType {
    fn matches(self, event_type: &str) -> bool {
        match self {
            EventType::Prefix(prefix, _) => event_type.starts_with(prefix),
            EventType::Exactly(wanted, _) => event_type == wanted,
        }
    }

    fn describe(self) -> String {
        match self {
            EventType::Prefix(prefix, name) => format!("{name} ({prefix}*)"),
            EventType::Exactly(wanted, name) => format!("{name} ({wanted})"),
        }
    }
}

/// Every CloudEvent of the invocation, each of a `wanted` type, made into
/// a record by `record`; the records of a batch fail as one.
fn each_event<U>(
    incoming: Incoming,
    expected: &'static str,
    wanted: EventType,
    record: impl FnMut(CloudEvent<Payload>) -> Result<U, DecodeError>,
) -> Result<Records<U>, DecodeError> {
    let events = cloudevents::decode_delivery(incoming)
        .map_err(|err| err.expecting(expected))?
        .events;
    if let Some(event) = events
        .iter()
        .find(|event| !wanted.matches(&event.event_type))
    {
        return Err(DecodeError::field(
            expected,
            Source::CloudEvent,
            event.attribute_pointer("type"),
            format!(
                "the event type `{}` is not {}",
                event.event_type,
                wanted.describe()
            ),
        ));
    }
    let units = events.into_iter().map(record).collect::<Result<_, _>>()?;
    Ok(Records::all_or_nothing(units))
}

/// A CloudEvent's data as `T`; a bad field is pointed at within the event.
fn event_data<T: DeserializeOwned>(
    event: &CloudEvent<Payload>,
    expected: &'static str,
) -> Result<T, DecodeError> {
    let bytes = event.data.to_bytes();
    parse_provider(&bytes, Source::CloudEvent, expected).map_err(|err| match err.seen() {
        Some(_) => err.within(&event.data_pointer()),
        None => DecodeError::field(
            expected,
            Source::CloudEvent,
            event.data_pointer(),
            "the data is not a JSON object",
        ),
    })
}

/// A proto3 `int64` in the JSON mapping: a decimal string, or a number.
fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct Int64;

    impl Visitor<'_> for Int64 {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a non-negative integer, as a decimal string or a number")
        }

        fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
            Ok(Some(number))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            text.parse()
                .map(Some)
                .map_err(|_| E::invalid_value(Unexpected::Str(text), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(Int64)
}
