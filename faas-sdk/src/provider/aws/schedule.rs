//! EventBridge scheduled rules → [`ScheduleEvent`].

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use bytes::Bytes;
use serde_json::Value;

use super::EventBridgeHeader;
use crate::contract::ScheduleEvent;
use crate::wire::{DecodeError, RawEvent, Source, parse_provider};

/// The tick of an EventBridge scheduled rule.
pub(crate) fn scheduled_event(
    bytes: Bytes,
    expected: &'static str,
) -> Result<ScheduleEvent, DecodeError> {
    let source = Source::EventBridge;
    let detail_type = EventBridgeHeader::read(&bytes, expected)?.detail_type;
    if detail_type != "Scheduled Event" {
        return Err(DecodeError::field(
            expected,
            source,
            "/detail-type",
            format!("an EventBridge \"{detail_type}\" event is not a scheduled event"),
        ));
    }
    let event: EventBridgeEvent<Value> = parse_provider(&bytes, source, expected)?;
    let missing = |field: &str| {
        DecodeError::field(
            expected,
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
    Ok(ScheduleEvent {
        name,
        scheduled_time: event.time.ok_or_else(|| missing("time"))?,
        id: event.id.ok_or_else(|| missing("id"))?,
        detail: event.detail,
        raw: RawEvent::new(bytes, source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_same_name_inside_detail_do_not_confuse_the_check() {
        // `detail` comes first in the text, holding its own `detail-type` and `source`.
        let event = r#"{"detail":{"detail-type":"Object Created","source":"aws.s3"},
            "version":"0","id":"tick-1","detail-type":"Scheduled Event","source":"aws.events",
            "time":"2026-01-01T00:00:00Z","resources":["arn:aws:events:us-east-1:123456789012:rule/nightly"]}"#;
        let tick =
            scheduled_event(Bytes::from(event), "a schedule event").expect("a scheduled event");
        assert_eq!(tick.name, "nightly");
        assert_eq!(tick.detail["source"], "aws.s3");
    }
}
