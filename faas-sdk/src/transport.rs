//! What a platform adapter is: a way to serve a function until the
//! platform stops the process. The local and HTTP servers, the Azure
//! Functions custom handler and AWS Lambda each implement it; `runtime`
//! runs every one of them inside the same [`lifecycle`](crate::lifecycle).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::function::Invoke;
use crate::lifecycle::StartError;

/// Completes when the platform asks the process to stop.
pub(crate) type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A platform adapter: it serves a function until a stop signal, and does
/// whatever else its platform asks of the start-up.
pub(crate) trait Transport: Send + Sized {
    /// How long the init's shutdown hook may run, unless
    /// `FAAS_SHUTDOWN_GRACE_MS` says otherwise.
    fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(5)
    }

    /// The platform's own start-up work, before `init` runs (Lambda
    /// registers its extension); an error stops the start.
    fn start(&mut self, config: &Config) -> impl Future<Output = Result<(), StartError>> + Send {
        let _ = config;
        async { Ok(()) }
    }

    /// Tells the platform why the function could not start (Lambda's
    /// init-error endpoint); the error is returned and logged as well.
    fn report_start_error(&self, err: &StartError) -> impl Future<Output = ()> + Send {
        let _ = err;
        async {}
    }

    /// Serves `function` until `stop` completes, then returns once
    /// in-flight invocations finished.
    fn serve<F: Invoke>(
        self,
        function: Arc<F>,
        stop: Stop,
    ) -> impl Future<Output = Result<(), StartError>> + Send;
}
