//! `tower` layers as faas layers (feature `tower`), with `tower`'s own
//! concurrency limit and timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use faas::prelude::*;
use faas_testkit::{events, harness};
use serde_json::json;

#[derive(Deserialize)]
struct Nap {
    millis: u64,
}

/// How many naps run at once, and the most that ever did.
#[derive(Default)]
struct Naps {
    running: AtomicUsize,
    most: AtomicUsize,
}

#[faas::handler(batch(concurrency = 4))]
async fn nap(job: QueueMessage<Nap>, naps: &Arc<Naps>) -> Result<(), FunctionError> {
    let now = naps.running.fetch_add(1, Ordering::SeqCst) + 1;
    naps.most.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(job.body.millis)).await;
    naps.running.fetch_sub(1, Ordering::SeqCst);
    Ok(())
}

fn four_naps() -> events::SqsEvent {
    (0..4).fold(events::sqs(), |batch, _| {
        batch.message(json!({"millis": 50}))
    })
}

#[tokio::test]
async fn a_tower_concurrency_limit_holds_records_back() {
    let naps = Arc::new(Naps::default());
    let mut fx = harness(nap {}).with_state(Arc::clone(&naps));
    assert!(fx.invoke(four_naps()).await.batch_failures().is_empty());
    assert_eq!(
        naps.most.load(Ordering::SeqCst),
        4,
        "unlimited, all four nap at once"
    );

    let naps = Arc::new(Naps::default());
    let limit = faas::layer::from_tower(tower::limit::ConcurrencyLimitLayer::new(1));
    let mut fx = harness(nap {}).with_state(Arc::clone(&naps)).layer(limit);
    assert!(fx.invoke(four_naps()).await.batch_failures().is_empty());
    assert_eq!(naps.most.load(Ordering::SeqCst), 1, "one at a time");
}

#[tokio::test]
async fn a_tower_timeout_fails_the_record_and_keeps_function_errors_whole() {
    let naps = Arc::new(Naps::default());
    let timeout =
        faas::layer::from_tower(tower::timeout::TimeoutLayer::new(Duration::from_millis(20)));
    let mut fx = harness(nap {}).with_state(naps).layer(timeout);
    let slow = events::sqs().message(json!({"millis": 5_000}));
    let ids = slow.message_ids();
    let res = fx.invoke(slow).await;
    assert_eq!(res.batch_failures(), ids);
    let line = res
        .logs_containing("unit of work failed")
        .next()
        .expect("a failure line");
    assert_eq!(line.field("error.kind"), Some("internal"));

    // A FunctionError the inner stack raises passes the timeout's boxing unchanged.
    let timeout =
        faas::layer::from_tower(tower::timeout::TimeoutLayer::new(Duration::from_secs(5)));
    let mut fx = harness(nap {})
        .with_state(Arc::new(Naps::default()))
        .layer(timeout);
    let bad = events::sqs().message(json!({"millis": "soon"}));
    let res = fx.invoke(bad).await;
    let line = res
        .logs_containing("unit of work failed")
        .next()
        .expect("a failure line");
    assert_eq!(line.field("error.kind"), Some("bad_input"));
}
