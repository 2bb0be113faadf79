//! Scheduled invocations: EventBridge rules, Google Cloud Scheduler HTTP
//! jobs, Azure timer triggers.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contract::Unit;
use crate::wire::RawEvent;

/// A tick of a schedule.
///
/// ```
/// use faas::prelude::*;
///
/// #[faas::handler]
/// async fn nightly(tick: ScheduleEvent, ctx: &Context) -> Result<(), FunctionError> {
///     tracing::info!(schedule = %tick.name, at = %tick.scheduled_time, "running report");
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScheduleEvent {
    /// The schedule's name (the EventBridge rule name, the Cloud Scheduler
    /// job name, the Azure timer-triggered function's name).
    pub name: String,
    /// The time the tick was scheduled for (not when it was delivered).
    pub scheduled_time: DateTime<Utc>,
    /// The event id, unique per tick: a natural idempotency key (on Azure,
    /// `<function name>/<scheduled time>`).
    pub id: String,
    /// The `detail` object the schedule carries (empty for plain rules); for
    /// Cloud Scheduler, the job's body (JSON, else the text as a string).
    pub detail: Value,
    pub(crate) raw: RawEvent,
}

impl ScheduleEvent {
    /// The raw provider event.
    pub fn raw(&self) -> &RawEvent {
        &self.raw
    }
}

impl Unit for ScheduleEvent {}
