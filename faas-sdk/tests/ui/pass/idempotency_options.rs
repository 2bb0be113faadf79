use faas::prelude::*;

#[derive(Deserialize)]
struct NewOrder {
    order_id: String,
}

fn order_key(payload: &serde_json::Value) -> Option<serde_json::Value> {
    payload.get("order_id").cloned()
}

fn cacheable(err: &FunctionError) -> bool {
    err.kind() == ErrorKind::BadInput
}

#[faas::handler(idempotency(
    key_fn = order_key,
    ttl = "7d",
    lease = "90s",
    namespace = "orders",
    validate = ["/amount_cents", "/currency"],
    missing_key = "bypass",
    cache_errors = cacheable,
    local_cache = 100,
))]
async fn create_order(Json(order): Json<NewOrder>) -> Result<String, FunctionError> {
    Ok(order.order_id)
}

#[faas::handler(batch, idempotency(key = ["/job_id", "/step"]))]
async fn run_job(job: QueueMessage<serde_json::Value>) -> Result<(), FunctionError> {
    let _ = job;
    Ok(())
}

#[faas::handler(idempotency)]
async fn whole(payload: serde_json::Value) -> Result<serde_json::Value, FunctionError> {
    Ok(payload)
}

fn main() {
    use faas::Handler as _;
    let options = (create_order {}).config().idempotency.expect("configured")();
    assert_eq!(options.time_to_live(), std::time::Duration::from_secs(7 * 86_400));
    assert!((run_job {}).config().idempotency.is_some());
    assert!((whole {}).config().idempotency.is_some());
}
