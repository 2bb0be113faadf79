//! `http_throughput`: requests per second over loopback, an HTTP function
//! that echoes on `faas::server` (`faas-http-echo`, run as the HTTP
//! platform: `FAAS_PLATFORM=http`) against a bare hyper echo server
//! (`hyper-echo`), both built by this bench with the `release` profile and
//! running side by side as processes.
//!
//! The client is this process: one thread (a current-thread Tokio runtime),
//! 64 keep-alive connections, each sending its share of a fixed number of
//! `POST /orders` requests (a 68-byte JSON body) one after another and
//! reading each whole response, checking its status and echoed body. A
//! round of one server: connect, then time the requests. Rounds alternate
//! the servers; the line reports the median rate of each and the median of
//! the per-round ratios `faas / hyper` (above 1 means faas is faster).
//!
//! Both servers write their stderr to `/dev/null`. `faas-http-echo` logs
//! one JSON line per request at the default `info` level, as a deployed
//! function does; the `no-logs` line runs it with `RUST_LOG=off`.
//!
//! ```text
//! cargo bench -p faas-benches --bench http_throughput             # 15 rounds of 25,600 requests
//! cargo bench -p faas-benches --bench http_throughput -- --quick  # 5 rounds of 6,400
//! ```

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faas_benches::Mode;
use faas_benches::build::{Build, Profile};
use faas_benches::compare::{Side, format_rate, interleave};
use faas_testkit::local::HttpReply;
use faas_testkit::process::wait_for_port;
use faas_testkit::tools::free_port;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// Keep-alive connections the client keeps open.
const CONNECTIONS: usize = 64;

/// What every request posts, and every response must echo.
const BODY: &[u8] = br#"{"order_id":"o-1","amount_cents":1250,"currency":"EUR","lines":3}"#;

/// A server process on a loopback port, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(rt: &Runtime, binary: &Path, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let child = Command::new(binary)
            .env_clear()
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("{}: {err}", binary.display()));
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let server = Server { child, addr };
        rt.block_on(wait_for_port(addr, Duration::from_secs(10)))
            .unwrap_or_else(|err| panic!("{}: {err}", binary.display()));
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A keep-alive HTTP/1.1 connection that sends the bench's request.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(4096),
        })
    }

    /// Sends `request` and reads the response; it must be `200` with [`BODY`].
    async fn exchange(&mut self, request: &[u8]) -> io::Result<()> {
        self.stream.write_all(request).await?;
        let (head, head_end) = loop {
            if let Some(head) = HttpReply::parse_head(&self.buffer)? {
                break head;
            }
            self.fill().await?;
        };
        let (status, length) = (head.status, content_length(&head)?);
        let end = head_end + length;
        while self.buffer.len() < end {
            self.fill().await?;
        }
        if status != 200 || &self.buffer[head_end..end] != BODY {
            let response = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
            return Err(io::Error::other(format!(
                "unexpected response:\n{response}"
            )));
        }
        self.buffer.drain(..end);
        Ok(())
    }

    async fn fill(&mut self) -> io::Result<()> {
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

/// A response's `Content-Length`.
fn content_length(head: &HttpReply) -> io::Result<usize> {
    head.header("content-length")
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Content-Length"))
}

/// The request every connection sends.
fn request() -> Vec<u8> {
    let mut request = format!(
        "POST /orders HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        BODY.len()
    )
    .into_bytes();
    request.extend_from_slice(BODY);
    request
}

/// One round against `addr`: `requests` requests over [`CONNECTIONS`]
/// connections; requests per second.
fn round(rt: &Runtime, addr: SocketAddr, requests: usize) -> f64 {
    rt.block_on(async {
        let mut connections = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            connections.push(Connection::open(addr).await.expect("the server accepts"));
        }
        let per_connection = requests / CONNECTIONS;
        let started = Instant::now();
        let mut tasks = JoinSet::new();
        for mut connection in connections {
            tasks.spawn(async move {
                let request = request();
                for _ in 0..per_connection {
                    connection.exchange(&request).await?;
                }
                io::Result::Ok(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("a client task").expect("an exchange");
        }
        (per_connection * CONNECTIONS) as f64 / started.elapsed().as_secs_f64()
    })
}

fn main() {
    let mode = Mode::from_args();
    if !mode.measures("http_throughput") {
        return;
    }
    let binaries = Build::new(Profile::Release)
        .package("faas-benches")
        .bin("faas-http-echo")
        .bin("hyper-echo")
        .run()
        .expect("the binaries build");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let (rounds, requests) = mode.pick((5, 100 * CONNECTIONS), (15, 400 * CONNECTIONS));

    let hyper = Server::start(&rt, binaries.path("hyper-echo"), &[]);
    let variants: [(&str, &[(&str, &str)]); 2] = [
        ("http_throughput", &[("FAAS_PLATFORM", "http")]),
        (
            "http_throughput/no-logs",
            &[("FAAS_PLATFORM", "http"), ("RUST_LOG", "off")],
        ),
    ];
    let mut lines = Vec::new();
    for (name, env) in variants {
        let faas = Server::start(&rt, binaries.path("faas-http-echo"), env);
        // Warm both up (and check their answers).
        round(&rt, faas.addr, 10 * CONNECTIONS);
        round(&rt, hyper.addr, 10 * CONNECTIONS);
        let comparison = interleave(rounds, |side| match side {
            Side::Faas => round(&rt, faas.addr, requests),
            Side::Baseline => round(&rt, hyper.addr, requests),
        });
        let line = comparison.line(name, format_rate);
        eprintln!("{line}");
        lines.push(line);
    }
    println!(
        "\nfaas-http-echo / hyper-echo, requests per second over loopback, {CONNECTIONS} keep-alive \
         connections, {requests} requests a round, {rounds} interleaved rounds (median; goal ≥ 0.9×):"
    );
    for line in lines {
        println!("{line}");
    }
}
