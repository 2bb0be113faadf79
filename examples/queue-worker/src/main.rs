//! `cargo run -p queue-worker` serves the worker on the local development
//! server: `POST /` an SQS (or SNS) event JSON to run a batch.

use queue_worker::{init, process_job};

faas::main!(process_job, init);
