//! Concurrency costs no OS threads: 500 tool calls in flight against a slow NeonPanel (wiremock
//! with a delay) run on the runtime's workers, not one blocking thread each.
//!
//! Its own test binary, so that no other test's threads are counted in `/proc/self/status`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/load.rs"]
mod load;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use neonpanel_mcp::startup::wiring::App;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use self::load::{identity_provider, open_files_limit, settings, token};

const CALLS: usize = 500;
const UPSTREAM_DELAY: Duration = Duration::from_millis(400);
/// Threads the burst may add on top of what the process had before it: a blocking client
/// would add one per call in flight (hundreds).
const MAX_EXTRA_THREADS: usize = 16;

/// `Threads:` of `/proc/self/status`.
fn os_threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a Threads line")
}

async fn call(http: &reqwest::Client, url: &str, token: &str) -> Value {
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "neonpanel_list_accounts", "arguments": {}}})
            .to_string(),
        )
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_slow_tool_calls_in_flight_need_no_extra_threads() {
    // Arrange
    assert!(
        open_files_limit() >= 4 * CALLS + 256,
        "this test needs `ulimit -n` of at least {}",
        4 * CALLS + 256
    );
    // The identity provider and NeonPanel, whose company list takes UPSTREAM_DELAY.
    let upstream = identity_provider().await;
    let companies = json!({
        "current_page": 1, "per_page": 25, "last_page": 1,
        "data": [{"uuid": "acme", "name": "Acme"}],
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(companies)
                .set_delay(UPSTREAM_DELAY),
        )
        .mount(&upstream)
        .await;
    let base = upstream.uri();
    let settings = settings(&base, &base);
    let config = settings.validate().expect("valid settings");
    let app = App::build(&config).await.expect("app builds");
    let url = format!("http://{}/mcp", app.local_addr());
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CALLS)
        .build()
        .unwrap();
    let token = token();
    // One call first: the verified token and the user JWT are cached, connections warm.
    let first = call(&http, &url, &token).await;
    assert_eq!(
        first["result"]["structuredContent"]["items"][0]["accountId"],
        "acme"
    );
    let before = os_threads();
    let peak = Arc::new(AtomicUsize::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(os_threads(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    // Act
    let calls = (0..CALLS).map(|_| {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tokio::spawn(async move { call(&http, &url, &token).await })
    });
    let answers = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(calls),
    )
    .await
    .expect("the burst finished in time");
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();

    // Assert
    for answer in answers {
        let answer = answer.expect("task ran");
        assert_eq!(answer["result"]["isError"], false, "{answer}");
    }
    let upstream_calls = upstream
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v1/companies")
        .count();
    assert_eq!(upstream_calls, CALLS + 1, "every call reached NeonPanel");
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        peak <= before + MAX_EXTRA_THREADS,
        "{CALLS} calls in flight grew the process from {before} to {peak} threads"
    );
    shutdown.trigger().await;
    server.await.unwrap();
}
