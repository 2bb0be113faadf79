//! Typed, provider-neutral event contracts.
//!
//! A contract is the type a handler takes. It hides which provider format
//! the event arrived in: an [`HttpRequest`] is the same whether API Gateway
//! (REST or HTTP API), a Lambda Function URL, an ALB or the local server sent
//! it, and a [`QueueMessage<T>`] is the same from SQS, SNS or SNS over SQS.
//! The raw provider payload stays reachable through each contract's `raw()`.
//!
//! | contract | arrives from | handler mode |
//! |---|---|---|
//! | [`HttpRequest`], [`Json<T>`] | API Gateway v1/v2, Function URL, ALB, HTTP, Azure HTTP trigger | one request |
//! | [`QueueMessage<T>`] | SQS, SNS, SNS over SQS, Pub/Sub (push, CloudEvent), Azure Queue Storage trigger | `batch`, or [`Batch`] |
//! | [`StorageEvent`] | S3 notification, S3 via EventBridge, S3 over SQS/SNS, GCS CloudEvent, Azure Blob Storage trigger | `batch`, or [`Batch`] |
//! | [`StreamRecord<T>`] | Kinesis, DynamoDB Streams | `batch`, or [`Batch`] |
//! | [`ScheduleEvent`] | EventBridge scheduled rule, Cloud Scheduler HTTP job, Azure timer trigger | one event |
//! | [`CloudEvent<T>`] | CloudEvents 1.0: binary, structured, batched | one event (a batch: once per event) |
//! | any `T: DeserializeOwned` | the invocation payload as is | one event |
//!
//! # How decoding works
//!
//! Decoding has two steps, like serde keeps the data model apart from the
//! format. [`FromEvent::decode`] recognises the provider format and splits
//! the invocation into *units of work* whose payload is still raw bytes;
//! [`FromEvent::from_unit`] turns one unit into the typed contract. Layers
//! run between the two, so validation (and idempotency) see the payload
//! before it becomes `T`, and one bad record in a batch fails alone.
//!
//! # Versioning
//!
//! Contract structs are `#[non_exhaustive]`: fields are added in minor
//! releases, never removed or retyped. A field whose meaning must change gets
//! a new name; the old one stays until the next major version. Payload types
//! are yours; see [`crate::validation`] for how their schemas evolve.

pub(crate) mod azure;
mod cloudevent;
mod google;
pub(crate) mod http;
mod queue;
mod schedule;
mod storage;
mod stream;

use serde::de::DeserializeOwned;

use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::reply::ReplyFormat;
use crate::wire::{DecodeError, Incoming};

pub use cloudevent::CloudEvent;
pub use http::{HttpRequest, HttpResponse, HttpShape, Json};
pub use queue::{QueueMessage, QueueSource};
pub use schedule::ScheduleEvent;
pub use storage::{StorageEvent, StorageEventKind, StorageSource};
pub use stream::{ChangeKind, StreamRecord, StreamSource};

/// A type a handler can take for a whole invocation.
///
/// Implemented by [`HttpRequest`], [`Json<T>`], [`ScheduleEvent`],
/// [`CloudEvent<T>`], [`Batch<R>`], `Each<R>` (what `batch` handlers use)
/// and every `T: DeserializeOwned` (the raw invocation payload).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event type a handler can take",
    label = "not an event type",
    note = "handlers take HttpRequest, Json<T>, ScheduleEvent, CloudEvent<T>, Batch<R>, or any `T: serde::de::DeserializeOwned`",
    note = "record types (QueueMessage<T>, StreamRecord<T>, StorageEvent) need `#[faas::handler(batch)]`, or take `Batch<…>`"
)]
pub trait FromEvent: Sized + Send + 'static {
    /// One unit of work before its payload is decoded: what layers see.
    type Unit: Unit;
    /// The application payload type inside (`()` when there is none); the
    /// handler macro derives a JSON Schema from it when it has one.
    type Payload;

    /// Whether HTTP servers serve this event as plain HTTP (any method and
    /// path) rather than as an event JSON posted to `/`.
    const SERVES_HTTP: bool = false;

    /// Recognises the provider format and splits the invocation into units.
    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError>;

    /// Decodes one unit's payload into the contract.
    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError>;
}

/// A contract that arrives as one record of a batch (a queue message, a
/// stream record, a storage notification). `#[faas::handler(batch)]` calls
/// the handler once per record; [`Batch<R>`] takes them all at once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not arrive in batches, so it cannot be handled with `batch`",
    label = "not a record type",
    note = "`batch` works with QueueMessage<T>, StreamRecord<T> and StorageEvent; remove `batch` for other events"
)]
pub trait Record: Sized + Send + 'static {
    /// One record before its payload is decoded.
    type Unit: Unit;
    /// The application payload type (see [`FromEvent::Payload`]).
    type Payload;

    /// Recognises the provider format and splits it into records.
    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError>;

    /// Decodes one record's payload.
    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError>;
}

/// What layers may inspect on a unit of work.
pub trait Unit: Send + 'static {
    /// Calls `visit` with each application payload the unit carries, and the
    /// record index for units that hold a batch.
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        let _ = visit;
    }

    /// The id a partial batch failure report names (SQS message id, stream
    /// sequence number).
    fn item_id(&self) -> Option<&str> {
        None
    }

    /// An upstream correlation id carried by the event.
    fn correlation_id(&self) -> Option<&str> {
        None
    }

    /// The delivery attempt the platform reports (1 = first).
    fn delivery_attempt(&self) -> Option<u32> {
        None
    }
}

/// An invocation split into units of work, and how to answer it.
#[derive(Debug)]
pub struct Decoded<U> {
    pub(crate) units: Vec<U>,
    pub(crate) reply: ReplyFormat,
    pub(crate) ordered: bool,
}

impl<U> Decoded<U> {
    /// One unit answered in `reply` format.
    pub fn single(unit: U, reply: ReplyFormat) -> Self {
        Decoded {
            units: vec![unit],
            reply,
            ordered: false,
        }
    }

    /// The units of work.
    pub fn units(&self) -> &[U] {
        &self.units
    }

    /// Takes the units of work.
    pub fn into_units(self) -> Vec<U> {
        self.units
    }

    /// How the invocation is answered.
    pub fn reply_format(&self) -> ReplyFormat {
        self.reply
    }
}

/// The records of a batch, and how the platform accepts failures.
#[derive(Debug)]
pub struct Records<U> {
    pub(crate) units: Vec<U>,
    pub(crate) partial_failures: bool,
    pub(crate) ordered: bool,
}

impl<U> Records<U> {
    /// Records from a source that accepts a partial batch failure report
    /// (SQS, Kinesis, DynamoDB Streams). `ordered` sources (SQS FIFO,
    /// streams) stop at the first failure.
    pub fn reportable(units: Vec<U>, ordered: bool) -> Self {
        Records {
            units,
            partial_failures: true,
            ordered,
        }
    }

    /// Records from a source that retries the whole invocation on failure
    /// (SNS, S3, EventBridge).
    pub fn all_or_nothing(units: Vec<U>) -> Self {
        Records {
            units,
            partial_failures: false,
            ordered: false,
        }
    }
}

/// One record, as a `#[faas::handler(batch)]` handler sees it. The macro
/// unwraps it; you never write `Each` yourself.
#[derive(Debug)]
pub struct Each<R>(pub R);

impl<R: Record> FromEvent for Each<R> {
    type Unit = R::Unit;
    type Payload = R::Payload;

    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
        let records = R::decode_records(incoming)?;
        let reply = if records.partial_failures {
            ReplyFormat::BatchItemFailures
        } else {
            ReplyFormat::AllOrNothing
        };
        Ok(Decoded {
            units: records.units,
            reply,
            ordered: records.ordered,
        })
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        R::from_unit(unit).map(Each)
    }
}

/// A whole batch of records, for handlers that process them together (a
/// bulk insert, say). An error fails the whole invocation, so the platform
/// retries every record; use `#[faas::handler(batch)]` to fail records one by one.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Job { job_id: String }
///
/// #[faas::handler]
/// async fn bulk(jobs: Batch<QueueMessage<Job>>) -> Result<usize, FunctionError> {
///     Ok(jobs.records().len())
/// }
/// ```
#[derive(Debug)]
pub struct Batch<R> {
    records: Vec<R>,
}

impl<R> Batch<R> {
    /// The records, in delivery order.
    pub fn records(&self) -> &[R] {
        &self.records
    }

    /// Takes the records.
    pub fn into_records(self) -> Vec<R> {
        self.records
    }
}

impl<R> IntoIterator for Batch<R> {
    type Item = R;
    type IntoIter = std::vec::IntoIter<R>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter()
    }
}

/// The units of a whole batch, before decoding.
#[derive(Debug)]
pub struct BatchUnit<U>(Vec<U>);

impl<U: Unit> Unit for BatchUnit<U> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        for (index, unit) in self.0.iter().enumerate() {
            unit.visit_payloads(&mut |_, payload| visit(Some(index), payload));
        }
    }
}

impl<R: Record> FromEvent for Batch<R> {
    type Unit = BatchUnit<R::Unit>;
    type Payload = R::Payload;

    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
        let records = R::decode_records(incoming)?;
        Ok(Decoded::single(
            BatchUnit(records.units),
            ReplyFormat::Direct,
        ))
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        let records = unit
            .0
            .into_iter()
            .map(R::from_unit)
            .collect::<Result<_, _>>()?;
        Ok(Batch { records })
    }
}

impl Unit for Payload {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, self)
    }
}

/// Any JSON type is a contract too: the invocation payload as is (a direct
/// Lambda invocation, a body posted to the local server).
impl<T: DeserializeOwned + Send + 'static> FromEvent for T {
    type Unit = Payload;
    type Payload = T;

    fn decode(incoming: Incoming) -> Result<Decoded<Payload>, DecodeError> {
        Ok(Decoded::single(
            Payload::from_bytes(incoming.into_event_bytes()),
            ReplyFormat::Direct,
        ))
    }

    fn from_unit(unit: Payload) -> Result<Self, FunctionError> {
        T::from_payload(unit)
    }
}

/// The event JSON of an invocation, checked to be in one of `accepted`
/// formats; the shared first step of every provider-format contract.
pub(crate) fn event_json(
    incoming: Incoming,
    expected: &'static str,
    accepted: &[crate::wire::Source],
) -> Result<(bytes::Bytes, crate::wire::Source), DecodeError> {
    let bytes = incoming.into_event_bytes();
    let source = crate::wire::Source::detect(&bytes);
    if accepted.contains(&source) {
        Ok((bytes, source))
    } else {
        Err(DecodeError::unexpected(expected, &bytes))
    }
}

/// The top-level `source` and `detail-type` of an EventBridge event, read
/// with serde: a key scan could find a key of the same name inside `detail`.
#[derive(serde::Deserialize)]
pub(crate) struct EventBridgeHeader {
    pub(crate) source: String,
    #[serde(rename = "detail-type")]
    pub(crate) detail_type: String,
}

impl EventBridgeHeader {
    pub(crate) fn read(bytes: &[u8], expected: &'static str) -> Result<Self, DecodeError> {
        crate::wire::parse_provider(bytes, crate::wire::Source::EventBridge, expected)
    }
}
