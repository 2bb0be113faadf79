//! Real HTTP against a function on the local development server.
//!
//! [`LocalServer`] serves a function in-process on a free loopback port;
//! [`send`] is a minimal HTTP/1.1 client for it (or for a function binary
//! started by a test), so a test sees exactly the bytes a `curl` would.
//!
//! ```
//! use faas::prelude::*;
//! use faas_testkit::local::{LocalServer, send};
//!
//! #[faas::handler]
//! async fn ping(_: HttpRequest) -> Result<&'static str, FunctionError> {
//!     Ok("pong")
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = LocalServer::start(faas::Function::builder(ping {}).build().unwrap()).await.unwrap();
//! let reply = send(server.addr(), "GET", "/ping", &[], b"").await.unwrap();
//! assert_eq!(reply.status, 200);
//! assert_eq!(reply.body, br#""pong""#);
//! server.stop().await;
//! # });
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use faas::contract::FromEvent;
use faas::layer::Service;
use faas::{Function, Handler};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A function served by the local development server on `127.0.0.1:<free port>`.
pub struct LocalServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), faas::StartError>>,
}

impl LocalServer {
    /// Serves `function` with the default body limit (6 MiB).
    pub async fn start<H, S>(function: Function<H, S>) -> std::io::Result<LocalServer>
    where
        H: Handler,
        S: Service<<H::Event as FromEvent>::Unit>,
    {
        LocalServer::start_with_limit(function, faas::server::DEFAULT_MAX_BODY_BYTES).await
    }

    /// Serves `function` accepting bodies up to `max_body_bytes`.
    pub async fn start_with_limit<H, S>(
        function: Function<H, S>,
        max_body_bytes: usize,
    ) -> std::io::Result<LocalServer>
    where
        H: Handler,
        S: Service<<H::Event as FromEvent>::Unit>,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut options = faas::server::ServerOptions::local(&faas::Config::default())
            .map_err(std::io::Error::other)?;
        options.addr = addr;
        options.max_body_bytes = max_body_bytes;
        Ok(LocalServer::spawn(listener, function, options, addr))
    }

    /// Serves `function` as the HTTP platform does (Cloud Run, Knative):
    /// [`ServerOptions::platform`](faas::server::ServerOptions::platform),
    /// on every interface (`0.0.0.0`) and a free port, events on any path.
    /// [`addr`](Self::addr) is its loopback address.
    pub async fn start_platform<H, S>(function: Function<H, S>) -> std::io::Result<LocalServer>
    where
        H: Handler,
        S: Service<<H::Event as FromEvent>::Unit>,
    {
        let listener = TcpListener::bind("0.0.0.0:0").await?;
        let mut options = faas::server::ServerOptions::platform(&faas::Config::default())
            .map_err(std::io::Error::other)?;
        options.addr = listener.local_addr()?;
        let addr = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, options.addr.port()));
        Ok(LocalServer::spawn(listener, function, options, addr))
    }

    /// Serves on `listener` until `stopped`; clients reach it at `addr`.
    fn spawn<H, S>(
        listener: TcpListener,
        function: Function<H, S>,
        options: faas::server::ServerOptions,
        addr: SocketAddr,
    ) -> LocalServer
    where
        H: Handler,
        S: Service<<H::Event as FromEvent>::Unit>,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(faas::server::serve_listener(
            listener,
            Arc::new(function),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        LocalServer { addr, stop, task }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// An HTTP response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The response head at the start of `buffer`: the reply without its
    /// body, and where the body starts; `None` while the head is incomplete
    /// (for clients that read a response in pieces).
    ///
    /// ```
    /// use faas_testkit::local::HttpReply;
    /// let raw = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}";
    /// let (head, body_start) = HttpReply::parse_head(raw).unwrap().unwrap();
    /// assert_eq!((head.status, head.header("content-length")), (201, Some("2")));
    /// assert_eq!(&raw[body_start..], b"{}");
    /// assert!(HttpReply::parse_head(b"HTTP/1.1 200 OK\r\n").unwrap().is_none());
    /// ```
    ///
    /// # Errors
    ///
    /// `InvalidData` for a head that is not UTF-8 or has no status line.
    pub fn parse_head(buffer: &[u8]) -> std::io::Result<Option<(HttpReply, usize)>> {
        let Some(split) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
            return Ok(None);
        };
        let invalid =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let head = std::str::from_utf8(&buffer[..split])
            .map_err(|_| invalid("response headers are not UTF-8"))?;
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let reply = HttpReply {
            status,
            headers,
            body: Vec::new(),
        };
        Ok(Some((reply, split + 4)))
    }
}

/// Sends one HTTP/1.1 request to `addr` and reads the whole response
/// (the connection is closed after it). Gives up after 30 seconds.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpReply> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw)
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no response within 30 s"))?
}

/// Sends `request` (an event builder's binary-mode CloudEvent, push
/// request, …) to `addr` with [`send`]: its method, path and query,
/// headers and body.
///
/// # Errors
///
/// As [`send`]; and `InvalidInput` for a header value that is not visible
/// ASCII, which this client does not send.
pub async fn send_request(
    addr: SocketAddr,
    request: &faas::HttpRequest,
) -> std::io::Result<HttpReply> {
    let mut target = request.path().to_owned();
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(request.query_pairs())
        .finish();
    if !query.is_empty() {
        target.push('?');
        target.push_str(&query);
    }
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("header {name} is not visible ASCII"),
                )
            })?;
            Ok((name.as_str(), value))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    send(
        addr,
        request.method().as_str(),
        &target,
        &headers,
        request.body(),
    )
    .await
}

fn parse_response(raw: &[u8]) -> std::io::Result<HttpReply> {
    let Some((mut reply, body_start)) = HttpReply::parse_head(raw)? else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "no end of headers in the response",
        ));
    };
    reply.body = raw[body_start..].to_vec();
    Ok(reply)
}
