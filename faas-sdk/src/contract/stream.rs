//! Stream records: Kinesis Data Streams and DynamoDB Streams.

use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_dynamo::AttributeValue;
use serde_json::{Map, Number, Value};

use crate::contract::{Record, Records, Unit, event_json};
use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::wire::{DecodeError, Incoming, RawEvent, Source, parse_provider};

const EXPECTED: &str = "a stream record (Kinesis, DynamoDB Streams)";

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
/// Streams are ordered per shard: in `batch` mode the SDK stops at the first
/// failing record and reports it and every later one, so nothing is processed
/// out of order.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Order { id: String, total: u64 }
///
/// #[faas::handler(batch)]
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
    raw: RawEvent,
}

impl<T> StreamRecord<T> {
    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
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

impl<T: FromPayload> Record for StreamRecord<T> {
    type Unit = StreamRecord<Payload>;
    type Payload = T;

    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError> {
        let (bytes, source) = event_json(
            incoming,
            EXPECTED,
            &[Source::Kinesis, Source::DynamoDbStream],
        )?;
        let raw = RawEvent::new(bytes.clone(), source);
        let units = if source == Source::Kinesis {
            let event: KinesisEvent = parse_provider(&bytes, source, EXPECTED)?;
            event
                .records
                .into_iter()
                .enumerate()
                .map(|(index, record)| from_kinesis(record, raw.for_record(index)))
                .collect()
        } else {
            let event: DynamoDbEvent = parse_provider(&bytes, source, EXPECTED)?;
            event
                .records
                .into_iter()
                .enumerate()
                .map(|(index, record)| from_dynamodb(record, raw.for_record(index)))
                .collect::<Result<_, _>>()?
        };
        Ok(Records::reportable(units, true))
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        Ok(StreamRecord {
            data: unit.data.decode()?,
            old_image: unit.old_image.map(Payload::decode).transpose()?,
            partition_key: unit.partition_key,
            sequence_number: unit.sequence_number,
            arrived_at: unit.arrived_at,
            source: unit.source,
            change: unit.change,
            keys: unit.keys,
            origin: unit.origin,
            raw: unit.raw,
        })
    }
}

fn from_kinesis(record: KinesisEventRecord, raw: RawEvent) -> StreamRecord<Payload> {
    let kinesis = record.kinesis;
    StreamRecord {
        partition_key: kinesis.partition_key,
        sequence_number: kinesis.sequence_number,
        data: Payload::from_bytes(Bytes::from(kinesis.data.0)),
        arrived_at: Some(*kinesis.approximate_arrival_timestamp),
        source: StreamSource::Kinesis,
        change: None,
        keys: None,
        old_image: None,
        origin: record.event_source_arn,
        raw,
    }
}

fn from_dynamodb(record: EventRecord, raw: RawEvent) -> Result<StreamRecord<Payload>, DecodeError> {
    let index = raw.record_index().unwrap_or_default();
    let field = |name: &str, reason: String| {
        DecodeError::field(
            EXPECTED,
            Source::DynamoDbStream,
            format!("/Records/{index}/dynamodb/{name}"),
            reason,
        )
    };
    let change = record.change;
    let sequence_number = change
        .sequence_number
        .ok_or_else(|| field("SequenceNumber", "missing field `SequenceNumber`".into()))?;
    let plain = |name: &str, item: serde_dynamo::Item| -> Result<Option<Value>, DecodeError> {
        if item.is_empty() {
            return Ok(None);
        }
        plain_item(item.into_inner())
            .map(|map| Some(Value::Object(map)))
            .map_err(|(at, reason)| field(&format!("{name}{at}"), reason))
    };
    let keys = plain("Keys", change.keys)?;
    let new_image = plain("NewImage", change.new_image)?;
    let old_image = plain("OldImage", change.old_image)?;
    let data = new_image
        .or_else(|| old_image.clone())
        .or_else(|| keys.clone())
        .ok_or_else(|| field("Keys", "the record carries no keys and no image".into()))?;
    let kind = match record.event_name.as_str() {
        "INSERT" => ChangeKind::Insert,
        "MODIFY" => ChangeKind::Modify,
        "REMOVE" => ChangeKind::Remove,
        other => ChangeKind::Other(other.to_owned()),
    };
    Ok(StreamRecord {
        partition_key: keys.as_ref().map(Value::to_string).unwrap_or_default(),
        sequence_number,
        data: Payload::from_json(data),
        arrived_at: Some(change.approximate_creation_date_time),
        source: StreamSource::DynamoDb,
        change: Some(kind),
        keys,
        old_image: old_image.map(Payload::from_json),
        origin: record.event_source_arn,
        raw,
    })
}

/// A DynamoDB item as plain JSON: `{"S": "x"}` becomes `"x"`, `{"N": "1"}`
/// becomes `1`, sets become arrays, and binary values become base64
/// strings (how DynamoDB's own JSON writes them; JSON has no bytes). An
/// error carries the pointer of the bad value below the item.
fn plain_item(
    item: std::collections::HashMap<String, AttributeValue>,
) -> Result<Map<String, Value>, (String, String)> {
    item.into_iter()
        .map(|(name, value)| {
            let at = format!("/{}", name.replace('~', "~0").replace('/', "~1"));
            plain_value(value)
                .map(|value| (name, value))
                .map_err(|(below, reason)| (format!("{at}{below}"), reason))
        })
        .collect()
}

fn plain_value(value: AttributeValue) -> Result<Value, (String, String)> {
    let base64 =
        |bytes: Vec<u8>| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
    Ok(match value {
        AttributeValue::S(text) => Value::String(text),
        AttributeValue::N(number) => {
            plain_number(&number).map_err(|reason| ("/N".to_owned(), reason))?
        }
        AttributeValue::Bool(flag) => Value::Bool(flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(bytes) => base64(bytes),
        AttributeValue::Ss(texts) => texts.into_iter().map(Value::String).collect(),
        AttributeValue::Bs(blobs) => blobs.into_iter().map(base64).collect(),
        AttributeValue::Ns(numbers) => numbers
            .iter()
            .enumerate()
            .map(|(index, number)| {
                plain_number(number).map_err(|reason| (format!("/NS/{index}"), reason))
            })
            .collect::<Result<_, _>>()?,
        AttributeValue::L(values) => values
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                plain_value(value).map_err(|(below, reason)| (format!("/L/{index}{below}"), reason))
            })
            .collect::<Result<_, _>>()?,
        AttributeValue::M(map) => Value::Object(
            plain_item(map).map_err(|(below, reason)| (format!("/M{below}"), reason))?,
        ),
    })
}

/// A DynamoDB number: an integer when it is one, else a float.
fn plain_number(text: &str) -> Result<Value, String> {
    if let Ok(int) = text.parse::<i64>() {
        return Ok(Value::from(int));
    }
    if let Ok(uint) = text.parse::<u64>() {
        return Ok(Value::from(uint));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dynamodb_event(new_image: serde_json::Value) -> Incoming {
        serde_json::json!({"Records": [{
            "eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1480642020,
                "Keys": {"id": {"S": "o-1"}},
                "NewImage": new_image,
                "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_IMAGE"
            }
        }]})
        .into()
    }

    #[test]
    fn binary_attributes_become_base64_strings_instead_of_failing_the_batch() {
        let image = serde_json::json!({
            "id": {"S": "o-1"},
            "blob": {"B": "AAEqQQ=="},
            "blobs": {"BS": ["AAEqQQ==", "QSoBAA=="]},
            "nested": {"M": {"tags": {"L": [{"B": "QSoBAA=="}, {"N": "-2"}, {"N": "2.5"}, {"NULL": true}]}}},
            "sizes": {"NS": ["1", "18446744073709551615"]},
            "names": {"SS": ["a"]},
            "ok": {"BOOL": true}
        });
        let records =
            StreamRecord::<Value>::decode_records(dynamodb_event(image)).expect("decodes");
        let unit = records.units.into_iter().next().expect("one record");
        let record = StreamRecord::<Value>::from_unit(unit).expect("plain JSON");
        assert_eq!(
            record.data,
            serde_json::json!({
                "id": "o-1",
                "blob": "AAEqQQ==",
                "blobs": ["AAEqQQ==", "QSoBAA=="],
                "nested": {"tags": ["QSoBAA==", -2, 2.5, null]},
                "sizes": [1, 18446744073709551615_u64],
                "names": ["a"],
                "ok": true
            })
        );
    }

    #[test]
    fn a_bad_number_deep_in_an_image_is_named_by_its_pointer() {
        let image =
            serde_json::json!({"nested": {"M": {"tags": {"L": [{"S": "a"}, {"N": "x1"}]}}}});
        let err = StreamRecord::<Value>::decode_records(dynamodb_event(image)).unwrap_err();
        assert_eq!(
            err.pointer(),
            "/Records/0/dynamodb/NewImage/nested/M/tags/L/1/N"
        );
        assert!(err.to_string().contains("\"x1\" is not a number"), "{err}");
    }
}
