//! The STS authenticator against wiremock playing STS, with a fake clock: what is sent, what
//! is cached, what is never sent, and how outages and floods are bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::adapters::outbound::OutboundConfig;

/// 2026-12-04T14:30:00Z.
const NOW: u64 = 1_796_394_600;
const DATE: &str = "20261204T143000Z";
const AUDIENCE: &str = "https://mcp.example/mcp";
const ROLE: &str = "arn:aws:iam::123456789012:role/BedrockAgent";
const ASSUMED: &str = "arn:aws:sts::123456789012:assumed-role/BedrockAgent/agent-session";

struct FakeClock(AtomicU64);

impl FakeClock {
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A presign that passes the URL check; `n` varies the signature so each token is distinct.
fn token_for(base: &str, n: u32) -> String {
    let url = format!(
        "{base}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261204%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date={DATE}&X-Amz-Expires=900\
         &X-Amz-SignedHeaders=host%3Bx-neonpanel-mcp-audience&X-Amz-Signature={n:064x}"
    );
    format!("aws-sts-v1.{}", URL_SAFE_NO_PAD.encode(url))
}

fn arn_answer(arn: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Arn": arn, "Account": "123456789012", "UserId": "AROA:s"},
            "ResponseMetadata": {"RequestId": "r"}
        }
    }))
}

fn sts_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"Error": {"Code": code, "Message": "m", "Type": "Sender"}}))
}

fn authenticator(sts: &MockServer, budget: StsBudgetConfig) -> (StsAuthenticator, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock(AtomicU64::new(NOW)));
    let config = StsAuthConfig {
        endpoints: StsEndpoints::parse(&sts.uri()).unwrap(),
        principals: IamPrincipals::parse(&format!(r#"{{"{ROLE}": ["acct-1", "acct-2"]}}"#))
            .unwrap(),
        audience: AUDIENCE.to_owned(),
        base_scopes: ScopeSet::parse("neonpanel:read"),
        leeway_secs: 60,
        budget,
        sts_timeout: Duration::from_secs(2),
        cache_capacity: 10_000,
    };
    // The outbound timeout is longer than the STS one, so the STS one is what a slow STS meets.
    let outbound = Outbound::new(&OutboundConfig {
        total_timeout: Duration::from_secs(10),
        ..OutboundConfig::default()
    });
    let clock_port: Arc<dyn Clock> = Arc::clone(&clock) as Arc<dyn Clock>;
    (StsAuthenticator::new(config, outbound, clock_port), clock)
}

#[tokio::test]
async fn a_mapped_role_is_verified_once_with_the_audience_header_then_served_from_the_cache() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .and(query_param("Action", "GetCallerIdentity"))
        .and(header("x-neonpanel-mcp-audience", AUDIENCE))
        .and(header("accept", "application/json"))
        .respond_with(arn_answer(ASSUMED))
        .expect(1)
        .mount(&sts)
        .await;
    let (auth, _) = authenticator(&sts, StsBudgetConfig::default());
    let token = token_for(&sts.uri(), 1);

    // Act
    let first = auth.verify(&token).await.unwrap();
    let second = auth.verify(&token).await.unwrap();

    // Assert
    assert_eq!(first.subject.as_str(), ROLE);
    assert_eq!(
        first
            .accounts
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["acct-1", "acct-2"]
    );
    assert!(first.tenant.is_none());
    assert!(first.scopes.contains("neonpanel:read"));
    assert_eq!(first.expires_at, NOW + 900);
    assert!(Arc::ptr_eq(&first, &second));
}

#[tokio::test]
async fn a_url_that_fails_the_check_never_reaches_sts() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(arn_answer(ASSUMED))
        .expect(0)
        .mount(&sts)
        .await;
    let (auth, _) = authenticator(&sts, StsBudgetConfig::default());
    let good = token_for(&sts.uri(), 1);
    let url = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(good.strip_prefix("aws-sts-v1.").unwrap())
            .unwrap(),
    )
    .unwrap();
    let hostile = [
        url.replace("GetCallerIdentity", "AssumeRole"),
        format!("{url}&Extra=1"),
        url.replace(&sts.uri(), "http://169.254.169.254"),
        url.replace("host%3Bx-neonpanel-mcp-audience", "host"),
    ];

    // Act + Assert
    for url in hostile {
        let token = format!("aws-sts-v1.{}", URL_SAFE_NO_PAD.encode(url));
        assert!(matches!(
            auth.verify(&token).await,
            Err(AuthError::InvalidToken(_))
        ));
    }
    for garbage in ["aws-sts-v1.", "aws-sts-v1.!!!", "aws-sts-v1.//8"] {
        assert_eq!(
            auth.verify(garbage).await,
            Err(AuthError::InvalidToken("malformed aws-sts-v1 token"))
        );
    }
}

#[tokio::test]
async fn an_sts_refusal_is_401_and_cached_so_the_same_token_costs_one_call() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(sts_error(403, "SignatureDoesNotMatch"))
        .expect(1)
        .mount(&sts)
        .await;
    let (auth, _) = authenticator(&sts, StsBudgetConfig::default());
    let token = token_for(&sts.uri(), 2);

    // Act + Assert
    for _ in 0..3 {
        assert!(matches!(
            auth.verify(&token).await,
            Err(AuthError::InvalidToken(_))
        ));
    }
}

#[tokio::test]
async fn an_unmapped_role_is_refused_and_cached() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(arn_answer(
            "arn:aws:sts::123456789012:assumed-role/Stranger/s",
        ))
        .expect(1)
        .mount(&sts)
        .await;
    let (auth, _) = authenticator(&sts, StsBudgetConfig::default());
    let token = token_for(&sts.uri(), 3);

    // Act + Assert
    assert_eq!(
        auth.verify(&token).await,
        Err(AuthError::Forbidden(UNMAPPED))
    );
    assert_eq!(
        auth.verify(&token).await,
        Err(AuthError::Forbidden(UNMAPPED))
    );
}

#[tokio::test]
async fn sts_outages_and_throttling_are_unavailable_and_never_cached() {
    for answer in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(503),
        sts_error(400, "Throttling"),
        ResponseTemplate::new(200).set_body_string("<xml/>"),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(30)),
    ] {
        // Arrange
        let sts = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .expect(2)
            .mount(&sts)
            .await;
        let (auth, _) = authenticator(&sts, StsBudgetConfig::default());
        let token = token_for(&sts.uri(), 4);

        // Act + Assert: both attempts ask STS again.
        assert_eq!(auth.verify(&token).await, Err(AuthError::Unavailable));
        assert_eq!(auth.verify(&token).await, Err(AuthError::Unavailable));
    }
}

#[tokio::test]
async fn an_sts_that_drops_the_connection_is_unavailable() {
    // Arrange: a listener that closes every connection at once (wiremock's own servers are
    // pooled between tests, so a dropped one may still answer).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let closer = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let stand_in = MockServer::start().await;
    let (mut auth, _) = authenticator(&stand_in, StsBudgetConfig::default());
    auth.config.endpoints = StsEndpoints::parse(&base).unwrap();

    // Act
    let result = auth.verify(&token_for(&base, 5)).await;
    closer.abort();

    // Assert
    assert_eq!(result, Err(AuthError::Unavailable));
}

#[tokio::test]
async fn a_flood_of_distinct_bad_tokens_costs_at_most_the_burst_then_the_rate() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(sts_error(403, "SignatureDoesNotMatch"))
        .mount(&sts)
        .await;
    let budget = StsBudgetConfig {
        calls_per_second: 5,
        burst: 10,
        max_in_flight: 4,
    };
    let (auth, clock) = authenticator(&sts, budget);

    // Act: 1,000 tokens in one second, then 1,000 more a second later.
    let mut unavailable = 0;
    for n in 0..1_000 {
        if auth.verify(&token_for(&sts.uri(), n)).await == Err(AuthError::Unavailable) {
            unavailable += 1;
        }
    }
    let after_first_second = sts.received_requests().await.unwrap().len();
    clock.advance(1);
    for n in 1_000..2_000 {
        let _ = auth.verify(&token_for(&sts.uri(), n)).await;
    }
    let after_second_second = sts.received_requests().await.unwrap().len();

    // Assert
    assert_eq!(after_first_second, 10);
    assert_eq!(unavailable, 990);
    assert_eq!(after_second_second, 15);
}

#[tokio::test]
async fn a_cached_identity_ends_with_its_presign() {
    // Arrange
    let sts = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(arn_answer(ASSUMED))
        .expect(1)
        .mount(&sts)
        .await;
    let (auth, clock) = authenticator(&sts, StsBudgetConfig::default());
    let token = token_for(&sts.uri(), 6);
    assert!(auth.verify(&token).await.is_ok());

    // Act
    clock.advance(900);

    // Assert: expired by the URL check, without asking STS again.
    assert_eq!(
        auth.verify(&token).await,
        Err(AuthError::InvalidToken(
            "the presigned STS request has expired"
        ))
    );
}
