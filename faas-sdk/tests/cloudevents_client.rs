//! CloudEvents from a real client library: the CloudEvents Python SDK
//! (`cloudevents==1.13.0`) builds events and `tests/cloudevents_client.py`
//! posts them with `urllib.request`, in binary and structured mode, to
//! functions served as on the HTTP platform. Each handler records what it
//! received; the test checks it field by field against what the SDK sent.
//!
//! Needs `python3` with the SDK (`pip install cloudevents==1.13.0`, which
//! `scripts/test.sh` does): skipped without it, a failure with `CI=true`.

use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use faas::payload::Binary;
use faas::prelude::*;
use serde_json::{Value, json};

/// The pinned client version.
const SDK_VERSION: &str = "1.13.0";

mod support;

use support::serve;

/// Records an event: its attributes as the handler got them, and `data`.
fn record<T>(seen: &support::Seen, event: &CloudEvent<T>, data: Value) {
    seen.push(json!({
        "id": event.id, "source": event.source, "type": event.event_type,
        "specversion": event.spec_version, "subject": event.subject, "time": event.time,
        "datacontenttype": event.data_content_type, "dataschema": event.data_schema,
        "extensions": event.extensions, "data": data,
    }));
}

#[derive(Deserialize, Serialize)]
struct Order {
    order_id: String,
    quantity: u32,
}

#[faas::handler]
async fn record_order(
    event: CloudEvent<Order>,
    seen: &Arc<support::Seen>,
) -> Result<(), FunctionError> {
    record(seen, &event, json!(event.data));
    Ok(())
}

#[faas::handler]
async fn record_bytes(
    event: CloudEvent<Binary>,
    seen: &Arc<support::Seen>,
) -> Result<(), FunctionError> {
    record(seen, &event, json!(&event.data.0[..]));
    Ok(())
}

/// `python3` with the pinned SDK, or `None` (skip) outside CI.
fn python_with_sdk() -> Option<std::path::PathBuf> {
    let install = format!("pip install cloudevents=={SDK_VERSION}");
    let python = faas_testkit::tools::require("python3", "apt-get install -y python3 python3-pip")?;
    let check =
        format!("import cloudevents, sys; sys.exit(cloudevents.__version__ != '{SDK_VERSION}')");
    let has_sdk = Command::new(&python)
        .args(["-c", &check])
        .output()
        .is_ok_and(|output| output.status.success());
    if has_sdk {
        return Some(python);
    }
    if faas_testkit::tools::in_ci() {
        panic!(
            "the CloudEvents Python SDK {SDK_VERSION} is required in CI; install it with: {install}"
        );
    }
    eprintln!(
        "skipping: the CloudEvents Python SDK {SDK_VERSION} is not installed (install it with: {install}; CI=true makes this a failure)"
    );
    None
}

/// The line the script printed for event `name`.
fn sent<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|line| line["name"] == name)
        .unwrap_or_else(|| panic!("the script sent no event {name}: {lines:?}"))
}

/// What a handler recorded for event `id`.
fn received<'a>(seen: &'a [Value], id: &str) -> &'a Value {
    seen.iter()
        .find(|event| event["id"] == id)
        .unwrap_or_else(|| panic!("no handler received {id}: {seen:?}"))
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("{text}: {err}"))
        .to_utc()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_sent_by_the_python_sdk_arrive_attribute_by_attribute() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let (orders, seen_orders) = serve(record_order {}).await;
    let (blobs, seen_blobs) = serve(record_bytes {}).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cloudevents_client.py");
    let args = [
        script.to_owned(),
        format!("http://{}/events/orders", orders.addr()),
        format!("http://{}/", blobs.addr()),
    ];
    // The script blocks; the servers keep running on the other workers.
    let output = tokio::task::spawn_blocking(move || Command::new(python).args(args).output())
        .await
        .expect("the script's task finishes")
        .expect("the script starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the script failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    for line in &lines {
        assert_eq!(line["sdk"], SDK_VERSION);
        assert_eq!(line["status"], 204, "{line}");
        assert_eq!(line["answer"], "", "{line}");
    }
    let orders_seen = seen_orders.take();
    let blobs_seen = seen_blobs.take();
    assert_eq!((orders_seen.len(), blobs_seen.len()), (3, 4));

    // Binary mode as the SDK writes it: ASCII header values, unencoded
    // (`"`, space and `%` included), and a time ending in `Z`.
    let line = sent(&lines, "binary-ascii");
    assert_eq!(line["headers"]["ce-subject"], r#"order "o-1" is ready"#);
    assert_eq!(line["headers"]["ce-time"], "2026-01-02T03:04:05Z");
    assert_eq!(
        received(&orders_seen, "py-binary-1"),
        &json!({
            "id": "py-binary-1", "source": "//orders/eu-west-1", "type": "com.example.order.created",
            "specversion": "1.0", "subject": "order \"o-1\" is ready", "time": "2026-01-02T03:04:05Z",
            "datacontenttype": "application/json", "dataschema": null,
            "extensions": {"tenant": "acme"}, "data": {"order_id": "o-1", "quantity": 2},
        })
    );

    // Non-ASCII values percent-encoded as the binding requires (the SDK
    // leaves that to the sender), and the SDK's own time: `+00:00` with
    // microseconds.
    let line = sent(&lines, "binary-unicode");
    assert_eq!(
        line["headers"]["ce-subject"],
        "Bestellung%20f%C3%BCr%205%20%E2%82%AC%20(100%25%20bezahlt)"
    );
    let sdk_time = line["attributes"]["time"]
        .as_str()
        .expect("the SDK set a time");
    assert!(sdk_time.ends_with("+00:00"), "{sdk_time}");
    let event = received(&orders_seen, "py-binary-2");
    assert_eq!(event["subject"], "Bestellung für 5 € (100% bezahlt)");
    assert_eq!(event["extensions"], json!({"tenant": "acme €"}));
    assert_eq!(
        time(event["time"].as_str().expect("a time")),
        time(sdk_time)
    );
    assert_eq!(event["data"], json!({"order_id": "o-2", "quantity": 1}));

    // Structured mode: the document as the SDK writes it, `+00:00` time,
    // a `dataschema` and an integer extension.
    let line = sent(&lines, "structured");
    assert_eq!(
        line["headers"]["content-type"],
        "application/cloudevents+json"
    );
    assert_eq!(
        received(&orders_seen, "py-structured-1"),
        &json!({
            "id": "py-structured-1", "source": "//orders/eu-west-1", "type": "com.example.order.created",
            "specversion": "1.0", "subject": "Bestellung für 5 €", "time": "2026-01-02T03:04:05Z",
            "datacontenttype": null, "dataschema": "https://example.com/order.json",
            "extensions": {"tenant": "acme €", "priority": 3}, "data": {"order_id": "o-3", "quantity": 7},
        })
    );

    // Bytes: the body in binary mode, `data_base64` in structured mode.
    for mode in ["binary", "structured"] {
        let event = received(&blobs_seen, &format!("py-{mode}-bytes"));
        assert_eq!(event["data"], json!([0, 255, 10]), "{mode}");
        assert_eq!(
            event["datacontenttype"], "application/octet-stream",
            "{mode}"
        );
        assert_eq!(
            (&event["type"], &event["source"]),
            (&json!("com.example.blob"), &json!("//blobs"))
        );
    }
    let line = sent(&lines, "structured-bytes");
    let body = base64::engine::general_purpose::STANDARD
        .decode(line["body_base64"].as_str().expect("a body"))
        .expect("base64");
    let document: Value = serde_json::from_slice(&body).expect("a JSON document");
    assert_eq!(document["data_base64"], "AP8K");

    // Text: structured mode carries the text; SDK 1.13.0's binary mode
    // writes it JSON-encoded (a quoted string) even as `text/plain`, and
    // the function gets exactly those bytes.
    let structured = received(&blobs_seen, "py-structured-text");
    assert_eq!(structured["data"], json!("héllo".as_bytes()));
    let binary = received(&blobs_seen, "py-binary-text");
    assert_eq!(binary["data"], json!(br#""h\u00e9llo""#));
    assert_eq!(binary["datacontenttype"], "text/plain");

    orders.stop().await;
    blobs.stop().await;
}
