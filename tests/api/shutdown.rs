//! Graceful shutdown (docs/design.md §2, §8): draining health, SSE streams closed, in-flight calls
//! finished, exit 0 in time; and the logs of a real process carry no credential.

use std::process::Stdio;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::real::{token, world};

const COMPANY: &str = "a1b2c3d4e5f6g7h8i9j0";

#[tokio::test]
async fn shutdown_finishes_the_in_flight_call_closes_sse_streams_and_stops_in_time() {
    // Arrange: a slow upstream, an open SSE stream and a call in flight.
    let world = world(|s, _| s.shutdown_grace_ms = Some("5000".into())).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/companies/{COMPANY}/invoices")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(800))
                .set_body_json(
                    json!({"current_page": 1, "per_page": 25, "last_page": 1, "data": []}),
                ),
        )
        .mount(&world.neonpanel)
        .await;
    let bearer = token("alice");
    let sse = world
        .app
        .http
        .get(world.app.url("/sse"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    let mut stream = sse.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: endpoint"));
    let http = world.app.http.clone();
    let url = world.app.url("/mcp");
    let call_bearer = bearer.clone();
    let in_flight = tokio::spawn(async move {
        http.post(url)
            .bearer_auth(call_bearer)
            .header("content-type", "application/json")
            .body(
                json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
                "name":"neonpanel_search_orders","arguments":{"accountId": COMPANY}}})
                .to_string(),
            )
            .send()
            .await
    });
    // Wait (bounded) until NeonPanel has the upstream request: the call is now in flight.
    for _ in 0..200 {
        let requests = world
            .neonpanel
            .received_requests()
            .await
            .unwrap_or_default();
        if requests.iter().any(|r| r.url.path().ends_with("/invoices")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Act
    let started = tokio::time::Instant::now();
    world.app.shutdown.trigger().await;

    // Assert: the SSE stream ends, the call completes, the server stops well within the grace.
    let rest = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(rest.is_ok(), "the SSE stream was closed");
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight call was answered");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"]["isError"], false, "{body}");
    tokio::time::timeout(Duration::from_secs(5), world.server)
        .await
        .expect("stopped within the grace")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// The real binary in sandbox mode on free ports, with JSON logs and only the environment
/// given here (a developer's `REDIS_URL` or `.env` cannot leak in): the child, its base URL,
/// the sandbox user's access token and the sandbox (fake NeonPanel) URL.
async fn spawn_sandbox(env: &[(&str, &str)]) -> (tokio::process::Child, String, String, String) {
    let workdir =
        std::env::temp_dir().join(format!("neonpanel-mcp-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"))
        .args(["sandbox", "--port", "0", "--sandbox-port", "0"])
        .env_clear()
        .current_dir(&workdir)
        .env("LOG_FORMAT", "json")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut access_token, mut sandbox) = (String::new(), String::new(), String::new());
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.trim().strip_prefix("MCP (Streamable HTTP):") {
                base = url.trim().trim_end_matches("/mcp").to_owned();
            }
            if let Some(rest) = line.trim().strip_prefix("NeonPanel sandbox:") {
                sandbox = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
            if let Some(t) = line.strip_prefix("ACCESS_TOKEN=") {
                access_token = t.trim().to_owned();
                break;
            }
        }
    })
    .await
    .expect("the banner is printed");
    // Keep reading stdout so that a later line never meets a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base, access_token, sandbox)
}

fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
}

const LIST_ACCOUNTS: &str =
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#;

#[tokio::test]
async fn after_sigterm_the_process_serves_new_requests_with_healthz_draining_then_exits_0() {
    // Arrange: 1.5 s of draining within a 4 s grace.
    let (mut child, base, access_token, _) =
        spawn_sandbox(&[("SHUTDOWN_GRACE_MS", "4000"), ("SHUTDOWN_DRAIN_MS", "1500")]).await;
    let healthy = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(healthy.status().as_u16(), 200);

    // Act: SIGTERM, then requests on connections opened after it.
    sigterm(&child);
    let signalled = tokio::time::Instant::now();
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let mut health = None;
    for _ in 0..100 {
        let response = fresh().get(format!("{base}/healthz")).send().await.unwrap();
        if response.status().as_u16() == 503 {
            health = Some(response.json::<Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let call = fresh()
        .post(format!("{base}/mcp"))
        .bearer_auth(&access_token)
        .header("content-type", "application/json")
        .body(LIST_ACCOUNTS)
        .send()
        .await
        .expect("a request after SIGTERM is served");
    let call_status = call.status().as_u16();
    let call_body: Value = call.json().await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits in time")
        .unwrap();

    // Assert
    let health = health.expect("/healthz turned 503 after SIGTERM");
    assert_eq!(health["status"], "draining", "{health}");
    assert_eq!(call_status, 200);
    assert_eq!(call_body["result"]["isError"], false, "{call_body}");
    assert_eq!(status.code(), Some(0));
    let took = signalled.elapsed();
    assert!(
        took >= Duration::from_millis(1500),
        "it drained first: {took:?}"
    );
    assert!(
        took < Duration::from_secs(6),
        "it stopped within the grace: {took:?}"
    );
}

#[tokio::test]
async fn the_sandbox_process_exits_0_on_sigterm_and_its_logs_hold_no_credential() {
    // Arrange: the real binary on free ports, JSON logs.
    let (mut child, base, access_token, sandbox) =
        spawn_sandbox(&[("SHUTDOWN_GRACE_MS", "3000"), ("SHUTDOWN_DRAIN_MS", "0")]).await;
    let http = reqwest::Client::new();
    let call = http
        .post(format!("{base}/mcp"))
        .bearer_auth(&access_token)
        .header("content-type", "application/json")
        .header("x-request-id", "shutdown-test-1")
        .body(LIST_ACCOUNTS)
        .send()
        .await
        .unwrap();
    assert_eq!(call.status().as_u16(), 200);
    // NeonPanel fails with a body of its own: the model gets the fixed text, the log the detail.
    let injected = http
        .post(format!("{sandbox}/__sandbox/faults"))
        .json(&json!({"path_prefix": "/api/v1/companies", "status": 500}))
        .send()
        .await
        .unwrap();
    assert!(injected.status().is_success());
    let failed: Value = http
        .post(format!("{base}/mcp"))
        .bearer_auth(&access_token)
        .header("content-type", "application/json")
        .header("x-request-id", "upstream-fail-1")
        .body(LIST_ACCOUNTS)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = failed["result"]["content"][0]["text"].as_str().unwrap();
    assert_eq!(
        text,
        "NeonPanel is unavailable right now. Try again in a minute."
    );
    let sse = http
        .get(format!("{base}/sse"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    let mut stream = sse.bytes_stream();
    assert!(String::from_utf8_lossy(&stream.next().await.unwrap().unwrap()).contains("endpoint"));

    // Act
    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits in time")
        .unwrap();

    // Assert
    assert_eq!(status.code(), Some(0));
    let ended = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = stream.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the SSE stream ended with the process");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .await
        .unwrap();
    assert!(
        logs.contains("shutdown-test-1"),
        "the access log names the request id:\n{logs}"
    );
    assert!(
        logs.contains(r#""subject":"alice""#),
        "the access log names the subject:\n{logs}"
    );
    let upstream_line = logs
        .lines()
        .find(|l| l.contains("tool failed upstream"))
        .unwrap_or_else(|| panic!("the upstream failure was logged:\n{logs}"));
    assert!(upstream_line.contains("upstream-fail-1"), "{upstream_line}");
    assert!(upstream_line.contains("injected fault"), "{upstream_line}");
    assert!(
        upstream_line.contains(r#""level":"WARN""#),
        "{upstream_line}"
    );
    assert!(!logs.contains(&access_token), "the access token was logged");
    assert!(!logs.contains("eyJ"), "a JWT was logged:\n{logs}");
    assert!(
        !logs.to_lowercase().contains("bearer "),
        "an Authorization value was logged"
    );
}
