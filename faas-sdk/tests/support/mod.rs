//! What the HTTP platform tests share: a function served as on Cloud Run
//! or Knative, whose handler records what it received.

use std::sync::{Arc, Mutex};

use faas::{Function, Platform};
use faas_testkit::local::LocalServer;
use serde_json::Value;

/// What a handler saw, in arrival order.
#[derive(Default)]
pub struct Seen(Mutex<Vec<Value>>);

impl Seen {
    /// Records one event.
    pub fn push(&self, value: Value) {
        self.0.lock().expect("no handler panicked").push(value);
    }

    /// Everything recorded since the last call.
    pub fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.0.lock().expect("no handler panicked"))
    }
}

/// `handler` with `state`, as an instance of the HTTP platform.
pub fn function<H: faas::Handler>(handler: H, state: H::State) -> Function<H> {
    Function::builder_with_state(handler, state)
        .platform(Platform::Http)
        .build()
        .expect("the function builds")
}

/// Serves `handler` as the HTTP platform does, with a fresh record of what it sees.
pub async fn serve<H: faas::Handler<State = Arc<Seen>>>(handler: H) -> (LocalServer, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let server = LocalServer::start_platform(function(handler, Arc::clone(&seen)))
        .await
        .expect("the server starts");
    (server, seen)
}
