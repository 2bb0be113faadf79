//! Stream records: Kinesis Data Streams and DynamoDB Streams.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contract::Unit;
use crate::payload::Payload;
use crate::wire::RawEvent;

/// Which stream a [`StreamRecord`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamSource {
    /// A Kinesis data stream.
    Kinesis,
    /// A DynamoDB table's stream.
    DynamoDb,
}

/// What a DynamoDB stream record reports about its item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// The item was created.
    Insert,
    /// The item was updated.
    Modify,
    /// The item was deleted.
    Remove,
    /// A name this version does not know.
    Other(String),
}

/// One record of an ordered stream, its data decoded into `T`.
///
/// For Kinesis, `data` is the record's data. For DynamoDB Streams, `data`
/// is the item: its new image, else (for a removal) its old image, else (in
/// a `KEYS_ONLY` stream) its keys; `old_image` is the old image whenever the
/// stream carries one; attribute values are plain JSON (`{"S": "x"}` → `"x"`,
/// `{"N": "1"}` → `1`, sets → arrays, binary → a base64 string).
///
/// Streams are ordered per shard: the SDK stops at the first
/// failing record and reports it and every later one, so nothing is processed
/// out of order.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Order { id: String, total: u64 }
///
/// #[faas::handler]
/// async fn on_change(rec: StreamRecord<Order>) -> Result<(), FunctionError> {
///     if rec.change == Some(ChangeKind::Remove) {
///         tracing::info!(order = %rec.data.id, "order deleted");
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamRecord<T> {
    /// Kinesis partition key; for DynamoDB, the item's keys as compact JSON.
    pub partition_key: String,
    /// The record's sequence number in its shard.
    pub sequence_number: String,
    /// The record's data (see above).
    pub data: T,
    /// When the record reached the stream.
    pub arrived_at: Option<DateTime<Utc>>,
    /// The stream kind.
    pub source: StreamSource,
    /// DynamoDB: what happened to the item.
    pub change: Option<ChangeKind>,
    /// DynamoDB: the item's keys.
    pub keys: Option<Value>,
    /// DynamoDB: the item before the change, when the stream carries old images.
    pub old_image: Option<T>,
    /// The stream ARN.
    pub origin: Option<String>,
    pub(crate) raw: RawEvent,
}

impl<T> StreamRecord<T> {
    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    /// The same record with its data and old image decoded by `decode`.
    pub(crate) fn try_map_data<U, E>(
        self,
        mut decode: impl FnMut(T) -> Result<U, E>,
    ) -> Result<StreamRecord<U>, E> {
        Ok(StreamRecord {
            data: decode(self.data)?,
            old_image: self.old_image.map(&mut decode).transpose()?,
            partition_key: self.partition_key,
            sequence_number: self.sequence_number,
            arrived_at: self.arrived_at,
            source: self.source,
            change: self.change,
            keys: self.keys,
            origin: self.origin,
            raw: self.raw,
        })
    }
}

impl Unit for StreamRecord<Payload> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, &self.data)
    }

    fn item_id(&self) -> Option<&str> {
        Some(&self.sequence_number)
    }
}
