//! The JWKS cache against a wiremock endpoint: fetch counts, cooldown, outages, rotation.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use jsonwebtoken::Algorithm;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use super::{
    FakeClock, T0, authenticator, authenticator_with, bearer, claims, config, ec_key, jwk,
    jwks_mock, jwks_requests, jwks_response, rsa_key, rsa2_key, sign, standard_jwks,
};
use crate::adapters::outbound::OutboundConfig;
use crate::domain::error::AuthError;

const UNKNOWN: AuthError = AuthError::InvalidToken("unknown signing key");

fn rsa_token(sub: &str) -> String {
    let mut claims = claims(T0);
    claims["sub"] = json!(sub);
    sign(Algorithm::RS256, Some("rsa-1"), &rsa_key(), &claims)
}

#[tokio::test]
async fn many_valid_tokens_fetch_the_jwks_once() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&standard_jwks()))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let auth = authenticator(&server, &clock);

    for i in 0..20 {
        let mut claims = claims(T0);
        claims["sub"] = json!(format!("user-{i}"));
        let token = if i % 2 == 0 {
            sign(Algorithm::RS256, Some("rsa-1"), &rsa_key(), &claims)
        } else {
            sign(Algorithm::ES256, Some("ec-1"), &ec_key(), &claims)
        };

        // Act
        let principal = auth.verify_token(&bearer(&token)).await;

        // Assert
        assert_eq!(
            principal.map(|p| p.subject.to_string()),
            Ok(format!("user-{i}"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_requests_share_one_fetch() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&standard_jwks()).set_delay(Duration::from_millis(50)))
        .expect(1)
        .mount(&server)
        .await;
    let auth = authenticator(&server, &FakeClock::at(T0));
    let tokens: Vec<_> = (0..16)
        .map(|i| bearer(&rsa_token(&format!("user-{i}"))))
        .collect();

    // Act
    let results = join_all(tokens.iter().map(|t| auth.verify_token(t))).await;

    // Assert
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[tokio::test]
async fn unknown_kid_within_cooldown_does_not_refetch() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&standard_jwks()))
        .expect(3)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let auth = authenticator(&server, &clock);
    assert!(
        auth.verify_token(&bearer(&rsa_token("user-1")))
            .await
            .is_ok()
    );
    let strangers: Vec<_> = (0..10)
        .map(|i| {
            bearer(&sign(
                Algorithm::RS256,
                Some(&format!("kid-{i}")),
                &rsa_key(),
                &claims(T0),
            ))
        })
        .collect();

    // Act
    let first_wave = join_all(strangers.iter().map(|t| auth.verify_token(t))).await;
    let after_first_wave = jwks_requests(&server).await;
    clock.advance(31);
    let late = auth.verify_token(&strangers[0]).await;
    let later = auth.verify_token(&strangers[1]).await;

    // Assert
    assert!(
        first_wave.iter().all(|r| *r == Err(UNKNOWN)),
        "{first_wave:?}"
    );
    assert_eq!(after_first_wave, 2, "initial load plus one refetch");
    assert_eq!((late, later), (Err(UNKNOWN), Err(UNKNOWN)));
    assert_eq!(
        jwks_requests(&server).await,
        3,
        "one more refetch after the cooldown"
    );
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_jwks_endpoint_fails() {
    let failures = [
        ("500", ResponseTemplate::new(500)),
        ("404", ResponseTemplate::new(404)),
        (
            "junk body",
            ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
        ),
        ("no keys member", jwks_response(&json!({ "kid": "rsa-1" }))),
        ("empty set", jwks_response(&json!({ "keys": [] }))),
        (
            "only unusable keys",
            jwks_response(&json!({ "keys": [{ "kty": "oct", "kid": "h", "k": "c2VjcmV0" }] })),
        ),
    ];
    for (name, failure) in failures {
        // Arrange
        let server = MockServer::start().await;
        jwks_mock(jwks_response(&standard_jwks()))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        jwks_mock(failure).expect(2).mount(&server).await;
        let clock = FakeClock::at(T0);
        let auth = authenticator(&server, &clock);
        assert!(
            auth.verify_token(&bearer(&rsa_token("warm"))).await.is_ok(),
            "{name}"
        );

        // Act: past the refresh interval the fetch fails; the next try waits out the cooldown.
        clock.advance(601);
        let during_outage = auth.verify_token(&bearer(&rsa_token("a"))).await;
        let within_cooldown = auth.verify_token(&bearer(&rsa_token("b"))).await;
        clock.advance(31);
        let after_cooldown = auth.verify_token(&bearer(&rsa_token("c"))).await;
        let unknown_kid = auth
            .verify_token(&bearer(&sign(
                Algorithm::RS256,
                Some("new"),
                &rsa_key(),
                &claims(T0),
            )))
            .await;

        // Assert
        assert!(during_outage.is_ok(), "{name}: {during_outage:?}");
        assert!(within_cooldown.is_ok(), "{name}: {within_cooldown:?}");
        assert!(after_cooldown.is_ok(), "{name}: {after_cooldown:?}");
        assert_eq!(unknown_kid, Err(AuthError::Unavailable), "{name}");
        server.verify().await;
    }
}

#[tokio::test]
async fn jwks_timeout_keeps_serving_cached_keys() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&standard_jwks()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    jwks_mock(jwks_response(&standard_jwks()).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let outbound = OutboundConfig {
        total_timeout: Duration::from_millis(200),
        ..OutboundConfig::default()
    };
    let auth = authenticator_with(config(&server), &outbound, &clock);
    assert!(auth.verify_token(&bearer(&rsa_token("warm"))).await.is_ok());

    // Act
    clock.advance(601);
    let during_timeout = auth.verify_token(&bearer(&rsa_token("slow"))).await;

    // Assert
    assert!(during_timeout.is_ok(), "{during_timeout:?}");
}

#[tokio::test]
async fn jwks_down_at_start_is_unavailable_and_retried_only_after_the_cooldown() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(ResponseTemplate::new(503))
        .expect(2)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let auth = authenticator(&server, &clock);

    // Act
    let first = auth.verify_token(&bearer(&rsa_token("a"))).await;
    let resting = auth.verify_token(&bearer(&rsa_token("b"))).await;
    clock.advance(30);
    let retried = auth.verify_token(&bearer(&rsa_token("c"))).await;

    // Assert
    assert_eq!(first, Err(AuthError::Unavailable));
    assert_eq!(resting, Err(AuthError::Unavailable));
    assert_eq!(retried, Err(AuthError::Unavailable));
}

#[tokio::test]
async fn rotated_in_key_is_accepted_after_one_refetch() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(
        &json!({ "keys": [jwk("rsa", "rsa-1", "RS256")] }),
    ))
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    let rotated = json!({ "keys": [jwk("rsa", "rsa-1", "RS256"), jwk("rsa2", "rsa-2", "RS256")] });
    jwks_mock(jwks_response(&rotated))
        .expect(1)
        .mount(&server)
        .await;
    let auth = authenticator(&server, &FakeClock::at(T0));
    assert!(auth.verify_token(&bearer(&rsa_token("old"))).await.is_ok());
    let new_token = sign(Algorithm::RS256, Some("rsa-2"), &rsa2_key(), &claims(T0));

    // Act
    let with_new_key = auth.verify_token(&bearer(&new_token)).await;
    let with_old_key = auth.verify_token(&bearer(&rsa_token("still"))).await;

    // Assert
    assert!(with_new_key.is_ok(), "{with_new_key:?}");
    assert!(with_old_key.is_ok(), "{with_old_key:?}");
}

#[tokio::test]
async fn key_removed_from_the_jwks_is_refused_after_the_refresh() {
    // Arrange
    let server = MockServer::start().await;
    let both = json!({ "keys": [jwk("rsa", "rsa-1", "RS256"), jwk("rsa2", "rsa-2", "RS256")] });
    jwks_mock(jwks_response(&both))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let rotated = json!({ "keys": [jwk("rsa2", "rsa-2", "RS256")] });
    jwks_mock(jwks_response(&rotated))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let auth = authenticator(&server, &Arc::clone(&clock));
    assert!(
        auth.verify_token(&bearer(&rsa_token("before")))
            .await
            .is_ok()
    );

    // Act
    clock.advance(601);
    let retired = auth.verify_token(&bearer(&rsa_token("after"))).await;

    // Assert
    assert_eq!(retired, Err(UNKNOWN));
}
