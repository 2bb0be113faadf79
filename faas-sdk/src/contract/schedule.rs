//! Scheduled invocations: EventBridge rules; Google Cloud Scheduler HTTP
//! jobs (mapped in `contract::google`).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contract::{Decoded, EventBridgeHeader, FromEvent, event_json, google};
use crate::error::FunctionError;
use crate::reply::ReplyFormat;
use crate::wire::{DecodeError, Incoming, RawEvent, Source, parse_provider};

pub(crate) const EXPECTED: &str =
    "a schedule event (EventBridge scheduled rule, Cloud Scheduler HTTP job)";

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

impl FromEvent for ScheduleEvent {
    type Unit = ScheduleEvent;
    type Payload = ();

    fn decode(incoming: Incoming) -> Result<Decoded<ScheduleEvent>, DecodeError> {
        let incoming = match incoming {
            Incoming::Http(request) if google::is_cloud_scheduler_request(&request) => {
                return google::cloud_scheduler_tick(*request);
            }
            incoming => incoming,
        };
        let accepted = [Source::EventBridge, Source::AzureFunctions];
        let (bytes, source) = event_json(incoming, EXPECTED, &accepted)?;
        if source == Source::AzureFunctions {
            let tick = crate::contract::azure::schedule_event(&bytes, EXPECTED)?;
            return Ok(Decoded::single(tick, ReplyFormat::Direct));
        }
        let detail_type = EventBridgeHeader::read(&bytes, EXPECTED)?.detail_type;
        if detail_type != "Scheduled Event" {
            return Err(DecodeError::field(
                EXPECTED,
                source,
                "/detail-type",
                format!("an EventBridge \"{detail_type}\" event is not a scheduled event"),
            ));
        }
        let event: EventBridgeEvent<Value> = parse_provider(&bytes, source, EXPECTED)?;
        let missing = |field: &str| {
            DecodeError::field(
                EXPECTED,
                source,
                format!("/{field}"),
                format!("missing field `{field}`"),
            )
        };
        // The rule ARN ends in `rule/<name>`, or `rule/<bus>/<name>` on a custom bus.
        let name = event
            .resources
            .as_deref()
            .and_then(|arns| arns.iter().find_map(|arn| arn.split_once(":rule/")))
            .map(|(_, rule)| rule.rsplit('/').next().unwrap_or(rule).to_owned())
            .ok_or_else(|| missing("resources"))?;
        let tick = ScheduleEvent {
            name,
            scheduled_time: event.time.ok_or_else(|| missing("time"))?,
            id: event.id.ok_or_else(|| missing("id"))?,
            detail: event.detail,
            raw: RawEvent::new(bytes, source),
        };
        Ok(Decoded::single(tick, ReplyFormat::Direct))
    }

    fn from_unit(unit: ScheduleEvent) -> Result<Self, FunctionError> {
        Ok(unit)
    }
}

impl crate::contract::Unit for ScheduleEvent {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_same_name_inside_detail_do_not_confuse_the_check() {
        // `detail` comes first in the text, holding its own `detail-type` and `source`.
        let event = r#"{"detail":{"detail-type":"Object Created","source":"aws.s3"},
            "version":"0","id":"tick-1","detail-type":"Scheduled Event","source":"aws.events",
            "time":"2026-01-01T00:00:00Z","resources":["arn:aws:events:us-east-1:123456789012:rule/nightly"]}"#;
        let tick = ScheduleEvent::decode(Incoming::Json(event.into()))
            .expect("a scheduled event")
            .into_units()
            .remove(0);
        assert_eq!(tick.name, "nightly");
        assert_eq!(tick.detail["source"], "aws.s3");
    }
}
