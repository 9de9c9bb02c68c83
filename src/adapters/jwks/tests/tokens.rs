//! Accepted claim shapes and the verified-token cache.

use jsonwebtoken::Algorithm;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use super::{
    AUDIENCE, FakeClock, T0, authenticator, bearer, claims, ec_key, hostile_jwks, jwks_mock,
    jwks_requests, jwks_response, rs256, rsa_key, sign, with, without,
};
use crate::adapters::outbound::OutboundConfig;
use crate::domain::error::AuthError;
use crate::domain::principal::{ScopeSet, Tenant};
use crate::ports::Authenticator;

#[tokio::test]
async fn accepted_tokens_yield_subject_scopes_tenant_and_expiry() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&hostile_jwks()))
        .expect(1)
        .mount(&server)
        .await;
    let auth = authenticator(&server, &FakeClock::at(T0));
    let base = without(claims(T0), "scope");
    let cases = [
        (
            "scope string",
            with(base.clone(), "scope", json!("  b a  b ")),
            ScopeSet::parse("a b"),
            None,
            T0 + 3600,
        ),
        (
            "scp array",
            with(base.clone(), "scp", json!(["tools:read", 7, "tools:write"])),
            ScopeSet::parse("tools:read tools:write"),
            None,
            T0 + 3600,
        ),
        (
            "scp string",
            with(base.clone(), "scp", json!("x y")),
            ScopeSet::parse("x y"),
            None,
            T0 + 3600,
        ),
        (
            "no scope",
            base.clone(),
            ScopeSet::default(),
            None,
            T0 + 3600,
        ),
        (
            "float exp, iat and nbf",
            with(
                with(
                    with(base.clone(), "exp", json!(1_764_003_600.5)),
                    "iat",
                    json!(1_763_999_999.25),
                ),
                "nbf",
                json!(1_764_000_059.9),
            ),
            ScopeSet::default(),
            None,
            1_764_003_600,
        ),
        (
            "tenant string",
            with(base.clone(), "tenant", json!("acme")),
            ScopeSet::default(),
            Some(Tenant::new("acme")),
            T0 + 3600,
        ),
        (
            "tenant number ignored",
            with(base.clone(), "tenant", json!(42)),
            ScopeSet::default(),
            None,
            T0 + 3600,
        ),
        (
            "aud array with ours",
            with(base.clone(), "aud", json!(["x", AUDIENCE])),
            ScopeSet::default(),
            None,
            T0 + 3600,
        ),
        (
            "expired within leeway",
            with(base.clone(), "exp", json!(T0 - 59)),
            ScopeSet::default(),
            None,
            T0 - 59,
        ),
    ];
    for (name, claims, scopes, tenant, expires_at) in cases {
        let token = sign(Algorithm::ES256, Some("ec-1"), &ec_key(), &claims);

        // Act
        let principal = auth
            .verify_token(&bearer(&token))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        // Assert
        assert_eq!(principal.subject.as_str(), "user-1", "{name}");
        assert_eq!(principal.scopes, scopes, "{name}");
        assert_eq!(principal.tenant, tenant, "{name}");
        assert_eq!(principal.expires_at, expires_at, "{name}");
    }
}

#[tokio::test]
async fn verified_token_is_served_from_cache_until_exp_then_rejected() {
    // Arrange: after the first fetch the endpoint fails, so any key lookup shows as a request.
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&hostile_jwks()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    jwks_mock(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let clock = FakeClock::at(T0);
    let auth = authenticator(&server, &clock);
    let token = bearer(&rs256(&with(claims(T0), "exp", json!(T0 + 900))));
    let first = auth.verify_token(&token).await;

    // Act: past the refresh interval a key lookup would refetch; a cache hit does not look.
    let second = auth.verify_token(&token).await;
    clock.advance(700);
    let after_refresh_interval = auth.verify_token(&token).await;
    clock.advance(199);
    let last_second = auth.verify_token(&token).await;
    let lookups_while_cached = jwks_requests(&server).await;
    clock.advance(62);
    let expired = auth.verify_token(&token).await;

    // Assert
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(second, first);
    assert_eq!(after_refresh_interval, first);
    assert_eq!(last_second, first);
    assert_eq!(
        lookups_while_cached, 1,
        "cache hits never reach the key store"
    );
    assert_eq!(expired, Err(AuthError::InvalidToken("token expired")));
}

#[tokio::test]
async fn configured_tenant_claim_and_extra_audience_are_honoured() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&hostile_jwks()))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = super::config(&server);
    config.tenant_claim = "https://neonpanel.com/company".into();
    config.audiences.push("neonpanel-api".into());
    let auth = super::authenticator_with(config, &OutboundConfig::default(), &FakeClock::at(T0));
    let claims = with(
        with(claims(T0), "aud", json!("neonpanel-api")),
        "https://neonpanel.com/company",
        json!("company-7"),
    );
    let token = bearer(&sign(Algorithm::RS256, Some("rsa-1"), &rsa_key(), &claims));

    // Act
    let principal = auth.verify_token(&token).await;

    // Assert
    assert_eq!(
        principal.map(|p| p.tenant.clone()),
        Ok(Some(Tenant::new("company-7")))
    );
}

#[tokio::test]
async fn through_the_port_a_bearer_jwt_proves_a_signed_in_caller_holding_its_token() {
    // Arrange
    let server = MockServer::start().await;
    jwks_mock(jwks_response(&hostile_jwks()))
        .expect(1)
        .mount(&server)
        .await;
    let auth = authenticator(&server, &FakeClock::at(T0));
    let token = bearer(&rs256(&claims(T0)));
    let proof = crate::domain::proof::Proof::Bearer(token.clone());

    // Act
    let claimed = auth.claims(&proof);
    let caller = auth.authenticate(&proof).await;

    // Assert: the default authenticator claims every bearer proof.
    assert!(claimed);
    let caller = caller.expect("verified");
    assert_eq!(caller.principal.subject.as_str(), "user-1");
    assert!(caller.principal.accounts.is_empty());
    assert_eq!(caller.access_token, Some(token));
}
