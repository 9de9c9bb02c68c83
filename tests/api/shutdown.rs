//! Graceful shutdown (docs/design.md §2, §8) in-process: SSE streams closed, in-flight calls
//! finished, stopped in time. The real process on SIGTERM is in `shutdown_process`.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
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
