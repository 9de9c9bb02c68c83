//! Slow and greedy clients over raw TCP: stalled bodies, oversized announcements, and too many
//! connections from one address must not take capacity from everyone else.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::doubles::{ALICE, api};
use super::helpers::{Settings, settings, spawn_app_with};

const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

/// The head of a signed-in JSON-RPC POST that announces `length` body bytes.
fn head(length: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {ALICE}\r\n\
         content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
         content-length: {length}\r\n\r\n"
    )
}

async fn send(addr: SocketAddr, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream
}

/// Everything the server sends until it closes the connection, or what came within `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&seen).into_owned(), closed)
}

#[tokio::test]
async fn stalled_bodies_hold_no_concurrency_permit_and_are_answered_408_then_closed() {
    // Arrange: a cap of 2 requests in progress, and 6 signed-in requests that announce 100
    // body bytes but send one.
    let app = spawn_app_with(
        Settings {
            max_concurrent_requests: Some("2".into()),
            body_read_timeout_ms: Some("1000".into()),
            ..settings()
        },
        api(),
    )
    .await;
    let mut stalled = Vec::new();
    for _ in 0..6 {
        stalled.push(send(app.addr, &format!("{}{{", head(100))).await);
    }

    // Act: ordinary calls while the stalled ones wait, for half the body timeout.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.post_mcp(PING, &[]).await.status().as_u16());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Assert: every ordinary call was served; every stalled one got 408 and a closed socket
    // within the body timeout (plus slack), not "for as long as it stays open".
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    for stream in &mut stalled {
        let (text, closed) = read_until_closed(stream, Duration::from_secs(5)).await;
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("-32600"), "a JSON-RPC error body: {text}");
        assert!(closed, "the connection was closed");
    }
}

#[tokio::test]
async fn a_content_length_over_max_body_bytes_is_refused_413_before_the_body_arrives() {
    // Arrange: a long body timeout, so only an up-front refusal answers in time.
    let app = spawn_app_with(
        Settings {
            max_body_bytes: Some("1024".into()),
            body_read_timeout_ms: Some("60000".into()),
            ..settings()
        },
        api(),
    )
    .await;

    // Act: announce 5 MB, send none of it.
    let mut stream = send(app.addr, &head(5_000_000)).await;
    let (text, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;

    // Assert
    assert!(text.starts_with("HTTP/1.1 413"), "{text:?}");
    assert!(text.contains("exceeds 1024 bytes"), "{text}");
    assert!(closed, "the connection was closed");
}

#[tokio::test]
async fn connections_past_the_per_ip_cap_are_dropped_and_a_freed_slot_is_reusable() {
    // Arrange: three idle connections fill the cap of three.
    let app = spawn_app_with(
        Settings {
            max_connections_per_ip: Some("3".into()),
            ..settings()
        },
        api(),
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let ping = format!("{}{PING}", head(PING.len()));

    // Act
    let mut fourth = send(app.addr, &ping).await;
    let (refused, closed) = read_until_closed(&mut fourth, Duration::from_secs(3)).await;

    // Assert: the fourth is closed unanswered; once an idle one leaves, a new one is served.
    assert!(closed && refused.is_empty(), "{refused:?}");
    drop(idle.pop());
    let mut served = String::new();
    for _ in 0..100 {
        let mut stream = send(app.addr, &ping).await;
        let (text, _) = read_until_closed(&mut stream, Duration::from_millis(300)).await;
        if text.starts_with("HTTP/1.1 200") {
            served = text;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served.starts_with("HTTP/1.1 200"), "a freed slot is reused");
}
