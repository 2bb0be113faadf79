//! What a handler returns, and what the platform gets back.
//!
//! A handler's `Ok` value becomes a [`Reply`] through [`IntoReply`]: any
//! `Serialize` type is a JSON reply, an [`HttpResponse`] is an HTTP reply.
//! After every unit of work ran, the results are encoded once for the
//! whole invocation in the [`ReplyFormat`] the decoder chose, giving an
//! [`Outcome`] for the platform adapter: the HTTP shape of the gateway,
//! `{"batchItemFailures": […]}` for a batch, or a failed invocation.

use std::collections::HashSet;
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};
use bytes::Bytes;
use http::StatusCode;
use http::header::{self, HeaderValue};
use serde::Serialize;

use crate::error::{ErrorKind, FunctionError, Violation};
use crate::wire::{HttpShape, ReplyFormat};

mod http_response;

pub use http_response::HttpResponse;

/// A handler's successful result, before it is encoded for the platform.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A JSON document.
    Json(Bytes),
    /// An HTTP response.
    Http(HttpResponse),
}

/// A type a handler can return.
///
/// Every `Serialize` type is a JSON reply (`()` is `null`: an empty `204`
/// over HTTP); an [`HttpResponse`] sets status, headers and body itself.
///
/// ```
/// use faas::reply::{IntoReply, Reply};
/// assert_eq!(42.into_reply().unwrap(), Reply::Json("42".into()));
/// let http = faas::HttpResponse::new(http::StatusCode::ACCEPTED).into_reply().unwrap();
/// assert!(matches!(http, Reply::Http(res) if res.status() == 202));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a handler",
    note = "return a type that implements `serde::Serialize`, or a `faas::HttpResponse`"
)]
pub trait IntoReply: Send {
    /// Converts the result.
    fn into_reply(self) -> Result<Reply, FunctionError>;
}

impl<T: Serialize + Send> IntoReply for T {
    fn into_reply(self) -> Result<Reply, FunctionError> {
        let mut json = SmallJson::default();
        serde_json::to_writer(&mut json, &self).map_err(FunctionError::internal)?;
        Ok(Reply::Json(json.into_bytes()))
    }
}

/// Bytes kept on the stack while they are few.
const INLINE_JSON: usize = 64;

/// A JSON writer for replies, which are mostly `null` (every record of a
/// batch) or a few bytes: those cost no allocation, or one of the exact
/// size, where `serde_json::to_vec` costs two (its 128-byte buffer, then the
/// header `Bytes` adds to a `Vec` whose capacity exceeds its length).
struct SmallJson {
    inline: [u8; INLINE_JSON],
    len: usize,
    spilled: Option<Vec<u8>>,
}

impl Default for SmallJson {
    fn default() -> Self {
        SmallJson {
            inline: [0; INLINE_JSON],
            len: 0,
            spilled: None,
        }
    }
}

impl SmallJson {
    fn into_bytes(self) -> Bytes {
        match self.spilled {
            Some(json) => Bytes::from(json),
            None if &self.inline[..self.len] == b"null" => Bytes::from_static(b"null"),
            None => Bytes::copy_from_slice(&self.inline[..self.len]),
        }
    }
}

impl std::io::Write for SmallJson {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.spilled {
            Some(json) => json.extend_from_slice(buf),
            None if self.len + buf.len() <= INLINE_JSON => {
                self.inline[self.len..self.len + buf.len()].copy_from_slice(buf);
                self.len += buf.len();
            }
            None => {
                let mut json = Vec::with_capacity((2 * (self.len + buf.len())).max(128));
                json.extend_from_slice(&self.inline[..self.len]);
                json.extend_from_slice(buf);
                self.spilled = Some(json);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl IntoReply for HttpResponse {
    fn into_reply(self) -> Result<Reply, FunctionError> {
        Ok(Reply::Http(self))
    }
}

/// What a batch with partial failure reports (SQS, Kinesis, DynamoDB
/// Streams) answers when every one of its records ran and failed; set with
/// `FAAS_BATCH_ALL_FAILED=report|fail` or [`FunctionBuilder::all_failed`](crate::FunctionBuilder::all_failed).
///
/// Either way the platform delivers every record again; the difference is
/// what else happens. A report naming every record is a *successful*
/// invocation. A failed invocation counts in the function's `Errors`
/// metric and alarms, makes the SQS poller back off its concurrency (which
/// relieves a dependency that is down), and lets a stream source with
/// `BisectBatchOnFunctionError` split the batch.
///
/// Only records that ran count: a FIFO or stream batch that stopped at its
/// first failure (the rest skipped) is always reported.
///
/// ```
/// use faas::reply::AllFailed;
/// use faas::Config;
///
/// assert_eq!(AllFailed::from_config(&Config::default()).unwrap(), AllFailed::Report);
/// let fail = Config::from_pairs([("FAAS_BATCH_ALL_FAILED", "fail")]);
/// assert_eq!(AllFailed::from_config(&fail).unwrap(), AllFailed::Fail);
/// assert!(AllFailed::from_config(&Config::from_pairs([("FAAS_BATCH_ALL_FAILED", "retry")])).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AllFailed {
    /// Name every record in `batchItemFailures` (the default).
    #[default]
    Report,
    /// Fail the whole invocation, with the kind of the first record's error.
    Fail,
}

impl AllFailed {
    /// The policy `FAAS_BATCH_ALL_FAILED` sets (`report` when unset).
    pub fn from_config(config: &crate::Config) -> Result<AllFailed, crate::ConfigError> {
        const KEY: &str = "FAAS_BATCH_ALL_FAILED";
        match config.get(KEY).map(str::trim) {
            None | Some("") => Ok(AllFailed::Report),
            Some(value) if value.eq_ignore_ascii_case("report") => Ok(AllFailed::Report),
            Some(value) if value.eq_ignore_ascii_case("fail") => Ok(AllFailed::Fail),
            Some(value) => Err(crate::ConfigError::Invalid {
                key: KEY.into(),
                value: value.into(),
                reason: "expected `report` or `fail`".into(),
            }),
        }
    }

    /// Under [`AllFailed::Fail`], the error that fails a `batchItemFailures`
    /// invocation of `records` records when every one of them ran and failed
    /// (`results` holds the failures only; the first is taken out of it).
    pub(crate) fn failure(
        self,
        format: ReplyFormat,
        records: usize,
        results: &mut Vec<(Option<String>, UnitResult)>,
    ) -> Option<FunctionError> {
        let every_record_failed = records > 0
            && results.len() == records
            && results
                .iter()
                .all(|(_, result)| matches!(result, UnitResult::Done(Err(_))));
        if self != AllFailed::Fail
            || format != ReplyFormat::BatchItemFailures
            || !every_record_failed
        {
            return None;
        }
        let (_, UnitResult::Done(Err(first))) = results.swap_remove(0) else {
            return None;
        };
        let (kind, retry_after) = (first.kind(), first.retry_after());
        let err = FunctionError::new(kind, EveryRecordFailed { records, first });
        Some(match retry_after {
            Some(after) => err.with_retry_after(after),
            None => err,
        })
    }
}

/// Why a batch failed as a whole under [`AllFailed::Fail`].
#[derive(Debug, thiserror::Error)]
#[error("all {records} records of the batch failed; the first")]
struct EveryRecordFailed {
    records: usize,
    #[source]
    first: FunctionError,
}

/// What the platform adapter sends back for one invocation.
#[derive(Debug)]
pub enum Outcome {
    /// A JSON document (the Lambda response payload; `200` on HTTP servers).
    Json(Bytes),
    /// An HTTP response, for adapters that speak HTTP themselves.
    Http(HttpResponse),
    /// The invocation failed as a whole; the platform retries or dead-letters it.
    Failed(FunctionError),
}

/// The result of one unit of work.
#[derive(Debug)]
pub(crate) enum UnitResult {
    Done(Result<Reply, FunctionError>),
    /// Not run: an earlier record of an ordered batch failed.
    Skipped,
}

/// Where a problem response takes its request id from. Read only when an
/// HTTP error is answered, so an invocation that never needs its (random)
/// request id does not make one.
pub(crate) trait RequestIdSource {
    fn request_id(&self) -> &str;
}

impl RequestIdSource for str {
    fn request_id(&self) -> &str {
        self
    }
}

impl RequestIdSource for crate::context::Context {
    fn request_id(&self) -> &str {
        crate::context::Context::request_id(self)
    }
}

/// An invocation's encoded outcome, with what its log line reports.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) outcome: Outcome,
    /// The HTTP status answered, for HTTP replies.
    pub(crate) status: Option<u16>,
    /// How many units failed (or were skipped after a failure).
    pub(crate) failed: usize,
}

/// Encodes the results of every unit in `format`; each result comes with
/// the id that names its unit in a batch failure report.
pub(crate) fn encode(
    format: ReplyFormat,
    results: Vec<(Option<String>, UnitResult)>,
    request_id: &(impl RequestIdSource + ?Sized),
) -> Encoded {
    let failed = results
        .iter()
        .filter(|(_, result)| !matches!(result, UnitResult::Done(Ok(_))))
        .count();
    let (outcome, status) = match format {
        ReplyFormat::Http(shape) => {
            let response = match single(results) {
                Ok(Reply::Http(response)) => response,
                Ok(Reply::Json(json)) => json_response(json),
                Err(err) => problem_response(&err, request_id.request_id()),
            };
            let status = Some(response.status().as_u16());
            let outcome = match shape {
                HttpShape::Native => Outcome::Http(response),
                shape => match response.encode(shape) {
                    Ok(json) => Outcome::Json(Bytes::from(json)),
                    Err(err) => Outcome::Failed(err),
                },
            };
            (outcome, status)
        }
        ReplyFormat::Direct => match single(results) {
            Ok(Reply::Json(json)) => (Outcome::Json(json), None),
            Ok(Reply::Http(response)) => {
                let status = Some(response.status().as_u16());
                (Outcome::Http(response), status)
            }
            Err(err) => (Outcome::Failed(err), None),
        },
        ReplyFormat::BatchItemFailures => (batch_item_failures(results), None),
        ReplyFormat::AllOrNothing => {
            let first_error = results.into_iter().find_map(|(_, result)| match result {
                UnitResult::Done(Err(err)) => Some(err),
                _ => None,
            });
            let outcome = match first_error {
                Some(err) => Outcome::Failed(err),
                None => Outcome::Json(Bytes::from_static(b"null")),
            };
            (outcome, None)
        }
    };
    Encoded {
        outcome,
        status,
        failed,
    }
}

fn single(results: Vec<(Option<String>, UnitResult)>) -> Result<Reply, FunctionError> {
    match results.into_iter().next() {
        Some((_, UnitResult::Done(result))) => result,
        _ => Err(FunctionError::internal("the invocation produced no result")),
    }
}

fn batch_item_failures(results: Vec<(Option<String>, UnitResult)>) -> Outcome {
    let mut failed = Vec::new();
    let mut seen = HashSet::new();
    for (item_id, result) in results {
        let error = match result {
            UnitResult::Done(Ok(_)) => continue,
            UnitResult::Done(Err(err)) => Some(err),
            UnitResult::Skipped => None,
        };
        match item_id {
            // Several units can share one queue message (an S3 notification
            // with many records): report the message once.
            Some(id) => {
                if seen.insert(id.clone()) {
                    failed.push(id);
                }
            }
            None => {
                let err = error.unwrap_or_else(|| {
                    FunctionError::internal("a record without an id was skipped")
                });
                return Outcome::Failed(err);
            }
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    match serde_json::to_vec(&response) {
        Ok(json) => Outcome::Json(Bytes::from(json)),
        Err(err) => Outcome::Failed(FunctionError::internal(err)),
    }
}

fn json_response(json: Bytes) -> HttpResponse {
    if json.as_ref() == b"null" {
        HttpResponse::new(StatusCode::NO_CONTENT)
    } else {
        HttpResponse::new(StatusCode::OK)
            .with_body(HeaderValue::from_static("application/json"), json)
    }
}

/// The HTTP answer to an invocation's outcome.
#[cfg(feature = "http")]
pub(crate) fn http_answer(outcome: Outcome, request_id: &str) -> HttpResponse {
    match outcome {
        Outcome::Http(response) => response,
        // `()`, or a batch that succeeded: no body, which every sender takes
        // for an acknowledgement (a Knative broker would read a body as a
        // reply event).
        Outcome::Json(json) if json.as_ref() == b"null" => {
            HttpResponse::new(StatusCode::NO_CONTENT)
        }
        Outcome::Json(json) => HttpResponse::new(StatusCode::OK)
            .with_body(HeaderValue::from_static("application/json"), json),
        Outcome::Failed(err) => problem_response(&err, request_id),
    }
}

/// Retry hint sent with retryable errors that carry none.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// An RFC 9457 problem document.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind_uri: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    kind: &'a str,
    request_id: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    violations: &'a [Violation],
}

/// The `application/problem+json` response for an error: the kind's
/// status, the message as `detail`, every violation, and `Retry-After` for
/// retryable kinds. Internal errors keep their cause out of the body (it
/// is logged instead).
///
/// ```
/// let err = faas::FunctionError::not_found("no order o-9");
/// let res = faas::reply::problem_response(&err, "req-1");
/// assert_eq!(res.status(), 404);
/// let body: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
/// assert_eq!(body["detail"], "no order o-9");
/// assert_eq!(body["kind"], "not_found");
/// assert_eq!(body["request_id"], "req-1");
/// ```
pub fn problem_response(err: &FunctionError, request_id: &str) -> HttpResponse {
    let kind = err.kind();
    let status =
        StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let detail = if kind == ErrorKind::Internal {
        "the function failed unexpectedly; see its logs for this request id".to_owned()
    } else {
        err.to_string()
    };
    let mut response =
        problem_document(status, kind.as_str(), &detail, err.violations(), request_id);
    if kind.is_retryable() {
        let after = err.retry_after().unwrap_or(DEFAULT_RETRY_AFTER);
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        response = response.with_header(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A problem response for a failure outside any handler (a body over the
/// limit, a wrong route).
#[cfg(feature = "http")]
pub(crate) fn problem(
    status: StatusCode,
    kind: &str,
    detail: &str,
    request_id: &str,
) -> HttpResponse {
    problem_document(status, kind, detail, &[], request_id)
}

fn problem_document(
    status: StatusCode,
    kind: &str,
    detail: &str,
    violations: &[Violation],
    request_id: &str,
) -> HttpResponse {
    let problem = Problem {
        kind_uri: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        kind,
        request_id,
        violations,
    };
    // Serializing strings and integers cannot fail.
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    HttpResponse::new(status).with_body(HeaderValue::from_static("application/problem+json"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(outcome: Outcome) -> serde_json::Value {
        match outcome {
            Outcome::Json(bytes) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("expected JSON, got {other:?}"),
        }
    }

    #[test]
    fn batch_failures_list_failed_and_skipped_records_once() {
        let results = vec![
            (
                Some("a".into()),
                UnitResult::Done(Ok(Reply::Json("null".into()))),
            ),
            (
                Some("b".into()),
                UnitResult::Done(Err(FunctionError::transient("x"))),
            ),
            (
                Some("b".into()),
                UnitResult::Done(Err(FunctionError::transient("y"))),
            ),
            (Some("c".into()), UnitResult::Skipped),
        ];
        assert_eq!(
            json(encode(ReplyFormat::BatchItemFailures, results, "r").outcome),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]})
        );
    }

    #[test]
    fn a_failed_record_without_an_id_fails_the_invocation() {
        let results = vec![(None, UnitResult::Done(Err(FunctionError::permanent("bad"))))];
        assert!(
            matches!(encode(ReplyFormat::BatchItemFailures, results, "r").outcome, Outcome::Failed(e) if e.kind() == ErrorKind::Permanent)
        );
    }

    #[test]
    fn transient_problems_carry_retry_after_rounded_up() {
        let err = FunctionError::transient("busy").with_retry_after(Duration::from_millis(2500));
        let res = problem_response(&err, "r");
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "3");
        let res = problem_response(&FunctionError::transient("busy"), "r");
        assert_eq!(res.headers()["retry-after"], "1");
        assert!(
            problem_response(&FunctionError::conflict("dup"), "r")
                .headers()
                .get("retry-after")
                .is_none()
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let res = problem_response(&FunctionError::internal("password=hunter2"), "r");
        assert!(!String::from_utf8_lossy(res.body()).contains("hunter2"));
    }

    #[test]
    fn json_replies_of_every_size_match_serde_json() {
        // Around the inline buffer's size: below, at, just past, and far past it.
        for len in [0, 1, INLINE_JSON - 2, INLINE_JSON - 1, INLINE_JSON, 500] {
            let text = "x".repeat(len);
            let Reply::Json(json) = text.clone().into_reply().unwrap() else {
                panic!("not JSON")
            };
            assert_eq!(json, serde_json::to_vec(&text).unwrap(), "length {len}");
        }
        assert_eq!(
            ().into_reply().unwrap(),
            Reply::Json(Bytes::from_static(b"null"))
        );
    }
}
