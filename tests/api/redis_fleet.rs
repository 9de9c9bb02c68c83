//! Several instances behind a balancer, sharing a real Redis (a private `redis-server` per test):
//! legacy SSE sessions across instances (plain and `rediss://`), a Redis restart under a live
//! session, and the fleet-wide rate limit.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::startup::config::Settings;
use neonpanel_mcp::startup::wiring::App;
use serde_json::{Value, json};

use super::helpers::TestApp;
use super::redis_server::RedisServer;
use super::sandbox_e2e::{SandboxWorld, sandbox_world};

/// Bound for anything that should happen within a few seconds.
const WAIT: Duration = Duration::from_secs(10);

/// Another server on the same sandbox with `redis` settings: one more instance of the fleet.
async fn instance(world: &SandboxWorld, redis: impl FnOnce(&mut Settings)) -> TestApp {
    let (client_id, client_secret) = world.sandbox.service_client();
    let mut settings = Settings {
        host: Some("127.0.0.1".into()),
        port: Some("0".into()),
        resource_url: Some(world.resource.clone()),
        oauth_issuer: Some(world.sandbox.issuer().to_owned()),
        oauth_jwks_uri: Some(world.sandbox.jwks_uri()),
        api_base: Some(world.sandbox.base_url().to_owned()),
        user_jwt_url: Some(world.sandbox.user_jwt_url()),
        oauth_token_url: Some(world.sandbox.token_url()),
        client_id: Some(client_id),
        client_secret: Some(Secret::new(client_secret)),
        sse_heartbeat_ms: Some("500".into()),
        ..Settings::default()
    };
    redis(&mut settings);
    let app = App::build(&settings.validate().unwrap())
        .await
        .expect("instance builds");
    let addr = app.local_addr();
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        addr,
        base: format!("http://{addr}"),
        shutdown,
        http: reqwest::Client::new(),
        probe: None,
    }
}

fn plain(redis: &RedisServer) -> impl FnOnce(&mut Settings) {
    let url = redis.url();
    move |s| s.redis_url = Some(Secret::new(url))
}

/// The `data:` of each event of a legacy SSE stream (heartbeats skipped).
struct Events {
    stream: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, token: &str) -> Self {
        let response = app
            .http
            .get(app.url("/sse"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        Self {
            stream: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                    return data.trim().to_owned();
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("an event in time")
                .unwrap()
                .unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn post(app: &TestApp, endpoint: &str, token: &str, body: &Value) -> reqwest::Response {
    app.http
        .post(app.url(endpoint))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn initialize() -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05",
        "capabilities":{},"clientInfo":{"name":"t","version":"1"}}})
}

/// Opens a session on `a`, runs initialize and tools/list through `b`, and checks that both
/// answers arrive on `a`'s stream and that `b` refuses another user on it.
async fn check_sessions_cross_instances(world: &SandboxWorld, a: &TestApp, b: &TestApp) {
    let token = world.token("alice");
    let mut events = Events::open(a, &token).await;
    let endpoint = events.next().await;
    for body in [
        initialize(),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
    ] {
        assert_eq!(
            post(b, &endpoint, &token, &body).await.status().as_u16(),
            202
        );
    }
    let init: Value = serde_json::from_str(&events.next().await).unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05");
    let tools: Value = serde_json::from_str(&events.next().await).unwrap();
    assert_eq!(tools["id"], 2);
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(11));
    let ping = json!({"jsonrpc":"2.0","id":3,"method":"ping"});
    let other = post(b, &endpoint, &world.token("bob"), &ping).await;
    assert_eq!(other.status().as_u16(), 403);
}

#[tokio::test]
async fn with_redis_a_message_posted_to_one_instance_is_answered_on_the_stream_held_by_another() {
    // Arrange: instances A and B share Redis.
    let Some(redis) = RedisServer::start("with_redis_a_message_posted_to_one_instance") else {
        return;
    };
    let world = sandbox_world().await;
    let a = instance(&world, plain(&redis)).await;
    let b = instance(&world, plain(&redis)).await;

    // Act + Assert
    check_sessions_cross_instances(&world, &a, &b).await;
}

#[tokio::test]
async fn over_rediss_with_redis_ca_file_instances_share_sse_sessions() {
    // Arrange: Redis speaks only TLS, with a certificate from the test CA.
    let Some(redis) = RedisServer::start_tls("over_rediss_with_redis_ca_file") else {
        return;
    };
    let world = sandbox_world().await;
    let tls = |s: &mut Settings| {
        s.redis_url = Some(Secret::new(redis.url()));
        s.redis_ca_file = Some(RedisServer::ca_file().to_string_lossy().into_owned());
    };
    let a = instance(&world, tls).await;
    let b = instance(&world, tls).await;

    // Act + Assert
    assert!(redis.url().starts_with("rediss://"));
    check_sessions_cross_instances(&world, &a, &b).await;
}

#[tokio::test]
async fn after_a_redis_restart_a_post_for_a_live_session_is_503_with_retry_after_never_404() {
    // Arrange: a live, initialized session on A; POSTs land on B.
    let Some(mut redis) = RedisServer::start_owned("after_a_redis_restart_a_post_is_503") else {
        return;
    };
    let world = sandbox_world().await;
    let a = instance(&world, plain(&redis)).await;
    let b = instance(&world, plain(&redis)).await;
    let token = world.token("alice");
    let mut events = Events::open(&a, &token).await;
    let endpoint = events.next().await;
    assert_eq!(
        post(&b, &endpoint, &token, &initialize()).await.status(),
        202
    );
    events.next().await;

    // Act: Redis restarts empty, and the client keeps posting as told by Retry-After.
    redis.restart();
    let ping = json!({"jsonrpc":"2.0","id":7,"method":"ping"});
    let started = tokio::time::Instant::now();
    loop {
        let response = post(&b, &endpoint, &token, &ping).await;
        match response.status().as_u16() {
            202 => break,
            503 => assert!(response.headers().contains_key("retry-after")),
            other => panic!("a live session answered {other} after a Redis restart"),
        }
        assert!(started.elapsed() < WAIT, "the session never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Assert: the answer reaches the stream that lived through the restart.
    let pong: Value = serde_json::from_str(&events.next().await).unwrap();
    assert_eq!(pong["id"], 7);
}

#[tokio::test]
async fn with_fleet_scope_two_instances_share_one_rate_limit_per_subject() {
    // Arrange: 3 requests a minute per subject, counted in Redis.
    let Some(redis) = RedisServer::start("with_fleet_scope_two_instances_share") else {
        return;
    };
    let world = sandbox_world().await;
    let fleet = |s: &mut Settings| {
        s.redis_url = Some(Secret::new(redis.url()));
        s.rate_limit_scope = Some("fleet".into());
        s.rate_limit_per_minute = Some("3".into());
    };
    let a = instance(&world, fleet).await;
    let b = instance(&world, fleet).await;
    let ping = json!({"jsonrpc":"2.0","id":1,"method":"ping"});
    let call = |app: &TestApp, user: &str| {
        let request = app
            .http
            .post(app.url("/mcp"))
            .bearer_auth(world.token(user))
            .header("accept", "application/json, text/event-stream")
            .json(&ping);
        async move { request.send().await.unwrap() }
    };

    // Act: alice alternates between the instances.
    let mut statuses = Vec::new();
    for app in [&a, &b, &a] {
        statuses.push(call(app, "alice").await.status().as_u16());
    }
    let fourth = call(&b, "alice").await;

    // Assert: the fourth is refused although B has seen only one request of hers.
    assert_eq!(statuses, [200, 200, 200]);
    assert_eq!(fourth.status().as_u16(), 429);
    let wait: u64 = fourth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "retry-after {wait}");
    assert_eq!(call(&b, "bob").await.status().as_u16(), 200, "per subject");
}
