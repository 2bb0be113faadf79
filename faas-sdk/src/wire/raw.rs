//! The raw provider payload behind a decoded contract.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::source::Source;

/// The raw provider payload behind a decoded contract, for the fields the
/// contract does not normalise.
///
/// ```
/// use faas::wire::{RawEvent, Source};
/// let raw = RawEvent::new(br#"{"Records":[{"eventSource":"aws:sqs","messageId":"m-1"}]}"#.to_vec(), Source::Sqs);
/// let event: aws_lambda_events::event::sqs::SqsEvent = raw.parse().unwrap();
/// assert_eq!(event.records[0].message_id.as_deref(), Some("m-1"));
/// ```
#[derive(Clone)]
pub struct RawEvent {
    bytes: Bytes,
    source: Source,
    record: Option<usize>,
}

impl RawEvent {
    /// The raw event `bytes`, in the format of `source`.
    pub fn new(bytes: impl Into<Bytes>, source: Source) -> RawEvent {
        RawEvent {
            bytes: bytes.into(),
            source,
            record: None,
        }
    }

    /// The same event, as the raw view of its record at `index`.
    pub(crate) fn for_record(&self, index: usize) -> RawEvent {
        RawEvent {
            bytes: self.bytes.clone(),
            source: self.source,
            record: Some(index),
        }
    }

    /// The bytes of the whole invocation, as received.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The provider format.
    pub fn source(&self) -> Source {
        self.source
    }

    /// For a record of a batch, its index in the invocation's record list.
    pub fn record_index(&self) -> Option<usize> {
        self.record
    }

    /// Parses the whole invocation into a provider struct (for example an
    /// `aws_lambda_events` type) or a `serde_json::Value`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }
}

impl fmt::Debug for RawEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawEvent")
            .field("source", &self.source)
            .field("record", &self.record)
            .field("len", &self.bytes.len())
            .finish()
    }
}
