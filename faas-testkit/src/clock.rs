//! A clock that moves only when the test says so.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use faas::Context;
use faas::clock::{Clock, SharedClock};

/// A controllable clock. Clones share the same time, so a test keeps one
/// handle and gives another to the function:
///
/// ```
/// use std::time::Duration;
/// use faas::clock::Clock;
/// use faas_testkit::FakeClock;
///
/// let clock = FakeClock::at("2026-01-01T00:00:00Z");
/// let ctx = clock.context().deadline_in(Duration::from_secs(30)).build();
/// clock.advance(Duration::from_secs(25));
/// assert_eq!(ctx.remaining_time(), Some(Duration::from_secs(5)));
/// assert_eq!(clock.now().to_rfc3339(), "2026-01-01T00:00:25+00:00");
/// ```
#[derive(Debug, Clone)]
pub struct FakeClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl FakeClock {
    /// A clock stopped at `time`, an RFC 3339 timestamp.
    ///
    /// # Panics
    ///
    /// If `time` is not RFC 3339: it is a literal in a test.
    pub fn at(time: &str) -> FakeClock {
        match DateTime::parse_from_rfc3339(time) {
            Ok(time) => FakeClock::at_time(time.to_utc()),
            Err(err) => panic!("FakeClock::at({time:?}): not an RFC 3339 time: {err}"),
        }
    }

    /// A clock stopped at `time`.
    pub fn at_time(time: DateTime<Utc>) -> FakeClock {
        FakeClock {
            now: Arc::new(Mutex::new(time)),
        }
    }

    /// Sets the time.
    pub fn set(&self, time: DateTime<Utc>) {
        *self.lock() = time;
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let mut now = self.lock();
        *now = now
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    /// This clock as the SDK's shared clock.
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }

    /// A context builder that reads this clock.
    pub fn context(&self) -> faas::ContextBuilder {
        Context::builder().clock(self.shared())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panicking test cannot leave a DateTime half-written.
        self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
