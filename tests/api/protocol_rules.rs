//! One test per protocol rule of docs/design.md §2/§7, with raw HTTP so the wire is what is checked.
//! Every JSON-RPC answer is validated against the official schema of its era.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::doubles::{ALICE, BOB};
use super::helpers::{TestApp, spawn_app};
use super::schema::check_message;

const MODERN: &str = "2026-07-28";

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw-test", "version": "1"}
    })
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

async fn legacy(app: &TestApp, body: Value, version: Option<&str>) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = version
        .map(|v| vec![("mcp-protocol-version", v)])
        .unwrap_or_default();
    let response = app.post_mcp(&body.to_string(), &headers).await;
    let status = response.status().as_u16();
    let value = json_of(response).await;
    let method = body.get("method").and_then(Value::as_str);
    if let Value::Array(items) = &value {
        for item in items {
            check_message(None, false, item);
        }
    } else {
        check_message(method, false, &value);
    }
    (status, value)
}

async fn modern(app: &TestApp, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let response = app.post_mcp(&body.to_string(), headers).await;
    let status = response.status().as_u16();
    let value = json_of(response).await;
    check_message(body.get("method").and_then(Value::as_str), true, &value);
    (status, value)
}

#[tokio::test]
async fn initialize_with_an_unknown_version_is_answered_with_our_latest() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2099-01-01","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    let (status, value) = legacy(&app, body, None).await;
    assert_eq!(status, 200);
    assert_eq!(value["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(
        value["result"]["capabilities"],
        json!({"tools": {"listChanged": false}})
    );
    assert_eq!(value["result"]["serverInfo"]["title"], "NeonPanel");
    let instructions = value["result"]["instructions"].as_str().unwrap();
    assert!(
        instructions
            .chars()
            .take(512)
            .collect::<String>()
            .contains("NeonPanel")
    );
}

#[tokio::test]
async fn initialize_with_a_known_older_version_keeps_it() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    let (_, value) = legacy(&app, body, None).await;
    assert_eq!(value["result"]["protocolVersion"], "2025-03-26");
}

#[tokio::test]
async fn batch_is_answered_as_an_array_in_2025_03_26() {
    let app = spawn_app().await;
    let batch = json!([
        {"jsonrpc":"2.0","id":1,"method":"ping"},
        {"jsonrpc":"2.0","method":"notifications/initialized"},
        {"jsonrpc":"2.0","id":2,"method":"tools/list"}
    ]);
    for version in [None, Some("2025-03-26")] {
        let (status, value) = legacy(&app, batch.clone(), version).await;
        assert_eq!(status, 200, "{version:?}");
        let items = value.as_array().expect("an array answer");
        assert_eq!(items.len(), 2, "the notification gets no answer");
        assert_eq!(
            items[1]["result"]["tools"].as_array().map(Vec::len),
            Some(11)
        );
    }
}

#[tokio::test]
async fn batch_is_refused_after_2025_03_26() {
    let app = spawn_app().await;
    let batch = json!([{"jsonrpc":"2.0","id":1,"method":"ping"}]);
    for version in ["2025-06-18", "2025-11-25"] {
        let (status, value) = legacy(&app, batch.clone(), Some(version)).await;
        assert_eq!(status, 400, "{version}");
        assert_eq!(value["error"]["code"], -32600);
    }
}

#[tokio::test]
async fn initialize_inside_a_batch_is_an_invalid_request() {
    let app = spawn_app().await;
    let batch = json!([{"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}]);
    let (_, value) = legacy(&app, batch, None).await;
    assert_eq!(value[0]["error"]["code"], -32600);
}

#[tokio::test]
async fn notification_is_accepted_with_202_and_no_body() {
    let app = spawn_app().await;
    let response = app
        .post_mcp(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            &[],
        )
        .await;
    assert_eq!(response.status().as_u16(), 202);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn malformed_json_is_a_parse_error() {
    let app = spawn_app().await;
    let response = app
        .post_mcp(r#"{"jsonrpc":"2.0","id":1,"method":"#, &[])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let value = json_of(response).await;
    check_message(None, false, &value);
    assert_eq!(value["error"]["code"], -32700);
}

#[tokio::test]
async fn a_message_that_is_not_json_rpc_is_an_invalid_request() {
    let app = spawn_app().await;
    for body in [
        json!({"id": 1, "method": "ping"}),
        json!({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}),
        json!(42),
    ] {
        let (status, value) = legacy(&app, body.clone(), None).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(value["error"]["code"], -32600, "{body}");
    }
}

#[tokio::test]
async fn unknown_method_is_method_not_found() {
    let app = spawn_app().await;
    let (status, value) = legacy(
        &app,
        json!({"jsonrpc":"2.0","id":"a","method":"resources/list"}),
        Some("2025-06-18"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(value["error"]["code"], -32601);
    assert_eq!(value["id"], "a");
}

#[tokio::test]
async fn unknown_tool_is_invalid_params() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{}}});
    let (_, value) = legacy(&app, body, Some("2025-11-25")).await;
    assert_eq!(value["error"]["code"], -32602);
}

#[tokio::test]
async fn invalid_arguments_before_2025_11_25_are_invalid_params_with_field_paths() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
        "name":"neonpanel_search_orders","arguments":{"accountId":"acme","from":"2024-13-01"}}});
    let (_, value) = legacy(&app, body, Some("2025-06-18")).await;
    assert_eq!(value["error"]["code"], -32602);
    assert_eq!(value["error"]["data"]["fields"][0]["path"], "from");
}

#[tokio::test]
async fn bad_tools_list_cursor_is_invalid_params() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"zzz"}});
    let (_, value) = legacy(&app, body, Some("2025-11-25")).await;
    assert_eq!(value["error"]["code"], -32602);
}

#[tokio::test]
async fn unknown_mcp_session_id_is_ignored_not_rejected() {
    let app = spawn_app().await;
    let response = app
        .post_mcp(
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            &[("mcp-session-id", "agentcore-injected-123")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers().get("mcp-session-id").is_none(),
        "the endpoint never mints a session"
    );
}

#[tokio::test]
async fn client_accepting_only_sse_gets_its_answer_as_one_sse_event() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth(ALICE)
        .header("accept", "text/event-stream")
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = response.text().await.unwrap();
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data:"))
        .expect("a data line");
    let value: Value = serde_json::from_str(data.trim()).unwrap();
    check_message(Some("ping"), false, &value);
    assert_eq!(value["id"], 9);
}

#[tokio::test]
async fn get_and_delete_on_mcp_are_method_not_allowed() {
    let app = spawn_app().await;
    let get = app
        .http
        .get(app.url("/mcp"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    let delete = app
        .http
        .delete(app.url("/mcp"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert_eq!(delete.status().as_u16(), 405);
}

#[tokio::test]
async fn missing_token_is_401_with_resource_metadata_challenge() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/mcp"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains(
            r#"resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource/mcp""#
        ),
        "{challenge}"
    );
    assert!(
        challenge.contains(r#"scope="neonpanel:read""#),
        "{challenge}"
    );
}

#[tokio::test]
async fn rejected_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth("forged")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(!challenge.contains("forged"));
}

#[tokio::test]
async fn healthz_reports_ok_and_version() {
    let app = spawn_app().await;
    let value = json_of(app.http.get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!(value["status"], "ok");
    assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn healthz_turns_503_draining_when_shutdown_starts() {
    let app = spawn_app().await;
    app.shutdown.trigger().await;
    // From now on no request may be served as healthy: it is refused (listener closed) or
    // answered 503 draining. Poll a bounded number of times on fresh connections.
    for _ in 0..20 {
        let fresh = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        match fresh.get(app.url("/healthz")).send().await {
            Err(_) => return,
            Ok(response) => {
                assert_eq!(response.status().as_u16(), 503);
                assert_eq!(json_of(response).await["status"], "draining");
            }
        }
    }
}

#[tokio::test]
async fn modern_server_discover_is_cacheable_and_names_the_server() {
    let app = spawn_app().await;
    let body =
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta": meta()}});
    let (status, value) = modern(
        &app,
        body,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "server/discover"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let result = &value["result"];
    assert_eq!(result["resultType"], "complete");
    assert!(
        result["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!(MODERN))
    );
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].as_u64().unwrap() > 0);
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "neonpanel-mcp"
    );
}

#[tokio::test]
async fn modern_tools_list_carries_result_type_and_cache_hints() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta": meta()}});
    let (_, value) = modern(
        &app,
        body,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert_eq!(value["result"]["resultType"], "complete");
    assert_eq!(value["result"]["tools"].as_array().map(Vec::len), Some(11));
}

#[tokio::test]
async fn modern_request_without_mcp_method_header_is_a_header_mismatch() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta": meta()}});
    let (status, value) = modern(&app, body, &[("mcp-protocol-version", MODERN)]).await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32020);
}

#[tokio::test]
async fn modern_tools_call_with_a_different_mcp_name_is_a_header_mismatch() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
        "name":"neonpanel_list_accounts","arguments":{},"_meta": meta()}});
    let headers = [
        ("mcp-protocol-version", MODERN),
        ("mcp-method", "tools/call"),
        ("mcp-name", "neonpanel_get_account"),
    ];
    let (status, value) = modern(&app, body, &headers).await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32020);
}

#[tokio::test]
async fn modern_header_disagreeing_with_meta_version_is_a_header_mismatch() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta": meta()}});
    let (status, value) = modern(
        &app,
        body,
        &[
            ("mcp-protocol-version", "2025-11-25"),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32020);
}

#[tokio::test]
async fn modern_request_with_an_unsupported_version_is_refused_with_the_supported_list() {
    let app = spawn_app().await;
    let mut m = meta();
    m["io.modelcontextprotocol/protocolVersion"] = json!("2027-01-01");
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta": m}});
    let (status, value) = modern(
        &app,
        body,
        &[
            ("mcp-protocol-version", "2027-01-01"),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32022);
    assert!(
        value["error"]["data"]["supported"]
            .as_array()
            .unwrap()
            .contains(&json!(MODERN))
    );
}

#[tokio::test]
async fn modern_request_without_meta_is_invalid_params() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}});
    let (status, value) = modern(
        &app,
        body,
        &[
            ("mcp-protocol-version", MODERN),
            ("mcp-method", "tools/list"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32602);
}

#[tokio::test]
async fn modern_unknown_method_is_http_404_with_method_not_found() {
    let app = spawn_app().await;
    for method in ["resources/list", "initialize", "ping"] {
        let body = json!({"jsonrpc":"2.0","id":1,"method":method,"params":{"_meta": meta()}});
        let (status, value) = modern(
            &app,
            body,
            &[("mcp-protocol-version", MODERN), ("mcp-method", method)],
        )
        .await;
        assert_eq!(status, 404, "{method}");
        assert_eq!(value["error"]["code"], -32601, "{method}");
    }
}

#[tokio::test]
async fn modern_invalid_arguments_are_an_is_error_result() {
    let app = spawn_app().await;
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{
        "name":"neonpanel_get_account","arguments":{"accountId":"../etc"},"_meta": meta()}});
    let headers = [
        ("mcp-protocol-version", MODERN),
        ("mcp-method", "tools/call"),
        ("mcp-name", "neonpanel_get_account"),
    ];
    let (status, value) = modern(&app, body, &headers).await;
    assert_eq!(status, 200);
    assert_eq!(value["result"]["isError"], true);
    assert_eq!(
        value["result"]["structuredContent"]["error"]["details"]["fields"][0]["path"],
        "accountId"
    );
}

/// Reads SSE events (name, data) from a live stream; comments come back as ("comment", "").
struct SseReader {
    stream: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    fn new(response: reqwest::Response) -> Self {
        Self {
            stream: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    async fn next_event(&mut self) -> (String, String) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    } else if line.starts_with(':') {
                        name = "comment".into();
                    }
                }
                return (name, data);
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("an event arrives in time")
                .expect("the stream is open")
                .expect("the stream is readable");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn sse_stream_starts_with_a_relative_endpoint_and_sends_heartbeats() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/sse"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(response.headers().get("content-encoding").is_none());
    let mut events = SseReader::new(response);
    let (name, endpoint) = events.next_event().await;
    assert_eq!(name, "endpoint");
    assert!(endpoint.starts_with("/messages?sessionId="), "{endpoint}");
    assert_eq!(
        events.next_event().await.0,
        "comment",
        "a heartbeat follows within 200 ms"
    );
}

#[tokio::test]
async fn sse_message_post_answers_202_and_the_response_arrives_on_the_stream() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/sse"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(response);
    let (_, endpoint) = events.next_event().await;
    let post = app
        .http
        .post(app.url(&endpoint))
        .bearer_auth(ALICE)
        .body(r#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 202);
    let data = loop {
        let (name, data) = events.next_event().await;
        if name == "message" {
            break data;
        }
    };
    let value: Value = serde_json::from_str(&data).unwrap();
    check_message(Some("tools/list"), false, &value);
    assert_eq!(value["result"]["tools"].as_array().map(Vec::len), Some(11));
}

#[tokio::test]
async fn sse_message_post_to_an_unknown_session_is_404() {
    let app = spawn_app().await;
    let post = app
        .http
        .post(app.url("/messages?sessionId=nope"))
        .bearer_auth(ALICE)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 404);
}

#[tokio::test]
async fn sse_message_post_by_another_user_is_403() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/sse"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(response);
    let (_, endpoint) = events.next_event().await;
    let post = app
        .http
        .post(app.url(&endpoint))
        .bearer_auth(BOB)
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 403);
}

#[tokio::test]
async fn sse_session_is_closed_when_the_client_goes_away() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/sse"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(response);
    let (_, endpoint) = events.next_event().await;
    drop(events);
    // The close runs on a spawned task: poll, bounded, until the session is gone.
    let mut status = 0;
    for _ in 0..50 {
        let post = app
            .http
            .post(app.url(&endpoint))
            .bearer_auth(ALICE)
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            .send()
            .await
            .unwrap();
        status = post.status().as_u16();
        if status == 404 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 404);
}

#[tokio::test]
async fn protected_resource_metadata_names_resource_issuer_and_scopes() {
    let app = spawn_app().await;
    for (path, resource) in [
        (
            "/.well-known/oauth-protected-resource",
            "http://127.0.0.1/mcp",
        ),
        (
            "/.well-known/oauth-protected-resource/mcp",
            "http://127.0.0.1/mcp",
        ),
        (
            "/.well-known/oauth-protected-resource/sse",
            "http://127.0.0.1/sse",
        ),
    ] {
        let value = json_of(app.http.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(value["resource"], resource, "{path}");
        assert_eq!(
            value["authorization_servers"],
            json!(["https://issuer.test"])
        );
        assert_eq!(value["scopes_supported"], json!(["neonpanel:read"]));
        assert_eq!(value["bearer_methods_supported"], json!(["header"]));
    }
}
