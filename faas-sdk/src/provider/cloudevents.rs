//! CloudEvents 1.0 over HTTP (the HTTP protocol binding: binary,
//! structured and batched content mode), and structured events as JSON →
//! [`CloudEvent`].

use base64::Engine as _;
use bytes::Bytes;
use chrono::DateTime;
use http::header::{self, HeaderMap};
use serde_json::{Map, Value};

use crate::contract::{CloudEvent, Location};
use crate::payload::Payload;
use crate::wire::json::{Shape, keys};
use crate::wire::{CloudEventMode, DecodeError, Incoming, RawEvent, Source, parse_provider};

/// What the CloudEvent contract accepts, as its errors say.
pub(crate) const EXPECTED: &str = "a CloudEvent (spec 1.0; binary, structured or batched mode)";

/// The CloudEvents of one request, their data still undecoded.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// The events, in the order they arrived: one in binary or structured
    /// mode, any number (none too) in batched mode.
    pub(crate) events: Vec<CloudEvent<Payload>>,
    /// Whether they came in batched mode.
    pub(crate) batched: bool,
}

impl Delivery {
    fn one(event: CloudEvent<Payload>) -> Delivery {
        Delivery {
            events: vec![event],
            batched: false,
        }
    }

    fn batch(events: Vec<CloudEvent<Payload>>) -> Delivery {
        Delivery {
            events,
            batched: true,
        }
    }
}

/// Reads the CloudEvents of an invocation in the content mode it declares.
pub(crate) fn decode_delivery(incoming: Incoming) -> Result<Delivery, DecodeError> {
    let request = match incoming {
        Incoming::Http(request) => *request,
        incoming => return structured(incoming.into_event_bytes(), false).map(Delivery::one),
    };
    match CloudEventMode::declared_by(request.headers()) {
        Some(CloudEventMode::Binary) => binary(request).map(Delivery::one),
        Some(CloudEventMode::Structured) => {
            json_format(request.headers(), "application/cloudevents")?;
            structured(request.into_body(), true).map(Delivery::one)
        }
        Some(CloudEventMode::Batched) => {
            json_format(request.headers(), "application/cloudevents-batch")?;
            batch(request.into_body()).map(Delivery::batch)
        }
        None => structured(request.into_body(), false).map(Delivery::one),
    }
}

/// Refuses event formats other than JSON: `media_type` alone or with `+json`.
fn json_format(headers: &HeaderMap, media_type: &str) -> Result<(), DecodeError> {
    let content_type = content_type(headers).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let format = essence.get(media_type.len()..).unwrap_or_default();
    if format.is_empty() || format.eq_ignore_ascii_case("+json") {
        return Ok(());
    }
    Err(DecodeError::field(
        EXPECTED,
        Source::CloudEvent,
        "header content-type",
        format!(
            "unsupported event format `{essence}`; only JSON (`{media_type}+json`) is supported"
        ),
    ))
}

/// Binary mode: attributes from `ce-` headers, `datacontenttype` from
/// `Content-Type`, the body as the data.
fn binary(request: http::Request<Bytes>) -> Result<CloudEvent<Payload>, DecodeError> {
    let mut attributes = Map::new();
    for (name, value) in request.headers() {
        let Some(attribute) = name.as_str().strip_prefix("ce-") else {
            continue;
        };
        let text = header_value(value.as_bytes()).map_err(|reason| {
            DecodeError::field(
                EXPECTED,
                Source::CloudEvent,
                Location::Headers.attribute(attribute),
                reason,
            )
        })?;
        attributes.insert(attribute.to_owned(), Value::String(text));
    }
    if let Some(content_type) = content_type(request.headers()) {
        attributes.insert(
            "datacontenttype".to_owned(),
            Value::String(content_type.to_owned()),
        );
    }
    let body = request.into_body();
    let raw = RawEvent::new(body.clone(), Source::CloudEvent);
    from_attributes(
        attributes,
        Payload::from_bytes(body),
        raw,
        Location::Headers,
    )
}

/// The request's `Content-Type`, if it is visible ASCII.
fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE)?.to_str().ok()
}

/// A `ce-` header value decoded as the binding says: a quoted string is
/// unquoted first, then the value is percent-decoded once; bytes that are
/// not UTF-8 after that are refused.
fn header_value(value: &[u8]) -> Result<String, String> {
    let unquoted;
    let value = match value {
        [b'"', inner @ .., b'"'] => {
            unquoted = unquote(inner);
            &unquoted[..]
        }
        _ => value,
    };
    percent_encoding::percent_decode(value)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|err| format!("the value is not UTF-8 once percent-decoded ({err})"))
}

/// The content of an HTTP quoted string: a backslash escapes the next byte.
fn unquote(inner: &[u8]) -> Vec<u8> {
    let mut text = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter();
    while let Some(&byte) = bytes.next() {
        match byte {
            b'\\' => text.extend(bytes.next()),
            _ => text.push(byte),
        }
    }
    text
}

/// Structured mode. Unless the request `declared` it, the JSON must have
/// `specversion` to be taken for a CloudEvent.
fn structured(bytes: Bytes, declared: bool) -> Result<CloudEvent<Payload>, DecodeError> {
    let mut document = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(document)) if declared || document.contains_key("specversion") => document,
        Err(_) if declared || Shape(&bytes).has(&keys::SPEC_VERSION) => {
            return Err(refused_json(&bytes));
        }
        _ => return Err(DecodeError::unexpected(EXPECTED, &bytes)),
    };
    let data = structured_data(&mut document, Location::Document)?;
    let raw = RawEvent::new(bytes, Source::CloudEvent);
    from_attributes(document, data, raw, Location::Document)
}

/// Batched mode: a JSON array of structured events.
fn batch(bytes: Bytes) -> Result<Vec<CloudEvent<Payload>>, DecodeError> {
    let items = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return Err(DecodeError::field(
                EXPECTED,
                Source::CloudEvent,
                "",
                "a batch must be a JSON array of events",
            ));
        }
        Err(_) => return Err(refused_json(&bytes)),
    };
    let raw = RawEvent::new(bytes, Source::CloudEvent);
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let at = Location::Batch(index);
            let Value::Object(mut document) = item else {
                return Err(DecodeError::field(
                    EXPECTED,
                    Source::CloudEvent,
                    format!("/{index}"),
                    format!("each event of a batch must be a JSON object, found {item}"),
                ));
            };
            let data = structured_data(&mut document, at)?;
            from_attributes(document, data, raw.for_record(index), at)
        })
        .collect()
}

/// Why JSON the parser refused is not a CloudEvent: valid JSON nested too
/// deeply is a bad field, named; anything else is not JSON at all.
fn refused_json(bytes: &[u8]) -> DecodeError {
    parse_provider::<Value>(bytes, Source::CloudEvent, EXPECTED)
        .err()
        .unwrap_or_else(|| DecodeError::unexpected(EXPECTED, bytes))
}

/// Takes `data` or `data_base64` out of a structured event.
fn structured_data(
    document: &mut Map<String, Value>,
    at: Location,
) -> Result<Payload, DecodeError> {
    if let Some(encoded) = document.remove("data_base64") {
        let bad = |reason: String| {
            DecodeError::field(
                EXPECTED,
                Source::CloudEvent,
                at.attribute("data_base64"),
                reason,
            )
        };
        let Value::String(text) = encoded else {
            return Err(bad(format!("expected a base64 string, found {encoded}")));
        };
        return base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(|bytes| Payload::from_bytes(Bytes::from(bytes)))
            .map_err(|err| bad(format!("invalid base64: {err}")));
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

/// Takes attribute `name` out as text (the canonical string of a non-string value).
fn take(attributes: &mut Map<String, Value>, name: &str) -> Option<String> {
    match attributes.remove(name)? {
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

/// Takes required attribute `name`, which must be a non-empty string.
fn take_required(
    attributes: &mut Map<String, Value>,
    name: &str,
    at: Location,
) -> Result<String, DecodeError> {
    let reason = match take(attributes, name) {
        Some(value) if !value.is_empty() => return Ok(value),
        Some(_) => format!("required attribute `{name}` is empty"),
        None => format!("missing required attribute `{name}`"),
    };
    Err(DecodeError::field(
        EXPECTED,
        Source::CloudEvent,
        at.attribute(name),
        reason,
    ))
}

/// Builds the event from its attributes.
fn from_attributes(
    mut attributes: Map<String, Value>,
    data: Payload,
    raw: RawEvent,
    at: Location,
) -> Result<CloudEvent<Payload>, DecodeError> {
    let bad = |name: &str, reason: String| {
        DecodeError::field(EXPECTED, Source::CloudEvent, at.attribute(name), reason)
    };
    let spec_version = take_required(&mut attributes, "specversion", at)?;
    if spec_version != "1.0" {
        return Err(bad(
            "specversion",
            format!("unsupported specversion {spec_version:?}; only 1.0 is supported"),
        ));
    }
    let id = take_required(&mut attributes, "id", at)?;
    let event_source = take_required(&mut attributes, "source", at)?;
    let event_type = take_required(&mut attributes, "type", at)?;
    let time = match take(&mut attributes, "time") {
        None => None,
        Some(text) => Some(
            DateTime::parse_from_rfc3339(&text)
                .map_err(|err| bad("time", format!("not an RFC 3339 time: {err}")))?
                .to_utc(),
        ),
    };
    Ok(CloudEvent {
        id,
        source: event_source,
        event_type,
        spec_version,
        subject: take(&mut attributes, "subject"),
        time,
        data_content_type: take(&mut attributes, "datacontenttype"),
        data_schema: take(&mut attributes, "dataschema"),
        extensions: attributes.into_iter().collect(),
        data,
        raw,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(incoming: Incoming) -> Result<CloudEvent<Payload>, DecodeError> {
        decode_delivery(incoming)
            .map(|delivery| delivery.events.into_iter().next().expect("one event"))
    }

    /// A `POST /` with these headers and body.
    fn request(headers: &[(&str, &[u8])], body: &str) -> Incoming {
        let mut request = http::Request::post("/");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Incoming::from(
            request
                .body(Bytes::from(body.to_owned()))
                .expect("a request"),
        )
    }

    /// Asserts that `result` is refused at `pointer`, with a message saying `says`.
    fn refused<T: std::fmt::Debug>(result: Result<T, DecodeError>, pointer: &str, says: &str) {
        let err = result.expect_err("refused");
        assert_eq!(err.pointer(), pointer, "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }

    const BINARY: [(&str, &[u8]); 4] = [
        ("ce-specversion", b"1.0"),
        ("ce-id", b"e-1"),
        ("ce-source", b"//s"),
        ("ce-type", b"t"),
    ];

    #[test]
    fn the_content_type_chooses_the_mode() {
        let event = r#"{"specversion":"1.0","id":"e-1","source":"//s","type":"t","data":{"n":1}}"#;
        // Structured, whatever the case and parameters of the media type.
        let structured = [(
            "content-type",
            &b"Application/CloudEvents+JSON; charset=utf-8"[..],
        )];
        let decoded = decode(request(&structured, event)).unwrap();
        assert_eq!(decoded.at, Location::Document);
        assert_eq!(decoded.data.json().unwrap()["n"], 1);

        // Binary mode: the same JSON is only the data.
        let mut binary = BINARY.to_vec();
        binary.push(("content-type", b"application/json"));
        let decoded = decode(request(&binary, event)).unwrap();
        assert_eq!(decoded.at, Location::Headers);
        assert_eq!(decoded.data.json().unwrap()["id"], "e-1");

        // A structured event posted as plain JSON is still read.
        let plain = [("content-type", &b"application/json"[..])];
        assert_eq!(decode(request(&plain, event)).unwrap().id, "e-1");

        // Declared structured mode names what is missing instead of guessing the format.
        refused(
            decode(request(&structured, r#"{"id":"e-1"}"#)),
            "/specversion",
            "missing required attribute `specversion`",
        );
        let avro = [("content-type", &b"application/cloudevents+avro"[..])];
        refused(
            decode(request(&avro, event)),
            "header content-type",
            "unsupported event format `application/cloudevents+avro`",
        );
    }

    #[test]
    fn a_batch_is_one_unit_per_event_answered_all_or_nothing() {
        let batch = [("content-type", &b"application/cloudevents-batch+json"[..])];
        let body = r#"[
            {"specversion":"1.0","id":"e-1","source":"//s","type":"t","data":{"n":1}},
            {"specversion":"1.0","id":"e-2","source":"//s","type":"t","data_base64":"aGk="}
        ]"#;
        let delivery = decode_delivery(request(&batch, body)).unwrap();
        assert!(delivery.batched);
        let units = delivery.events;
        let ids: Vec<_> = units.iter().map(|event| event.id.as_str()).collect();
        assert_eq!(ids, ["e-1", "e-2"]);
        assert_eq!(units[1].data.to_bytes(), &b"hi"[..]);
        assert_eq!(units[1].raw().record_index(), Some(1));
        assert_eq!(units[1].data_pointer(), "/1/data");

        let empty = decode_delivery(request(&batch, "[]")).unwrap();
        assert!(empty.events.is_empty());

        let second_has_no_source = r#"[{"specversion":"1.0","id":"e-1","source":"//s","type":"t"},{"specversion":"1.0","id":"e-2","type":"t"}]"#;
        let in_batch = |body| decode_delivery(request(&batch, body));
        refused(
            in_batch(second_has_no_source),
            "/1/source",
            "missing required attribute `source`",
        );
        refused(in_batch(r#"[{"specversion":"1.0"}, 7]"#), "/0/id", "`id`");
        refused(
            in_batch(r#"[{"specversion":"1.0","id":"e-1","source":"//s","type":"t"}, 7]"#),
            "/1",
            "each event of a batch must be a JSON object, found 7",
        );
        refused(
            in_batch(r#"{"specversion":"1.0"}"#),
            "",
            "a batch must be a JSON array of events",
        );
    }

    #[test]
    fn header_values_are_unquoted_then_percent_decoded_and_must_be_utf8() {
        let mut headers = BINARY.to_vec();
        headers.push(("ce-subject", br#""a \"quoted\" %E2%82%AC""#));
        headers.push(("ce-tenant", b"100%25 raw % kept"));
        let event = decode(request(&headers, "")).unwrap();
        assert_eq!(event.subject.as_deref(), Some("a \"quoted\" €"));
        assert_eq!(event.extensions["tenant"], "100% raw % kept");

        let mut headers = BINARY.to_vec();
        headers.push(("ce-subject", b"%C0%A0"));
        refused(
            decode(request(&headers, "")),
            "header ce-subject",
            "not UTF-8 once percent-decoded",
        );
    }

    #[test]
    fn required_attributes_must_be_present_and_not_empty() {
        let without_type = decode(request(&BINARY[..3], ""));
        assert_eq!(
            without_type.as_ref().err().and_then(DecodeError::seen),
            Some(Source::CloudEvent)
        );
        refused(
            without_type,
            "header ce-type",
            "missing required attribute `type`",
        );
        let mut headers = BINARY.to_vec();
        headers[1] = ("ce-id", b"");
        refused(
            decode(request(&headers, "")),
            "header ce-id",
            "required attribute `id` is empty",
        );

        let mut headers = BINARY.to_vec();
        headers.push(("ce-time", b"yesterday"));
        refused(
            decode(request(&headers, "")),
            "header ce-time",
            "not an RFC 3339 time",
        );
    }

    #[test]
    fn binary_mode_reads_percent_encoded_headers_and_both_time_styles() {
        let mut request = http::Request::post("/");
        for (name, value) in [
            ("ce-specversion", "1.0"),
            ("ce-id", "e%201"),
            ("ce-source", "%2F%2Fstorage"),
            ("ce-type", "object.finalized"),
            ("ce-time", "2026-01-01T00:00:00Z"),
            ("ce-tenant", "acme%E2%82%AC"),
            ("content-type", "application/json"),
        ] {
            request = request.header(name, value);
        }
        let request = request
            .body(Bytes::from_static(br#"{"name":"a.txt"}"#))
            .unwrap();
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
