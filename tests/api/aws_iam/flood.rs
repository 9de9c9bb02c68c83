//! STS outages and floods, with wiremock playing STS so its answers and calls can be set and
//! counted.

use std::time::Instant;

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::iam_settings;
use super::mint::Presign;
use crate::sandbox_e2e::{SandboxWorld, sandbox_world_with};

/// The IAM world against `sts`, with the per-IP limit of failed attempts `rate_limit`.
async fn world_against(sts: &MockServer, rate_limit: u32) -> SandboxWorld {
    let uri = sts.uri();
    sandbox_world_with(|sandbox, settings| {
        let mut settings = iam_settings(sandbox, settings, &uri);
        settings.rate_limit_per_minute = Some(rate_limit.to_string());
        settings
    })
    .await
}

fn presign(world: &SandboxWorld, sts: &MockServer) -> Presign {
    let key = &world.sandbox.aws_demo_keys()[0];
    Presign::new(
        &sts.uri(),
        &key.access_key_id,
        &key.secret_access_key,
        &world.resource,
    )
}

async fn status_of(world: &SandboxWorld, token: &str) -> reqwest::Response {
    world
        .app
        .http
        .post(world.app.url("/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn an_sts_outage_answers_503_with_retry_after_and_is_not_cached() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(2)
        .mount(&sts)
        .await;
    let world = world_against(&sts, 600).await;
    let token = presign(&world, &sts).token();

    // Act
    let first = status_of(&world, &token).await;
    let second = status_of(&world, &token).await;

    // Assert: both asked STS (an outage is not a verdict) and neither was let through.
    for response in [first, second] {
        assert_eq!(response.status().as_u16(), 503);
        assert_eq!(response.headers()["retry-after"], "5");
    }
}

#[tokio::test]
async fn a_thousand_bad_tokens_cause_a_bounded_number_of_sts_calls() {
    // Arrange: STS refuses every signature; the per-IP limit is off, so only the STS call
    // budget (10 a second, bursts of 20) stands between the flood and STS.
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "Error": {"Code": "SignatureDoesNotMatch", "Message": "no", "Type": "Sender"}
        })))
        .mount(&sts)
        .await;
    let world = world_against(&sts, 0).await;
    let base = presign(&world, &sts).url();
    let cut = base.len() - 4;
    let started = Instant::now();

    // Act: 1,000 distinct tokens, each with another (wrong) signature.
    let mut statuses = std::collections::BTreeMap::new();
    for n in 0..1_000u32 {
        let url = format!("{}{n:04x}", &base[..cut]);
        let response = status_of(&world, &super::mint::token_of(&url)).await;
        *statuses.entry(response.status().as_u16()).or_insert(0u32) += 1;
    }
    let seconds = started.elapsed().as_secs() + 1;
    let calls = sts.received_requests().await.unwrap().len() as u64;

    // Assert
    assert!(calls >= 1, "STS was never asked");
    assert!(
        calls <= 20 + 10 * seconds,
        "{calls} STS calls in {seconds} s: {statuses:?}"
    );
    assert_eq!(
        statuses.keys().copied().collect::<Vec<_>>(),
        [401, 503],
        "{statuses:?}"
    );
}
