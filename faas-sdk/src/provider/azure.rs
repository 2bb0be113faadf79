//! Azure Functions custom handlers: the host's request payload →
//! [`HttpRequest`], [`QueueMessage`], [`StorageEvent`], [`ScheduleEvent`].
//!
//! The Functions host `POST`s every invocation to the custom handler at
//! `/<FunctionName>` with a JSON body of two members ("Request payload" in
//! <https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers>):
//!
//! - `Data`: one entry per input binding, keyed by the binding's `name` in
//!   `function.json` (so the key is the user's choice: `req`, `myQueueItem`…);
//! - `Metadata`: the trigger's metadata (`DequeueCount`, `Id`, `Uri`,
//!   `Properties`…) and `sys` (`MethodName` = the function name, `UtcNow`,
//!   `RandGuid`).
//!
//! The documentation shows idealised values. What the host really sends is
//! written by `ToHttpScriptInvocationContext` and
//! `GetHttpScriptInvocationContextValue` (azure-functions-host,
//! `src/WebJobs.Script/Workers/MessageExtensions/ScriptInvocationContextExtensions.cs`,
//! whose unit test `GetHttpScriptInvocationContextValueTest_String` pins the
//! quoting below), and captured payloads agree:
//!
//! - an object value (the HTTP request, a timer's `TimerInfo`, a blob's
//!   `Properties`) is a JSON object;
//! - any other value goes through `JsonConvert.SerializeObject` first, so a
//!   string arrives as a JSON string *holding a JSON string literal* (the
//!   queue message `hello` is `"\"hello\""`, the message `Id` likewise) and
//!   a number as text (`"DequeueCount": "1"`, documented as an `int`);
//! - bytes (`"dataType": "binary"`, blob contents) arrive base64-encoded;
//! - metadata whose name ends in `Trigger` (`QueueTrigger`, `BlobTrigger`)
//!   is left out, since `Data` holds the trigger value already.
//!
//! Both the real and the documented spellings decode.

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use http::Method;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::contract::{
    HttpRequest, QueueMessage, QueueSource, ScheduleEvent, StorageEvent, StorageEventKind,
    StorageSource,
};
use crate::payload::Payload;
use crate::wire::json::segment;
use crate::wire::{DecodeError, HttpShape, RawEvent, Source, parse_provider, provider_value};

const SOURCE: Source = Source::AzureFunctions;

/// The request payload of one invocation.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Data")]
    data: Map<String, Value>,
    #[serde(rename = "Metadata", default)]
    metadata: Option<Map<String, Value>>,
}

/// A parsed invocation, with the bytes it came in.
struct Invocation {
    data: Map<String, Value>,
    metadata: Map<String, Value>,
    bytes: Bytes,
    expected: &'static str,
}

/// The trigger kinds faas decodes, for error messages.
const HTTP: &str = "an HTTP trigger";
const QUEUE: &str = "a Queue Storage trigger";
const BLOB: &str = "a Blob Storage trigger";
const TIMER: &str = "a timer trigger";

impl Invocation {
    /// Parses the envelope; `expected` names the contract in errors.
    fn parse(bytes: &Bytes, expected: &'static str) -> Result<Invocation, DecodeError> {
        let envelope: Envelope = parse_provider(bytes, SOURCE, expected)?;
        Ok(Invocation {
            data: envelope.data,
            metadata: envelope.metadata.unwrap_or_default(),
            bytes: bytes.clone(),
            expected,
        })
    }

    /// The trigger binding: the one entry of `Data`, by name.
    ///
    /// A function with more input bindings gets several entries, and which
    /// one is the trigger is only written in `function.json`: faas functions
    /// take their trigger alone.
    fn trigger(&self) -> Result<(&str, &Value), DecodeError> {
        let mut entries = self.data.iter();
        match (entries.next(), entries.next()) {
            (Some((name, value)), None) => Ok((name, value)),
            (None, _) => Err(self.bad_field(
                "/Data",
                "`Data` is empty: the function has no trigger binding (function.json needs one binding with `\"direction\": \"in\"`)",
            )),
            _ => {
                let names: Vec<String> = self.data.keys().map(|name| format!("`{name}`")).collect();
                Err(self.bad_field(
                    "/Data",
                    format!(
                        "`Data` holds {} input bindings ({}); a faas function takes its trigger binding alone, so remove the other input bindings from function.json",
                        names.len(),
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    /// `Metadata.<key>`.
    fn meta(&self, key: &str) -> Option<&Value> {
        self.metadata.get(key)
    }

    /// `Metadata.sys.<key>`.
    fn sys(&self, key: &str) -> Option<&Value> {
        self.metadata.get("sys")?.get(key)
    }

    /// The raw event, for the contract's `raw()`.
    fn raw(&self) -> RawEvent {
        RawEvent::new(self.bytes.clone(), SOURCE)
    }

    fn bad_field(&self, pointer: impl Into<String>, reason: impl Into<String>) -> DecodeError {
        DecodeError::field(self.expected, SOURCE, pointer, reason)
    }

    /// What the invocation's trigger looks like, for an error saying it is
    /// not the one the contract wants.
    fn trigger_kind(&self) -> &'static str {
        let value = self.data.values().next();
        let has = |key: &str| value.and_then(|value| value.get(key)).is_some();
        if has("Url") && has("Method") {
            HTTP
        } else if self.meta("DequeueCount").is_some() {
            QUEUE
        } else if self.meta("Uri").is_some() || self.meta("BlobTrigger").is_some() {
            BLOB
        } else if has("IsPastDue") || has("ScheduleStatus") {
            TIMER
        } else {
            "a trigger faas does not decode"
        }
    }

    /// The error for an invocation of another trigger than `wanted`, which
    /// is told by `sign` (at `pointer`).
    fn not_a(&self, wanted: &str, pointer: &str, sign: &str) -> DecodeError {
        let binding = self
            .data
            .keys()
            .next()
            .map_or(String::new(), |name| format!(" (binding `{name}`)"));
        self.bad_field(
            pointer,
            format!(
                "the invocation is {}{binding}, not {wanted}, which {sign}",
                self.trigger_kind()
            ),
        )
    }

    /// Deserializes the value at `pointer` with path tracking.
    fn value_as<T: DeserializeOwned>(
        &self,
        value: &Value,
        pointer: &str,
    ) -> Result<T, DecodeError> {
        provider_value(value, SOURCE, self.expected, pointer)
    }
}

/// `/Data/<name>`, the binding's JSON pointer.
fn data_pointer(name: &str) -> String {
    format!("/Data{}", segment(name))
}

/// The text of a string value as the host wrote it: a JSON string literal
/// inside the string (`"\"hello\""`, from `JsonConvert.SerializeObject`) is
/// unwrapped; any other text is kept. A number is its digits.
fn host_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => {
            Some(unquoted(text).map_or(Cow::Borrowed(text.as_str()), Cow::Owned))
        }
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        _ => None,
    }
}

/// The string a JSON string literal holds, if `text` is one.
fn unquoted(text: &str) -> Option<String> {
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        serde_json::from_str(text).ok()
    } else {
        None
    }
}

/// The content of a trigger binding as the host sends it: text (a quoted
/// JSON string literal, the host's encoding of a `string`), bytes (base64:
/// `"dataType": "binary"` and blob contents), or a JSON value. An unquoted
/// string that is not base64 is kept as text, as the documentation's
/// samples show it.
fn binding_payload(value: &Value) -> Payload {
    match value {
        Value::String(text) => {
            if let Some(text) = unquoted(text) {
                return Payload::from(text);
            }
            match base64::engine::general_purpose::STANDARD.decode(text) {
                Ok(bytes) if !text.is_empty() => Payload::from(bytes),
                _ => Payload::from(text.clone()),
            }
        }
        other => Payload::from_json(other.clone()),
    }
}

/// A time as the host writes it: RFC 3339, or a .NET `DateTime` without an
/// offset (UTC on Azure).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.to_utc())
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|time| time.and_utc())
        })
}

// ------------------------------------------------------------------ HTTP

/// `Data.<req>` of an HTTP trigger (`GetRequestAsJObject` in
/// azure-functions-host `src/WebJobs.Script/Extensions/HttpRequestExtensions.cs`;
/// the documentation's "Function with bindings" example shows one).
#[derive(Deserialize)]
struct HostHttpRequest {
    /// `scheme://host/path?query`, the path and query as the client sent them.
    #[serde(rename = "Url")]
    url: String,
    #[serde(rename = "Method")]
    method: String,
    /// The query as a JSON object, or that object serialized to a string
    /// (`"{}"` in the documentation); repeated keys are joined by commas.
    #[serde(rename = "Query", default)]
    query: Value,
    /// Header name → list of values (a string is accepted too).
    #[serde(rename = "Headers", default)]
    headers: Option<Map<String, Value>>,
    /// Route parameters.
    #[serde(rename = "Params", default)]
    params: Option<Map<String, Value>>,
    /// The body: the text, or base64 for `application/octet-stream` and
    /// `multipart/*` (`IsMediaTypeOctetOrMultipart`); absent when empty.
    #[serde(rename = "Body", default)]
    body: Value,
}

/// An HTTP trigger's request.
pub(crate) fn http_request(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<HttpRequest, DecodeError> {
    let invocation = Invocation::parse(bytes, expected)?;
    let (name, value) = invocation.trigger()?;
    let pointer = data_pointer(name);
    if value.get("Url").is_none() || value.get("Method").is_none() {
        return Err(invocation.not_a(HTTP, &pointer, "carries a request with `Url` and `Method`"));
    }
    let request: HostHttpRequest = invocation.value_as(value, &pointer)?;
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        invocation.bad_field(
            format!("{pointer}/Method"),
            format!("{:?} is not an HTTP method", request.method),
        )
    })?;
    let headers = request_headers(request.headers.as_ref(), &invocation, &pointer)?;
    let body = request_body(request.body, &headers)
        .map_err(|reason| invocation.bad_field(format!("{pointer}/Body"), reason))?;
    let target = request_target(&request.url, &request.query);
    let path_params = request
        .params
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            (key, value)
        })
        .collect::<HashMap<_, _>>();
    Ok(HttpRequest::new(method, &target, headers, body)
        .with_path_params(path_params)
        .with_gateway(HttpShape::Native, invocation.raw()))
}

/// The path and query of `url`; the query comes from `Query` when the URL
/// has none.
fn request_target(url: &str, query: &Value) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut target = match after_scheme.find(['/', '?']) {
        Some(at) if url.contains("://") => after_scheme[at..].to_owned(),
        _ if url.contains("://") => "/".to_owned(),
        _ => url.to_owned(),
    };
    if target.starts_with('?') {
        target.insert(0, '/');
    }
    if !target.contains('?') {
        let parsed;
        let pairs = match query {
            Value::Object(pairs) => Some(pairs),
            Value::String(text) => {
                parsed = serde_json::from_str::<Map<String, Value>>(text).ok();
                parsed.as_ref()
            }
            _ => None,
        };
        if let Some(pairs) = pairs.filter(|pairs| !pairs.is_empty()) {
            let mut encoded = form_urlencoded::Serializer::new(String::new());
            for (key, value) in pairs {
                match value {
                    Value::String(text) => encoded.append_pair(key, text),
                    other => encoded.append_pair(key, &other.to_string()),
                };
            }
            target.push('?');
            target.push_str(&encoded.finish());
        }
    }
    target
}

fn request_headers(
    headers: Option<&Map<String, Value>>,
    invocation: &Invocation,
    pointer: &str,
) -> Result<HeaderMap, DecodeError> {
    let mut map = HeaderMap::new();
    for (name, values) in headers.into_iter().flatten() {
        let at = || format!("{pointer}/Headers{}", segment(name));
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invocation.bad_field(at(), format!("{name:?} is not a header name")))?;
        let values: Vec<&str> = match values {
            Value::String(value) => vec![value.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::Null => Vec::new(),
            other => {
                return Err(invocation.bad_field(
                    at(),
                    format!("expected a list of header values, found {other}"),
                ));
            }
        };
        for value in values {
            let value = HeaderValue::from_str(value).map_err(|_| {
                invocation.bad_field(at(), format!("{value:?} is not a header value"))
            })?;
            map.append(header.clone(), value);
        }
    }
    Ok(map)
}

fn request_body(body: Value, headers: &HeaderMap) -> Result<Bytes, String> {
    match body {
        Value::Null => Ok(Bytes::new()),
        Value::String(text) if is_octet_or_multipart(headers) => {
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map(Bytes::from)
                .map_err(|err| {
                    format!(
                        "the host sends application/octet-stream and multipart bodies base64-encoded, but this one is not base64 ({err})"
                    )
                })
        }
        Value::String(text) => Ok(Bytes::from(text)),
        other => Ok(Bytes::from(other.to_string())),
    }
}

/// The host's `IsMediaTypeOctetOrMultipart`: these bodies are sent as bytes.
fn is_octet_or_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|mime| mime == "application/octet-stream" || mime.contains("multipart/"))
}

// ------------------------------------------------------------------ queue

/// A Queue Storage trigger's message (metadata: "Message metadata" in
/// <https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger>).
pub(crate) fn queue_message(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<QueueMessage<Payload>, DecodeError> {
    let invocation = Invocation::parse(bytes, expected)?;
    let (_, value) = invocation.trigger()?;
    let Some(dequeue_count) = invocation.meta("DequeueCount") else {
        return Err(invocation.not_a(
            QUEUE,
            "/Metadata/DequeueCount",
            "has `DequeueCount` in its metadata",
        ));
    };
    let receive_count = host_text(dequeue_count)
        .and_then(|count| count.trim().parse::<u32>().ok())
        .ok_or_else(|| {
            invocation.bad_field(
                "/Metadata/DequeueCount",
                format!("expected how many times the message was dequeued, found {dequeue_count}"),
            )
        })?;
    let id = invocation.meta("Id").and_then(host_text).ok_or_else(|| {
        invocation.bad_field("/Metadata/Id", "missing field `Id` (the queue message id)")
    })?;
    Ok(QueueMessage {
        id: id.into_owned(),
        body: binding_payload(value),
        attributes: HashMap::new(),
        receive_count: Some(receive_count),
        group_id: None,
        sent_at: invocation
            .meta("InsertionTime")
            .and_then(host_text)
            .and_then(|time| parse_time(&time)),
        source: QueueSource::AzureQueue,
        origin: None,
        raw: invocation.raw(),
    })
}

// ------------------------------------------------------------------ blob

/// A Blob Storage trigger's blob (metadata: "Blob metadata" in
/// <https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger>:
/// `BlobTrigger` (left out by the host, see the module docs), `Uri`,
/// `Properties`, `Metadata`).
pub(crate) fn storage_event(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<StorageEvent, DecodeError> {
    let invocation = Invocation::parse(bytes, expected)?;
    invocation.trigger()?;
    let (bucket, key) = if let Some(path) = invocation.meta("BlobTrigger").and_then(host_text) {
        path.split_once('/')
            .filter(|(container, name)| !container.is_empty() && !name.is_empty())
            .map(|(container, name)| (container.to_owned(), name.to_owned()))
            .ok_or_else(|| {
                invocation.bad_field(
                    "/Metadata/BlobTrigger",
                    format!("expected `<container>/<blob name>`, found {path:?}"),
                )
            })?
    } else if let Some(uri) = invocation.meta("Uri").and_then(host_text) {
        blob_path(&uri).ok_or_else(|| {
            invocation.bad_field("/Metadata/Uri", format!("expected the blob's URL (`https://<account>.blob.core.windows.net/<container>/<blob name>`), found {uri:?}"))
        })?
    } else {
        return Err(invocation.not_a(
            BLOB,
            "/Metadata/Uri",
            "has the blob's `Uri` in its metadata",
        ));
    };
    let properties = invocation.meta("Properties").and_then(Value::as_object);
    let property = |key: &str| properties.and_then(|properties| properties.get(key));
    let text = |key: &str| property(key).and_then(Value::as_str);
    Ok(StorageEvent {
        bucket,
        key,
        // `ContentLength` in Azure.Storage.Blobs, `Length` in the older SDK.
        size: property("ContentLength")
            .or_else(|| property("Length"))
            .and_then(Value::as_u64),
        // The HTTP entity tag, quotes included (`"0x8DA6E28262505DD"`).
        etag: text("ETag").map(str::to_owned),
        version: text("VersionId").map(str::to_owned),
        // A blob trigger fires for new and updated blobs.
        kind: StorageEventKind::Created,
        event_name: "blobTrigger".to_owned(),
        time: text("LastModified").and_then(parse_time),
        region: None,
        source: StorageSource::AzureBlob,
        delivery: Default::default(),
        raw: invocation.raw(),
    })
}

/// Container and blob name of a blob URL, percent-decoded. Azure addresses
/// blobs as `https://<account>.blob.core.windows.net/<container>/<name>`;
/// the Azurite emulator path-style, `http://127.0.0.1:10000/<account>/<container>/<name>`.
fn blob_path(uri: &str) -> Option<(String, String)> {
    let (_, rest) = uri.split_once("://")?;
    let (host, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next()?;
    let path = if host.contains(".blob.") {
        path
    } else {
        path.split_once('/')?.1
    };
    let (container, name) = path.split_once('/')?;
    if container.is_empty() || name.is_empty() {
        return None;
    }
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((decode(container), decode(name)))
}

/// The content of the invocation's trigger binding (a blob's bytes), from
/// the raw invocation.
#[cfg(feature = "azure")]
pub(crate) fn trigger_content(raw: &RawEvent) -> Result<Bytes, DecodeError> {
    const EXPECTED: &str = "an Azure Functions custom handler invocation";
    if raw.source() != SOURCE {
        return Err(DecodeError::unexpected(EXPECTED, raw.bytes()));
    }
    let invocation = Invocation::parse(raw.bytes(), EXPECTED)?;
    let (_, value) = invocation.trigger()?;
    Ok(binding_payload(value).to_bytes())
}

// ------------------------------------------------------------------ timer

/// A timer trigger's tick. `Data.<name>` is the `TimerInfo`
/// (`{"Schedule": {"AdjustForDST": true}, "ScheduleStatus": {"Last", "Next", "LastUpdated"} | null, "IsPastDue": false}`,
/// see "Usage" in <https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer>);
/// `ScheduleStatus` is null when schedule monitoring is off.
///
/// The tick's name is the function's (`Metadata.sys.MethodName`). It was
/// scheduled for `ScheduleStatus.Next`, the occurrence the schedule monitor
/// expected, when that time has come (allowing the timer to fire up to a
/// second early); otherwise (no monitor, a run on start-up) it is the
/// host's `sys.UtcNow`. Its id is `<name>/<scheduled time>`, the same for
/// every delivery of the tick.
pub(crate) fn schedule_event(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<ScheduleEvent, DecodeError> {
    let invocation = Invocation::parse(bytes, expected)?;
    let (binding, value) = invocation.trigger()?;
    let pointer = data_pointer(binding);
    if value.get("IsPastDue").is_none() && value.get("ScheduleStatus").is_none() {
        return Err(invocation.not_a(
            TIMER,
            &pointer,
            "carries a `TimerInfo` with `IsPastDue` and `ScheduleStatus`",
        ));
    }
    let name = invocation
        .sys("MethodName")
        .and_then(host_text)
        .ok_or_else(|| {
            invocation.bad_field(
                "/Metadata/sys/MethodName",
                "missing field `MethodName` (the function name)",
            )
        })?
        .into_owned();
    let now =
        match invocation.sys("UtcNow") {
            Some(now) => Some(host_text(now).and_then(|now| parse_time(&now)).ok_or_else(
                || {
                    invocation.bad_field(
                        "/Metadata/sys/UtcNow",
                        format!("expected a time, found {now}"),
                    )
                },
            )?),
            None => None,
        };
    let next = value
        .get("ScheduleStatus")
        .and_then(|status| status.get("Next"))
        .and_then(Value::as_str)
        .and_then(parse_time);
    let scheduled_time = match (next, now) {
        (Some(next), Some(now)) if next <= now + TimeDelta::seconds(1) => next,
        (_, Some(now)) => now,
        (Some(next), None) => next,
        (None, None) => {
            return Err(invocation.bad_field(
                "/Metadata/sys/UtcNow",
                "missing field `UtcNow`: without it or `ScheduleStatus.Next` the tick has no time",
            ));
        }
    };
    Ok(ScheduleEvent {
        id: format!(
            "{name}/{}",
            scheduled_time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        ),
        name,
        scheduled_time,
        detail: value.clone(),
        raw: invocation.raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXPECTED: &str = "an event";

    fn bytes(value: Value) -> Bytes {
        Bytes::from(value.to_string())
    }

    /// The documentation's queue sample: `DequeueCount` a number, `Id` plain.
    #[test]
    fn the_documented_queue_payload_decodes() {
        let payload = json!({
            "Data": {"myQueueItem": "{ message: \"Message sent\" }"},
            "Metadata": {
                "DequeueCount": 1,
                "ExpirationTime": "2019-10-16T17:58:31+00:00",
                "Id": "800ae4b3-bdd2-4c08-badd-f08e5a34b865",
                "InsertionTime": "2019-10-09T17:58:31+00:00",
                "NextVisibleTime": "2019-10-09T18:08:32+00:00",
                "PopReceipt": "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
                "sys": {"MethodName": "QueueTrigger", "UtcNow": "2019-10-09T17:58:32.2205399Z", "RandGuid": "24ad4c06-24ad-4e5b-8294-3da9714877e9"}
            }
        });
        let message = queue_message(&bytes(payload), EXPECTED).unwrap();
        assert_eq!(message.id, "800ae4b3-bdd2-4c08-badd-f08e5a34b865");
        assert_eq!(message.receive_count, Some(1));
        assert_eq!(message.body.to_bytes(), "{ message: \"Message sent\" }");
        assert_eq!(message.sent_at, parse_time("2019-10-09T17:58:31Z"));
        assert_eq!(message.source, QueueSource::AzureQueue);
        assert_eq!(message.raw.source(), Source::AzureFunctions);
    }

    /// What the host really sends: strings and numbers through `JsonConvert.SerializeObject`.
    #[test]
    fn the_hosts_quoted_queue_payload_decodes() {
        let payload = json!({
            "Data": {"job": "\"{\\\"job_id\\\":\\\"j-1\\\"}\""},
            "Metadata": {
                "DequeueCount": "3",
                "Id": "\"a0004923-f050-417a-9742-6d7c7b984134\"",
                "InsertionTime": "2022-06-13T06:00:06+00:00",
                "PopReceipt": "\"AgAAAAMAAAAAAAAA8d5gQex+2AE=\"",
                "sys": {"MethodName": "jobs", "UtcNow": "2022-06-13T06:00:18.1974545Z", "RandGuid": "d9ba2785-ee1a-4260-a83b-f57cb54b969e"}
            }
        });
        let message = queue_message(&bytes(payload), EXPECTED).unwrap();
        assert_eq!(message.id, "a0004923-f050-417a-9742-6d7c7b984134");
        assert_eq!(message.receive_count, Some(3));
        assert_eq!(message.body.json().unwrap(), &json!({"job_id": "j-1"}));
    }

    #[test]
    fn binary_queue_messages_arrive_base64_encoded() {
        let payload =
            json!({"Data": {"msg": "AP8K"}, "Metadata": {"DequeueCount": "1", "Id": "\"m-1\""}});
        let message = queue_message(&bytes(payload), EXPECTED).unwrap();
        assert_eq!(&message.body.to_bytes()[..], [0, 255, 10]);
    }

    #[test]
    fn a_bad_dequeue_count_and_a_missing_id_are_named() {
        let payload =
            json!({"Data": {"msg": "\"x\""}, "Metadata": {"DequeueCount": "many", "Id": "\"m\""}});
        let err = queue_message(&bytes(payload), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Metadata/DequeueCount");
        assert_eq!(err.seen(), Some(Source::AzureFunctions));
        let payload = json!({"Data": {"msg": "\"x\""}, "Metadata": {"DequeueCount": 1}});
        let err = queue_message(&bytes(payload), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Metadata/Id");
    }

    #[test]
    fn another_trigger_is_named_in_the_error() {
        let timer = json!({
            "Data": {"myTimer": {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false}},
            "Metadata": {"sys": {"MethodName": "nightly", "UtcNow": "2022-07-05T11:40:07.4850616Z"}}
        });
        let err = queue_message(&bytes(timer), EXPECTED).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected an event; an Azure Functions custom handler invocation has a bad field at /Metadata/DequeueCount: \
             the invocation is a timer trigger (binding `myTimer`), not a Queue Storage trigger, which has `DequeueCount` in its metadata"
        );
    }

    #[test]
    fn data_must_hold_exactly_the_trigger() {
        let two = json!({"Data": {"msg": "\"x\"", "blob": "\"y\""}, "Metadata": {"DequeueCount": 1, "Id": "m"}});
        let err = queue_message(&bytes(two), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Data");
        let message = err.to_string();
        assert!(message.contains("holds 2 input bindings"), "{message}");
        assert!(
            message.contains("`blob`") && message.contains("`msg`"),
            "{message}"
        );
        let none = json!({"Data": {}, "Metadata": {}});
        let err = queue_message(&bytes(none), EXPECTED).unwrap_err();
        assert!(err.to_string().contains("`Data` is empty"), "{err}");
        let missing = json!({"Metadata": {}});
        let err = queue_message(&bytes(missing), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Data");
        let wrong = json!({"Data": [1]});
        let err = queue_message(&bytes(wrong), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Data");
    }

    /// The documentation's "Function with bindings" request, plus query,
    /// repeated headers and a route parameter.
    #[test]
    fn http_requests_decode_from_data_req() {
        let payload = json!({
            "Data": {"req": {
                "Url": "http://localhost:7071/api/orders/42?tag=a&tag=b%20c",
                "Method": "POST",
                "Query": "{\"tag\":\"a,b c\"}",
                "Headers": {"Content-Type": ["application/json"], "Accept": ["text/html", "application/json"], "Cookie": ["session=s-1"]},
                "Params": {"id": "42"},
                "Body": "{\"id\":1005,\"quantity\":2,\"color\":\"black\"}"
            }},
            "Metadata": {}
        });
        let req = http_request(&bytes(payload), EXPECTED).unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.path(), "/api/orders/42");
        assert_eq!(req.query_all("tag").collect::<Vec<_>>(), ["a", "b c"]);
        assert_eq!(req.headers().get_all("accept").iter().count(), 2);
        assert_eq!(req.cookie("session"), Some("s-1"));
        assert_eq!(req.path_param("id"), Some("42"));
        assert_eq!(req.body(), br#"{"id":1005,"quantity":2,"color":"black"}"#);
        assert_eq!(req.raw().source(), Source::AzureFunctions);
    }

    #[test]
    fn the_query_field_is_used_when_the_url_has_none_and_binary_bodies_are_base64() {
        let payload = json!({"Data": {"request": {
            "Url": "https://app.azurewebsites.net/api/upload",
            "Method": "PUT",
            "Query": {"name": "a b.png"},
            "Headers": {"Content-Type": "application/octet-stream"},
            "Body": "AP8K"
        }}});
        let req = http_request(&bytes(payload), EXPECTED).unwrap();
        assert_eq!(req.path(), "/api/upload");
        assert_eq!(req.query("name"), Some("a b.png"));
        assert_eq!(req.body(), [0, 255, 10]);

        let broken = json!({"Data": {"req": {"Url": "http://h/x", "Method": "POST", "Headers": {"Content-Type": ["application/octet-stream"]}, "Body": "***"}}});
        let err = http_request(&bytes(broken), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Data/req/Body");
    }

    #[test]
    fn a_queue_invocation_is_not_an_http_request() {
        let payload = json!({"Data": {"myQueueItem": "\"x\""}, "Metadata": {"DequeueCount": "1", "Id": "\"m\""}});
        let err = http_request(&bytes(payload), EXPECTED).unwrap_err();
        assert_eq!(err.pointer(), "/Data/myQueueItem");
        assert!(
            err.to_string().contains(
                "is a Queue Storage trigger (binding `myQueueItem`), not an HTTP trigger"
            ),
            "{err}"
        );
        let bad_method = json!({"Data": {"req": {"Url": "http://h/", "Method": "NOT A METHOD"}}});
        assert_eq!(
            http_request(&bytes(bad_method), EXPECTED)
                .unwrap_err()
                .pointer(),
            "/Data/req/Method"
        );
    }

    #[test]
    fn request_targets_come_from_the_url() {
        assert_eq!(
            request_target("http://localhost:7071/api/x?a=1", &Value::Null),
            "/api/x?a=1"
        );
        assert_eq!(request_target("http://localhost:7071", &Value::Null), "/");
        assert_eq!(
            request_target("http://localhost:7071?a=1", &Value::Null),
            "/?a=1"
        );
        assert_eq!(
            request_target("/api/y", &json!("{\"b\":\"2\"}")),
            "/api/y?b=2"
        );
    }

    /// A captured blob trigger payload (dataType binary: base64 content).
    #[test]
    fn blob_triggers_decode_from_uri_and_properties() {
        let payload = json!({
            "Data": {"blobIn": "aGVsbG8gZnJvbSBieXRlCg=="},
            "Metadata": {
                "Uri": "\"https://baldevgroup84df.blob.core.windows.net/bpath1/dir/hello%20world.txt\"",
                "Properties": {"Length": 16, "ContentType": "text/plain", "ETag": "\"0x8DA6E28262505DD\"", "LastModified": "2022-07-25T10:26:34+00:00"},
                "Metadata": {},
                "name": "\"dir/hello world.txt\"",
                "sys": {"MethodName": "blob", "UtcNow": "2022-07-25T10:26:43.0352723Z"}
            }
        });
        let raw = bytes(payload);
        let event = storage_event(&raw, EXPECTED).unwrap();
        assert_eq!(
            (event.bucket.as_str(), event.key.as_str()),
            ("bpath1", "dir/hello world.txt")
        );
        assert_eq!(event.size, Some(16));
        assert_eq!(event.etag.as_deref(), Some("\"0x8DA6E28262505DD\""));
        assert_eq!(event.time, parse_time("2022-07-25T10:26:34Z"));
        assert_eq!(event.kind, StorageEventKind::Created);
        assert_eq!(event.source, StorageSource::AzureBlob);
        assert_eq!(
            &trigger_content(&event.raw).unwrap()[..],
            b"hello from byte\n"
        );
    }

    #[test]
    fn blob_paths_come_from_blob_trigger_or_either_url_style() {
        let payload = json!({"Data": {"b": "\"text\""}, "Metadata": {"BlobTrigger": "samples/a/b.txt", "Properties": {"ContentLength": 4}}});
        let event = storage_event(&bytes(payload.clone()), EXPECTED).unwrap();
        assert_eq!(
            (event.bucket.as_str(), event.key.as_str(), event.size),
            ("samples", "a/b.txt", Some(4))
        );
        assert_eq!(&trigger_content(&event.raw).unwrap()[..], b"text");
        assert_eq!(
            blob_path("http://127.0.0.1:10000/devstoreaccount1/samples/a%2Bb.txt"),
            Some(("samples".into(), "a+b.txt".into()))
        );
        assert_eq!(
            blob_path("https://acct.blob.core.windows.net/only-container"),
            None
        );
        let bad = json!({"Data": {"b": "x"}, "Metadata": {"Uri": "\"not a url\""}});
        assert_eq!(
            storage_event(&bytes(bad), EXPECTED).unwrap_err().pointer(),
            "/Metadata/Uri"
        );
        let queue = json!({"Data": {"b": "x"}, "Metadata": {"DequeueCount": 1}});
        let err = storage_event(&bytes(queue), EXPECTED).unwrap_err();
        assert!(
            err.to_string().contains("is a Queue Storage trigger"),
            "{err}"
        );
    }

    #[test]
    fn timer_ticks_take_the_monitored_occurrence_or_the_hosts_clock() {
        let monitored = json!({
            "Data": {"myTimer": {"Schedule": {"AdjustForDST": true}, "IsPastDue": true,
                "ScheduleStatus": {"Last": "2026-01-01T11:55:00+00:00", "Next": "2026-01-01T12:00:00+00:00", "LastUpdated": "2026-01-01T11:55:00+00:00"}}},
            "Metadata": {"sys": {"MethodName": "nightly", "UtcNow": "2026-01-01T12:03:00.0151234Z", "RandGuid": "9cd4c06c-fc8f-4b63-af94-56bc75c3f0cb"}}
        });
        let tick = schedule_event(&bytes(monitored), EXPECTED).unwrap();
        assert_eq!(tick.name, "nightly");
        assert_eq!(
            tick.scheduled_time,
            parse_time("2026-01-01T12:00:00Z").unwrap()
        );
        assert_eq!(tick.id, "nightly/2026-01-01T12:00:00Z");
        assert_eq!(tick.detail["IsPastDue"], true);

        // The captured payload: no schedule monitor.
        let unmonitored = json!({
            "Data": {"inMsg": {"Schedule": {"AdjustForDST": true}, "ScheduleStatus": null, "IsPastDue": false}},
            "Metadata": {"sys": {"MethodName": "timer", "UtcNow": "2022-07-05T11:40:07.4850616Z", "RandGuid": "9cd4c06c-fc8f-4b63-af94-56bc75c3f0cb"}}
        });
        let tick = schedule_event(&bytes(unmonitored), EXPECTED).unwrap();
        assert_eq!(
            tick.scheduled_time,
            parse_time("2022-07-05T11:40:07.4850616Z").unwrap()
        );

        // Run on start-up: the next occurrence is still to come.
        let early = json!({
            "Data": {"t": {"IsPastDue": false, "ScheduleStatus": {"Next": "2026-01-01T13:00:00"}}},
            "Metadata": {"sys": {"MethodName": "hourly", "UtcNow": "2026-01-01T12:10:00Z"}}
        });
        let tick = schedule_event(&bytes(early), EXPECTED).unwrap();
        assert_eq!(
            tick.scheduled_time,
            parse_time("2026-01-01T12:10:00Z").unwrap()
        );

        let nameless = json!({"Data": {"t": {"IsPastDue": false}}, "Metadata": {}});
        assert_eq!(
            schedule_event(&bytes(nameless), EXPECTED)
                .unwrap_err()
                .pointer(),
            "/Metadata/sys/MethodName"
        );
        let http = json!({"Data": {"req": {"Url": "http://h/", "Method": "GET"}}, "Metadata": {"sys": {"MethodName": "x"}}});
        let err = schedule_event(&bytes(http), EXPECTED).unwrap_err();
        assert!(
            err.to_string()
                .contains("is an HTTP trigger (binding `req`), not a timer trigger"),
            "{err}"
        );
    }

    #[test]
    fn host_times_with_and_without_offsets_parse() {
        assert_eq!(
            parse_time("2026-01-01T12:00:00"),
            parse_time("2026-01-01T12:00:00Z")
        );
        assert!(parse_time("2026-01-01T12:00:00.1234567").is_some());
        assert!(parse_time("yesterday").is_none());
    }
}
