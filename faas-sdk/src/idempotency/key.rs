//! Idempotency keys: which part of a payload identifies the event, and the
//! stable string it is stored under.
//!
//! The stored key is `<namespace>#<hex>`, where `<hex>` is the SHA-256 of
//! the *canonical JSON* (object keys sorted, no whitespace) of the
//! selection: the value at the one key pointer, the array of the values at
//! several pointers, or the whole payload when no pointer is given. A
//! payload that is not JSON is hashed as its raw bytes. This format is
//! stable: records written by one version are found by the next.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::payload::Payload;

/// Computes a custom key selection from the payload; `None` when the
/// payload carries no key.
///
/// ```
/// let key: faas::idempotency::KeyFn = std::sync::Arc::new(|payload| payload.get("id").cloned());
/// assert_eq!(key(&serde_json::json!({"id": 7})), Some(serde_json::json!(7)));
/// ```
pub type KeyFn = Arc<dyn Fn(&Value) -> Option<Value> + Send + Sync>;

/// What identifies an event; built by [`Idempotency`](super::Idempotency).
///
/// ```
/// use faas::idempotency::KeySource;
/// let source = KeySource::Pointers(vec!["/order_id".into()]);
/// assert!(matches!(source, KeySource::Pointers(ref p) if p[0] == "/order_id"));
/// ```
#[derive(Clone)]
pub enum KeySource {
    /// The whole payload.
    WholePayload,
    /// The values at these JSON pointers (`/order_id`).
    Pointers(Vec<String>),
    /// A function of the payload.
    Custom(KeyFn),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::WholePayload => f.write_str("WholePayload"),
            KeySource::Pointers(pointers) => f.debug_tuple("Pointers").field(pointers).finish(),
            KeySource::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// Why no key could be taken from a payload: a `bad_input` error for the
/// event, unless the handler bypasses missing keys.
///
/// ```
/// use faas::idempotency::{KeySource, MissingKey};
/// let source = KeySource::Pointers(vec!["/order_id".into()]);
/// let missing = source.selection(&faas::payload::Payload::from("{}")).unwrap_err();
/// assert_eq!(missing, MissingKey::Pointer("/order_id".into()));
/// assert_eq!(missing.to_string(), "the payload has no idempotency key at /order_id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MissingKey {
    /// A pointer names no value (or `null`).
    #[error("the payload has no idempotency key at {0}")]
    Pointer(String),
    /// The payload is not JSON, so no pointer can reach into it.
    #[error("the payload is not JSON, so it has no idempotency key at {0}")]
    NotJson(String),
    /// The custom key function found none.
    #[error("the idempotency key function found no key in the payload")]
    Custom,
}

impl KeySource {
    /// The canonical bytes that identify `payload`.
    ///
    /// ```
    /// use faas::idempotency::KeySource;
    /// use faas::payload::Payload;
    /// let key = KeySource::Pointers(vec!["/order_id".into()]);
    /// let payload = Payload::from(r#"{"order_id": "o-1", "amount": 5}"#);
    /// assert_eq!(key.selection(&payload).unwrap(), br#""o-1""#);
    /// let whole = KeySource::WholePayload.selection(&Payload::from(r#"{"b": 1, "a": [2]}"#));
    /// assert_eq!(whole.unwrap(), br#"{"a":[2],"b":1}"#);
    /// ```
    pub fn selection(&self, payload: &Payload) -> Result<Vec<u8>, MissingKey> {
        match self {
            KeySource::WholePayload => Ok(match payload.json() {
                Ok(value) => canonical_json(value).into_bytes(),
                Err(_) => payload.to_bytes().to_vec(),
            }),
            KeySource::Pointers(pointers) => {
                let Ok(value) = payload.json() else {
                    return Err(MissingKey::NotJson(pointers.join(", ")));
                };
                let mut values = Vec::with_capacity(pointers.len());
                for pointer in pointers {
                    match value.pointer(pointer) {
                        None | Some(Value::Null) => {
                            return Err(MissingKey::Pointer(pointer.clone()));
                        }
                        Some(found) => values.push(found),
                    }
                }
                Ok(match values.as_slice() {
                    [one] => canonical_json(one),
                    _ => canonical_json(&Value::Array(values.into_iter().cloned().collect())),
                }
                .into_bytes())
            }
            KeySource::Custom(key) => {
                let value = payload.json().ok().and_then(|value| key(value));
                match value {
                    None | Some(Value::Null) => Err(MissingKey::Custom),
                    Some(found) => Ok(canonical_json(&found).into_bytes()),
                }
            }
        }
    }
}

/// The hash of the values at `pointers` (missing ones count as `null`):
/// what a duplicate's payload must match when payload validation is on.
///
/// ```
/// use faas::idempotency::validation_hash;
/// use faas::payload::Payload;
/// let pointers = ["/amount".to_owned()];
/// let a = validation_hash(&pointers, &Payload::from(r#"{"id": 1, "amount": 5}"#));
/// let b = validation_hash(&pointers, &Payload::from(r#"{"amount": 5, "id": 2}"#));
/// let c = validation_hash(&pointers, &Payload::from(r#"{"id": 1, "amount": 6}"#));
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
pub fn validation_hash(pointers: &[String], payload: &Payload) -> String {
    let json = payload.json().ok();
    let values: Vec<Value> = pointers
        .iter()
        .map(|pointer| {
            json.and_then(|value| value.pointer(pointer))
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect();
    sha256_hex(canonical_json(&Value::Array(values)).as_bytes())
}

/// The stored key for a selection: `<namespace>#<sha-256 hex>`.
///
/// ```
/// let key = faas::idempotency::stored_key("orders", br#""o-1""#);
/// assert!(key.starts_with("orders#"));
/// assert_eq!(key.len(), "orders#".len() + 64);
/// ```
pub fn stored_key(namespace: &str, selection: &[u8]) -> String {
    let mut key = String::with_capacity(namespace.len() + 65);
    key.push_str(namespace);
    key.push('#');
    key.push_str(&sha256_hex(selection));
    key
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `value` as canonical JSON: object keys sorted, no whitespace, whatever
/// order the payload had them in (serde_json keeps insertion order when
/// another crate enables its `preserve_order` feature, so sorting is done
/// here, not assumed).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (name, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let value = json!({"b": {"y": 1, "x": [{"d": 1, "c": "é\"q"}]}, "a": null});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":null,"b":{"x":[{"c":"é\"q","d":1}],"y":1}}"#
        );
    }

    #[test]
    fn the_key_format_is_stable() {
        // sha256(`"o-1"`), as `sha256sum` gives it: a change here orphans every stored record.
        assert_eq!(
            stored_key("orders", br#""o-1""#),
            "orders#00d5c8b71f851bbe47626a189b20fb19c11753e244bb658095c370ba3798f85c"
        );
    }

    #[test]
    fn several_pointers_select_an_array_and_missing_ones_are_errors() {
        let source = KeySource::Pointers(vec!["/a".into(), "/b/c".into()]);
        let payload = Payload::from(r#"{"b": {"c": 2}, "a": "x"}"#);
        assert_eq!(source.selection(&payload).unwrap(), br#"["x",2]"#);
        let missing = Payload::from(r#"{"a": "x", "b": {"c": null}}"#);
        assert_eq!(
            source.selection(&missing),
            Err(MissingKey::Pointer("/b/c".into()))
        );
        assert_eq!(
            source.selection(&Payload::from("plain text")),
            Err(MissingKey::NotJson("/a, /b/c".into()))
        );
    }

    #[test]
    fn custom_keys_and_raw_payloads() {
        let source = KeySource::Custom(Arc::new(|value: &Value| {
            value.get("id").map(|id| json!(format!("id-{id}")))
        }));
        assert_eq!(
            source.selection(&Payload::from(r#"{"id": 7}"#)).unwrap(),
            br#""id-7""#
        );
        assert_eq!(
            source.selection(&Payload::from("{}")),
            Err(MissingKey::Custom)
        );
        assert_eq!(
            KeySource::WholePayload
                .selection(&Payload::from("not json"))
                .unwrap(),
            b"not json"
        );
    }
}
