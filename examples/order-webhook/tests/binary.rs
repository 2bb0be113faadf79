//! `cargo run -p order-webhook`, end to end: the built binary on the local
//! development server, called over real HTTP.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faas_testkit::local::send;

/// The binary, stopped when the test ends (even by a failed assertion).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start() -> (Running, SocketAddr) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_order-webhook"))
        .env("PORT", port.to_string())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("FAAS_PLATFORM")
        .env_remove("K_SERVICE")
        .env_remove("FUNCTION_TARGET")
        .env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let running = Running(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not listen on {addr}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (running, addr)
}

#[tokio::test]
async fn the_binary_serves_orders_on_the_local_server() {
    let (_running, addr) = start().await;
    let body = br#"{"order_id":"o-7","amount_cents":990,"currency":"USD"}"#;
    let reply = send(
        addr,
        "POST",
        "/orders",
        &[("content-type", "application/json")],
        body,
    )
    .await
    .unwrap();
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["order_id"], "o-7");
    assert!(reply.header("x-request-id").is_some());

    let reply = send(
        addr,
        "POST",
        "/orders",
        &[],
        br#"{"order_id":"o-8","amount_cents":0,"currency":"usd"}"#,
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(reply.json()["violations"].as_array().unwrap().len(), 2);
}
