//! Guards at the HTTP edge that a browser or a proxy could otherwise slip past: DNS rebinding
//! (Host and Origin), duplicated `Authorization` headers, and error replies whose request id is
//! unknown.

use serde_json::Value;

use super::doubles::ALICE;
use super::helpers::{Settings, TestApp, settings, spawn_app, spawn_app_with};
use super::schema::check_message;

const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

async fn ping_with(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    app.post_mcp(PING, headers).await.status().as_u16()
}

#[tokio::test]
async fn two_authorization_headers_are_refused_with_400_whichever_comes_first() {
    // Arrange
    let app = spawn_app().await;
    let orders = [
        [format!("Bearer {ALICE}"), "Bearer someone-else".to_owned()],
        ["Bearer someone-else".to_owned(), format!("Bearer {ALICE}")],
        [format!("Bearer {ALICE}"), format!("Bearer {ALICE}")],
    ];
    for [first, second] in orders {
        // Act
        let response = app
            .http
            .post(app.url("/mcp"))
            .header("authorization", &first)
            .header("authorization", &second)
            .header("content-type", "application/json")
            .body(PING)
            .send()
            .await
            .unwrap();

        // Assert
        assert_eq!(response.status().as_u16(), 400, "{first} then {second}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains("Authorization"), "{description}");
        assert!(!description.contains(ALICE), "the token never echoes");
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_loopback_hosts_on_any_port_pass() {
    // Arrange: the test server listens on 127.0.0.1; its resource URL names 127.0.0.1.
    let app = spawn_app().await;

    // Act + Assert
    for host in [
        "evil.example.com",
        "evil.example.com:3000",
        "127.0.0.1.evil.example",
    ] {
        let response = app.post_mcp(PING, &[("host", host)]).await;
        assert_eq!(response.status().as_u16(), 403, "{host}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"].as_str().unwrap().contains("Host"),
            "{body}"
        );
        let metadata = app
            .http
            .get(app.url("/.well-known/oauth-protected-resource/mcp"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(metadata.status().as_u16(), 403, "{host} on metadata");
    }
    for host in ["127.0.0.1:1", "localhost", "LOCALHOST:6274", "[::1]:8080"] {
        assert_eq!(ping_with(&app, &[("host", host)]).await, 200, "{host}");
    }
}

#[tokio::test]
async fn health_checks_pass_whatever_host_a_load_balancer_sends() {
    let app = spawn_app().await;
    let health = app
        .http
        .get(app.url("/healthz"))
        .header("host", "10.0.3.17:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn allowed_hosts_defaults_to_the_resource_url_host_and_star_turns_the_check_off() {
    // Arrange
    let public = spawn_app_with(
        Settings {
            resource_url: Some("https://mcp.example.com/mcp".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let listed = spawn_app_with(
        Settings {
            allowed_hosts: Some("mcp.example.com, mcp.internal:8443".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let off = spawn_app_with(
        Settings {
            allowed_hosts: Some("*".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;

    // Act + Assert
    assert_eq!(
        ping_with(&public, &[("host", "mcp.example.com")]).await,
        200
    );
    assert_eq!(
        ping_with(&public, &[("host", "MCP.example.com:443")]).await,
        200
    );
    assert_eq!(
        ping_with(&public, &[("host", "other.example.com")]).await,
        403
    );
    assert_eq!(
        ping_with(&listed, &[("host", "mcp.example.com")]).await,
        200
    );
    assert_eq!(
        ping_with(&listed, &[("host", "mcp.internal:8443")]).await,
        200
    );
    assert_eq!(
        ping_with(&listed, &[("host", "mcp.internal:9000")]).await,
        403
    );
    assert_eq!(ping_with(&off, &[("host", "evil.example.com")]).await, 200);
}

#[tokio::test]
async fn loopback_origins_on_any_port_pass_on_a_loopback_server_and_others_are_refused() {
    // Arrange: the test server is bound to 127.0.0.1 and lists no Origin.
    let app = spawn_app().await;

    // Act + Assert
    for origin in [
        "http://localhost:6274",
        "http://127.0.0.1:51234",
        "http://[::1]:3000",
        "https://localhost",
    ] {
        assert_eq!(
            ping_with(&app, &[("origin", origin)]).await,
            200,
            "{origin}"
        );
    }
    for origin in [
        "http://evil.example.com",
        "http://localhost.evil.example.com",
        "null",
    ] {
        assert_eq!(
            ping_with(&app, &[("origin", origin)]).await,
            403,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn error_replies_whose_request_id_is_unknown_carry_id_null() {
    // Arrange
    let app = spawn_app().await;
    let strict = spawn_app_with(
        Settings {
            rate_limit_per_minute: Some("1".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    assert_eq!(ping_with(&strict, &[]).await, 200);

    // Act
    let parse_error = app.post_mcp(r#"{"jsonrpc":"2.0","id":1,"#, &[]).await;
    let not_an_object = app.post_mcp("42", &[]).await;
    let known_id = app
        .post_mcp(r#"{"jsonrpc":"1.0","id":"k","method":"ping"}"#, &[])
        .await;
    let limited = strict.post_mcp(PING, &[]).await;
    let origin = app
        .post_mcp(PING, &[("origin", "http://evil.example.com")])
        .await;

    // Assert
    for (what, response, code) in [
        ("parse error", parse_error, -32700),
        ("not an object", not_an_object, -32600),
        ("rate limited", limited, -32000),
        ("origin refused", origin, -32000),
    ] {
        let body: Value = response.json().await.unwrap();
        assert_eq!(body.get("id"), Some(&Value::Null), "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}");
        check_message(None, false, &body);
    }
    let body: Value = known_id.json().await.unwrap();
    assert_eq!(
        body["id"], "k",
        "a readable id is echoed, never replaced by null"
    );
}
