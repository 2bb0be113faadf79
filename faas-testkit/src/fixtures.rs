//! Saved event payloads.
//!
//! - [`load`] reads your own saved payloads, relative to your crate's
//!   `Cargo.toml` (for example events captured from production logs);
//! - [`bundled`] reads the payloads shipped with this crate: the
//!   `aws_lambda_events` examples under `aws_lambda_events/` (MIT licence,
//!   see `fixtures/aws_lambda_events/LICENSE`) and faas's own samples under
//!   `faas/` for formats that crate has no example of.
//!
//! ```
//! let sqs = faas_testkit::fixtures::bundled("aws_lambda_events/example-sqs-event.json").unwrap();
//! assert_eq!(sqs["Records"][0]["eventSource"], "aws:sqs");
//! let err = faas_testkit::fixtures::load("no/such/file.json").unwrap_err();
//! assert!(err.to_string().contains("no/such/file.json"));
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A fixture that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file cannot be read.
    #[error("cannot read fixture {}: {source}", path.display())]
    Read {
        /// The full path tried.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("fixture {} is not JSON: {source}", path.display())]
    Json {
        /// The full path.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

/// Loads a JSON payload saved under your crate (`path` is relative to the
/// directory of its `Cargo.toml`, as cargo runs tests there).
pub fn load(path: impl AsRef<Path>) -> Result<Value, FixtureError> {
    let root =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    read(root.join(path))
}

/// Loads a payload bundled with faas-testkit.
pub fn bundled(path: impl AsRef<Path>) -> Result<Value, FixtureError> {
    read(bundled_dir().join(path))
}

/// The directory of the bundled payloads.
pub fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(path: PathBuf) -> Result<Value, FixtureError> {
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => return Err(FixtureError::Read { path, source }),
    };
    serde_json::from_str(&text).map_err(|source| FixtureError::Json { path, source })
}
