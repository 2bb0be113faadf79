//! CloudEvents 1.0: the event's attributes and its data.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contract::Unit;
use crate::payload::Payload;
use crate::wire::RawEvent;

/// A CloudEvent: its context attributes and its data decoded into `T`.
///
/// Over HTTP, the `Content-Type` of the request tells the content mode, as
/// the [HTTP binding](https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/http-protocol-binding.md#3-http-message-mapping)
/// says:
///
/// | `Content-Type` | mode | events |
/// |---|---|---|
/// | `application/cloudevents+json` | structured: the event is one JSON document | one |
/// | `application/cloudevents-batch+json` | batched: a JSON array of events | any number, none too |
/// | anything else, with `ce-*` headers | binary: attributes in headers, the body is the data | one |
///
/// An event JSON without those (a Lambda payload, a body posted as
/// `application/json`) is read as structured mode when it has `specversion`.
/// Header values are unquoted and percent-decoded as the binding requires
/// (a value that is not UTF-8 once decoded is refused); `time` is RFC 3339,
/// with `Z` or an offset. A missing or empty required attribute
/// (`specversion`, `id`, `source`, `type`) is a `bad_input` error (`400`)
/// naming it; event formats other than JSON (`application/cloudevents+avro`)
/// are refused the same way.
///
/// A batch runs the handler once per event and answers as one: success when
/// every event succeeded, else the problem document of the first failure.
/// The binding has no per-event status, so a sender that retries resends
/// the whole batch: make handlers of batches idempotent (the `source` and
/// `id` of an event identify it).
///
/// ```
/// use faas::CloudEvent;
/// use faas::contract::FromEvent;
///
/// let event = serde_json::json!({
///     "specversion": "1.0", "id": "e-1", "source": "//orders", "type": "com.example.order.created",
///     "time": "2026-01-01T00:00:00+00:00", "tenant": "acme",
///     "data": {"order_id": "o-1"}
/// });
/// let unit = CloudEvent::<serde_json::Value>::decode(event.into()).unwrap().into_units().remove(0);
/// let event = CloudEvent::<serde_json::Value>::from_unit(unit).unwrap();
/// assert_eq!(event.event_type, "com.example.order.created");
/// assert_eq!(event.extensions["tenant"], "acme");
/// assert_eq!(event.data["order_id"], "o-1");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CloudEvent<T> {
    /// `id`: unique per source.
    pub id: String,
    /// `source`: where the event happened (a URI reference).
    pub source: String,
    /// `type`: what happened.
    pub event_type: String,
    /// `specversion`: always `1.0` here.
    pub spec_version: String,
    /// `subject`: what the event is about, within the source.
    pub subject: Option<String>,
    /// `time`: when it happened.
    pub time: Option<DateTime<Utc>>,
    /// `datacontenttype`.
    pub data_content_type: Option<String>,
    /// `dataschema`.
    pub data_schema: Option<String>,
    /// Extension attributes, by name.
    pub extensions: BTreeMap<String, Value>,
    /// The data, decoded.
    pub data: T,
    pub(crate) raw: RawEvent,
    /// Where the event sat in what arrived, for the pointers of errors.
    pub(crate) at: Location,
}

impl<T> CloudEvent<T> {
    /// The raw event: the JSON document in structured mode (the whole array,
    /// with [`record_index`](RawEvent::record_index), in batched mode), the
    /// body (the data) in binary mode.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    /// Where attribute `name` of this event is: a header (`header ce-id`)
    /// or a JSON pointer (`/id`, `/2/id` in a batch).
    pub(crate) fn attribute_pointer(&self, name: &str) -> String {
        self.at.attribute(name)
    }

    /// The JSON pointer of this event's data (`""` in binary mode, where the
    /// body is the data).
    pub(crate) fn data_pointer(&self) -> String {
        match self.at {
            Location::Headers => String::new(),
            at => at.attribute("data"),
        }
    }

    /// The same event with its data decoded by `decode`.
    pub(crate) fn try_map_data<U, E>(
        self,
        decode: impl FnOnce(T) -> Result<U, E>,
    ) -> Result<CloudEvent<U>, E> {
        Ok(CloudEvent {
            data: decode(self.data)?,
            id: self.id,
            source: self.source,
            event_type: self.event_type,
            spec_version: self.spec_version,
            subject: self.subject,
            time: self.time,
            data_content_type: self.data_content_type,
            data_schema: self.data_schema,
            extensions: self.extensions,
            raw: self.raw,
            at: self.at,
        })
    }
}

/// Where an event's attributes and data are in what arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    /// Binary mode: attributes in `ce-` headers, the body is the data.
    Headers,
    /// Structured mode: one JSON document.
    Document,
    /// Batched mode: the event at this index of the array.
    Batch(usize),
}

impl Location {
    /// Where attribute `name` is.
    pub(crate) fn attribute(self, name: &str) -> String {
        match self {
            Location::Headers => format!("header ce-{name}"),
            Location::Document => format!("/{name}"),
            Location::Batch(index) => format!("/{index}/{name}"),
        }
    }
}

impl Unit for CloudEvent<Payload> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, &self.data)
    }

    fn correlation_id(&self) -> Option<&str> {
        self.extensions.get("correlationid").and_then(Value::as_str)
    }
}
