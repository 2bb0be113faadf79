//! Real servers the idempotency tests run against, each started on a free
//! loopback port by the test that needs it and stopped when dropped.
//!
//! Like every external program (see [`tools`](crate::tools)), a missing
//! server skips the test outside CI and fails it under `CI=true`;
//! `scripts/test.sh` installs them.

pub mod moto;
pub mod redis;
