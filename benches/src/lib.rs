//! The harness the faas benches share (the benches live in `benches/`).
//!
//! | bench | faas | baseline | goal |
//! |---|---|---|---|
//! | `dispatch` | the per-invocation path, in process | `serde_json` + `aws_lambda_events` by hand | ≤ 1.05× |
//! | `cold_start` | `order-webhook`: exec → first response through a Runtime API | a raw `lambda_runtime` echo (`lambda-echo`) | ≤ 1.10× |
//! | `binary_size` | `order-webhook`, and `size-probe` per feature set | `lambda-echo` | ≤ 1.25× |
//! | `http_throughput` | an echo on `faas::server` (`faas-http-echo`) | a bare hyper echo (`hyper-echo`) | ≥ 0.9× |
//! | `idempotency` | an idempotent invocation on a `RedisStore` | the same client's bare `SET NX PX` + `SET` | ≤ 1.15× |
//!
//! ```text
//! cargo bench -p faas-benches --bench cold_start
//! cargo bench -p faas-benches --bench binary_size
//! cargo bench -p faas-benches --bench http_throughput
//! cargo bench -p faas-benches --bench idempotency
//! cargo bench -p faas-benches -- --quick     # every bench, shorter
//! ```
//!
//! Each bench prints `name: faas X vs baseline Y = Z×` lines. Timed
//! comparisons run both sides in interleaved rounds in the same process
//! ([`compare::interleave`]) and report the median of the per-round ratios,
//! so load from elsewhere on the machine hits both sides alike. Nothing is
//! asserted about timings. Under `cargo test` (no `--bench` argument) the
//! benches that build and run release binaries only say how to run them
//! ([`Mode::NoRatio`]).

pub mod build;
pub mod compare;

/// How a bench was asked to run, from the arguments cargo and the user pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `cargo test`, `--test`, `--list`, `--profile-time`: no side-by-side measurement.
    NoRatio,
    /// `cargo bench -- --quick`: fewer rounds.
    Quick,
    /// `cargo bench`.
    Full,
}

impl Mode {
    /// The mode of this process's command line.
    pub fn from_args() -> Mode {
        Mode::parse(std::env::args())
    }

    /// The mode of a command line: `cargo bench` passes `--bench`, `cargo
    /// test` does not.
    ///
    /// ```
    /// use faas_benches::Mode;
    /// assert_eq!(Mode::parse(["bench"]), Mode::NoRatio);
    /// assert_eq!(Mode::parse(["bench", "--bench"]), Mode::Full);
    /// assert_eq!(Mode::parse(["bench", "--bench", "--quick"]), Mode::Quick);
    /// assert_eq!(Mode::parse(["bench", "--bench", "--list"]), Mode::NoRatio);
    /// ```
    pub fn parse<I>(args: I) -> Mode
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let args: Vec<I::Item> = args.into_iter().collect();
        let has = |flag: &str| args.iter().any(|arg| arg.as_ref() == flag);
        if !has("--bench") || has("--test") || has("--list") || has("--profile-time") {
            Mode::NoRatio
        } else if has("--quick") {
            Mode::Quick
        } else {
            Mode::Full
        }
    }

    /// `quick` in quick mode, else `full`.
    pub fn pick<T>(self, quick: T, full: T) -> T {
        if self == Mode::Quick { quick } else { full }
    }

    /// Whether the bench measures: prints how to run `bench` and returns
    /// `false` under `cargo test`.
    pub fn measures(self, bench: &str) -> bool {
        if self == Mode::NoRatio {
            println!(
                "{bench}: not measured under `cargo test`; run `cargo bench -p faas-benches --bench {bench}`"
            );
        }
        self != Mode::NoRatio
    }
}
