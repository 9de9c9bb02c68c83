//! Operational limits at the HTTP edge: body size, Origin, rate limit, request ids, CORS, deep
//! health caching.

use serde_json::Value;

use super::doubles::{ALICE, BOB};
use super::helpers::{settings, spawn_app_with};
use super::schema::check_message;

#[tokio::test]
async fn a_body_over_max_body_bytes_is_413_with_a_json_rpc_error() {
    let app = spawn_app_with(
        super::helpers::Settings {
            max_body_bytes: Some("1024".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(2048)
    );
    let response = app.post_mcp(&big, &[]).await;
    assert_eq!(response.status().as_u16(), 413);
    let value: Value = response.json().await.unwrap();
    check_message(None, false, &value);
    assert_eq!(value["error"]["code"], -32600);
    // Just under the limit is fine: the limit is the body, not a guess.
    let small = app
        .post_mcp(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, &[])
        .await;
    assert_eq!(small.status().as_u16(), 200);
}

#[tokio::test]
async fn a_large_body_under_the_limit_is_accepted_past_salvos_own_64_kib_default() {
    let app = spawn_app_with(settings(), super::doubles::api()).await;
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(200 * 1024)
    );
    assert_eq!(app.post_mcp(&body, &[]).await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_browser_origin_not_allowed_is_403_and_an_allowed_one_passes() {
    let app = spawn_app_with(
        super::helpers::Settings {
            allowed_origins: Some("https://inspector.example".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let evil = app
        .post_mcp(ping, &[("origin", "https://evil.example")])
        .await;
    assert_eq!(evil.status().as_u16(), 403);
    let value: Value = evil.json().await.unwrap();
    check_message(None, false, &value);
    let good = app
        .post_mcp(ping, &[("origin", "https://inspector.example")])
        .await;
    assert_eq!(good.status().as_u16(), 200);
    let none = app.post_mcp(ping, &[]).await;
    assert_eq!(
        none.status().as_u16(),
        200,
        "servers and agents send no Origin"
    );
}

#[tokio::test]
async fn the_rate_limit_is_per_subject_and_answers_429_with_retry_after() {
    let app = spawn_app_with(
        super::helpers::Settings {
            rate_limit_per_minute: Some("3".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    for _ in 0..3 {
        assert_eq!(app.post_mcp(ping, &[]).await.status().as_u16(), 200);
    }
    let limited = app.post_mcp(ping, &[]).await;
    assert_eq!(limited.status().as_u16(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let value: Value = limited.json().await.unwrap();
    check_message(None, false, &value);
    // Another subject has its own window.
    let bob = app
        .http
        .post(app.url("/mcp"))
        .bearer_auth(BOB)
        .header("content-type", "application/json")
        .body(ping)
        .send()
        .await
        .unwrap();
    assert_eq!(bob.status().as_u16(), 200);
}

#[tokio::test]
async fn the_request_id_is_echoed_when_sane_and_generated_otherwise() {
    let app = spawn_app_with(settings(), super::doubles::api()).await;
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let echoed = app.post_mcp(ping, &[("x-request-id", "abc-123.XYZ")]).await;
    assert_eq!(echoed.headers()["x-request-id"], "abc-123.XYZ");
    let forged = app
        .post_mcp(ping, &[("x-request-id", "bad id\" level=error")])
        .await;
    let generated = forged.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 26, "a ULID: {generated}");
    let anonymous = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(anonymous.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn cors_is_off_by_default_and_answers_preflight_when_configured() {
    let off = spawn_app_with(settings(), super::doubles::api()).await;
    let preflight = |app: &super::helpers::TestApp| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/mcp"))
            .header("origin", "https://inspector.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let response = preflight(&off).await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let on = spawn_app_with(
        super::helpers::Settings {
            cors_allowed_origins: Some("https://inspector.example".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let response = preflight(&on).await.unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://inspector.example"
    );
    let actual = on
        .post_mcp(
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            &[("origin", "https://inspector.example")],
        )
        .await;
    assert_eq!(actual.status().as_u16(), 200);
    assert_eq!(
        actual.headers()["access-control-allow-origin"],
        "https://inspector.example"
    );
}

#[tokio::test]
async fn deep_health_reports_checks_and_caches_them() {
    let app = spawn_app_with(settings(), super::doubles::api()).await;
    for _ in 0..3 {
        let value: Value = app
            .http
            .get(app.url("/healthz?deep=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(value["status"], "ok");
        assert_eq!(value["checks"]["jwks"]["ok"], true);
    }
    let runs = app.probe_runs();
    assert_eq!(runs, 1, "three deep calls within 10 s run the checks once");
    let plain = app
        .http
        .get(app.url("/healthz"))
        .bearer_auth(ALICE)
        .send()
        .await
        .unwrap();
    let value: Value = plain.json().await.unwrap();
    assert!(value.get("checks").is_none());
}

#[tokio::test]
async fn the_authorization_server_metadata_mirror_is_public() {
    let app = spawn_app_with(settings(), super::doubles::api()).await;
    let response = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let value: Value = response.json().await.unwrap();
    assert_eq!(value["issuer"], "https://issuer.test");
}

#[tokio::test]
async fn requests_beyond_the_concurrency_cap_get_503_with_retry_after() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    // Arrange: one slot, held by a tools/call whose upstream answers slowly. (A request whose
    // body is still arriving holds no slot: see slow_clients.rs.)
    let world = super::real::world(|s, _| s.max_concurrent_requests = Some("1".into())).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/companies/a1b2c3d4e5f6g7h8i9j0/invoices"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_millis(1500))
                .set_body_json(serde_json::json!({"current_page": 1, "per_page": 25,
                    "last_page": 1, "data": []})),
        )
        .mount(&world.neonpanel)
        .await;
    let bearer = super::real::token("alice");
    let post = |body: &'static str| {
        world
            .app
            .http
            .post(world.app.url("/mcp"))
            .bearer_auth(&bearer)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let held = tokio::spawn(post(
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_search_orders","arguments":{"accountId":"a1b2c3d4e5f6g7h8i9j0"}}}"#,
    ));

    // Act: bounded wait until the held call has taken the slot.
    let mut refused = None;
    for _ in 0..100 {
        let response = post(r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#)
            .await
            .unwrap();
        if response.status().as_u16() == 503 {
            refused = Some(response);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    // Assert
    let refused = refused.expect("a request beyond the cap is refused");
    assert_eq!(refused.headers()["retry-after"], "1");
    let value: Value = refused.json().await.unwrap();
    check_message(None, false, &value);
    // The slot frees when the held call is answered.
    assert_eq!(held.await.unwrap().unwrap().status().as_u16(), 200);
    let after = post(r#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#)
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200);
}

#[tokio::test]
async fn failed_anonymous_attempts_are_rate_limited_by_ip_and_health_checks_never_are() {
    let app = spawn_app_with(
        super::helpers::Settings {
            rate_limit_per_minute: Some("3".into()),
            ..settings()
        },
        super::doubles::api(),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .http
            .post(app.url("/mcp"))
            .bearer_auth("forged")
            .body("{}")
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    for _ in 0..10 {
        assert_eq!(
            app.http
                .get(app.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
}
