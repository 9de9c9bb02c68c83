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
    let world = world(|s, _| s.shutdown_grace_ms = Some(5000)).await;
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

#[tokio::test]
async fn the_sandbox_process_exits_0_on_sigterm_and_its_logs_hold_no_credential() {
    // Arrange: the real binary on free ports, JSON logs.
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"))
        .args(["sandbox", "--port", "0", "--sandbox-port", "0"])
        .env("LOG_FORMAT", "json")
        .env("SHUTDOWN_GRACE_MS", "3000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut access_token) = (String::new(), String::new());
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.trim().strip_prefix("MCP (Streamable HTTP):") {
                base = url.trim().trim_end_matches("/mcp").to_owned();
            }
            if let Some(t) = line.strip_prefix("ACCESS_TOKEN=") {
                access_token = t.trim().to_owned();
                break;
            }
        }
    })
    .await
    .expect("the banner is printed");
    let http = reqwest::Client::new();
    let call = http
        .post(format!("{base}/mcp"))
        .bearer_auth(&access_token)
        .header("content-type", "application/json")
        .header("x-request-id", "shutdown-test-1")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(call.status().as_u16(), 200);
    let sse = http
        .get(format!("{base}/sse"))
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    let mut stream = sse.bytes_stream();
    assert!(String::from_utf8_lossy(&stream.next().await.unwrap().unwrap()).contains("endpoint"));

    // Act
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
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
    assert!(!logs.contains(&access_token), "the access token was logged");
    assert!(!logs.contains("eyJ"), "a JWT was logged:\n{logs}");
    assert!(
        !logs.to_lowercase().contains("bearer "),
        "an Authorization value was logged"
    );
}
