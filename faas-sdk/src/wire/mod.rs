//! Wire formats: what arrives, which provider format it is, and what went
//! wrong when it cannot be decoded.
//!
//! An adapter hands the SDK an [`Incoming`] event: JSON bytes (a Lambda
//! invocation, a host's request payload) or an HTTP request as the server
//! read it. Everything about the bytes themselves lives here: telling the
//! [`Source`] from a few JSON keys and headers, parsing with the pointer
//! of the first bad field, the [`RawEvent`] a contract keeps, and the
//! [`ReplyFormat`] the answer must take. The mapping of each provider's
//! format onto the contracts is in `provider`; nothing here knows a
//! contract.

mod decode_error;
mod format;
pub(crate) mod json;
mod raw;
mod source;

use bytes::Bytes;

pub use decode_error::DecodeError;
pub(crate) use decode_error::{parse_provider, provider_value};
pub use format::{HttpShape, ReplyFormat};
pub use raw::RawEvent;
pub(crate) use source::CloudEventMode;
pub use source::Source;
#[cfg(feature = "azure")]
pub(crate) use source::is_azure_envelope;

/// An invocation as an adapter receives it.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A JSON event (a Lambda invocation payload, an Azure Functions host's
    /// request payload).
    Json(Bytes),
    /// An HTTP request received by a server adapter, its body read whole.
    /// HTTP functions take it as it is; other functions read their event
    /// JSON from its body, or a CloudEvent from it as the HTTP binding says.
    /// Boxed: an invocation is moved several times on its way to the
    /// decoder, and the request is eight times the size of the bytes.
    Http(Box<http::Request<Bytes>>),
}

impl Incoming {
    /// The provider format of what arrived: for JSON, what its keys tell;
    /// for an HTTP request, what its headers declare (a CloudEvent, a
    /// Cloud Scheduler job), else what its body's keys tell.
    ///
    /// ```
    /// use faas::wire::{Incoming, Source};
    /// let request = http::Request::post("/").header("ce-id", "e-1").body(bytes::Bytes::new()).unwrap();
    /// assert_eq!(Incoming::from(request).source(), Source::CloudEvent);
    /// let sqs = serde_json::json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m"}]});
    /// assert_eq!(Incoming::from(sqs).source(), Source::Sqs);
    /// ```
    pub fn source(&self) -> Source {
        match self {
            Incoming::Json(bytes) => Source::detect(bytes),
            Incoming::Http(request) => Source::declared_by(request.headers())
                .unwrap_or_else(|| Source::detect(request.body())),
        }
    }

    /// The event JSON: the bytes, or the HTTP request's body.
    pub(crate) fn into_event_bytes(self) -> Bytes {
        match self {
            Incoming::Json(bytes) => bytes,
            Incoming::Http(request) => request.into_body(),
        }
    }
}

impl From<Bytes> for Incoming {
    fn from(bytes: Bytes) -> Self {
        Incoming::Json(bytes)
    }
}

impl From<Vec<u8>> for Incoming {
    fn from(bytes: Vec<u8>) -> Self {
        Incoming::Json(Bytes::from(bytes))
    }
}

impl From<serde_json::Value> for Incoming {
    fn from(value: serde_json::Value) -> Self {
        Incoming::Json(Bytes::from(value.to_string()))
    }
}

impl From<http::Request<Bytes>> for Incoming {
    fn from(request: http::Request<Bytes>) -> Self {
        Incoming::Http(Box::new(request))
    }
}
