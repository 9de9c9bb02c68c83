//! What a tool call costs in memory while it waits on NeonPanel: the heap this process holds per
//! call in flight, counted by a counting allocator (requested bytes, so the figure does not
//! depend on the allocator's size classes or on timing).
//!
//! The scale mode of the shared bench holds 512 calls on a slow upstream and reads the peak RSS;
//! almost all of that is this per-call heap. RSS moves by a megabyte or two between runs on the
//! same binary; this count is the same on every run of a build, so a change to the request path can be judged
//! here before the harness confirms it.
//!
//! Its own test binary, so that its global allocator and its count see no other test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/load.rs"]
mod load;

use std::alloc::System;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cap::Cap;
use neonpanel_mcp::startup::wiring::App;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use self::load::{identity_provider, open_files_limit, settings, token};

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

/// Calls held in flight at once (the bench's scale mode holds 512).
const CALLS: usize = 256;
/// Heap per call in flight, this server's own (the test's sockets are measured and taken
/// out). Measured 2026-12-07: 62.9 KiB, 69.5 KiB before the cuts of README "Where the memory
/// goes"; most of it is hyper's buffers. The ceiling leaves room for dependency upgrades, not
/// for the state of a cold path carried by every waiting call again.
const MAX_BYTES_PER_CALL: usize = 66 * 1024;

const COMPANIES: &str =
    r#"{"current_page":1,"per_page":25,"last_page":1,"data":[{"uuid":"acme","name":"Acme"}]}"#;

/// NeonPanel that answers `GET /api/v1/companies` only once `open` turns true, over keep-alive
/// connections; `arrived` gets a permit per request received.
async fn held_neonpanel(open: watch::Receiver<bool>, arrived: Arc<Semaphore>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (mut open, arrived) = (open.clone(), Arc::clone(&arrived));
            tokio::spawn(async move {
                let mut head = [0_u8; 1024];
                loop {
                    if read_head(&mut socket, &mut head).await.is_none() {
                        return;
                    }
                    arrived.add_permits(1);
                    if open.wait_for(|open| *open).await.is_err() {
                        return;
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{COMPANIES}",
                        COMPANIES.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    address
}

/// Reads one bodiless request head into `buffer`; `None` at end of stream.
async fn read_head(socket: &mut TcpStream, buffer: &mut [u8]) -> Option<()> {
    let mut filled = 0;
    while !buffer[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buffer[filled..]).await.ok()?;
        if n == 0 || filled + n == buffer.len() {
            return None;
        }
        filled += n;
    }
    Some(())
}

/// What the test sends NeonPanel directly to measure its own sockets.
const GET_HEAD: &[u8] = b"GET /api/v1/companies HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";

/// One `tools/call` of `neonpanel_list_accounts`, as the bench's wrk script sends it.
fn call_bytes(token: &str) -> Vec<u8> {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts","arguments":{}}}"#;
    format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\naccept: application/json, text/event-stream\r\n\
         mcp-protocol-version: 2025-06-18\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response with a `content-length` body off a keep-alive connection.
async fn read_answer(socket: &mut TcpStream) -> (String, Value) {
    let mut bytes = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .expect("a content-length");
            if bytes.len() >= end + 4 + length {
                let body = serde_json::from_slice(&bytes[end + 4..end + 4 + length]).unwrap();
                return (head, body);
            }
        }
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection mid-answer");
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// The heap held while CALLS new connections to `address` have each sent `request` and wait on
/// NeonPanel; then releases them and checks every answer.
async fn held_heap(
    open: &watch::Sender<bool>,
    arrived: &Semaphore,
    address: SocketAddr,
    request: &[u8],
) -> usize {
    let before = settled_heap().await;
    let mut clients = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let mut client = TcpStream::connect(address).await.unwrap();
        client.write_all(request).await.unwrap();
        clients.push(client);
    }
    let all_arrived = tokio::time::timeout(
        Duration::from_secs(60),
        arrived.acquire_many(u32::try_from(CALLS).unwrap()),
    )
    .await
    .expect("every call reached NeonPanel in time")
    .unwrap();
    all_arrived.forget();
    let held = settled_heap().await.saturating_sub(before);
    open.send_replace(true);
    for client in &mut clients {
        let (head, answer) = read_answer(client).await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        if request != GET_HEAD {
            assert_eq!(answer["result"]["isError"], false, "{answer}");
        }
    }
    open.send_replace(false);
    held
}

/// The heap once it stops changing: the last connections may still be setting up buffers when
/// their request reaches NeonPanel. Bounded: at most 200 samples, 5 ms apart.
async fn settled_heap() -> usize {
    let mut last = HEAP.allocated();
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = HEAP.allocated();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_waiting_on_neonpanel_holds_a_bounded_heap() {
    // Arrange
    assert!(
        open_files_limit() >= 4 * CALLS + 256,
        "this test needs `ulimit -n` of at least {}",
        4 * CALLS + 256
    );
    let identity = identity_provider().await;
    let (open, opened) = watch::channel(false);
    let arrived = Arc::new(Semaphore::new(0));
    let api_address = held_neonpanel(opened, Arc::clone(&arrived)).await;
    let settings = settings(&identity.uri(), &format!("http://{api_address}"));
    let app = App::build(&settings.validate().unwrap()).await.unwrap();
    let address = app.local_addr();
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    let request = call_bytes(&token());
    // One call through first: the verified token and the user JWT are cached, every lazily
    // built thing is built.
    let mut warm = TcpStream::connect(address).await.unwrap();
    open.send_replace(true);
    warm.write_all(&request).await.unwrap();
    let (_, first) = read_answer(&mut warm).await;
    assert_eq!(first["result"]["isError"], false, "{first}");
    drop(warm);
    arrived.forget_permits(usize::MAX);
    open.send_replace(false);
    // What the test's own end of each call costs (a client socket, and NeonPanel's socket and
    // task): the same sockets held with no server between them.
    let own = held_heap(&open, &arrived, api_address, GET_HEAD).await;

    // Act: CALLS connections each send a call; all of them wait on NeonPanel.
    let total = held_heap(&open, &arrived, address, &request).await;

    // Assert
    let per_call = total.saturating_sub(own) / CALLS;
    println!(
        "heap per call in flight: {per_call} bytes ({CALLS} calls; {} bytes each were the test's own sockets)",
        own / CALLS
    );
    assert!(
        per_call <= MAX_BYTES_PER_CALL,
        "{per_call} bytes of heap per call waiting on NeonPanel (at most {MAX_BYTES_PER_CALL})"
    );
    shutdown.trigger().await;
    server.await.unwrap();
}
