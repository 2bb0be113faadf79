//! Scheduled invocations: EventBridge rules.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contract::{Decoded, EventBridgeHeader, FromEvent, event_json};
use crate::error::FunctionError;
use crate::reply::ReplyFormat;
use crate::wire::{DecodeError, Incoming, RawEvent, Source, parse_provider};

const EXPECTED: &str = "a schedule event (EventBridge scheduled rule)";

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
    /// The schedule's name (the EventBridge rule name).
    pub name: String,
    /// The time the tick was scheduled for (not when it was delivered).
    pub scheduled_time: DateTime<Utc>,
    /// The event id, unique per tick: a natural idempotency key.
    pub id: String,
    /// The `detail` object the schedule carries (empty for plain rules).
    pub detail: Value,
    raw: RawEvent,
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
        let (bytes, source) = event_json(incoming, EXPECTED, &[Source::EventBridge])?;
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
