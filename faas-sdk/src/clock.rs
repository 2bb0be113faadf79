//! Where the SDK gets the time from.
//!
//! Nothing in faas calls `SystemTime::now()` directly: deadlines, remaining
//! time, timestamps in logs and (later) idempotency expiry all ask a
//! [`Clock`]. Production uses [`SystemClock`]; tests pass a fake clock
//! (`faas_testkit::FakeClock`) and move time by hand.
//!
//! ```
//! use std::sync::Arc;
//! use faas::clock::{Clock, SharedClock, SystemClock};
//!
//! let clock: SharedClock = Arc::new(SystemClock);
//! let before = clock.now();
//! assert!(clock.now() >= before);
//! ```

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A source of the current time.
///
/// Implement it to control time in tests:
///
/// ```
/// use chrono::{DateTime, Utc};
/// use faas::clock::Clock;
///
/// #[derive(Debug)]
/// struct Frozen(DateTime<Utc>);
/// impl Clock for Frozen {
///     fn now(&self) -> DateTime<Utc> { self.0 }
/// }
///
/// let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().to_utc();
/// assert_eq!(Frozen(t).now(), t);
/// ```
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// A clock shared by every part of a function instance.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock.
///
/// ```
/// use faas::clock::{Clock, SystemClock};
/// assert!(SystemClock.now().timestamp() > 0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock, shared.
///
/// ```
/// let clock = faas::clock::system();
/// assert!(clock.now().timestamp() > 0);
/// ```
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}
