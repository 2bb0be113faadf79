//! Queue messages: SQS, SNS, SNS over SQS, Google Cloud Pub/Sub, Azure
//! Queue Storage.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::contract::Unit;
use crate::payload::Payload;
use crate::wire::{RawEvent, Source};

/// Which service delivered a [`QueueMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QueueSource {
    /// An SQS queue.
    Sqs,
    /// An SNS topic (delivered to Lambda, or posted over HTTP).
    Sns,
    /// An SNS topic whose notifications an SQS queue subscribes to.
    SnsOverSqs,
    /// A Google Cloud Pub/Sub subscription: a push request, or a
    /// `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent (Eventarc).
    PubSub,
    /// An Azure Queue Storage queue (an Azure Functions queue trigger).
    AzureQueue,
}

/// One message from a queue or topic, its body decoded into `T`.
///
/// `T` is any JSON type, or [`Text`](crate::payload::Text) /
/// [`Binary`](crate::payload::Binary) for bodies that are not JSON. For SNS
/// over SQS the SNS envelope is unwrapped: `body` is what the publisher sent.
///
/// ```
/// use faas::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Job { job_id: String }
///
/// #[faas::handler]
/// async fn work(msg: QueueMessage<Job>, ctx: &Context) -> Result<(), FunctionError> {
///     tracing::info!(job = %msg.body.job_id, attempt = ?msg.receive_count, "working");
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueueMessage<T> {
    /// The message id: SQS `messageId` (also for SNS over SQS), SNS
    /// `MessageId`, Pub/Sub `messageId`, or Azure Queue Storage `Id`.
    pub id: String,
    /// The body, decoded.
    pub body: T,
    /// Message attributes (string values; binary values base64-encoded).
    pub attributes: HashMap<String, String>,
    /// How many times SQS has delivered this message (1 = first time);
    /// Pub/Sub's `deliveryAttempt`, sent when the subscription has a
    /// dead-letter topic; Azure Queue Storage's `DequeueCount`.
    pub receive_count: Option<u32>,
    /// The FIFO message group, or the Pub/Sub `orderingKey`.
    pub group_id: Option<String>,
    /// When the message was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The delivering service.
    pub source: QueueSource,
    /// The queue or topic ARN; for Pub/Sub the subscription
    /// (`projects/P/subscriptions/S`), else the topic (`projects/P/topics/T`).
    pub origin: Option<String>,
    pub(crate) raw: RawEvent,
}

impl<T> QueueMessage<T> {
    /// A message with `id` and `body` and nothing else set, for unit tests
    /// that call a handler directly.
    ///
    /// ```
    /// let msg = faas::QueueMessage::new("m-1", "hello");
    /// assert_eq!(msg.id, "m-1");
    /// ```
    pub fn new(id: impl Into<String>, body: T) -> Self {
        QueueMessage {
            id: id.into(),
            body,
            attributes: HashMap::new(),
            receive_count: None,
            group_id: None,
            sent_at: None,
            source: QueueSource::Sqs,
            origin: None,
            raw: RawEvent::new(Bytes::new(), Source::Direct),
        }
    }

    /// The raw provider event this message came in.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }

    /// The same message with its body replaced by `decode(body)`.
    pub(crate) fn try_map_body<U, E>(
        self,
        decode: impl FnOnce(T) -> Result<U, E>,
    ) -> Result<QueueMessage<U>, E> {
        Ok(QueueMessage {
            body: decode(self.body)?,
            id: self.id,
            attributes: self.attributes,
            receive_count: self.receive_count,
            group_id: self.group_id,
            sent_at: self.sent_at,
            source: self.source,
            origin: self.origin,
            raw: self.raw,
        })
    }
}

impl Unit for QueueMessage<Payload> {
    fn visit_payloads(&self, visit: &mut dyn FnMut(Option<usize>, &Payload)) {
        visit(None, &self.body)
    }

    fn item_id(&self) -> Option<&str> {
        Some(&self.id)
    }

    fn correlation_id(&self) -> Option<&str> {
        ["correlation_id", "CorrelationId", "correlation-id"]
            .iter()
            .find_map(|key| self.attributes.get(*key))
            .map(String::as_str)
    }

    fn delivery_attempt(&self) -> Option<u32> {
        self.receive_count
    }
}
