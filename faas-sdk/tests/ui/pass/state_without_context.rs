//! State without the context; the state may be named by a path.
use faas::prelude::*;

mod store {
    pub struct Counter(pub std::sync::atomic::AtomicU64);
}

#[faas::handler]
async fn count(_: serde_json::Value, counter: &store::Counter) -> Result<u64, FunctionError> {
    Ok(counter.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

fn main() {
    let counter = store::Counter(0.into());
    faas::Function::builder_with_state(count {}, counter)
        .build()
        .unwrap();
}
