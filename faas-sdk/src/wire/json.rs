//! JSON as the wire carries it: finding keys without parsing, parsing with
//! the path of the first bad field, and JSON pointers (RFC 6901).
//!
//! Every decoder of the SDK reports a bad field the same way: the pointer
//! of the field (a missing field included: `/Records/0/messageId`, not its
//! parent), and the reason without serde_json's "at line 1 column 9".

use std::sync::LazyLock;

use memchr::memmem;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A JSON object key to look for. Its search state is built once per
/// process: detection runs on every invocation.
pub(crate) struct Key(LazyLock<memmem::Finder<'static>>);

macro_rules! json_keys {
    ($($name:ident = $key:literal,)*) => {
        /// The keys that tell provider formats apart.
        pub(crate) mod keys {
            use super::Key;
            $(pub(crate) static $name: Key = Key(std::sync::LazyLock::new(|| {
                memchr::memmem::Finder::new(concat!("\"", $key, "\"").as_bytes())
            }));)*
        }
    };
}

json_keys! {
    CONNECTION_ID = "connectionId",
    DETAIL_TYPE = "detail-type",
    DOMAIN_NAME = "domainName",
    ELB = "elb",
    EVENT = "Event",
    EVENT_SOURCE = "eventSource",
    EVENT_SOURCE_SNS = "EventSource",
    EVENT_TYPE = "eventType",
    HTTP_METHOD = "httpMethod",
    MESSAGE = "message",
    METHOD_ARN = "methodArn",
    RAW_PATH = "rawPath",
    RECORDS = "Records",
    REQUEST_CONTEXT = "requestContext",
    ROUTE_ARN = "routeArn",
    SOURCE = "source",
    SPEC_VERSION = "specversion",
    SUBSCRIPTION = "subscription",
    TOPIC_ARN = "TopicArn",
    TYPE = "Type",
    VERSION = "version",
}

/// A view of JSON bytes that answers "does some object have this key?".
///
/// Sound without parsing: a `"` inside a JSON string is always escaped, so
/// `"key"` followed by `:` can only be an object key, at whatever depth.
pub(crate) struct Shape<'a>(pub(crate) &'a [u8]);

impl<'a> Shape<'a> {
    /// The offsets just past `"key":` for every occurrence of the key.
    fn after_key<'k>(&self, key: &'k Key) -> impl Iterator<Item = usize> + use<'a, 'k> {
        let bytes = self.0;
        let len = key.0.needle().len();
        key.0.find_iter(bytes).filter_map(move |at| {
            let rest = skip_ws(bytes, at + len);
            (bytes.get(rest) == Some(&b':')).then(|| skip_ws(bytes, rest + 1))
        })
    }

    /// Whether some object has `key`.
    pub(crate) fn has(&self, key: &Key) -> bool {
        self.after_key(key).next().is_some()
    }

    /// The first plain (escape-free) string value of `key`.
    pub(crate) fn string(&self, key: &Key) -> Option<&'a str> {
        let bytes = self.0;
        self.after_key(key).find_map(|at| {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let len = memchr::memchr2(b'"', b'\\', &bytes[at + 1..])?;
            (bytes[at + 1 + len] == b'"')
                .then(|| std::str::from_utf8(&bytes[at + 1..at + 1 + len]).ok())
                .flatten()
        })
    }

    /// The keys of the top-level object, for error messages (at most 8).
    pub(crate) fn top_level_keys(&self) -> Vec<String> {
        match serde_json::from_slice::<serde_json::Map<String, Value>>(self.0) {
            Ok(map) => map.keys().take(8).cloned().collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// Appends `key` to `pointer` as one RFC 6901 segment (`~` → `~0`, `/` → `~1`).
///
/// ```text
/// "" + "a/b~c" → "/a~1b~0c"
/// ```
pub(crate) fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// `key` as a one-segment pointer: `/key`, escaped.
pub(crate) fn segment(key: &str) -> String {
    let mut pointer = String::with_capacity(key.len() + 1);
    push_segment(&mut pointer, key);
    pointer
}

/// Why JSON did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not JSON at all, or cut short: serde_json's message, with its position.
    Syntax(String),
    /// JSON that does not fit the type: the pointer of the bad field (a
    /// missing field's own pointer) and the reason.
    Data {
        /// Where.
        pointer: String,
        /// Why, without serde_json's position.
        reason: String,
    },
}

/// Parses `bytes` into `T`. The fast path is plain `serde_json`; only a
/// failure pays for a second pass that finds the bad field's path.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    serde_json::from_slice(bytes).map_err(|first| {
        // Broken JSON is not a bad field, wherever the parser stopped. (Valid
        // JSON nested deeper than serde_json's limit is: its path is named.)
        if (first.is_syntax() || first.is_eof())
            && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()
        {
            return JsonError::Syntax(first.to_string());
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(err) => data_error(err.path(), &err.inner().to_string()),
            // The tracking pass took what the plain one refused: name no field.
            Ok(_) => JsonError::Data {
                pointer: String::new(),
                reason: strip_position(&first.to_string()),
            },
        }
    })
}

/// Deserializes an already parsed `value` into `T`, with the bad field's path.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(value)
        .map_err(|err| data_error(err.path(), &err.inner().to_string()))
}

/// The one rule for a bad field: its pointer, and the reason without a position.
fn data_error(path: &serde_path_to_error::Path, message: &str) -> JsonError {
    let reason = strip_position(message);
    let mut pointer = pointer_of(path);
    // serde names the object a missing field belongs in; point at the field.
    if let Some(field) = reason
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        push_segment(&mut pointer, field);
    }
    JsonError::Data { pointer, reason }
}

/// serde_json appends "at line 1 column 9" to its messages; with a pointer
/// in hand that position only adds noise.
pub(crate) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

/// Renders a serde path as a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                push_segment(&mut pointer, key)
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_inside_strings_are_not_mistaken_for_keys() {
        let body = br#"{"Records":[{"eventSource":"aws:sqs","body":"{\"requestContext\":{},\"httpMethod\":\"GET\"}"}]}"#;
        let shape = Shape(body);
        assert!(!shape.has(&keys::REQUEST_CONTEXT));
        assert!(!shape.has(&keys::HTTP_METHOD));
        assert!(shape.has(&keys::RECORDS));
    }

    #[test]
    fn a_key_used_as_a_value_is_not_a_key() {
        let shape = Shape(br#"{"name": "Records" , "list": ["elb"]}"#);
        assert!(!shape.has(&keys::RECORDS));
        assert!(!shape.has(&keys::ELB));
    }

    #[test]
    fn string_values_tolerate_whitespace_and_skip_non_strings() {
        let shape =
            Shape(b"{\"eventSource\" :\n {\"S\":\"x\"}, \"x\": {\"eventSource\":  \"aws:s3\"}}");
        assert_eq!(shape.string(&keys::EVENT_SOURCE), Some("aws:s3"));
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(segment("a/b~c"), "/a~1b~0c");
        let mut map = serde_json::Map::new();
        map.insert("a/b~c".into(), serde_json::json!("x"));
        let err = from_value::<std::collections::HashMap<String, u32>>(&map.into()).unwrap_err();
        assert!(
            matches!(&err, JsonError::Data { pointer, .. } if pointer == "/a~1b~0c"),
            "{err:?}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        id: String,
    }

    #[test]
    fn a_missing_field_is_named_by_its_own_pointer_from_bytes_and_from_values() {
        let json = br#"{"inner":[{"id":"a"},{}]}"#;
        let expected = JsonError::Data {
            pointer: "/inner/1/id".into(),
            reason: "missing field `id`".into(),
        };
        assert_eq!(parse::<Outer>(json).unwrap_err(), expected);
        let value: Value = serde_json::from_slice(json).unwrap();
        assert_eq!(from_value::<Outer>(&value).unwrap_err(), expected);
    }

    #[test]
    fn broken_json_is_a_syntax_error_with_its_position() {
        let err = parse::<Outer>(br#"{"inner":[{"id":"a""#).unwrap_err();
        assert_eq!(
            err,
            JsonError::Syntax("EOF while parsing an object at line 1 column 19".into())
        );
        let err = parse::<Outer>(br#"{"inner": 7}"#).unwrap_err();
        assert_eq!(
            err,
            JsonError::Data {
                pointer: "/inner".into(),
                reason: "invalid type: integer `7`, expected a sequence".into()
            }
        );
    }
}
