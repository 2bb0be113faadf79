//! How an invocation is answered: facts of the wire format it arrived in,
//! which the decoder records and the reply side encodes by.

/// Which gateway format an HTTP exchange uses; responses are encoded back in
/// the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpShape {
    /// API Gateway REST API (payload 1.0): `multiValueHeaders` in the response.
    ApiGatewayRest,
    /// API Gateway HTTP API (payload 2.0): `Set-Cookie` goes to `cookies`.
    ApiGatewayHttp,
    /// Lambda Function URL: the 2.0 shape.
    FunctionUrl,
    /// ALB target group; `multi_value` when the target group has multi-value headers on.
    Alb {
        /// The request used `multiValueHeaders`, so the response must too.
        multi_value: bool,
    },
    /// An HTTP server adapter; the response is written as is.
    Native,
}

/// How the results of an invocation are answered; chosen by the decoder
/// from the event's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyFormat {
    /// An HTTP response in the gateway's shape; errors become
    /// `application/problem+json` responses.
    Http(HttpShape),
    /// The handler's JSON result as is; an error fails the invocation.
    Direct,
    /// `{"batchItemFailures": [{"itemIdentifier": …}]}` (SQS, Kinesis,
    /// DynamoDB Streams): only the failed records are retried.
    BatchItemFailures,
    /// Any failure fails the whole invocation (SNS, S3, EventBridge).
    AllOrNothing,
}

impl ReplyFormat {
    /// Whether the encoded reply names units by their item id; other
    /// formats need not keep the ids.
    pub(crate) fn names_items(self) -> bool {
        self == ReplyFormat::BatchItemFailures
    }

    /// Whether a successful unit's reply is the answer (a single request);
    /// batch formats answer with their failures only.
    pub(crate) fn answers_with_result(self) -> bool {
        matches!(self, ReplyFormat::Http(_) | ReplyFormat::Direct)
    }
}
