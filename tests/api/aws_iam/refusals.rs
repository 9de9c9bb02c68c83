//! The refusal matrix: each bad IAM token gets its status, and where the URL alone is wrong
//! the sandbox's STS is never asked.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::mint::{Presign, token_of};
use super::{IamWorld, iam_world};

/// What the server answered to `tools/list` with `token`, and how many STS calls it made.
struct Outcome {
    status: u16,
    challenge: String,
    body: String,
    sts_calls: u64,
}

async fn attempt(iam: &IamWorld, token: &str) -> Outcome {
    let before = iam.world.sandbox.sts_calls();
    let response = iam
        .world
        .app
        .http
        .post(iam.world.app.url("/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    Outcome {
        status,
        challenge,
        body,
        sts_calls: iam.world.sandbox.sts_calls() - before,
    }
}

/// Asserts a 401 `invalid_token` that shows nothing of the URL, after `sts_calls` STS calls.
fn assert_invalid(case: &str, outcome: &Outcome, url: &str, sts_calls: u64) {
    assert_eq!(outcome.status, 401, "{case}: {}", outcome.body);
    assert!(
        outcome.challenge.contains(r#"error="invalid_token""#),
        "{case}: {}",
        outcome.challenge
    );
    assert_eq!(outcome.sts_calls, sts_calls, "{case}: STS calls");
    let signature = url.rsplit("X-Amz-Signature=").next().unwrap();
    for shown in [&outcome.challenge, &outcome.body] {
        assert!(
            !shown.contains(signature),
            "{case}: signature shown: {shown}"
        );
        for part in ["X-Amz-Signature=", "X-Amz-Credential=", "AKIASANDBOX"] {
            assert!(!shown.contains(part), "{case}: URL shown: {shown}");
        }
    }
}

#[tokio::test]
async fn an_unmapped_role_is_refused_with_403_after_sts_names_it() {
    // Arrange
    let iam = iam_world().await;
    let token = iam.presign_with(&iam.unmapped).token();

    // Act
    let outcome = attempt(&iam, &token).await;

    // Assert
    assert_eq!(outcome.status, 403, "{}", outcome.body);
    let body: Value = serde_json::from_str(&outcome.body).unwrap();
    assert_eq!(body["error"], "access_denied");
    assert_eq!(outcome.sts_calls, 1);
}

#[tokio::test]
async fn tokens_whose_url_is_wrong_are_refused_without_calling_sts() {
    // Arrange
    let iam = iam_world().await;
    let valid = iam.presign();
    let now = SystemTime::now();
    let endpoint = iam.world.sandbox.sts_url().to_owned();
    let authority = endpoint.trim_start_matches("http://").to_owned();
    let port = authority.rsplit(':').next().unwrap().to_owned();
    let signed = |change: &dyn Fn(&mut Presign)| {
        let mut presign = valid.clone();
        change(&mut presign);
        presign.url()
    };
    let moved = |to: &str| valid.url().replacen(&endpoint, to, 1);
    let cases: Vec<(&str, String)> = vec![
        (
            "dated 16 minutes ago",
            signed(&|p| p.signed_at = now - Duration::from_secs(960)),
        ),
        (
            "a 60 s presign made 2 minutes ago",
            signed(&|p| {
                p.signed_at = now - Duration::from_secs(120);
                p.expires_in = Duration::from_secs(60);
            }),
        ),
        (
            "dated 5 minutes ahead",
            signed(&|p| p.signed_at = now + Duration::from_secs(300)),
        ),
        (
            "valid for an hour",
            signed(&|p| p.expires_in = Duration::from_secs(3600)),
        ),
        ("no audience header signed", signed(&|p| p.audience = None)),
        (
            "AssumeRole",
            signed(&|p| {
                p.query = "Action=AssumeRole&Version=2011-06-15".into();
            }),
        ),
        (
            "an extra query parameter",
            signed(&|p| {
                p.query = "Action=GetCallerIdentity&Version=2011-06-15&RoleArn=x".into();
            }),
        ),
        (
            "a lookalike AWS host",
            moved("https://sts.amazonaws.com.evil.example"),
        ),
        (
            "the instance metadata address",
            moved("http://169.254.169.254"),
        ),
        (
            "userinfo before the sandbox",
            moved(&format!("http://sts.amazonaws.com@{authority}")),
        ),
        (
            "userinfo after the sandbox",
            moved(&format!("http://{authority}@evil.example")),
        ),
        (
            "an IPv6 loopback literal",
            moved(&format!("http://[::1]:{port}")),
        ),
        (
            "a decimal IP literal",
            moved(&format!("http://2130706433:{port}")),
        ),
        (
            "localhost, not as configured",
            moved(&format!("http://localhost:{port}")),
        ),
        (
            "https to the http endpoint",
            moved(&format!("https://{authority}")),
        ),
        ("a path other than /", valid.url().replacen("/?", "/x?", 1)),
    ];

    for (case, url) in cases {
        // Act
        let outcome = attempt(&iam, &token_of(&url)).await;

        // Assert
        assert_invalid(case, &outcome, &url, 0);
    }
}

#[tokio::test]
async fn tokens_only_sts_can_judge_are_refused_after_one_sts_call() {
    // Arrange
    let iam = iam_world().await;
    let valid = iam.presign().url();
    let last = valid.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &valid[..valid.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let mut other_audience = iam.presign();
    other_audience.audience = Some("https://other-service.example/mcp".into());
    let mut wrong_secret = iam.presign();
    wrong_secret.secret_access_key = "not-the-secret".into();
    let cases = [
        ("a tampered signature", tampered),
        ("made for another service", other_audience.url()),
        ("signed with a wrong secret", wrong_secret.url()),
    ];

    for (case, url) in cases {
        // Act
        let first = attempt(&iam, &token_of(&url)).await;
        let again = attempt(&iam, &token_of(&url)).await;

        // Assert: refused by STS once, then from the cache.
        assert_invalid(case, &first, &url, 1);
        assert_invalid(case, &again, &url, 0);
    }
}
