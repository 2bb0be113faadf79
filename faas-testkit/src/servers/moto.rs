//! A real [moto](https://docs.getmoto.org) server: a local AWS API
//! (DynamoDB among others) for the tests of the DynamoDB idempotency store.
//!
//! ```no_run
//! use faas_testkit::servers::moto::MotoServer;
//!
//! // `None`: moto_server is not installed and this is not CI (skip).
//! let Some(moto) = MotoServer::start() else { return };
//! println!("DynamoDB at {}", moto.endpoint_url());
//! // Point an AWS SDK client at it, or pass the variables to a child process.
//! let mut function = std::process::Command::new("my-function");
//! function.envs(moto.env());
//! moto.reset().expect("moto wipes its state");
//! ```
//!
//! Install it with `pip install 'moto[server]'`. What moto does faithfully
//! and what it does not is in the workspace's tooling notes: in short,
//! conditional writes, `ReturnValuesOnConditionCheckFailure`, TTL settings
//! and the 400 KB item limit behave as in DynamoDB; unused expression
//! attribute values are accepted (DynamoDB rejects them) and expired items
//! are never deleted.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::Spawned;
use crate::tools;

/// How long [`MotoServer::start`] waits for the server to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one request to the server's own API may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A `moto_server` on a free loopback port, killed when dropped.
///
/// ```no_run
/// use faas_testkit::servers::moto::MotoServer;
///
/// let Some(mut moto) = MotoServer::start() else { return };
/// assert_eq!(moto.endpoint_url(), format!("http://127.0.0.1:{}", moto.port()));
/// moto.stop(); // an outage: requests now fail to connect
/// ```
pub struct MotoServer {
    process: Option<Spawned>,
    port: u16,
}

impl std::fmt::Debug for MotoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MotoServer")
            .field("port", &self.port)
            .field("pid", &self.process.as_ref().map(Spawned::id))
            .finish()
    }
}

impl MotoServer {
    /// Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it
    /// answers HTTP (about half a second).
    ///
    /// `None` when `moto_server` is not installed, outside CI (the test
    /// skips, with a note on how to install it).
    ///
    /// # Panics
    ///
    /// When `moto_server` is missing and `CI=true`, or when it does not
    /// start or answer within 30 seconds (its stderr is in the message).
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// ```
    pub fn start() -> Option<MotoServer> {
        let program = tools::require("moto_server", "pip install 'moto[server]'")?;
        let port = tools::free_port();
        let process = match Spawned::start(Command::new(&program).args([
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])) {
            Ok(process) => process,
            Err(err) => panic!("could not start {}: {err}", program.display()),
        };
        let server = MotoServer {
            process: Some(process),
            port,
        };
        let started = Instant::now();
        loop {
            match server.request("GET", "/") {
                Ok(status) if (200..500).contains(&status) => return Some(server),
                _ if started.elapsed() > START_TIMEOUT => panic!(
                    "moto_server did not answer on port {port} within {START_TIMEOUT:?}; its stderr:\n{}",
                    server.logs()
                ),
                _ => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }

    /// The server's port on 127.0.0.1.
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// assert_ne!(moto.port(), 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The endpoint URL to give AWS clients: `http://127.0.0.1:<port>`.
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// assert!(moto.endpoint_url().starts_with("http://127.0.0.1:"));
    /// ```
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment an AWS SDK needs to talk to this server, for a
    /// child process: `AWS_ENDPOINT_URL`, `AWS_REGION=us-east-1` and dummy
    /// credentials (`test` / `test`).
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// let status = std::process::Command::new("aws")
    ///     .args(["dynamodb", "list-tables"])
    ///     .envs(moto.env())
    ///     .status();
    /// ```
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint_url()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// Wipes every table and item (`POST /moto-api/reset`).
    ///
    /// # Errors
    ///
    /// When the server does not answer 200 (stopped, for one).
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// moto.reset().expect("moto wipes its state");
    /// ```
    pub fn reset(&self) -> io::Result<()> {
        match self.request("POST", "/moto-api/reset")? {
            200 => Ok(()),
            status => Err(io::Error::other(format!(
                "POST /moto-api/reset answered {status}"
            ))),
        }
    }

    /// Kills the server now (for outage tests); its port then refuses
    /// connections. Stopping twice does nothing.
    ///
    /// ```no_run
    /// let Some(mut moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// moto.stop();
    /// assert!(moto.reset().is_err());
    /// ```
    pub fn stop(&mut self) {
        // Dropping a `Spawned` kills the process and reaps it.
        self.process = None;
    }

    /// What the server wrote to stderr so far (a line per request), empty
    /// once stopped.
    ///
    /// ```no_run
    /// let Some(moto) = faas_testkit::servers::moto::MotoServer::start() else { return };
    /// assert!(moto.logs().contains("Running on"));
    /// ```
    pub fn logs(&self) -> String {
        self.process
            .as_ref()
            .map(Spawned::stderr)
            .unwrap_or_default()
    }

    /// Sends a bodiless request to the server; its status code.
    fn request(&self, method: &str, path: &str) -> io::Result<u16> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut stream = TcpStream::connect_timeout(&addr, REQUEST_TIMEOUT)?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let head = String::from_utf8_lossy(&response);
        head.strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "not an HTTP response: {:?}",
                        head.chars().take(80).collect::<String>()
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_resets_and_stops() {
        let Some(mut moto) = MotoServer::start() else {
            return;
        };
        assert_eq!(
            moto.endpoint_url(),
            format!("http://127.0.0.1:{}", moto.port())
        );
        let env = moto.env();
        assert!(env.contains(&("AWS_ENDPOINT_URL".to_owned(), moto.endpoint_url())));
        assert!(env.contains(&("AWS_REGION".to_owned(), "us-east-1".to_owned())));
        moto.reset().expect("a running server resets");
        assert!(moto.logs().contains("/moto-api/reset"), "{}", moto.logs());
        moto.stop();
        assert!(
            moto.reset().is_err(),
            "a stopped server must refuse connections"
        );
        moto.stop();
    }
}
