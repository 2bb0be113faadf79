//! Provider formats mapped onto the contracts: one module per provider
//! family. Each takes the bytes (or the HTTP request) of one wire format
//! and builds contract values; which contract takes which format is
//! decided in `decode`. A new provider is a new module here, plus its
//! [`Source`](crate::wire::Source) and the contracts it feeds.
//!
//! | module | formats |
//! |---|---|
//! | `aws` | API Gateway REST / HTTP API, Function URLs, ALB, SQS, SNS, S3, EventBridge, Kinesis, DynamoDB Streams |
//! | `google` | Pub/Sub push and `messagePublished` CloudEvents, Cloud Storage CloudEvents, Cloud Scheduler |
//! | `azure` | the Functions host's custom-handler request payload (HTTP, queue, blob, timer triggers) |
//! | `cloudevents` | the CloudEvents HTTP binding (binary, structured, batched) |

pub(crate) mod aws;
pub(crate) mod azure;
pub(crate) mod cloudevents;
pub(crate) mod google;
