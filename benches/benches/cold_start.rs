//! `cold_start`: from exec to the first response through a Lambda Runtime
//! API, `order-webhook` against `lambda-echo` (a raw `lambda_runtime` echo),
//! both built by this bench with the `release` profile in one `cargo build`.
//!
//! A round of one binary: start a fresh
//! [`RuntimeApi`](faas_testkit::runtime_api::RuntimeApi) (a real HTTP
//! Runtime API on loopback), queue one API Gateway HTTP API (v2) event
//! posting a valid order, then start the clock, exec the binary with the
//! environment Lambda gives (and nothing else), and stop the clock when its
//! response reaches the Runtime API. The process is then killed. Rounds
//! alternate the two binaries; the line reports the median of each and
//! the median of the per-round ratios. Every answer is checked first (the
//! faas functions must answer `201`, the echo must echo).
//!
//! Besides the headline line, variants against the same echo show where
//! the start-up goes:
//!
//! - `no-extension`: `order-webhook` with `FAAS_LAMBDA_EXTENSION=off` (no
//!   graceful-shutdown extension: one Runtime API round trip fewer);
//! - `no-logs`: `order-webhook` with `RUST_LOG=off`;
//! - `no-validation`: `size-probe` built with `aws-lambda` alone, the same
//!   order function without JSON Schema validation (no schema to compile);
//! - `floor`: that probe with neither the extension nor logs, the least the
//!   SDK does.
//!
//! ```text
//! cargo bench -p faas-benches --bench cold_start             # 101 rounds a line
//! cargo bench -p faas-benches --bench cold_start -- --quick  # 21 rounds a line
//! ```

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use faas::wire::Incoming;
use faas_benches::Mode;
use faas_benches::build::{Build, Profile};
use faas_benches::compare::{Side, format_ms, interleave};
use faas_testkit::events::{self, HttpFormat};
use faas_testkit::process::Spawned;
use faas_testkit::runtime_api::{Answer, RuntimeApi};
use serde_json::json;
use tokio::runtime::Runtime;

/// How long one cold start may take before the bench gives up.
const COLD_START_TIMEOUT: Duration = Duration::from_secs(10);

/// The function name the Runtime API gives every binary.
const FUNCTION: &str = "order-webhook";

/// The environment of the `no-extension` variants.
const NO_EXTENSION: (&str, &str) = ("FAAS_LAMBDA_EXTENSION", "off");

/// The environment of the `no-logs` variants.
const NO_LOGS: (&str, &str) = ("RUST_LOG", "off");

/// One binary, with the extra environment it runs with.
struct Function<'a> {
    binary: &'a Path,
    env: &'a [(&'a str, &'a str)],
}

/// One cold start of `function` answering `event`: the time from exec to
/// its answer, and the answer.
async fn cold_start(function: &Function<'_>, event: &Incoming) -> (Duration, Answer) {
    let name = function.binary.display();
    let api = RuntimeApi::start(FUNCTION)
        .await
        .expect("the Runtime API fake starts");
    let invocation = api.invoke(event.clone());
    let started = Instant::now();
    let process = Spawned::start(
        Command::new(function.binary)
            .env_clear()
            .envs(api.env())
            .envs(function.env.iter().copied()),
    )
    .unwrap_or_else(|err| panic!("{name}: {err}"));
    let answer = invocation
        .answer_within(COLD_START_TIMEOUT)
        .await
        .unwrap_or_else(|err| panic!("{name}: {err}\n{}", process.stderr()));
    let elapsed = started.elapsed();
    drop(process);
    (elapsed, answer)
}

/// Checks that a faas function answers the order `201`.
fn check_function(rt: &Runtime, function: &Function<'_>, event: &Incoming) {
    let name = function.binary.display();
    let (_, answer) = rt.block_on(cold_start(function, event));
    let payload = answer
        .json()
        .unwrap_or_else(|| panic!("{name} failed: {answer:?}"));
    assert_eq!(payload["statusCode"], 201, "{name} answered {payload}");
}

/// Checks that the echo echoes.
fn check_echo(rt: &Runtime, echo: &Function<'_>, event: &Incoming) {
    let (_, answer) = rt.block_on(cold_start(echo, event));
    let Incoming::Json(sent) = event else {
        unreachable!("a Lambda event is JSON")
    };
    let sent: serde_json::Value = serde_json::from_slice(sent).expect("the event is JSON");
    assert_eq!(answer.json(), Some(sent), "lambda-echo must echo the event");
}

fn main() {
    let mode = Mode::from_args();
    if !mode.measures("cold_start") {
        return;
    }
    let binaries = Build::new(Profile::Release)
        .package("order-webhook")
        .package("faas-benches")
        .bin("order-webhook")
        .bin("lambda-echo")
        .run()
        .expect("the binaries build");
    let probe = Build::new(Profile::Release)
        .package("faas-benches")
        .bin("size-probe")
        .features(&["aws-lambda"])
        .run()
        .expect("size-probe builds");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let order = json!({"order_id": "o-1", "amount_cents": 1250, "currency": "EUR"});
    let event =
        Incoming::from(events::http_post("/orders", order).format(HttpFormat::ApiGatewayHttp));

    let echo = Function {
        binary: binaries.path("lambda-echo"),
        env: &[],
    };
    check_echo(&rt, &echo, &event);
    let webhook = |env| Function {
        binary: binaries.path("order-webhook"),
        env,
    };
    let probe = |env| Function {
        binary: probe.path("size-probe"),
        env,
    };
    let variants = [
        ("cold_start", webhook(&[])),
        ("cold_start/no-extension", webhook(&[NO_EXTENSION])),
        ("cold_start/no-logs", webhook(&[NO_LOGS])),
        ("cold_start/no-validation", probe(&[])),
        ("cold_start/floor", probe(&[NO_EXTENSION, NO_LOGS])),
    ];
    let rounds = mode.pick(21, 101);
    let mut lines = Vec::new();
    for (name, faas) in variants {
        check_function(&rt, &faas, &event);
        let comparison = interleave(rounds, |side| {
            let function = match side {
                Side::Faas => &faas,
                Side::Baseline => &echo,
            };
            rt.block_on(cold_start(function, &event)).0.as_secs_f64() * 1e3
        });
        let line = comparison.line(name, format_ms);
        eprintln!("{line}");
        lines.push(line);
    }
    println!(
        "\nexec → first response against lambda-echo, release profile, {rounds} interleaved \
         rounds (median; goal for `cold_start`, order-webhook, ≤ 1.10×):"
    );
    for line in lines {
        println!("{line}");
    }
}
