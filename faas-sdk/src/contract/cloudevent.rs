//! CloudEvents 1.0, in structured (JSON) and binary (HTTP headers) mode.

use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::contract::{Decoded, FromEvent, Unit};
use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::reply::ReplyFormat;
use crate::wire::{DecodeError, Incoming, RawEvent, Shape, Source, keys, parse_provider};

const EXPECTED: &str = "a CloudEvent (spec 1.0, structured or binary mode)";

/// A CloudEvent: its context attributes and its data decoded into `T`.
///
/// Structured mode (the event as one JSON document) arrives as an event
/// JSON; binary mode (attributes in `ce-*` headers, data in the body)
/// arrives as an HTTP request. Header values are percent-decoded as the
/// HTTP binding requires.
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
    raw: RawEvent,
}

impl<T> CloudEvent<T> {
    /// The raw event (the JSON document, or the body in binary mode).
    pub fn raw(&self) -> &RawEvent {
        &self.raw
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

impl<T: FromPayload> FromEvent for CloudEvent<T> {
    type Unit = CloudEvent<Payload>;
    type Payload = T;

    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
        let event = match incoming {
            Incoming::Http(request) if request.header("ce-specversion").is_some() => {
                let attributes = request
                    .headers()
                    .iter()
                    .filter_map(|(name, value)| {
                        let name = name.as_str().strip_prefix("ce-")?;
                        let value = percent_encoding::percent_decode(value.as_bytes())
                            .decode_utf8()
                            .ok()?;
                        Some((name.to_owned(), Value::String(value.into_owned())))
                    })
                    .chain(
                        request
                            .header("content-type")
                            .map(|ct| ("datacontenttype".to_owned(), Value::String(ct.to_owned()))),
                    )
                    .collect();
                let body = request.into_body();
                let raw = RawEvent::new(body.clone(), Source::Direct);
                from_attributes(attributes, Payload::from_bytes(body), raw, "header ce-")?
            }
            incoming => {
                let bytes = incoming.into_event_bytes();
                let mut document = match serde_json::from_slice::<Value>(&bytes) {
                    Ok(Value::Object(document)) if document.contains_key("specversion") => document,
                    // Valid JSON the parser still refuses (nested too deep) is a
                    // bad CloudEvent, not "looks like a CloudEvent".
                    Err(_) if Shape(&bytes).has(&keys::SPEC_VERSION) => {
                        let err =
                            parse_provider::<Value>(&bytes, Source::CloudEvent, EXPECTED).err();
                        return Err(
                            err.unwrap_or_else(|| DecodeError::unexpected(EXPECTED, &bytes))
                        );
                    }
                    _ => return Err(DecodeError::unexpected(EXPECTED, &bytes)),
                };
                let data = structured_data(&mut document)?;
                let raw = RawEvent::new(bytes, Source::CloudEvent);
                from_attributes(document, data, raw, "/")?
            }
        };
        Ok(Decoded::single(event, ReplyFormat::Direct))
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        Ok(CloudEvent {
            data: unit.data.decode()?,
            id: unit.id,
            source: unit.source,
            event_type: unit.event_type,
            spec_version: unit.spec_version,
            subject: unit.subject,
            time: unit.time,
            data_content_type: unit.data_content_type,
            data_schema: unit.data_schema,
            extensions: unit.extensions,
            raw: unit.raw,
        })
    }
}

/// Takes `data` or `data_base64` out of a structured event.
fn structured_data(document: &mut Map<String, Value>) -> Result<Payload, DecodeError> {
    if let Some(encoded) = document.remove("data_base64") {
        let Value::String(text) = encoded else {
            let reason = format!("expected a base64 string, found {encoded}");
            return Err(DecodeError::field(
                EXPECTED,
                Source::CloudEvent,
                "/data_base64",
                reason,
            ));
        };
        return base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(|bytes| Payload::from_bytes(Bytes::from(bytes)))
            .map_err(|err| {
                DecodeError::field(
                    EXPECTED,
                    Source::CloudEvent,
                    "/data_base64",
                    format!("invalid base64: {err}"),
                )
            });
    }
    let textual = document
        .get("datacontenttype")
        .and_then(Value::as_str)
        .is_some_and(|ct| !ct.contains("json"));
    Ok(match document.remove("data") {
        // Text data of a non-JSON content type is the text itself, not a JSON string.
        Some(Value::String(text)) if textual => Payload::from(text),
        Some(value) => Payload::from_json(value),
        None => Payload::from_json(Value::Null),
    })
}

/// Builds the event from its attributes; `prefix` tells errors where an
/// attribute lives (`/` in a document, `header ce-` in binary mode).
fn from_attributes(
    mut attributes: Map<String, Value>,
    data: Payload,
    raw: RawEvent,
    prefix: &str,
) -> Result<CloudEvent<Payload>, DecodeError> {
    let source = raw.source();
    let mut take = |name: &str| -> Option<String> {
        match attributes.remove(name)? {
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }
    };
    let missing = |name: &str| {
        DecodeError::field(
            EXPECTED,
            source,
            format!("{prefix}{name}"),
            format!("missing required attribute `{name}`"),
        )
    };
    let spec_version = take("specversion").ok_or_else(|| missing("specversion"))?;
    if spec_version != "1.0" {
        return Err(DecodeError::field(
            EXPECTED,
            source,
            format!("{prefix}specversion"),
            format!("unsupported specversion {spec_version:?}; only 1.0 is supported"),
        ));
    }
    let id = take("id").ok_or_else(|| missing("id"))?;
    let event_source = take("source").ok_or_else(|| missing("source"))?;
    let event_type = take("type").ok_or_else(|| missing("type"))?;
    let time = match take("time") {
        None => None,
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text)
                .map_err(|err| {
                    DecodeError::field(
                        EXPECTED,
                        source,
                        format!("{prefix}time"),
                        format!("not an RFC 3339 time: {err}"),
                    )
                })?
                .to_utc(),
        ),
    };
    Ok(CloudEvent {
        id,
        source: event_source,
        event_type,
        spec_version,
        subject: take("subject"),
        time,
        data_content_type: take("datacontenttype"),
        data_schema: take("dataschema"),
        extensions: attributes.into_iter().collect(),
        data,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::HttpRequest;

    fn decode(incoming: Incoming) -> Result<CloudEvent<Payload>, DecodeError> {
        CloudEvent::<Value>::decode(incoming).map(|decoded| decoded.into_units().remove(0))
    }

    #[test]
    fn binary_mode_reads_percent_encoded_headers_and_both_time_styles() {
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("ce-specversion", "1.0"),
            ("ce-id", "e%201"),
            ("ce-source", "%2F%2Fstorage"),
            ("ce-type", "object.finalized"),
            ("ce-time", "2026-01-01T00:00:00Z"),
            ("ce-tenant", "acme%E2%82%AC"),
            ("content-type", "application/json"),
        ] {
            headers.insert(name, http::HeaderValue::from_static(value));
        }
        let request = HttpRequest::new(http::Method::POST, "/", headers, r#"{"name":"a.txt"}"#);
        let event = decode(Incoming::from(request)).unwrap();
        assert_eq!(event.id, "e 1");
        assert_eq!(event.source, "//storage");
        assert_eq!(event.extensions["tenant"], "acme€");
        assert_eq!(event.data_content_type.as_deref(), Some("application/json"));
        let with_offset = serde_json::json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "time": "2026-01-01T00:00:00+00:00"});
        assert_eq!(decode(with_offset.into()).unwrap().time, event.time);
    }

    #[test]
    fn data_nested_too_deeply_is_a_bad_cloudevent_not_another_format() {
        let deep = format!(
            r#"{{"specversion":"1.0","id":"1","source":"s","type":"t","data":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let err = decode(deep.into_bytes().into()).unwrap_err();
        assert!(err.pointer().starts_with("/data/0/0/"), "{}", err.pointer());
        assert!(
            err.to_string()
                .contains("a CloudEvent has a bad field at /data/0/0/"),
            "{err}"
        );
        assert!(
            err.to_string().ends_with("recursion limit exceeded"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_required_attribute_is_named() {
        let err = decode(serde_json::json!({"specversion": "1.0", "id": "1", "type": "t"}).into())
            .unwrap_err();
        assert_eq!(err.pointer(), "/source");
        assert!(
            err.to_string()
                .contains("missing required attribute `source`"),
            "{err}"
        );
    }

    #[test]
    fn base64_data_and_text_data_become_bytes() {
        let event = decode(serde_json::json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "data_base64": "aGk="}).into()).unwrap();
        assert_eq!(event.data.to_bytes(), &b"hi"[..]);
        let event = decode(serde_json::json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "datacontenttype": "text/plain", "data": "hello"}).into()).unwrap();
        assert_eq!(event.data.to_bytes(), &b"hello"[..]);
        let err = decode(serde_json::json!({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "data_base64": 5}).into()).unwrap_err();
        assert_eq!(err.pointer(), "/data_base64");
        assert!(
            err.to_string()
                .ends_with("expected a base64 string, found 5"),
            "{err}"
        );
    }
}
