//! Which wire formats each contract takes: [`FromEvent`] and [`Record`]
//! for every contract, each a table from the invocation's
//! [`Source`] to the provider module that maps it.
//!
//! The data flows one way: `wire` tells the source, a `provider` module
//! builds the contract's units, and this module only chooses; the errors
//! name what the contract expected and what arrived.

use serde::de::DeserializeOwned;

use crate::contract::{
    Batch, BatchUnit, CloudEvent, Decoded, FromEvent, HttpRequest, Json, QueueMessage, Record,
    Records, ScheduleEvent, StorageEvent, StorageUnit, StreamRecord,
};
use crate::error::FunctionError;
use crate::payload::{FromPayload, Payload};
use crate::provider::{aws, azure, cloudevents, google};
use crate::wire::{DecodeError, Incoming, ReplyFormat, Source};

const HTTP: &str = "an HTTP request (API Gateway REST or HTTP API, Lambda Function URL, ALB)";
const QUEUE: &str = "a queue message (SQS, SNS, SNS over SQS, Pub/Sub)";
const STORAGE: &str =
    "a storage event (S3 notification, S3 via EventBridge, S3 over SQS or SNS, GCS CloudEvent)";
const SCHEDULE: &str = "a schedule event (EventBridge scheduled rule, Cloud Scheduler HTTP job)";
const STREAM: &str = "a stream record (Kinesis, DynamoDB Streams)";

/// The error for an invocation in a format the contract does not take:
/// what its headers declare, else what its JSON looks like.
fn refused(expected: &'static str, incoming: Incoming) -> DecodeError {
    if let Incoming::Http(request) = &incoming {
        if let Some(source) = Source::declared_by(request.headers()) {
            return DecodeError::other_source(expected, source);
        }
    }
    DecodeError::unexpected(expected, &incoming.into_event_bytes())
}

// ---------------------------------------------------------------- HTTP

/// The one request of an HTTP invocation: as the server read it, or from a
/// gateway's event JSON.
fn http_request(incoming: Incoming) -> Result<Decoded<HttpRequest<Payload>>, DecodeError> {
    let request = match incoming {
        Incoming::Http(request) => HttpRequest::from(*request),
        Incoming::Json(bytes) => match Source::detect(&bytes) {
            source @ (Source::ApiGatewayRest
            | Source::ApiGatewayHttp
            | Source::FunctionUrl
            | Source::Alb) => aws::http_request(&bytes, source, HTTP)?,
            Source::AzureFunctions => azure::http_request(&bytes, HTTP)?,
            _ => return Err(DecodeError::unexpected(HTTP, &bytes)),
        },
    };
    let reply = ReplyFormat::Http(request.shape());
    Ok(Decoded::single(
        request.map_body(Payload::from_bytes),
        reply,
    ))
}

/// Every HTTP contract is one unit, the request with its body undecoded;
/// they differ in what they make of it.
macro_rules! http_contracts {
    ($(
        $(#[$doc:meta])*
        impl$(<$param:ident>)? for $contract:ty {
            type Payload = $payload:ty;
            fn from_unit($unit:ident) $from_unit:block
        }
    )*) => {$(
        $(#[$doc])*
        impl$(<$param: DeserializeOwned + Send + 'static>)? FromEvent for $contract {
            type Unit = HttpRequest<Payload>;
            type Payload = $payload;
            const SERVES_HTTP: bool = true;

            fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
                http_request(incoming)
            }

            fn from_unit($unit: Self::Unit) -> Result<Self, FunctionError> $from_unit
        }
    )*};
}

http_contracts! {
    /// The request as it arrived, its body as bytes.
    impl for HttpRequest {
        type Payload = ();
        fn from_unit(unit) {
            Ok(unit.map_body(|body| body.to_bytes()))
        }
    }

    /// The request with its JSON body decoded (and validated, and keyed).
    impl<T> for HttpRequest<Json<T>> {
        type Payload = T;
        fn from_unit(unit) {
            unit.try_map_body(|body| T::from_payload(body).map(Json))
        }
    }

    /// The request's JSON body alone.
    impl<T> for Json<T> {
        type Payload = T;
        fn from_unit(unit) {
            T::from_payload(unit.into_body()).map(Json)
        }
    }
}

// ---------------------------------------------------------------- records

impl<T: FromPayload> Record for QueueMessage<T> {
    type Unit = QueueMessage<Payload>;
    type Payload = T;

    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError> {
        match (incoming.source(), incoming) {
            (Source::Sqs, incoming) => aws::sqs_messages(&incoming.into_event_bytes(), QUEUE),
            (Source::Sns, incoming) => aws::sns_messages(&incoming.into_event_bytes(), QUEUE),
            (Source::SnsEnvelope, incoming) => {
                aws::sns_envelope(&incoming.into_event_bytes(), QUEUE)
            }
            (Source::CloudEvent, incoming) => google::pubsub_cloudevents(incoming, QUEUE),
            (Source::PubSubPush, incoming) => {
                google::pubsub_push(incoming.into_event_bytes(), QUEUE)
            }
            // One message per invocation; a failure fails it, and the host retries.
            (Source::AzureFunctions, incoming) => {
                let message = azure::queue_message(&incoming.into_event_bytes(), QUEUE)?;
                Ok(Records::all_or_nothing(vec![message]))
            }
            (_, incoming) => Err(refused(QUEUE, incoming)),
        }
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        unit.try_map_body(Payload::decode)
    }
}

impl Record for StorageEvent {
    type Unit = StorageUnit;
    type Payload = ();

    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError> {
        match (incoming.source(), incoming) {
            (Source::S3, incoming) => aws::s3_records(&incoming.into_event_bytes(), STORAGE),
            (Source::EventBridge, incoming) => {
                aws::s3_via_eventbridge(&incoming.into_event_bytes(), STORAGE)
            }
            (Source::Sqs, incoming) => aws::s3_over_sqs(&incoming.into_event_bytes(), STORAGE),
            (Source::Sns, incoming) => aws::s3_over_sns(&incoming.into_event_bytes(), STORAGE),
            (Source::CloudEvent, incoming) => google::storage_records(incoming, STORAGE),
            (Source::AzureFunctions, incoming) => {
                let blob = azure::storage_event(&incoming.into_event_bytes(), STORAGE)?;
                Ok(Records::all_or_nothing(vec![StorageUnit::Event(blob)]))
            }
            (_, incoming) => Err(refused(STORAGE, incoming)),
        }
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        match unit {
            StorageUnit::Event(event) => Ok(event),
            StorageUnit::Undecodable { error, .. } => Err(error.into_function_error()),
        }
    }
}

impl<T: FromPayload> Record for StreamRecord<T> {
    type Unit = StreamRecord<Payload>;
    type Payload = T;

    fn decode_records(incoming: Incoming) -> Result<Records<Self::Unit>, DecodeError> {
        match (incoming.source(), incoming) {
            (Source::Kinesis, incoming) => {
                aws::kinesis_records(&incoming.into_event_bytes(), STREAM)
            }
            (Source::DynamoDbStream, incoming) => {
                aws::dynamodb_records(&incoming.into_event_bytes(), STREAM)
            }
            (_, incoming) => Err(refused(STREAM, incoming)),
        }
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        unit.try_map_data(Payload::decode)
    }
}

/// A record type taken by a handler runs it once per record.
macro_rules! once_per_record {
    ($(impl$(<$param:ident: $bound:path>)? for $record:ty;)*) => {$(
        /// Once per record: a failed record is reported alone where the
        /// source accepts partial failures.
        impl$(<$param: $bound>)? FromEvent for $record {
            type Unit = <$record as Record>::Unit;
            type Payload = <$record as Record>::Payload;

            fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
                Ok(Decoded::records(<$record as Record>::decode_records(incoming)?))
            }

            fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
                <$record as Record>::from_unit(unit)
            }
        }
    )*};
}

once_per_record! {
    impl<T: FromPayload> for QueueMessage<T>;
    impl for StorageEvent;
    impl<T: FromPayload> for StreamRecord<T>;
}

/// The whole batch at once: one unit, and an error fails every record.
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
        Ok(Batch::new(records))
    }
}

// ---------------------------------------------------------------- one per invocation

impl FromEvent for ScheduleEvent {
    type Unit = ScheduleEvent;
    type Payload = ();

    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
        let tick = match (incoming.source(), incoming) {
            (Source::CloudScheduler, Incoming::Http(request)) => {
                google::cloud_scheduler_tick(*request, SCHEDULE)?
            }
            (Source::EventBridge, incoming) => {
                aws::scheduled_event(incoming.into_event_bytes(), SCHEDULE)?
            }
            (Source::AzureFunctions, incoming) => {
                azure::schedule_event(&incoming.into_event_bytes(), SCHEDULE)?
            }
            (_, incoming) => return Err(refused(SCHEDULE, incoming)),
        };
        Ok(Decoded::single(tick, ReplyFormat::Direct))
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        Ok(unit)
    }
}

impl<T: FromPayload> FromEvent for CloudEvent<T> {
    type Unit = CloudEvent<Payload>;
    type Payload = T;

    fn decode(incoming: Incoming) -> Result<Decoded<Self::Unit>, DecodeError> {
        let delivery = cloudevents::decode_delivery(incoming)?;
        // The binding has no per-event status: a batch succeeds or fails as one.
        let reply = if delivery.batched {
            ReplyFormat::AllOrNothing
        } else {
            ReplyFormat::Direct
        };
        Ok(Decoded {
            units: delivery.events,
            reply,
            ordered: false,
        })
    }

    fn from_unit(unit: Self::Unit) -> Result<Self, FunctionError> {
        unit.try_map_data(Payload::decode)
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
