//! A real `redis-server` on a free loopback port, without persistence, for
//! the tests of Redis-backed stores.
//!
//! ```no_run
//! use faas_testkit::servers::redis::RedisServer;
//!
//! // `None`: redis-server is not installed and this is not CI (skip the test).
//! let Some(mut redis) = RedisServer::start() else { return };
//! assert!(redis.url().starts_with("redis://127.0.0.1:"));
//! assert_eq!(redis.command(&["SET", "k", "v"]).unwrap().as_str(), Some("OK"));
//!
//! redis.kill(); // an outage: the port refuses connections
//! redis.restart(); // back on the same port, empty
//! assert_eq!(redis.command(&["GET", "k"]).unwrap(), faas_testkit::servers::redis::Reply::Nil);
//! ```
//!
//! [`RedisServer::start_tls`] starts one that clients reach over TLS
//! (`rediss://`), with a throwaway CA made by the `openssl` program:
//!
//! ```no_run
//! use faas_testkit::servers::redis::RedisServer;
//!
//! let Some(redis) = RedisServer::start_tls() else { return };
//! assert!(redis.url().starts_with("rediss://127.0.0.1:"));
//! let ca: Vec<u8> = redis.ca_pem().expect("a TLS server has a CA");
//! // The kit itself still speaks plain RESP, on a second loopback port.
//! assert_eq!(redis.command(&["PING"]).unwrap().as_str(), Some("PONG"));
//! ```
//!
//! The test kit speaks to the server only through its process and a plain
//! TCP port ([`RedisServer::command`] sends raw RESP), so it needs no Redis
//! client crate, and no TLS crate either.

use std::io::{self, BufReader, Write as _};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::Spawned;
use crate::tools;

/// How `scripts/test.sh` installs the server, quoted when it is missing.
const INSTALL: &str = "apt-get install -y redis-server";

/// How to install the `openssl` program that makes a TLS server's certificates.
const INSTALL_OPENSSL: &str = "apt-get install -y openssl";

/// How long the server may take to answer `PING` after it starts.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one [`RedisServer::command`] may wait for its reply.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// A `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no`
/// child process on a [free port](tools::free_port), killed when dropped
/// (even by a failed assertion).
///
/// [`kill`](Self::kill), [`stop`](Self::stop) and [`pause`](Self::pause)
/// make outages; [`restart`](Self::restart) brings the server back on the
/// same port, so that clients can reconnect (empty: nothing is persisted).
///
/// A [TLS server](Self::start_tls) listens for clients on a TLS port (its
/// [`url`](Self::url) is `rediss://…`) and, for the kit's own
/// [`command`](Self::command), on a second, plain loopback port.
///
/// ```no_run
/// use faas_testkit::servers::redis::RedisServer;
///
/// let Some(redis) = RedisServer::start() else { return };
/// println!("Redis on {} (port {})", redis.url(), redis.port());
/// ```
pub struct RedisServer {
    /// The port of [`url`](Self::url): the TLS port of a TLS server.
    port: u16,
    /// The plain-text port [`command`](Self::command) uses (`port` unless TLS).
    plain_port: u16,
    /// A TLS server's certificates, `None` for a plain server.
    tls: Option<TlsFiles>,
    /// The server process; it logs to stdout, collected with its stderr
    /// across restarts.
    process: Spawned,
}

/// A throwaway CA and a server certificate for `127.0.0.1` and `localhost`
/// it issued, in a temporary directory removed on drop.
struct TlsFiles {
    dir: PathBuf,
}

impl TlsFiles {
    /// Makes the CA and the server's key and certificate with `openssl`.
    fn create(openssl: &Path) -> io::Result<TlsFiles> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "faas-testkit-redis-tls-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir)?;
        // From here on, dropping `files` removes the directory.
        let files = TlsFiles { dir };
        std::fs::write(files.path("openssl.cnf"), OPENSSL_CONFIG)?;
        // Run in the directory: every path below is relative to it. P-256
        // keys: instant to generate, and every TLS stack takes them.
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -config openssl.cnf";
        files.openssl(
            openssl,
            &format!("req -x509 {ec} -days 2 -extensions ca -keyout ca.key -out ca.crt"),
            "/CN=faas-testkit throwaway Redis CA",
        )?;
        files.openssl(
            openssl,
            &format!("req -new {ec} -keyout server.key -out server.csr"),
            "/CN=localhost",
        )?;
        files.openssl(
            openssl,
            "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 1 -days 2 \
             -extfile openssl.cnf -extensions server -out server.crt",
            "",
        )?;
        Ok(files)
    }

    /// Runs `openssl <args>` (split on whitespace), plus `-subj <subject>`
    /// unless `subject` is empty, in the directory.
    fn openssl(&self, openssl: &Path, args: &str, subject: &str) -> io::Result<()> {
        let mut command = Command::new(openssl);
        command.args(args.split_whitespace());
        if !subject.is_empty() {
            command.args(["-subj", subject]);
        }
        let output = command
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "`openssl {args}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )))
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for TlsFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `openssl` configuration of a TLS server's certificates: a CA, and a
/// server certificate for `127.0.0.1` and `localhost`.
const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = faas-testkit
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

impl RedisServer {
    /// Starts `redis-server` on a free loopback port and waits until it
    /// answers `PING`.
    ///
    /// `None` when `redis-server` is not installed and this is not CI: the
    /// caller skips its test (a note saying how to install it is printed).
    ///
    /// # Panics
    ///
    /// When `redis-server` is missing under `CI=true` (see
    /// [`tools::require`]), or when it does not start.
    ///
    /// ```no_run
    /// let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else {
    ///     return; // skipped: redis-server is not installed
    /// };
    /// # drop(redis);
    /// ```
    pub fn start() -> Option<RedisServer> {
        let program = tools::require("redis-server", INSTALL)?;
        Some(RedisServer::launch(program, None))
    }

    /// Starts `redis-server` with TLS: clients reach it at
    /// `rediss://127.0.0.1:<port>` ([`url`](Self::url)) with a server
    /// certificate for `127.0.0.1` and `localhost` that a throwaway CA
    /// issued ([`ca_pem`](Self::ca_pem)); clients need no certificate
    /// (`--tls-auth-clients no`). The CA, keys and certificates are made
    /// with the `openssl` program in a temporary directory, removed when
    /// the server is dropped.
    ///
    /// The server also listens for plain text on a second loopback port,
    /// which only [`command`](Self::command) (and so
    /// [`command_calls`](Self::command_calls)) uses. Waits until the server
    /// answers `PING` there and accepts connections on its TLS port.
    ///
    /// `None` when `redis-server` or `openssl` is not installed and this is
    /// not CI: the caller skips its test.
    ///
    /// # Panics
    ///
    /// When `redis-server` or `openssl` is missing under `CI=true`, when
    /// `openssl` fails, or when the server does not start (a build without
    /// TLS support, for instance).
    ///
    /// ```no_run
    /// use faas_testkit::servers::redis::RedisServer;
    ///
    /// let Some(redis) = RedisServer::start_tls() else { return };
    /// assert_eq!(redis.url(), format!("rediss://127.0.0.1:{}", redis.port()));
    /// let ca = redis.ca_pem().unwrap();
    /// assert!(ca.starts_with(b"-----BEGIN CERTIFICATE-----"));
    /// ```
    pub fn start_tls() -> Option<RedisServer> {
        let program = tools::require("redis-server", INSTALL)?;
        let openssl = tools::require("openssl", INSTALL_OPENSSL)?;
        let files = match TlsFiles::create(&openssl) {
            Ok(files) => files,
            Err(err) => panic!("cannot make the TLS server's certificates: {err}"),
        };
        Some(RedisServer::launch(program, Some(files)))
    }

    /// Starts the server on free ports.
    fn launch(program: PathBuf, mut tls: Option<TlsFiles>) -> RedisServer {
        // Another process may take a free port before the server binds
        // it: try a few ports.
        let mut failures = Vec::new();
        let mut logs = String::new();
        for _ in 0..5 {
            let port = tools::free_port();
            let mut plain_port = port;
            if tls.is_some() {
                while plain_port == port {
                    plain_port = tools::free_port();
                }
            }
            let mut command = server_command(&program, port, plain_port, tls.as_ref());
            let process = match Spawned::start_with_stdout(&mut command) {
                Ok(process) => process,
                Err(err) => {
                    failures.push(format!("port {port}: {err}"));
                    continue;
                }
            };
            let mut server = RedisServer {
                port,
                plain_port,
                tls,
                process,
            };
            match server.wait_until_ready() {
                Ok(()) => return server,
                Err(err) => {
                    failures.push(format!("port {port}: {err}"));
                    logs.push_str(&server.logs());
                    // Dropping the server kills the process; the
                    // certificates serve the next try.
                    tls = server.tls.take();
                }
            }
        }
        panic!(
            "redis-server did not start: {}\n--- its log ---\n{logs}",
            failures.join("; ")
        );
    }

    /// `redis://127.0.0.1:<port>`, the URL clients connect to
    /// (`rediss://127.0.0.1:<port>` for a [TLS server](Self::start_tls)).
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// assert_eq!(redis.url(), format!("redis://127.0.0.1:{}", redis.port()));
    /// ```
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Whether clients reach the server over TLS ([`start_tls`](Self::start_tls)).
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// assert!(!redis.is_tls());
    /// ```
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The PEM certificate of the CA that issued a [TLS
    /// server](Self::start_tls)'s certificate, for clients to trust; `None`
    /// for a plain server.
    ///
    /// # Panics
    ///
    /// When the file cannot be read.
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start_tls() else { return };
    /// let pem = redis.ca_pem().expect("a TLS server");
    /// assert!(String::from_utf8(pem).unwrap().contains("BEGIN CERTIFICATE"));
    /// ```
    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        let files = self.tls.as_ref()?;
        let path = files.path("ca.crt");
        match std::fs::read(&path) {
            Ok(pem) => Some(pem),
            Err(err) => panic!("cannot read {}: {err}", path.display()),
        }
    }

    /// The port of [`url`](Self::url) (the TLS port of a TLS server; the
    /// same after a restart).
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// assert_ne!(redis.port(), 0);
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address of [`url`](Self::url), `127.0.0.1:<port>`.
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// assert!(redis.addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Whether the server process is running (a paused one included).
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.kill();
    /// assert!(!redis.is_running());
    /// ```
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// Kills the server at once (`SIGKILL`) and waits for it to exit: a
    /// crash. Clients see their connections reset and refused. Does
    /// nothing if it is not running.
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.kill();
    /// assert!(std::net::TcpStream::connect(redis.addr()).is_err());
    /// ```
    pub fn kill(&mut self) {
        let _ = self.process.kill();
    }

    /// Shuts the server down cleanly (`SIGTERM`) and waits for it to exit,
    /// killing it if it takes more than 10 s: a planned outage. Does
    /// nothing if it is not running.
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.stop();
    /// assert!(!redis.is_running());
    /// ```
    pub fn stop(&mut self) {
        if !self.is_running() {
            return;
        }
        // A paused server would not handle SIGTERM.
        let _ = self.process.signal("CONT");
        if self.process.terminate().is_ok() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && self.is_running() {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.kill();
    }

    /// Freezes the server (`SIGSTOP`): it keeps its port and connections
    /// but answers nothing, like a host that stopped responding. Clients
    /// must time out. [`resume`](Self::resume) undoes it.
    ///
    /// # Panics
    ///
    /// When the server is not running or the signal cannot be sent.
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.pause();
    /// assert!(redis.command(&["PING"]).is_err(), "no answer: the command times out");
    /// redis.resume();
    /// ```
    pub fn pause(&mut self) {
        self.send("STOP");
    }

    /// Lets a [paused](Self::pause) server run again (`SIGCONT`).
    ///
    /// # Panics
    ///
    /// When the server is not running or the signal cannot be sent.
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.pause();
    /// redis.resume();
    /// assert_eq!(redis.command(&["PING"]).unwrap().as_str(), Some("PONG"));
    /// ```
    pub fn resume(&mut self) {
        self.send("CONT");
    }

    /// Starts the server again on the same port (killing it first if it
    /// runs) and waits until it answers `PING`. It starts empty.
    ///
    /// # Panics
    ///
    /// When it does not start within 10 s (the port stays taken, …).
    ///
    /// ```no_run
    /// # let Some(mut redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// let port = redis.port();
    /// redis.kill();
    /// redis.restart();
    /// assert_eq!(redis.port(), port);
    /// assert!(redis.is_running());
    /// ```
    pub fn restart(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            // Kills the old process first, if it runs.
            let restarted = self.process.restart();
            match restarted.and_then(|()| self.wait_until_ready()) {
                Ok(()) => return,
                // The old process's port may take a moment to free.
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(err) => panic!(
                    "redis-server did not restart on port {}: {err}\n--- its log ---\n{}",
                    self.port,
                    self.logs()
                ),
            }
        }
    }

    /// Sends one command as raw RESP on a new connection and reads its
    /// reply (within 5 s): to inspect or tamper with the data behind a
    /// client's back. It always speaks plain text: to a [TLS
    /// server](Self::start_tls), on its second, plain port.
    ///
    /// # Errors
    ///
    /// When the server cannot be reached, does not answer in time or sends
    /// something that is not RESP. An error reply from the server is
    /// `Ok(Reply::Error(..))`.
    ///
    /// ```no_run
    /// use faas_testkit::servers::redis::Reply;
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.command(&["HSET", "h", "f", "v"]).unwrap();
    /// assert_eq!(redis.command(&["HGET", "h", "f"]).unwrap(), Reply::Bulk(b"v".to_vec()));
    /// assert!(matches!(redis.command(&["NOPE"]).unwrap(), Reply::Error(_)));
    /// ```
    pub fn command(&self, args: &[&str]) -> io::Result<Reply> {
        let plain = SocketAddr::from(([127, 0, 0, 1], self.plain_port));
        let stream = TcpStream::connect_timeout(&plain, COMMAND_TIMEOUT)?;
        stream.set_read_timeout(Some(COMMAND_TIMEOUT))?;
        stream.set_write_timeout(Some(COMMAND_TIMEOUT))?;
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        (&stream).write_all(&request)?;
        let reply = Reply::read(&mut BufReader::new(&stream));
        let _ = stream.shutdown(Shutdown::Both);
        reply
    }

    /// How many times the server ran the command `name` (`evalsha`, `get`,
    /// …; commands run by scripts included) since it started or since
    /// `CONFIG RESETSTAT`, from `INFO commandstats`.
    ///
    /// # Errors
    ///
    /// When [`command`](Self::command) fails or the answer is not the
    /// expected text.
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// redis.command(&["CONFIG", "RESETSTAT"]).unwrap();
    /// redis.command(&["PING"]).unwrap();
    /// assert_eq!(redis.command_calls("ping").unwrap(), 1);
    /// assert_eq!(redis.command_calls("evalsha").unwrap(), 0);
    /// ```
    pub fn command_calls(&self, name: &str) -> io::Result<u64> {
        let reply = self.command(&["INFO", "commandstats"])?;
        let Some(info) = reply.as_str() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("INFO commandstats answered {reply:?}"),
            ));
        };
        let prefix = format!("cmdstat_{}:", name.to_ascii_lowercase());
        let Some(stats) = info
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix.as_str()))
        else {
            return Ok(0);
        };
        stats
            .split(',')
            .find_map(|field| field.strip_prefix("calls="))
            .and_then(|calls| calls.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("no call count in {prefix}{stats}"),
                )
            })
    }

    /// Everything the server logged so far, across restarts (for failure
    /// messages).
    ///
    /// ```no_run
    /// # let Some(redis) = faas_testkit::servers::redis::RedisServer::start() else { return };
    /// assert!(redis.logs().contains("Ready to accept connections"));
    /// ```
    pub fn logs(&self) -> String {
        self.process.output()
    }

    /// Waits until the just started process answers `PING` (and accepts
    /// connections on its TLS port), killing it if it does not in time.
    fn wait_until_ready(&mut self) -> io::Result<()> {
        let started = Instant::now();
        loop {
            if !self.is_running() {
                return Err(io::Error::other("redis-server exited at start-up"));
            }
            if let Ok(Reply::Status(pong)) = self.command(&["PING"]) {
                // The TLS port cannot take a plain PING: a TCP connection
                // is enough (redis binds every port before it serves any).
                if pong == "PONG" && (self.tls.is_none() || TcpStream::connect(self.addr()).is_ok())
                {
                    return Ok(());
                }
            }
            if started.elapsed() > READY_TIMEOUT {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no PONG after {READY_TIMEOUT:?}"),
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends `SIG<name>` to the running server.
    fn send(&mut self, name: &str) {
        if let Err(err) = self.process.signal(name) {
            panic!(
                "cannot send SIG{name} to redis-server on port {}: {err}",
                self.port
            );
        }
    }
}

/// `redis-server` on `plain_port` (and, with `tls`, TLS on `port`), in the
/// foreground and without persistence.
fn server_command(program: &Path, port: u16, plain_port: u16, tls: Option<&TlsFiles>) -> Command {
    let mut command = Command::new(program);
    command
        .args(["--port", &plain_port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", ""])
        .args(["--appendonly", "no", "--daemonize", "no"])
        .arg("--dir")
        .arg(std::env::temp_dir());
    if let Some(files) = tls {
        command
            .args(["--tls-port", &port.to_string()])
            .arg("--tls-cert-file")
            .arg(files.path("server.crt"))
            .arg("--tls-key-file")
            .arg(files.path("server.key"))
            .arg("--tls-ca-cert-file")
            .arg(files.path("ca.crt"))
            .args(["--tls-auth-clients", "no"]);
    }
    command
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // A paused process still dies of SIGKILL; resume it anyway so
        // that it never lingers stopped.
        let _ = self.process.signal("CONT");
        self.kill();
    }
}

impl std::fmt::Debug for RedisServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pid = self.process.is_running().then(|| self.process.id());
        f.debug_struct("RedisServer")
            .field("url", &self.url())
            .field("pid", &pid)
            .finish()
    }
}

/// A RESP2 reply, as [`RedisServer::command`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`, `+PONG`, `+hash` (`TYPE`), …
    Status(String),
    /// `-ERR …`, `-WRONGTYPE …`: the server refused the command.
    Error(String),
    /// `:42`
    Integer(i64),
    /// A bulk string, binary-safe.
    Bulk(Vec<u8>),
    /// A missing value (`$-1` or `*-1`).
    Nil,
    /// `*N` followed by N replies.
    Array(Vec<Reply>),
}

impl Reply {
    /// The text of a status or UTF-8 bulk reply.
    ///
    /// ```
    /// use faas_testkit::servers::redis::Reply;
    /// assert_eq!(Reply::Status("OK".into()).as_str(), Some("OK"));
    /// assert_eq!(Reply::Bulk(b"v".to_vec()).as_str(), Some("v"));
    /// assert_eq!(Reply::Integer(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Reply::Status(text) => Some(text),
            Reply::Bulk(bytes) => std::str::from_utf8(bytes).ok(),
            _ => None,
        }
    }

    /// The value of an integer reply.
    ///
    /// ```
    /// use faas_testkit::servers::redis::Reply;
    /// assert_eq!(Reply::Integer(3).as_int(), Some(3));
    /// assert_eq!(Reply::Nil.as_int(), None);
    /// ```
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Integer(value) => Some(*value),
            _ => None,
        }
    }

    /// Reads one reply from `input`.
    fn read(input: &mut impl io::BufRead) -> io::Result<Reply> {
        let mut line = Vec::new();
        input.read_until(b'\n', &mut line)?;
        let Some(line) = line.strip_suffix(b"\r\n") else {
            return Err(invalid("a reply line must end with CRLF"));
        };
        let Some((&kind, rest)) = line.split_first() else {
            return Err(invalid("an empty reply line"));
        };
        let text = String::from_utf8_lossy(rest).into_owned();
        let number = || {
            text.parse::<i64>()
                .map_err(|_| invalid("a length or integer that is not a number"))
        };
        match kind {
            b'+' => Ok(Reply::Status(text)),
            b'-' => Ok(Reply::Error(text)),
            b':' => Ok(Reply::Integer(number()?)),
            b'$' => {
                let Ok(len) = usize::try_from(number()?) else {
                    return Ok(Reply::Nil);
                };
                let mut bytes = vec![0; len + 2];
                input.read_exact(&mut bytes)?;
                if !bytes.ends_with(b"\r\n") {
                    return Err(invalid("a bulk string must end with CRLF"));
                }
                bytes.truncate(len);
                Ok(Reply::Bulk(bytes))
            }
            b'*' => {
                let Ok(len) = usize::try_from(number()?) else {
                    return Ok(Reply::Nil);
                };
                (0..len)
                    .map(|_| Reply::read(input))
                    .collect::<io::Result<_>>()
                    .map(Reply::Array)
            }
            _ => Err(invalid("an unknown reply type")),
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not RESP: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead as _;
    use std::io::Read as _;

    #[test]
    fn replies_parse() {
        let parse = |wire: &[u8]| Reply::read(&mut io::Cursor::new(wire.to_vec()));
        assert_eq!(parse(b"+OK\r\n").unwrap(), Reply::Status("OK".into()));
        assert_eq!(
            parse(b"-ERR nope\r\n").unwrap(),
            Reply::Error("ERR nope".into())
        );
        assert_eq!(parse(b":-7\r\n").unwrap(), Reply::Integer(-7));
        assert_eq!(
            parse(b"$5\r\na\r\nbc\r\n").unwrap(),
            Reply::Bulk(b"a\r\nbc".to_vec())
        );
        assert_eq!(parse(b"$-1\r\n").unwrap(), Reply::Nil);
        assert_eq!(
            parse(b"*2\r\n$1\r\nx\r\n:1\r\n").unwrap(),
            Reply::Array(vec![Reply::Bulk(b"x".to_vec()), Reply::Integer(1)])
        );
        assert!(parse(b"?\r\n").is_err());
        assert!(parse(b"+OK").is_err());
    }

    #[test]
    fn a_server_starts_stops_and_restarts() {
        let Some(mut redis) = RedisServer::start() else {
            return;
        };
        let port = redis.port();
        assert_eq!(redis.command(&["PING"]).unwrap().as_str(), Some("PONG"));
        assert_eq!(
            redis.command(&["SET", "k", "v"]).unwrap().as_str(),
            Some("OK")
        );

        redis.kill();
        assert!(!redis.is_running());
        assert!(
            redis.command(&["PING"]).is_err(),
            "a killed server refuses connections"
        );

        redis.restart();
        assert_eq!(redis.port(), port, "a restart keeps the port");
        assert_eq!(
            redis.command(&["GET", "k"]).unwrap(),
            Reply::Nil,
            "nothing is persisted"
        );

        redis.command(&["CONFIG", "RESETSTAT"]).unwrap();
        redis.command(&["GET", "k"]).unwrap();
        redis.command(&["GET", "k"]).unwrap();
        assert_eq!(redis.command_calls("get").unwrap(), 2);
        assert_eq!(redis.command_calls("evalsha").unwrap(), 0);

        redis.stop();
        assert!(!redis.is_running());
        assert!(redis.logs().contains("Ready to accept connections"));
    }

    #[test]
    fn a_paused_server_answers_nothing() {
        let Some(mut redis) = RedisServer::start() else {
            return;
        };
        redis.pause();
        let stream = TcpStream::connect(redis.addr()).expect("the kernel still accepts");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        (&stream).write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
        let mut buffer = [0_u8; 16];
        assert!(
            (&stream).read(&mut buffer).is_err(),
            "a paused server must not answer"
        );
        redis.resume();
        let mut line = String::new();
        stream.set_read_timeout(Some(COMMAND_TIMEOUT)).unwrap();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        assert_eq!(line, "+PONG\r\n", "it answers once resumed");
    }

    #[test]
    fn a_tls_server_speaks_tls_with_its_own_ca() {
        let Some(mut redis) = RedisServer::start_tls() else {
            return;
        };
        let Some(openssl) = tools::require("openssl", INSTALL_OPENSSL) else {
            return;
        };
        assert!(redis.is_tls());
        assert_eq!(redis.url(), format!("rediss://127.0.0.1:{}", redis.port()));
        let ca = redis.ca_pem().expect("a TLS server has a CA");
        assert!(ca.starts_with(b"-----BEGIN CERTIFICATE-----"));
        assert_eq!(
            redis.command(&["SET", "k", "v"]).unwrap().as_str(),
            Some("OK")
        );

        // The TLS port does not answer plain text.
        let stream = TcpStream::connect(redis.addr()).expect("the TLS port accepts");
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        (&stream).write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
        let mut answer = Vec::new();
        let _ = (&stream).read_to_end(&mut answer);
        assert!(!answer.starts_with(b"+PONG"), "{answer:?}");

        // openssl verifies the server against the CA, for the IP and the name.
        let dir = redis.tls.as_ref().unwrap().dir.clone();
        let addr = redis.addr().to_string();
        let handshake = |verify: &str| {
            let mut client = Command::new(&openssl)
                .args(["s_client", "-connect", &addr])
                .args([
                    "-CAfile",
                    "ca.crt",
                    "-verify_return_error",
                    "-brief",
                    "-ign_eof",
                ])
                .args(verify.split_whitespace())
                .current_dir(&dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = client.stdin.take().unwrap();
            stdin.write_all(b"GET k\r\nQUIT\r\n").unwrap();
            drop(stdin);
            let output = client.wait_with_output().unwrap();
            (
                output.status.success(),
                String::from_utf8_lossy(&output.stdout).into_owned()
                    + &String::from_utf8_lossy(&output.stderr),
            )
        };
        for verify in ["-verify_ip 127.0.0.1", "-verify_hostname localhost"] {
            let (ok, text) = handshake(verify);
            assert!(ok, "{verify}: {text}");
            assert!(text.contains("Verification: OK"), "{verify}: {text}");
            assert!(
                text.contains("$1\r\nv") || text.contains("\nv\r\n"),
                "{verify}: {text}"
            );
        }
        let (ok, text) = handshake("-verify_hostname example.com");
        assert!(!ok, "another name must not verify: {text}");

        redis.restart();
        assert_eq!(redis.command(&["PING"]).unwrap().as_str(), Some("PONG"));
        assert!(
            handshake("-verify_ip 127.0.0.1").0,
            "TLS again after a restart"
        );

        let addr = redis.addr();
        drop(redis);
        assert!(!dir.exists(), "the certificates are removed");
        assert!(TcpStream::connect(addr).is_err(), "the server is killed");
    }

    #[test]
    fn a_dropped_server_is_killed() {
        let Some(redis) = RedisServer::start() else {
            return;
        };
        let addr = redis.addr();
        drop(redis);
        assert!(TcpStream::connect(addr).is_err());
    }
}
