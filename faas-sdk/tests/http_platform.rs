//! The HTTP platform (Cloud Run functions, Knative) over real HTTP: the
//! server as `ServerOptions::platform` sets it up, CloudEvents in binary,
//! structured and batched mode, Google's event formats decoded into the
//! contracts, statuses for errors, and concurrency.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use faas::prelude::*;
use faas::server::ServerOptions;
use faas_testkit::events::{self, cloudevent, cloudevent_batch};
use faas_testkit::local::{HttpReply, LocalServer, send, send_request};
use serde_json::{Value, json};

mod support;

use support::{Seen, serve};

async fn post(server: &LocalServer, request: &HttpRequest) -> HttpReply {
    send_request(server.addr(), request)
        .await
        .expect("the server answers")
}

/// Asserts the answer of a handled event: `204`, no body.
fn assert_acked(reply: &HttpReply) {
    let body = String::from_utf8_lossy(&reply.body);
    assert_eq!((reply.status, body.as_ref()), (204, ""));
}

/// A failure asked for by the event's data: `busy` is transient, `invalid` permanent.
fn failure_for(name: &str) -> Result<(), FunctionError> {
    match name {
        "busy" => Err(FunctionError::transient("the warehouse is busy")
            .with_retry_after(Duration::from_secs(7))),
        "invalid" => Err(FunctionError::permanent("this order can never be placed")),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct Order {
    order_id: String,
}

#[faas::handler]
async fn on_order(
    event: CloudEvent<Order>,
    seen: &Arc<Seen>,
    ctx: &Context,
) -> Result<(), FunctionError> {
    seen.push(json!({
        "id": event.id, "source": event.source, "type": event.event_type,
        "subject": event.subject, "time": event.time, "datacontenttype": event.data_content_type,
        "extensions": event.extensions, "order_id": event.data.order_id,
        "platform": ctx.platform().as_str(),
    }));
    failure_for(&event.data.order_id)
}

fn order(id: &str, order_id: &str) -> events::CloudEventBuilder {
    cloudevent("com.example.order.created", "//orders/eu west")
        .id(id)
        .subject("order \"1\" is 100% ready")
        .extension("tenant", "acme €")
        .data(json!({"order_id": order_id}))
}

#[tokio::test]
async fn cloudevents_arrive_in_binary_structured_and_batched_mode() {
    let (server, seen) = serve(on_order {}).await;
    let binary = order("e-1", "o-1").time("2026-01-02T03:04:05Z").binary();
    let structured = order("e-2", "o-2")
        .time("2026-01-02T03:04:05+00:00")
        .structured();
    let batch = cloudevent_batch(&[order("e-3", "o-3"), order("e-4", "o-4")]);
    for request in [&binary, &structured, &batch] {
        let reply = post(&server, request).await;
        assert_acked(&reply);
    }
    let seen = seen.take();
    let ids: Vec<&Value> = seen.iter().map(|event| &event["id"]).collect();
    assert_eq!(ids, ["e-1", "e-2", "e-3", "e-4"]);
    for event in &seen {
        assert_eq!(event["source"], "//orders/eu west");
        assert_eq!(event["type"], "com.example.order.created");
        assert_eq!(event["subject"], "order \"1\" is 100% ready");
        assert_eq!(event["datacontenttype"], "application/json");
        assert_eq!(event["extensions"], json!({"tenant": "acme €"}));
        assert_eq!(event["platform"], "http");
    }
    // `Z` and `+00:00` are the same instant.
    assert_eq!(seen[0]["time"], "2026-01-02T03:04:05Z");
    assert_eq!(seen[1]["time"], seen[0]["time"]);
    let order_ids: Vec<&Value> = seen.iter().map(|event| &event["order_id"]).collect();
    assert_eq!(order_ids, ["o-1", "o-2", "o-3", "o-4"]);
    server.stop().await;
}

#[tokio::test]
async fn a_missing_required_attribute_is_a_400_naming_it() {
    let (server, seen) = serve(on_order {}).await;
    let headers = [
        ("ce-specversion", "1.0"),
        ("ce-id", "e-1"),
        ("ce-type", "com.example.order.created"),
        ("content-type", "application/json"),
    ];
    let reply = send(
        server.addr(),
        "POST",
        "/",
        &headers,
        br#"{"order_id":"o-1"}"#,
    )
    .await
    .expect("the server answers");
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    let problem = reply.json();
    assert_eq!(problem["kind"], "bad_input");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("missing required attribute `source`")),
        "{problem}"
    );
    assert_eq!(problem["violations"][0]["pointer"], "header ce-source");

    let mut structured = order("e-2", "o-2").build();
    structured
        .as_object_mut()
        .expect("an object")
        .remove("type");
    let headers = [("content-type", "application/cloudevents+json")];
    let reply = send(
        server.addr(),
        "POST",
        "/",
        &headers,
        structured.to_string().as_bytes(),
    )
    .await
    .expect("the server answers");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["violations"][0]["pointer"], "/type");
    assert!(seen.take().is_empty(), "no handler ran");
    server.stop().await;
}

#[tokio::test]
async fn transient_errors_are_503_with_retry_after_and_permanent_ones_422() {
    let (server, seen) = serve(on_order {}).await;
    let reply = post(&server, &order("e-1", "busy").binary()).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("7"));
    assert_eq!(reply.json()["kind"], "transient");
    assert_eq!(reply.json()["detail"], "the warehouse is busy");

    let reply = post(&server, &order("e-2", "invalid").structured()).await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.header("retry-after"), None);
    assert_eq!(reply.json()["kind"], "permanent");

    // A batch answers as one: every event runs, the first failure is the answer.
    let batch = cloudevent_batch(&[
        order("e-3", "o-3"),
        order("e-4", "busy"),
        order("e-5", "invalid"),
    ]);
    let reply = post(&server, &batch).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("7"));
    let ids: Vec<Value> = seen
        .take()
        .into_iter()
        .map(|event| event["id"].clone())
        .collect();
    assert_eq!(ids, ["e-1", "e-2", "e-3", "e-4", "e-5"]);
    server.stop().await;
}

#[faas::handler(batch)]
async fn on_object(object: StorageEvent, seen: &Arc<Seen>) -> Result<(), FunctionError> {
    seen.push(json!({
        "bucket": object.bucket, "key": object.key, "size": object.size, "etag": object.etag,
        "version": object.version, "kind": format!("{:?}", object.kind),
        "event_name": object.event_name, "time": object.time,
        "source": format!("{:?}", object.source),
    }));
    Ok(())
}

#[tokio::test]
async fn gcs_cloudevents_from_eventarc_arrive_as_storage_events() {
    let (server, seen) = serve(on_object {}).await;
    let finalized = events::gcs_finalized("uploads", "photos/My Cat+1.jpg")
        .size(4096)
        .generation(1_767_268_800_123_456)
        .time("2026-02-03T04:05:06.789Z");
    let deleted = events::gcs_deleted("uploads", "old/a b.txt").size(10);
    for gcs in [&finalized, &deleted] {
        let reply = post(&server, &gcs.binary()).await;
        assert_acked(&reply);
    }
    assert_eq!(
        seen.take(),
        [
            json!({
                "bucket": "uploads", "key": "photos/My Cat+1.jpg", "size": 4096,
                "etag": "CKih16GjycICEAE=", "version": "1767268800123456", "kind": "Created",
                "event_name": "google.cloud.storage.object.v1.finalized",
                "time": "2026-02-03T04:05:06.789Z", "source": "Gcs",
            }),
            json!({
                "bucket": "uploads", "key": "old/a b.txt", "size": 10,
                "etag": "CKih16GjycICEAE=", "version": "1767268800000000", "kind": "Removed",
                "event_name": "google.cloud.storage.object.v1.deleted",
                "time": "2026-01-01T12:00:00Z", "source": "Gcs",
            }),
        ]
    );

    // Another event type is refused by name, not taken for an object.
    let reply = post(&server, &order("e-1", "o-1").binary()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["violations"][0]["pointer"], "header ce-type");
    server.stop().await;
}

#[derive(Deserialize)]
struct Job {
    job_id: String,
}

#[faas::handler(batch)]
async fn on_job(
    message: QueueMessage<Job>,
    seen: &Arc<Seen>,
    ctx: &Context,
) -> Result<(), FunctionError> {
    seen.push(json!({
        "id": message.id, "job_id": message.body.job_id, "attributes": message.attributes,
        "group_id": message.group_id, "sent_at": message.sent_at, "origin": message.origin,
        "source": format!("{:?}", message.source), "attempt": ctx.delivery_attempt(),
        "correlation_id": ctx.correlation_id(),
    }));
    failure_for(&message.body.job_id)
}

#[tokio::test]
async fn pubsub_cloudevents_and_push_requests_arrive_as_queue_messages() {
    let (server, seen) = serve(on_job {}).await;
    let message = events::pubsub(json!({"job_id": "j-1"}))
        .with_id("m-1")
        .topic("jobs")
        .subscription("jobs-push")
        .attribute("correlation_id", "c-1")
        .ordering_key("customer-7")
        .published_at("2026-01-02T03:04:05.678Z");
    for request in [
        message.binary(),
        message.clone().delivery_attempt(2).push_request(),
    ] {
        let reply = post(&server, &request).await;
        assert_acked(&reply);
    }
    let expected = |attempt: Value| {
        json!({
            "id": "m-1", "job_id": "j-1", "attributes": {"correlation_id": "c-1"},
            "group_id": "customer-7", "sent_at": "2026-01-02T03:04:05.678Z",
            "origin": "projects/my-project/subscriptions/jobs-push", "source": "PubSub",
            "attempt": attempt, "correlation_id": "c-1",
        })
    };
    assert_eq!(seen.take(), [expected(Value::Null), expected(json!(2))]);

    // Push subscriptions redeliver on 503 / 429, and stop on a 4xx only with a dead-letter topic.
    let busy = events::pubsub(json!({"job_id": "busy"})).push_request();
    let reply = post(&server, &busy).await;
    assert_eq!(
        (reply.status, reply.header("retry-after")),
        (503, Some("7"))
    );
    let poison = events::pubsub(json!({"job_id": "invalid"})).binary();
    assert_eq!(post(&server, &poison).await.status, 422);
    let undecodable = events::pubsub(json!({"job": "no id"})).push_request();
    let reply = post(&server, &undecodable).await;
    assert_eq!(reply.status, 400);
    let problem = reply.json();
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("missing field `job_id`")),
        "{problem}"
    );
    server.stop().await;
}

#[faas::handler]
async fn on_tick(tick: ScheduleEvent, seen: &Arc<Seen>) -> Result<(), FunctionError> {
    seen.push(json!({
        "name": tick.name, "scheduled_time": tick.scheduled_time, "id": tick.id, "detail": tick.detail,
    }));
    Ok(())
}

#[tokio::test]
async fn cloud_scheduler_jobs_arrive_as_schedule_events() {
    let (server, seen) = serve(on_tick {}).await;
    let job = events::cloud_scheduler("nightly-report")
        .at("2026-03-04T05:06:00Z")
        .body(json!({"report": "daily"}))
        .request();
    let reply = post(&server, &job).await;
    assert_acked(&reply);
    // A job may use any method; this one has no body.
    let headers = [
        ("x-cloudscheduler", "true"),
        (
            "x-cloudscheduler-jobname",
            "projects/my-project/locations/europe-west1/jobs/hourly",
        ),
        ("x-cloudscheduler-scheduletime", "2026-03-04T06:00:00Z"),
    ];
    let reply = send(server.addr(), "GET", "/tick", &headers, b"")
        .await
        .expect("the server answers");
    assert_acked(&reply);
    assert_eq!(
        seen.take(),
        [
            json!({
                "name": "nightly-report", "scheduled_time": "2026-03-04T05:06:00Z",
                "id": "nightly-report@2026-03-04T05:06:00Z", "detail": {"report": "daily"},
            }),
            json!({
                "name": "hourly", "scheduled_time": "2026-03-04T06:00:00Z",
                "id": "projects/my-project/locations/europe-west1/jobs/hourly@2026-03-04T06:00:00Z",
                "detail": {},
            }),
        ]
    );
    let reply = send(server.addr(), "POST", "/", &headers[..2], b"")
        .await
        .expect("the server answers");
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["violations"][0]["pointer"],
        "header X-CloudScheduler-ScheduleTime"
    );
    server.stop().await;
}

#[tokio::test]
async fn events_are_taken_by_post_or_put_on_any_path() {
    let (server, seen) = serve(on_order {}).await;
    let request = order("e-1", "o-1").structured();
    let headers = [("content-type", "application/cloudevents+json")];
    let body = request.body();
    for (method, path) in [
        ("POST", "/"),
        ("PUT", "/orders/created"),
        ("POST", "/a/b?c=d"),
    ] {
        let reply = send(server.addr(), method, path, &headers, body)
            .await
            .expect("the server answers");
        assert_eq!(reply.status, 204, "{method} {path}");
    }
    assert_eq!(seen.take().len(), 3);
    let reply = send(server.addr(), "GET", "/", &[], b"")
        .await
        .expect("the server answers");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST, PUT"));
    server.stop().await;
}

#[tokio::test]
async fn the_platform_listens_on_every_interface_at_port() {
    let port = faas_testkit::tools::free_port();
    let config = faas::Config::from_pairs([("PORT", port.to_string())]);
    let options = ServerOptions::platform(&config).expect("valid options");
    assert_eq!(options.addr, SocketAddr::from(([0, 0, 0, 0], port)));
    let seen = Arc::new(Seen::default());
    let function = Arc::new(support::function(on_order {}, Arc::clone(&seen)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        faas::server::serve(&function, options, async {
            let _ = stopped.await;
        })
        .await
    });
    // 127.0.0.2 is loopback too, but only a wildcard listener answers there.
    let addr = SocketAddr::from(([127, 0, 0, 2], port));
    let request = order("e-1", "o-1").binary();
    let mut reply = send_request(addr, &request).await;
    for _ in 0..100 {
        if reply.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        reply = send_request(addr, &request).await;
    }
    assert_eq!(reply.expect("the server answers").status, 204);
    assert_eq!(seen.take().len(), 1);
    let _ = stop.send(());
    server
        .await
        .expect("the server task ends")
        .expect("the server stops cleanly");
}

/// Holds every event until two are in flight at once.
struct Rendezvous(tokio::sync::Barrier);

#[faas::handler]
async fn meet(_event: CloudEvent<Value>, both: &Arc<Rendezvous>) -> Result<(), FunctionError> {
    both.0.wait().await;
    Ok(())
}

#[tokio::test]
async fn events_are_served_concurrently() {
    let state = Arc::new(Rendezvous(tokio::sync::Barrier::new(2)));
    let server = LocalServer::start_platform(support::function(meet {}, state))
        .await
        .expect("the server starts");
    let (first, second) = (
        cloudevent("t", "//a").data(json!({})).binary(),
        cloudevent("t", "//b").data(json!({})).binary(),
    );
    // Served one at a time, the first event would wait forever for the second.
    let both = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(
            send_request(server.addr(), &first),
            send_request(server.addr(), &second)
        )
    })
    .await
    .expect("both events finish");
    assert_eq!(both.0.expect("an answer").status, 204);
    assert_eq!(both.1.expect("an answer").status, 204);
    server.stop().await;
}
