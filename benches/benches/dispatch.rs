//! `dispatch`: the SDK's whole per-invocation path (decode → typed contract →
//! layers → handler → encode) against the same work written by hand with
//! `serde_json` and `aws_lambda_events`, on three bundled fixtures:
//!
//! - `sqs`: a batch of 10 records, each a copy of the one record of
//!   `aws_lambda_events/example-sqs-event.json` (attributes and message
//!   attributes kept) with its own `messageId` and a `Job` JSON body instead
//!   of the fixture's `"Message Body"`, which is not JSON. The handler
//!   rejects record 3, so the reply lists one batch item failure.
//! - `apigw-v2`: `aws_lambda_events/example-apigw-v2-request-no-authorizer.json`
//!   answered with a small JSON document.
//! - `s3`: `aws_lambda_events/example-s3-event.json`, one record; the reply is `null`.
//!
//! Both sides start from the event's raw `Bytes`, run the same handler body
//! (the shared `*_work` functions below) as an `async fn` on one
//! current-thread Tokio runtime, and end with the reply's JSON bytes; the
//! replies are checked to be byte-for-byte equal before anything is timed.
//! No tracing subscriber is installed, so the SDK's spans and log lines
//! cost only their "is it enabled" checks.
//!
//! After criterion's report, one line per fixture gives the ratio
//! `faas / baseline`. It comes from this process: interleaved rounds of
//! each side (order alternating), the median of the per-round ratios, so
//! load from other processes on the machine hits both sides alike.
//!
//! ```text
//! cargo bench -p faas-benches --bench dispatch             # full
//! cargo bench -p faas-benches --bench dispatch -- --quick  # well under a minute
//! ```

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lambda_events::encodings::Body;
use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use bytes::Bytes;
use criterion::Criterion;
use faas::http::StatusCode;
use faas::http::header::{CONTENT_TYPE, HeaderValue};
use faas::reply::Outcome;
use faas::{
    FunctionError, HttpRequest, HttpResponse, InvocationInfo, QueueMessage, StorageEvent,
    StorageEventKind,
};
use faas_benches::Mode;
use faas_benches::compare::{Comparison, Side, format_ns, interleave};
use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

// ---------------------------------------------------------------- SQS

/// The body of every SQS record.
#[derive(Debug, Deserialize)]
struct Job {
    job_id: String,
    pages: u32,
}

/// The handler body both sides run per record.
fn job_work(job: &Job) -> Result<(), &'static str> {
    black_box(&job.job_id);
    if job.pages == 0 {
        Err("a job needs at least one page")
    } else {
        Ok(())
    }
}

#[faas::handler(batch)]
async fn sqs_job(message: QueueMessage<Job>) -> Result<(), FunctionError> {
    job_work(&message.body).map_err(FunctionError::permanent)
}

async fn baseline_sqs_job(job: Job) -> Result<(), &'static str> {
    job_work(&job)
}

async fn baseline_sqs(bytes: Bytes) -> Result<Vec<u8>, BoxError> {
    let event: SqsEvent = serde_json::from_slice(&bytes)?;
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let body = message.body.as_deref().unwrap_or_default();
        let ok = match serde_json::from_str::<Job>(body) {
            Ok(job) => baseline_sqs_job(job).await.is_ok(),
            Err(_) => false,
        };
        if !ok {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    Ok(serde_json::to_vec(&response)?)
}

/// The fixture's record, ten times, with JSON bodies; record 3 is rejected.
fn sqs_batch() -> Bytes {
    let mut event = faas_testkit::fixtures::bundled("aws_lambda_events/example-sqs-event.json")
        .expect("the SQS fixture");
    let template = event["Records"][0].clone();
    let records: Vec<serde_json::Value> = (0..10_u32)
        .map(|i| {
            let mut record = template.clone();
            record["messageId"] = format!("MessageID_{i}").into();
            let pages = if i == 3 { 0 } else { i + 1 };
            record["body"] = serde_json::json!({"job_id": format!("job-{i}"), "pages": pages})
                .to_string()
                .into();
            record
        })
        .collect();
    event["Records"] = records.into();
    Bytes::from(event.to_string())
}

// ---------------------------------------------------------------- API Gateway v2

#[derive(Serialize)]
struct Pong<'a> {
    method: &'a str,
    path: &'a str,
    user_agent: Option<&'a str>,
}

/// The handler body both sides run: the reply document.
fn pong_work(
    method: &str,
    path: &str,
    user_agent: Option<&str>,
) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Pong {
        method,
        path,
        user_agent,
    })
}

#[faas::handler]
async fn http_pong(request: HttpRequest) -> Result<HttpResponse, FunctionError> {
    let body = pong_work(
        request.method().as_str(),
        request.path(),
        request.header("user-agent"),
    )
    .map_err(FunctionError::internal)?;
    Ok(HttpResponse::new(StatusCode::OK)
        .with_body(HeaderValue::from_static("application/json"), body))
}

async fn baseline_http_pong(
    request: ApiGatewayV2httpRequest,
) -> Result<ApiGatewayV2httpResponse, BoxError> {
    let path = request
        .raw_path
        .as_deref()
        .or(request.request_context.http.path.as_deref())
        .unwrap_or_default();
    let user_agent = request
        .headers
        .get("user-agent")
        .and_then(|value| value.to_str().ok());
    let body = pong_work(
        request.request_context.http.method.as_str(),
        path,
        user_agent,
    )?;
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = 200;
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(String::from_utf8(body)?));
    Ok(response)
}

async fn baseline_http(bytes: Bytes) -> Result<Vec<u8>, BoxError> {
    let request: ApiGatewayV2httpRequest = serde_json::from_slice(&bytes)?;
    let response = baseline_http_pong(request).await?;
    Ok(serde_json::to_vec(&response)?)
}

// ---------------------------------------------------------------- S3

/// The handler body both sides run per object.
fn object_work(
    bucket: &str,
    key: &str,
    size: Option<u64>,
    created: bool,
) -> Result<(), &'static str> {
    black_box((bucket, key, size));
    if created {
        Ok(())
    } else {
        Err("only new objects are expected")
    }
}

#[faas::handler(batch)]
async fn s3_object(object: StorageEvent) -> Result<(), FunctionError> {
    let created = object.kind == StorageEventKind::Created;
    object_work(&object.bucket, &object.key, object.size, created).map_err(FunctionError::permanent)
}

async fn baseline_s3(bytes: Bytes) -> Result<Vec<u8>, BoxError> {
    let event: S3Event = serde_json::from_slice(&bytes)?;
    for record in event.records {
        // S3 form-encodes keys; a handler needs the real one to fetch the object.
        let raw_key = record.s3.object.key.as_deref().unwrap_or_default();
        let key: String = form_urlencoded::parse(format!("k={raw_key}").as_bytes())
            .next()
            .map(|(_, key)| key.into_owned())
            .unwrap_or_default();
        let created = record
            .event_name
            .as_deref()
            .is_some_and(|name| name.starts_with("ObjectCreated:"));
        let bucket = record.s3.bucket.name.as_deref().unwrap_or_default();
        let size = record
            .s3
            .object
            .size
            .and_then(|size| u64::try_from(size).ok());
        object_work(bucket, &key, size, created)?;
    }
    Ok(serde_json::to_vec(&())?)
}

// ---------------------------------------------------------------- harness

fn fixture(path: &str) -> Bytes {
    let event = faas_testkit::fixtures::bundled(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    Bytes::from(event.to_string())
}

fn reply_bytes(outcome: Outcome) -> Bytes {
    match outcome {
        Outcome::Json(bytes) => bytes,
        other => panic!("the SDK did not answer with JSON: {other:?}"),
    }
}

/// Times `f` for `iterations` calls on `rt`, in nanoseconds per call.
fn time_per_call<F, Fut>(rt: &Runtime, iterations: u32, f: &F) -> f64
where
    F: Fn() -> Fut,
    Fut: Future,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(f().await);
        }
        start.elapsed().as_nanos() as f64 / f64::from(iterations)
    })
}

/// Interleaved rounds of both sides, each round sized so that a side takes
/// about 10 ms (quick) or 20 ms: nanoseconds per call.
fn side_by_side<F, FFut, B, BFut>(rt: &Runtime, mode: Mode, faas: &F, baseline: &B) -> Comparison
where
    F: Fn() -> FFut,
    FFut: Future,
    B: Fn() -> BFut,
    BFut: Future,
{
    let (rounds, round_time) = mode.pick(
        (15, Duration::from_millis(10)),
        (61, Duration::from_millis(20)),
    );
    // Warm up both, and size a round so each side takes about `round_time`.
    time_per_call(rt, 1000, baseline);
    let per_call = time_per_call(rt, 1000, faas);
    let iterations = (round_time.as_nanos() as f64 / per_call).clamp(10.0, 1e6) as u32;
    interleave(rounds, |side| match side {
        Side::Faas => time_per_call(rt, iterations, faas),
        Side::Baseline => time_per_call(rt, iterations, baseline),
    })
}

/// One run of the bench: criterion, the runtime both sides run on, and
/// whether ratios are measured.
struct Run<'a> {
    criterion: &'a mut Criterion,
    rt: &'a Runtime,
    mode: Mode,
}

impl Run<'_> {
    /// Benches one fixture both ways, after checking both give the same
    /// reply; returns its ratio line when the mode measures ratios.
    fn compare<H, B, BFut>(
        &mut self,
        name: &str,
        handler: H,
        event: Bytes,
        baseline: B,
    ) -> Option<String>
    where
        H: faas::Handler<State = ()>,
        B: Fn(Bytes) -> BFut,
        BFut: Future<Output = Result<Vec<u8>, BoxError>>,
    {
        let function = faas::Function::builder(handler)
            .build()
            .unwrap_or_else(|err| panic!("{name}: the function does not start: {err}"));
        // Both sides start from their own handle on the same bytes.
        let faas = || function.invoke(event.clone().into(), InvocationInfo::default());
        let baseline = || baseline(event.clone());

        let ours = reply_bytes(self.rt.block_on(faas()));
        let theirs = self
            .rt
            .block_on(baseline())
            .unwrap_or_else(|err| panic!("{name}: the baseline failed: {err}"));
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
            "{name}: the SDK and the baseline must give the same reply"
        );

        let mut group = self.criterion.benchmark_group(format!("dispatch/{name}"));
        group.bench_function("faas", |b| b.to_async(self.rt).iter(&faas));
        group.bench_function("baseline", |b| b.to_async(self.rt).iter(&baseline));
        group.finish();

        (self.mode != Mode::NoRatio).then(|| {
            side_by_side(self.rt, self.mode, &faas, &baseline)
                .line(&format!("dispatch/{name}"), format_ns)
        })
    }
}

fn main() {
    let mode = Mode::from_args();
    // A deployed function always has a log subscriber (`faas::main!`
    // installs one); this is that subscriber with every level off, as
    // `RUST_LOG=off` gives. Without any subscriber, `tracing`'s `log`
    // fallback (a feature `lambda_runtime` turns on) would put a cost on
    // every span that no function pays.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(LevelFilter::OFF),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a Tokio runtime");
    // Short defaults keep a full run near half a minute; the command line overrides them.
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut run = Run {
        criterion: &mut criterion,
        rt: &rt,
        mode,
    };

    let apigw = "aws_lambda_events/example-apigw-v2-request-no-authorizer.json";
    let lines = [
        run.compare("sqs", sqs_job {}, sqs_batch(), baseline_sqs),
        run.compare("apigw-v2", http_pong {}, fixture(apigw), baseline_http),
        run.compare(
            "s3",
            s3_object {},
            fixture("aws_lambda_events/example-s3-event.json"),
            baseline_s3,
        ),
    ];

    criterion.final_summary();
    if mode != Mode::NoRatio {
        println!("\nfaas / baseline, interleaved in this run (median of rounds; goal ≤ 1.05×):");
        for line in lines.into_iter().flatten() {
            println!("{line}");
        }
    }
}
