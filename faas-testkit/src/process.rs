//! Function binaries and servers started by a test, stopped when it ends.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use std::process::Command;
//! use std::time::Duration;
//! use faas_testkit::process::Spawned;
//!
//! let mut sleeper = Spawned::start(Command::new("sleep").arg("30")).unwrap();
//! sleeper.terminate().unwrap();
//! let status = sleeper.wait(Duration::from_secs(10)).await.unwrap();
//! assert!(!status.success()); // `sleep` does not catch SIGTERM
//! # });
//! ```

use std::io;
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A child process, killed when dropped (even by a failed assertion), whose
/// stderr is collected for the test to read.
pub struct Spawned {
    child: Child,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Spawned {
    /// Starts `command` with stdin closed, stdout discarded and stderr collected.
    pub fn start(command: &mut Command) -> io::Result<Spawned> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(pipe) = child.stderr.take() {
            collect_in_background(pipe, Arc::clone(&stderr));
        }
        Ok(Spawned { child, stderr })
    }

    /// Starts `command` with `PORT` set to a free loopback port, and waits
    /// (up to `timeout`) until it listens there: a function binary on the
    /// local or HTTP platform. The error carries what it wrote to stderr.
    ///
    /// ```no_run
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use faas_testkit::process::Spawned;
    ///
    /// let mut command = Command::new("target/debug/order-webhook");
    /// command.env("FAAS_PLATFORM", "local");
    /// let (function, addr) = Spawned::serving(&mut command, Duration::from_secs(20)).await.unwrap();
    /// # let _ = (function, addr);
    /// # });
    /// ```
    ///
    /// # Errors
    ///
    /// When it cannot be started, or does not listen in time.
    pub async fn serving(
        command: &mut Command,
        timeout: Duration,
    ) -> io::Result<(Spawned, SocketAddr)> {
        let port = crate::tools::free_port();
        let spawned = Spawned::start(command.env("PORT", port.to_string()))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        match wait_for_port(addr, timeout).await {
            Ok(()) => Ok((spawned, addr)),
            Err(err) => Err(io::Error::new(
                err.kind(),
                format!("{err}\n{}", spawned.stderr()),
            )),
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Sends SIGTERM, what platforms send to stop a function.
    pub fn terminate(&self) -> io::Result<()> {
        let status = Command::new("kill")
            .args(["-TERM", &self.id().to_string()])
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "kill -TERM {} failed: {status}",
                self.id()
            )))
        }
    }

    /// Waits for the process to exit, for at most `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> io::Result<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Let the reader thread drain what the process wrote last.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Ok(status);
            }
            if started.elapsed() > timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("still running after {timeout:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends what `pipe` yields to `sink`, on a thread of its own, until the
/// pipe closes.
pub(crate) fn collect_in_background(
    mut pipe: impl io::Read + Send + 'static,
    sink: Arc<Mutex<Vec<u8>>>,
) {
    std::thread::spawn(move || {
        let mut chunk = [0_u8; 4096];
        while let Ok(read) = pipe.read(&mut chunk) {
            if read == 0 {
                break;
            }
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&chunk[..read]);
        }
    });
}

/// Waits until something accepts connections on `addr`, for at most `timeout`.
pub async fn wait_for_port(addr: SocketAddr, timeout: Duration) -> io::Result<()> {
    let started = Instant::now();
    loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(_) => return Ok(()),
            Err(err) if started.elapsed() > timeout => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("nothing listens on {addr} after {timeout:?}: {err}"),
                ));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The first line of `logs` (a function's stderr with `FAAS_LOG_FORMAT=json`)
/// that is a JSON log event with message `message`.
///
/// ```
/// let logs = "booting\n{\"fields\":{\"message\":\"worker stopping\",\"jobs_done\":2}}\n";
/// let line = faas_testkit::process::log_line(logs, "worker stopping").unwrap();
/// assert_eq!(line["fields"]["jobs_done"], 2);
/// assert!(faas_testkit::process::log_line(logs, "booting").is_none());
/// ```
pub fn log_line(logs: &str, message: &str) -> Option<serde_json::Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["fields"]["message"] == message)
}
