//! Kinesis Data Streams and DynamoDB Streams → [`StreamRecord`].

use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use base64::Engine as _;
use bytes::Bytes;
use serde_dynamo::AttributeValue;
use serde_json::{Map, Number, Value};

use crate::contract::{ChangeKind, Records, StreamRecord, StreamSource};
use crate::payload::Payload;
use crate::wire::json::push_segment;
use crate::wire::{DecodeError, RawEvent, Source, parse_provider};

/// The records of a Kinesis batch, in order.
pub(crate) fn kinesis_records(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StreamRecord<Payload>>, DecodeError> {
    let event: KinesisEvent = parse_provider(bytes, Source::Kinesis, expected)?;
    in_order(bytes, Source::Kinesis, event.records, |record, raw| {
        Ok(from_kinesis(record, raw))
    })
}

/// The records of a DynamoDB Streams batch, in order.
pub(crate) fn dynamodb_records(
    bytes: &Bytes,
    expected: &'static str,
) -> Result<Records<StreamRecord<Payload>>, DecodeError> {
    let event: DynamoDbEvent = parse_provider(bytes, Source::DynamoDbStream, expected)?;
    in_order(
        bytes,
        Source::DynamoDbStream,
        event.records,
        |record, raw| from_dynamodb(record, raw, expected),
    )
}

/// The stream records of one invocation, each with its raw view; a stream
/// keeps order, so processing stops at the first failure.
fn in_order<R>(
    bytes: &Bytes,
    source: Source,
    records: Vec<R>,
    mut unit: impl FnMut(R, RawEvent) -> Result<StreamRecord<Payload>, DecodeError>,
) -> Result<Records<StreamRecord<Payload>>, DecodeError> {
    let raw = RawEvent::new(bytes.clone(), source);
    let units = records
        .into_iter()
        .enumerate()
        .map(|(index, record)| unit(record, raw.for_record(index)))
        .collect::<Result<_, _>>()?;
    Ok(Records::reportable(units, true))
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

fn from_dynamodb(
    record: EventRecord,
    raw: RawEvent,
    expected: &'static str,
) -> Result<StreamRecord<Payload>, DecodeError> {
    let index = raw.record_index().unwrap_or_default();
    let field = |name: &str, reason: String| {
        DecodeError::field(
            expected,
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
            let mut at = String::new();
            push_segment(&mut at, &name);
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

    const EXPECTED: &str = "a stream record";

    fn dynamodb_event(new_image: serde_json::Value) -> Bytes {
        let event = serde_json::json!({"Records": [{
            "eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1480642020,
                "Keys": {"id": {"S": "o-1"}},
                "NewImage": new_image,
                "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_IMAGE"
            }
        }]});
        Bytes::from(event.to_string())
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
        let records = dynamodb_records(&dynamodb_event(image), EXPECTED).expect("decodes");
        let unit = records.units.into_iter().next().expect("one record");
        assert_eq!(
            unit.data.json().expect("plain JSON"),
            &serde_json::json!({
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
        let err = dynamodb_records(&dynamodb_event(image), EXPECTED).unwrap_err();
        assert_eq!(
            err.pointer(),
            "/Records/0/dynamodb/NewImage/nested/M/tags/L/1/N"
        );
        assert!(err.to_string().contains("\"x1\" is not a number"), "{err}");
    }
}
