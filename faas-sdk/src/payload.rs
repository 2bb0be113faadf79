//! The application data inside an event, and how it becomes a Rust value.
//!
//! Envelopes (an SQS record, an HTTP request, a Kinesis record) carry a
//! payload: the bytes the sender put there. [`Payload`] holds them as they
//! arrived; [`FromPayload`] turns them into the type a handler asked for:
//!
//! - any `T: DeserializeOwned` is read as JSON;
//! - [`Text`] takes the payload as UTF-8 text, as is;
//! - [`Binary`] takes the raw bytes.
//!
//! A payload that does not fit is a `bad_input` error naming the JSON
//! pointer of the field that failed.
//!
//! ```
//! use faas::payload::{FromPayload, Payload, Text};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Job { job_id: String }
//!
//! let job = Job::from_payload(Payload::from(r#"{"job_id":"j-1"}"#)).unwrap();
//! assert_eq!(job.job_id, "j-1");
//!
//! let text = Text::from_payload(Payload::from("plain words")).unwrap();
//! assert_eq!(&*text, "plain words");
//!
//! let err = Job::from_payload(Payload::from(r#"{"job_id":7}"#)).unwrap_err();
//! assert_eq!(err.violations()[0].pointer, "/job_id");
//! ```

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{FunctionError, Violation};
use crate::wire::json::{self, JsonError};

/// The payload of one event or record, undecoded.
///
/// Cheap to clone (the bytes are reference-counted). Parsing it as JSON
/// happens once: validation and decoding share the parsed value.
#[derive(Clone)]
pub struct Payload {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// Bytes as received; the JSON value is parsed at most once, on demand.
    Bytes(Bytes, OnceLock<Result<Value, PayloadError>>),
    /// Data that arrived already structured (a DynamoDB image).
    Json(Value),
}

impl Payload {
    /// A payload of these bytes.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Payload {
        Payload {
            repr: Repr::Bytes(bytes.into(), OnceLock::new()),
        }
    }

    /// A payload that is already a JSON value.
    pub fn from_json(value: Value) -> Payload {
        Payload {
            repr: Repr::Json(value),
        }
    }

    /// The payload's bytes (a JSON value is serialized).
    ///
    /// ```
    /// let p = faas::payload::Payload::from_json(serde_json::json!({"a": 1}));
    /// assert_eq!(p.to_bytes(), &br#"{"a":1}"#[..]);
    /// ```
    pub fn to_bytes(&self) -> Bytes {
        match &self.repr {
            Repr::Bytes(bytes, _) => bytes.clone(),
            Repr::Json(value) => Bytes::from(value.to_string()),
        }
    }

    /// The payload as a JSON value, parsed once and cached.
    ///
    /// ```
    /// let p = faas::payload::Payload::from(r#"{"order_id":"o-1"}"#);
    /// assert_eq!(p.json().unwrap()["order_id"], "o-1");
    /// assert!(faas::payload::Payload::from("not json").json().is_err());
    /// ```
    pub fn json(&self) -> Result<&Value, PayloadError> {
        match &self.repr {
            Repr::Json(value) => Ok(value),
            Repr::Bytes(bytes, parsed) => parsed
                .get_or_init(|| parse_json::<Value>(bytes))
                .as_ref()
                .map_err(Clone::clone),
        }
    }

    /// Decodes the payload into `T`.
    pub fn decode<T: FromPayload>(self) -> Result<T, FunctionError> {
        T::from_payload(self)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Bytes(bytes, _) => match std::str::from_utf8(bytes) {
                Ok(text) => f.debug_tuple("Payload").field(&text).finish(),
                Err(_) => write!(f, "Payload(<{} bytes>)", bytes.len()),
            },
            Repr::Json(value) => f.debug_tuple("Payload").field(value).finish(),
        }
    }
}

impl From<&'static str> for Payload {
    fn from(text: &'static str) -> Payload {
        Payload::from_bytes(Bytes::from_static(text.as_bytes()))
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Payload {
        Payload::from_bytes(Bytes::from(text))
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Payload {
        Payload::from_bytes(Bytes::from(bytes))
    }
}

impl From<Bytes> for Payload {
    fn from(bytes: Bytes) -> Payload {
        Payload::from_bytes(bytes)
    }
}

/// A payload that does not decode into the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(.pointer, .reason))]
pub struct PayloadError {
    pointer: String,
    reason: String,
}

fn describe(pointer: &str, reason: &str) -> String {
    if pointer.is_empty() {
        format!("invalid payload: {reason}")
    } else {
        format!("invalid payload at {pointer}: {reason}")
    }
}

impl PayloadError {
    pub(crate) fn new(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        PayloadError {
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    /// JSON pointer of the field that failed (`""`: the payload as a whole).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Why it failed.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl PayloadError {
    /// The `bad_input` error a handler's invocation fails with: the payload
    /// did not fit the type. The violation names the pointer.
    ///
    /// ```
    /// let err = faas::payload::Payload::from("{}").decode::<u32>().unwrap_err();
    /// assert_eq!(err.kind(), faas::ErrorKind::BadInput);
    /// ```
    pub fn into_function_error(self) -> FunctionError {
        let violation = Violation::new(self.pointer.clone(), self.reason.clone());
        FunctionError::bad_input(self).with_violations(vec![violation])
    }
}

impl From<JsonError> for PayloadError {
    fn from(err: JsonError) -> Self {
        match err {
            JsonError::Syntax(message) => PayloadError::new("", json::strip_position(&message)),
            JsonError::Data { pointer, reason } => PayloadError::new(pointer, reason),
        }
    }
}

/// A type a payload can be decoded into.
///
/// Implemented for every `T: DeserializeOwned` (read as JSON), for [`Text`]
/// and for [`Binary`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from an event payload",
    note = "payload types are JSON (`#[derive(serde::Deserialize)]`), `faas::payload::Text` or `faas::payload::Binary`"
)]
pub trait FromPayload: Sized + Send + 'static {
    /// Decodes the payload.
    fn from_payload(payload: Payload) -> Result<Self, FunctionError>;
}

impl<T: DeserializeOwned + Send + 'static> FromPayload for T {
    fn from_payload(payload: Payload) -> Result<Self, FunctionError> {
        match payload.repr {
            Repr::Json(value) => json::from_value(&value).map_err(PayloadError::from),
            Repr::Bytes(bytes, parsed) => match parsed.get() {
                Some(Ok(value)) => json::from_value(value).map_err(PayloadError::from),
                _ => parse_json(&bytes),
            },
        }
        .map_err(PayloadError::into_function_error)
    }
}

/// Parses JSON bytes into `T`, naming the bad field when it does not fit.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PayloadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(PayloadError::new("", "the payload is empty, expected JSON"));
    }
    json::parse(bytes).map_err(PayloadError::from)
}

/// A payload taken as UTF-8 text, not parsed.
///
/// ```
/// use faas::payload::{FromPayload, Payload, Text};
/// let text = Text::from_payload(Payload::from("hello")).unwrap();
/// assert_eq!(text.as_str(), "hello");
/// assert!(Text::from_payload(Payload::from(vec![0xff, 0xfe])).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(pub String);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl FromPayload for Text {
    fn from_payload(payload: Payload) -> Result<Self, FunctionError> {
        let bytes = payload.to_bytes();
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Ok(Text(text)),
            Err(err) => Err(
                PayloadError::new("", format!("the payload is not UTF-8 text: {err}"))
                    .into_function_error(),
            ),
        }
    }
}

/// A payload taken as raw bytes.
///
/// ```
/// use faas::payload::{Binary, FromPayload, Payload};
/// let data = Binary::from_payload(Payload::from(vec![0_u8, 159, 146, 150])).unwrap();
/// assert_eq!(data.len(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binary(pub Bytes);

impl Deref for Binary {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl FromPayload for Binary {
    fn from_payload(payload: Payload) -> Result<Self, FunctionError> {
        Ok(Binary(payload.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        order_id: String,
        lines: Vec<Line>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[test]
    fn a_wrong_type_deep_inside_names_its_pointer() {
        let payload = Payload::from(
            r#"{"order_id":"o","lines":[{"sku":"a","quantity":1},{"sku":"b","quantity":"two"}]}"#,
        );
        let err = Order::from_payload(payload).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::BadInput);
        assert_eq!(err.violations()[0].pointer, "/lines/1/quantity");
        assert_eq!(
            err.to_string(),
            "invalid payload at /lines/1/quantity: invalid type: string \"two\", expected u32"
        );
    }

    #[test]
    fn a_missing_field_and_an_empty_payload_are_explained() {
        let err = Order::from_payload(Payload::from(r#"{"lines":[]}"#)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid payload at /order_id: missing field `order_id`"
        );
        assert_eq!(err.violations()[0].pointer, "/order_id");
        let err = Order::from_payload(Payload::from("  ")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid payload: the payload is empty, expected JSON"
        );
    }

    #[test]
    fn a_parsed_value_is_reused_for_decoding() {
        let payload = Payload::from(r#"{"order_id":"o-1","lines":[]}"#);
        assert_eq!(payload.json().unwrap()["order_id"], "o-1");
        let order = Order::from_payload(payload).unwrap();
        assert_eq!(order.order_id, "o-1");
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let mut map = serde_json::Map::new();
        map.insert("a/b~c".into(), serde_json::json!("x"));
        let err =
            std::collections::HashMap::<String, u32>::from_payload(Payload::from_json(map.into()))
                .unwrap_err();
        assert_eq!(err.violations()[0].pointer, "/a~1b~0c");
    }
}
