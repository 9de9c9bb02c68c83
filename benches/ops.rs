//! Operational figures of the real binary (`neonpanel-mcp sandbox`): cold start to healthy,
//! memory per idle SSE session, and `tools/call` throughput and latency over the legacy SSE
//! transport (POST /messages, answer on the stream).
//!
//! Run: `cargo bench --bench ops` (SSE_SESSIONS=1000, BENCH_SECS=5, BENCH_CONCURRENCY=16).
//! The load generator shares the machine with the server: figures are a floor.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Server {
    child: tokio::process::Child,
    base: String,
    token: String,
}

async fn start() -> (Server, Duration) {
    let started = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"))
        .args(["sandbox", "--port", "0", "--sandbox-port", "0"])
        .env("LOG_LEVEL", "warn")
        .env("RATE_LIMIT_PER_MINUTE", "0")
        .env("SSE_HEARTBEAT_MS", "15000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut token) = (String::new(), String::new());
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(url) = line.trim().strip_prefix("MCP (Streamable HTTP):") {
            base = url.trim().trim_end_matches("/mcp").to_owned();
        }
        if let Some(t) = line.strip_prefix("ACCESS_TOKEN=") {
            token = t.trim().to_owned();
            break;
        }
    }
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    (Server { child, base, token }, started.elapsed())
}

/// One SSE session: its stream and its message endpoint.
struct Session {
    stream: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
    endpoint: String,
}

impl Session {
    async fn open(http: &reqwest::Client, server: &Server) -> Self {
        let response = http
            .get(format!("{}/sse", server.base))
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap();
        let mut session = Self {
            stream: response.bytes_stream().boxed(),
            buffer: String::new(),
            endpoint: String::new(),
        };
        let (_, data) = session.next_event().await;
        session.endpoint = format!("{}{data}", server.base);
        session
    }

    async fn next_event(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let name = raw
                    .lines()
                    .find_map(|l| l.strip_prefix("event:"))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                let data = raw
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                return (name, data);
            }
            let chunk = self.stream.next().await.unwrap().unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn rpc(&mut self, http: &reqwest::Client, token: &str, body: &Value) -> Value {
        let status = http
            .post(&self.endpoint)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status.as_u16(), 202);
        loop {
            let (name, data) = self.next_event().await;
            if name == "message" {
                return serde_json::from_str(&data).unwrap();
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// The same call over the stateless streamable endpoint, for comparison.
async fn streamable(server: &Server, secs: u64, concurrency: usize) -> Vec<Duration> {
    let http = reqwest::Client::new();
    let list = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}});
    let accounts: Value = http
        .post(format!("{}/mcp", server.base))
        .bearer_auth(&server.token)
        .json(&list)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = accounts["result"]["structuredContent"]["items"][0]["accountId"]
        .as_str()
        .unwrap()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, url, token, account) = (
            http.clone(),
            format!("{}/mcp", server.base),
            server.token.clone(),
            account.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"neonpanel_search_orders","arguments":{"accountId": account}}});
                let started = Instant::now();
                let answer: Value = http.post(&url).bearer_auth(&token).header("mcp-protocol-version", "2025-06-18").json(&body).send().await.unwrap().json().await.unwrap();
                assert_eq!(answer["result"]["isError"], false);
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    all
}

fn main() {
    let sessions = env_or("SSE_SESSIONS", 1000) as usize;
    let secs = env_or("BENCH_SECS", 5);
    let concurrency = env_or("BENCH_CONCURRENCY", 16) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (server, cold) = start().await;
        println!("cold start to healthy (sandbox + server, debug-free release binary): {cold:?}");
        let pid = server.child.id().unwrap();
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();

        // Memory per idle SSE session.
        let before = rss_kib(pid);
        let mut idle = Vec::with_capacity(sessions);
        for _ in 0..sessions {
            idle.push(Session::open(&http, &server).await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = rss_kib(pid);
        println!(
            "idle SSE sessions: {sessions} open, RSS {before} KiB → {after} KiB, {:.1} KiB per session",
            (after.saturating_sub(before)) as f64 / sessions as f64
        );
        drop(idle);

        // tools/call over SSE.
        let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}});
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let http = reqwest::Client::new();
            let token = server.token.clone();
            let mut session = Session::open(&http, &server).await;
            session.rpc(&http, &token, &init).await;
            let accounts = session
                .rpc(&http, &token, &json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}))
                .await;
            let account = accounts["result"]["structuredContent"]["items"][0]["accountId"].as_str().unwrap().to_owned();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut id = 2;
                while Instant::now() < deadline {
                    let body = json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":"neonpanel_search_orders","arguments":{"accountId": account}}});
                    let started = Instant::now();
                    let answer = session.rpc(&http, &token, &body).await;
                    assert_eq!(answer["result"]["isError"], false);
                    latencies.push(started.elapsed());
                    id += 1;
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        all.sort();
        let sse = all;
        let all = streamable(&server, secs, concurrency).await;
        println!(
            "tools/call over POST /mcp ({concurrency} connections, {secs}s, sandbox upstream): {:.0} req/s, p50 {:?}, p99 {:?}",
            all.len() as f64 / secs as f64,
            percentile(&all, 0.5),
            percentile(&all, 0.99)
        );
        let all = sse;
        println!(
            "tools/call over SSE (/messages → stream, {concurrency} sessions, {secs}s, sandbox upstream): {:.0} req/s, p50 {:?}, p99 {:?}",
            all.len() as f64 / secs as f64,
            percentile(&all, 0.5),
            percentile(&all, 0.99)
        );
    });
}
