//! Typed, provider-neutral event contracts.
//!
//! A contract is the type a handler takes. It hides which provider format
//! the event arrived in: an [`HttpRequest`] is the same whether API Gateway
//! (REST or HTTP API), a Lambda Function URL, an ALB or the local server sent
//! it, and a [`QueueMessage<T>`] is the same from SQS, SNS or SNS over SQS.
//! The raw provider payload stays reachable through each contract's `raw()`.
//!
//! | contract | arrives from | the handler runs |
//! |---|---|---|
//! | [`HttpRequest`], `HttpRequest<Json<T>>`, [`Json<T>`] | API Gateway v1/v2, Function URL, ALB, HTTP, Azure HTTP trigger | once per request |
//! | [`QueueMessage<T>`] | SQS, SNS, SNS over SQS, Pub/Sub (push, CloudEvent), Azure Queue Storage trigger | once per record |
//! | [`StorageEvent`] | S3 notification, S3 via EventBridge, S3 over SQS/SNS, GCS CloudEvent, Azure Blob Storage trigger | once per record |
//! | [`StreamRecord<T>`] | Kinesis, DynamoDB Streams | once per record |
//! | [`Batch<R>`] of a record type | the same as `R` | once per batch |
//! | [`ScheduleEvent`] | EventBridge scheduled rule, Cloud Scheduler HTTP job, Azure timer trigger | once per tick |
//! | [`CloudEvent<T>`] | CloudEvents 1.0: binary, structured, batched | once per event |
//! | any `T: DeserializeOwned` | the invocation payload as is | once per invocation |
//!
//! The types here are plain data with constructors, and the traits that
//! say how an invocation becomes them ([`FromEvent`], [`Record`]). How
//! each provider's format maps onto a contract is written once per
//! provider family (AWS, Google, Azure, CloudEvents), apart from the types.
//!
//! # Units of work
//!
//! Decoding has two steps, like serde keeps the data model apart from the
//! format: an invocation is first split into *units of work* whose payload
//! is still raw bytes (a queue record, a request), then each unit becomes
//! the typed contract. Layers run between the two and see a unit through
//! [`Unit`], so validation and idempotency see the payload before it
//! becomes `T`, and one bad record in a batch fails alone.
//!
//! # Versioning
//!
//! Contract structs are `#[non_exhaustive]`: fields are added in minor
//! releases, never removed or retyped. A field whose meaning must change gets
//! a new name; the old one stays until the next major version. Payload types
//! are yours; see [`crate::validation`] for how their schemas evolve.

mod cloudevent;
mod http;
mod queue;
mod schedule;
mod storage;
mod stream;

use crate::error::FunctionError;
use crate::payload::Payload;
use crate::wire::{DecodeError, Incoming, ReplyFormat};

pub use cloudevent::CloudEvent;
pub(crate) use cloudevent::Location;
pub use http::{HttpRequest, Json, PathParams};
pub(crate) use http::{parse_query, split_cookies};
pub use queue::{QueueMessage, QueueSource};
pub use schedule::ScheduleEvent;
pub(crate) use storage::Delivery;
pub use storage::{StorageEvent, StorageEventKind, StorageSource, StorageUnit};
pub use stream::{ChangeKind, StreamRecord, StreamSource};

/// A type a handler can take for a whole invocation.
///
/// Implemented by [`HttpRequest`], `HttpRequest<Json<T>>`, [`Json<T>`],
/// [`ScheduleEvent`], [`CloudEvent<T>`], the record types
/// ([`QueueMessage<T>`], [`StreamRecord<T>`], [`StorageEvent`]: the
/// handler runs once per record), [`Batch<R>`], and every
/// `T: DeserializeOwned` (the raw invocation payload).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event type a handler can take",
    label = "not an event type",
    note = "handlers take HttpRequest, Json<T>, QueueMessage<T>, StorageEvent, StreamRecord<T>, ScheduleEvent, CloudEvent<T>, Batch<R>, or any `T: serde::de::DeserializeOwned`"
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
/// stream record, a storage notification). A handler that takes one runs
/// once per record; [`Batch<R>`] takes them all at once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not arrive in batches",
    label = "not a record type",
    note = "`batch` and `Batch<…>` work with QueueMessage<T>, StreamRecord<T> and StorageEvent; remove `batch` for other events"
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

    /// The records of a batch, each its own unit, answered as the source
    /// accepts failures.
    pub fn records(records: Records<U>) -> Self {
        let reply = if records.partial_failures {
            ReplyFormat::BatchItemFailures
        } else {
            ReplyFormat::AllOrNothing
        };
        Decoded {
            units: records.units,
            reply,
            ordered: records.ordered,
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

    /// The records' units.
    pub fn units(&self) -> &[U] {
        &self.units
    }
}

/// What layers may inspect on a unit of work (one request, one record).
///
/// Object-safe: a layer that works for every contract takes
/// `&Request<dyn Unit>` (see [`layer::check`](crate::layer::check)).
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

    /// The HTTP request, when the unit is one (every HTTP contract): its
    /// headers, path and query, for checks such as authentication.
    fn http_request(&self) -> Option<&HttpRequest<Payload>> {
        None
    }
}

/// Every HTTP contract is one unit of this type: the request, its body not
/// yet decoded. Layers read its parts through [`Unit::http_request`].
impl Unit for HttpRequest<Payload> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, self.body())
    }

    fn correlation_id(&self) -> Option<&str> {
        ["x-correlation-id", "x-request-id"]
            .iter()
            .find_map(|name| self.headers().get(*name)?.to_str().ok())
    }

    fn http_request(&self) -> Option<&HttpRequest<Payload>> {
        Some(self)
    }
}

impl Unit for Payload {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, self)
    }
}

/// A whole batch of records, for handlers that process them together (a
/// bulk insert, say). An error fails the whole invocation, so the platform
/// retries every record; take the record type itself to run once per record
/// and fail records one by one.
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
    /// A batch of these records.
    pub fn new(records: Vec<R>) -> Self {
        Batch { records }
    }

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
pub struct BatchUnit<U>(pub(crate) Vec<U>);

impl<U> BatchUnit<U> {
    /// The records' units.
    pub fn units(&self) -> &[U] {
        &self.0
    }
}

impl<U: Unit> Unit for BatchUnit<U> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        for (index, unit) in self.0.iter().enumerate() {
            unit.visit_payloads(&mut |_, payload| visit(Some(index), payload));
        }
    }
}
