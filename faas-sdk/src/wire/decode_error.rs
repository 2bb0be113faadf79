//! What went wrong when an event does not decode into the contract the
//! handler takes.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::json::{self, JsonError, Shape, keys};
use super::source::Source;
use crate::error::{FunctionError, Violation};

/// An event that does not decode into the contract the handler takes.
///
/// It says which trigger was expected, what the payload looked like, and
/// where the first bad field is:
///
/// ```
/// use faas::contract::FromEvent;
/// use faas::QueueMessage;
/// let api_call = br#"{"version":"2.0","rawPath":"/orders","requestContext":{"http":{"method":"POST"}}}"#;
/// let err = <faas::Batch<QueueMessage<serde_json::Value>>>::decode(api_call.to_vec().into()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "expected a queue message (SQS, SNS, SNS over SQS, Pub/Sub), but the event looks like an API Gateway HTTP API (v2) request"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct DecodeError {
    expected: &'static str,
    seen: Seen,
    pointer: String,
    reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// No bytes at all (or only whitespace).
    Empty,
    /// Not JSON at all: why, with serde_json's position.
    NotJson(String),
    /// JSON, but not an object: what it is instead ("an array", "a string"…).
    NotObject(&'static str),
    /// JSON of a provider format the contract does not accept.
    Other(Source),
    /// JSON of no known format; its top-level keys, and what its
    /// `Records` say about their source (`""` without `Records`).
    Unknown(Vec<String>, String),
    /// An accepted format with a bad field.
    Field(Source),
}

impl DecodeError {
    /// The event is in a format the contract does not accept.
    pub(crate) fn unexpected(expected: &'static str, json: &[u8]) -> DecodeError {
        let first = json
            .iter()
            .copied()
            .find(|byte| !byte.is_ascii_whitespace());
        let seen = if first.is_none() {
            Seen::Empty
        } else if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(json) {
            Seen::NotJson(err.to_string())
        } else {
            match first {
                Some(b'{') => match Source::detect(json) {
                    Source::Direct => {
                        Seen::Unknown(Shape(json).top_level_keys(), records_hint(json))
                    }
                    source => Seen::Other(source),
                },
                Some(b'[') => Seen::NotObject("an array"),
                Some(b'"') => Seen::NotObject("a string"),
                Some(b't' | b'f') => Seen::NotObject("a boolean"),
                Some(b'n') => Seen::NotObject("null"),
                _ => Seen::NotObject("a number"),
            }
        };
        DecodeError {
            expected,
            seen,
            pointer: String::new(),
            reason: String::new(),
        }
    }

    /// An event of a known format that the contract does not accept.
    pub(crate) fn other_source(expected: &'static str, source: Source) -> DecodeError {
        DecodeError {
            expected,
            seen: Seen::Other(source),
            pointer: String::new(),
            reason: String::new(),
        }
    }

    /// A field of an accepted format is missing or has the wrong type.
    pub(crate) fn field(
        expected: &'static str,
        source: Source,
        pointer: impl Into<String>,
        reason: impl Into<String>,
    ) -> DecodeError {
        DecodeError {
            expected,
            seen: Seen::Field(source),
            pointer: pointer.into(),
            reason: reason.into(),
        }
    }

    /// The same error for a document found at `prefix` inside the event (a
    /// CloudEvent's data): a bad field's pointer starts with `prefix`.
    pub(crate) fn within(mut self, prefix: &str) -> DecodeError {
        if matches!(self.seen, Seen::Field(_)) {
            self.pointer.insert_str(0, prefix);
        }
        self
    }

    /// The same error, from a contract that accepts `expected` (one that
    /// decodes an envelope, a CloudEvent, before its own format).
    pub(crate) fn expecting(mut self, expected: &'static str) -> DecodeError {
        self.expected = expected;
        self
    }

    /// What the contract accepts.
    pub fn expected(&self) -> &str {
        self.expected
    }

    /// The provider format the event was recognised as, if any.
    pub fn seen(&self) -> Option<Source> {
        match self.seen {
            Seen::Other(source) | Seen::Field(source) => Some(source),
            Seen::Empty | Seen::NotJson(_) | Seen::NotObject(_) | Seen::Unknown(..) => None,
        }
    }

    /// JSON pointer of the failing field (`""` when the whole event is wrong).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The `bad_input` error the invocation fails with: the event did not
    /// fit the contract. The violation names the pointer.
    ///
    /// ```
    /// use faas::contract::FromEvent;
    /// let err = faas::ScheduleEvent::decode(b"{}".to_vec().into()).unwrap_err();
    /// assert_eq!(err.into_function_error().kind(), faas::ErrorKind::BadInput);
    /// ```
    pub fn into_function_error(self) -> FunctionError {
        let violation = Violation::new(self.pointer.clone(), self.to_string());
        FunctionError::bad_input(self).with_violations(vec![violation])
    }

    fn describe(&self) -> String {
        let expected = self.expected;
        match &self.seen {
            Seen::Empty => format!("expected {expected}, but the event is empty"),
            Seen::NotJson(why) => {
                format!("expected {expected}, but the event is not valid JSON ({why})")
            }
            Seen::NotObject(what) => {
                format!(
                    "expected {expected}, but the event is {what}, which matches no known format"
                )
            }
            Seen::Other(source) => {
                format!("expected {expected}, but the event looks like {source}")
            }
            Seen::Unknown(keys, _) if keys.is_empty() => {
                format!("expected {expected}, but the event matches no known format")
            }
            Seen::Unknown(keys, hint) => format!(
                "expected {expected}, but the event matches no known format (top-level keys: {}){hint}",
                keys.join(", ")
            ),
            Seen::Field(source) if self.pointer.is_empty() => {
                format!(
                    "expected {expected}; {source} could not be decoded: {}",
                    self.reason
                )
            }
            Seen::Field(source) => format!(
                "expected {expected}; {source} has a bad field at {}: {}",
                self.pointer, self.reason
            ),
        }
    }
}

/// For an event of no known format with `Records`: where they say they come
/// from. A batch without `eventSource` is the usual hand-written test event.
fn records_hint(json: &[u8]) -> String {
    let shape = Shape(json);
    if !shape.has(&keys::RECORDS) {
        return String::new();
    }
    match shape
        .string(&keys::EVENT_SOURCE)
        .or_else(|| shape.string(&keys::EVENT_SOURCE_SNS))
    {
        Some(source) => format!("; its records come from `{source}`"),
        None => "; it has `Records`, but no record names its `eventSource`".to_owned(),
    }
}

/// Parses a provider struct from the event's bytes; broken JSON is an
/// event that is not JSON, a bad field is named by its pointer.
pub(crate) fn parse_provider<T: DeserializeOwned>(
    json: &[u8],
    source: Source,
    expected: &'static str,
) -> Result<T, DecodeError> {
    json::parse(json).map_err(|err| match err {
        JsonError::Syntax(_) => DecodeError::unexpected(expected, json),
        JsonError::Data { pointer, reason } => {
            DecodeError::field(expected, source, pointer, reason)
        }
    })
}

/// Deserializes a provider struct from a value found at `at` in the event.
pub(crate) fn provider_value<T: DeserializeOwned>(
    value: &Value,
    source: Source,
    expected: &'static str,
    at: &str,
) -> Result<T, DecodeError> {
    json::from_value(value).map_err(|err| match err {
        JsonError::Syntax(reason) => DecodeError::field(expected, source, at, reason),
        JsonError::Data { pointer, reason } => {
            DecodeError::field(expected, source, format!("{at}{pointer}"), reason)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authorizer_is_named_in_the_error() {
        let http_authorizer = br#"{"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:us-east-1:1:a/test/GET/r","rawPath":"/r","requestContext":{"http":{"method":"GET"}}}"#;
        let err = DecodeError::unexpected("an HTTP request", http_authorizer);
        assert_eq!(
            err.to_string(),
            "expected an HTTP request, but the event looks like an API Gateway Lambda authorizer request"
        );
    }

    #[test]
    fn empty_events_and_non_objects_say_what_they_are() {
        let message = |json: &[u8]| DecodeError::unexpected("a queue message", json).to_string();
        assert_eq!(
            message(b" \n"),
            "expected a queue message, but the event is empty"
        );
        assert_eq!(
            message(b"[{\"messageId\":\"1\"}]"),
            "expected a queue message, but the event is an array, which matches no known format"
        );
        assert_eq!(
            message(b"\"hello\""),
            "expected a queue message, but the event is a string, which matches no known format"
        );
        assert_eq!(
            message(b"-1.5"),
            "expected a queue message, but the event is a number, which matches no known format"
        );
        assert_eq!(
            message(br#"{"Records":[{"messageId":"1","body":"x"}]}"#),
            "expected a queue message, but the event matches no known format (top-level keys: Records); \
             it has `Records`, but no record names its `eventSource`"
        );
        assert_eq!(
            message(br#"{"Records":[{"eventSource":"aws:ses","ses":{}}]}"#),
            "expected a queue message, but the event matches no known format (top-level keys: Records); \
             its records come from `aws:ses`"
        );
    }

    fn provider_error<T: DeserializeOwned>(json: &[u8], source: Source) -> DecodeError {
        match parse_provider::<T>(json, source, "an event") {
            Ok(_) => panic!("{} decoded", String::from_utf8_lossy(json)),
            Err(err) => err,
        }
    }

    #[test]
    fn a_missing_field_is_pointed_at_and_broken_json_is_not_a_bad_field() {
        use aws_lambda_events::event::{s3::S3Event, sqs::SqsEvent};
        let sqs = br#"{"Records":[{"eventSource":"aws:sqs","messageId":"1","attributes":{"ApproximateReceiveCount":2}}]}"#;
        let err = provider_error::<SqsEvent>(sqs, Source::Sqs);
        assert_eq!(
            err.pointer(),
            "/Records/0/attributes/ApproximateReceiveCount"
        );

        let s3 = br#"{"Records":[{"eventSource":"aws:s3","eventTime":"1970-01-01T00:00:00Z","userIdentity":{},"requestParameters":{}}]}"#;
        let message = provider_error::<S3Event>(s3, Source::S3).to_string();
        assert_eq!(
            message,
            "expected an event; an S3 event notification has a bad field at /Records/0/s3: missing field `s3`"
        );

        let truncated = br#"{"Records":[{"eventSource":"aws:sqs","messageId":"1""#;
        let err = provider_error::<SqsEvent>(truncated, Source::Sqs);
        assert_eq!((err.pointer(), err.seen()), ("", None));
        assert_eq!(
            err.to_string(),
            "expected an event, but the event is not valid JSON (EOF while parsing an object at line 1 column 52)"
        );
    }

    #[test]
    fn unknown_payloads_list_their_top_level_keys() {
        let err = DecodeError::unexpected("a schedule event", br#"{"hello":"world","n":1}"#);
        assert_eq!(
            err.to_string(),
            "expected a schedule event, but the event matches no known format (top-level keys: hello, n)"
        );
        let err = DecodeError::unexpected("a schedule event", b"{not json");
        assert_eq!(
            err.to_string(),
            "expected a schedule event, but the event is not valid JSON (key must be a string at line 1 column 2)"
        );
    }
}
