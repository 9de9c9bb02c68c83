//! Configuration rules: asymmetric algorithms only, issuer and audience required.

use std::sync::Arc;

use jsonwebtoken::Algorithm;

use super::{FakeClock, T0};
use crate::adapters::jwks::{
    JwksAuthenticator, JwksConfig, JwksConfigError, SystemClock, parse_algorithm,
};
use crate::adapters::outbound::{Outbound, OutboundConfig};
use crate::ports::Clock;

fn valid() -> JwksConfig {
    JwksConfig::new(
        "https://auth.example/jwks",
        "https://auth.example",
        vec!["mcp".into()],
    )
}

#[test]
fn default_config_allows_rs256_and_es256_with_contract_timings() {
    // Arrange
    let config = valid();

    // Act
    let checked = config.validate();

    // Assert
    assert_eq!(checked, Ok(()));
    assert_eq!(config.algorithms, vec![Algorithm::RS256, Algorithm::ES256]);
    assert_eq!(config.leeway_secs, 60);
    assert_eq!(config.tenant_claim, "tenant");
    assert_eq!(config.refresh_interval.as_secs(), 600);
    assert_eq!(config.unknown_kid_cooldown.as_secs(), 30);
}

/// Breaks one rule of a valid configuration.
type BreakRule = fn(&mut JwksConfig);

#[test]
fn config_breaking_a_rule_is_refused_by_the_constructor() {
    let cases: [(&str, BreakRule, JwksConfigError); 9] = [
        (
            "hs256",
            |c| c.algorithms.push(Algorithm::HS256),
            JwksConfigError::SymmetricAlgorithm(Algorithm::HS256),
        ),
        (
            "hs512 only",
            |c| c.algorithms = vec![Algorithm::HS512],
            JwksConfigError::SymmetricAlgorithm(Algorithm::HS512),
        ),
        (
            "eddsa",
            |c| c.algorithms = vec![Algorithm::EdDSA],
            JwksConfigError::UnsupportedAlgorithm(Algorithm::EdDSA),
        ),
        (
            "no algorithms",
            |c| c.algorithms.clear(),
            JwksConfigError::NoAlgorithms,
        ),
        (
            "empty issuer",
            |c| c.issuer = " ".into(),
            JwksConfigError::MissingIssuer,
        ),
        (
            "no audience",
            |c| c.audiences.clear(),
            JwksConfigError::MissingAudience,
        ),
        (
            "empty jwks uri",
            |c| c.jwks_uri.clear(),
            JwksConfigError::MissingJwksUri,
        ),
        (
            "sub-second cooldown",
            |c| c.unknown_kid_cooldown = std::time::Duration::from_millis(500),
            JwksConfigError::IntervalTooShort,
        ),
        (
            "zero refresh interval",
            |c| c.refresh_interval = std::time::Duration::ZERO,
            JwksConfigError::IntervalTooShort,
        ),
    ];
    for (name, break_rule, expected) in cases {
        // Arrange
        let mut config = valid();
        break_rule(&mut config);
        let clock: Arc<dyn Clock> = FakeClock::at(T0);

        // Act
        let built =
            JwksAuthenticator::new(config, Outbound::new(&OutboundConfig::default()), clock);

        // Assert
        assert_eq!(built.err(), Some(expected), "{name}");
    }
}

#[test]
fn parse_algorithm_accepts_asymmetric_names_and_refuses_hmac_none_and_junk() {
    assert_eq!(parse_algorithm(" ES256 "), Ok(Algorithm::ES256));
    assert_eq!(parse_algorithm("PS384"), Ok(Algorithm::PS384));
    assert_eq!(
        parse_algorithm("HS256"),
        Err(JwksConfigError::SymmetricAlgorithm(Algorithm::HS256))
    );
    assert_eq!(
        parse_algorithm("none"),
        Err(JwksConfigError::UnknownAlgorithm("none".into()))
    );
    assert_eq!(
        parse_algorithm("EdDSA"),
        Err(JwksConfigError::UnsupportedAlgorithm(Algorithm::EdDSA))
    );
}

#[test]
fn system_clock_reads_a_time_after_2024() {
    assert!(SystemClock.now_unix() > 1_700_000_000);
}
