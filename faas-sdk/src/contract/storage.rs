//! Object storage notifications: S3 (direct, via EventBridge, SQS or SNS),
//! Google Cloud Storage, Azure Blob Storage.

use chrono::{DateTime, Utc};

use crate::contract::Unit;
use crate::wire::{DecodeError, RawEvent};

/// What happened to the object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageEventKind {
    /// The object was created or overwritten (`ObjectCreated:*`, EventBridge `Object Created`).
    Created,
    /// The object was deleted (`ObjectRemoved:*`, `LifecycleExpiration:*`, `Object Deleted`).
    Removed,
    /// Any other notification (restore, tagging, ACL…), by its provider name.
    Other(String),
}

/// How a [`StorageEvent`] was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageSource {
    /// An S3 event notification sent to the function.
    S3,
    /// An S3 event routed by EventBridge.
    EventBridge,
    /// An S3 event notification in an SQS message (possibly via SNS).
    Sqs,
    /// An S3 event notification in an SNS notification.
    Sns,
    /// A Google Cloud Storage CloudEvent (`google.cloud.storage.object.v1.*`, from Eventarc).
    Gcs,
    /// An Azure Blob Storage blob (an Azure Functions blob trigger).
    AzureBlob,
}

/// A change to one object in a bucket.
///
/// The key is URL-decoded (S3 notifications encode it, a space as `+`), so
/// it can be passed straight to `GetObject`.
///
/// ```
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn on_upload(obj: StorageEvent, ctx: &Context) -> Result<(), FunctionError> {
///     if obj.kind == StorageEventKind::Created {
///         tracing::info!(bucket = %obj.bucket, key = %obj.key, size = ?obj.size, "new object");
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StorageEvent {
    /// The bucket name.
    pub bucket: String,
    /// The object key, URL-decoded.
    pub key: String,
    /// The object size in bytes (absent for deletions).
    pub size: Option<u64>,
    /// The object ETag.
    pub etag: Option<String>,
    /// The object version id, in a versioned bucket.
    pub version: Option<String>,
    /// Created, removed, or another change.
    pub kind: StorageEventKind,
    /// The provider's name for the change (`ObjectCreated:Put`, `Object Created`).
    pub event_name: String,
    /// When it happened.
    pub time: Option<DateTime<Utc>>,
    /// The bucket's region.
    pub region: Option<String>,
    /// How it was delivered.
    pub source: StorageSource,
    pub(crate) delivery: Delivery,
    pub(crate) raw: RawEvent,
}

/// The queue message a storage event arrived in, if any: failures are
/// reported by its id, and its receive count is the delivery attempt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Delivery {
    pub(crate) message_id: Option<String>,
    pub(crate) receive_count: Option<u32>,
}

impl StorageEvent {
    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }
}

/// One storage event, or the queue message that should have held one.
#[derive(Debug)]
pub enum StorageUnit {
    /// A decoded event.
    Event(StorageEvent),
    /// A queue message whose body is not a storage event: it fails alone.
    Undecodable {
        /// The queue message id.
        message_id: String,
        /// Why.
        error: DecodeError,
    },
}

impl Unit for StorageUnit {
    fn item_id(&self) -> Option<&str> {
        match self {
            StorageUnit::Event(event) => event.delivery.message_id.as_deref(),
            StorageUnit::Undecodable { message_id, .. } => Some(message_id),
        }
    }

    fn delivery_attempt(&self) -> Option<u32> {
        match self {
            StorageUnit::Event(event) => event.delivery.receive_count,
            StorageUnit::Undecodable { .. } => None,
        }
    }
}
