//! Unit tests of settings validation (kept beside config.rs so that file reads as the settings).

use std::time::Duration;

use super::*;
use crate::domain::secret::Secret;

fn minimal() -> Settings {
    Settings {
        oauth_issuer: Some("https://auth.example".into()),
        oauth_jwks_uri: Some("https://auth.example/.well-known/jwks.json".into()),
        ..Settings::default()
    }
}

#[test]
fn minimal_settings_validate_with_contract_defaults() {
    let config = minimal().validate().unwrap();
    assert_eq!(config.listen.port(), 3000);
    assert_eq!(config.max_body_bytes, 1024 * 1024);
    assert_eq!(config.heartbeat, Duration::from_millis(15_000));
    assert_eq!(config.auth.algorithms, ["RS256", "ES256"]);
    assert_eq!(
        config.auth.audiences,
        ["http://localhost:3000/mcp", "http://localhost:3000/sse"],
        "both advertised resources are accepted audiences"
    );
    assert_eq!(
        config.allowed_hosts,
        HostCheck::Only(vec!["localhost".into()])
    );
    assert_eq!(config.user_source, UserSourceSettings::None);
    assert_eq!(config.page_size.get(), 25);
}

#[test]
fn the_drain_window_defaults_to_10_s_within_the_grace_and_may_not_exceed_it() {
    let default = minimal().validate().unwrap();
    assert_eq!(default.shutdown_drain, Duration::from_secs(10));
    let short = Settings {
        shutdown_grace_ms: Some("3000".into()),
        ..minimal()
    };
    assert_eq!(
        short.validate().unwrap().shutdown_drain,
        Duration::from_secs(3)
    );
    let too_long = Settings {
        shutdown_grace_ms: Some("3000".into()),
        shutdown_drain_ms: Some("5000".into()),
        ..minimal()
    };
    let errors = too_long.validate().unwrap_err().to_string();
    assert!(errors.contains("SHUTDOWN_DRAIN_MS"), "{errors}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let settings = Settings {
        oauth_algorithms: Some("HS256,none".into()),
        page_size: Some("100".into()),
        tool_auth_modes: Some("neonpanel_plan_purchase=admin,nope=user".into()),
        log_format: Some("xml".into()),
        client_id: Some("id".into()),
        ..Settings::default()
    };
    let errors = settings.validate().unwrap_err().0;
    for needle in [
        "ISSUER",
        "JWKS_URI",
        "HS256",
        "none",
        "PAGE_SIZE",
        "admin",
        "nope",
        "LOG_FORMAT",
        "CLIENT_SECRET",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{needle} missing from {errors:#?}"
        );
    }
}

#[test]
fn blank_values_from_a_copied_env_example_mean_unset() {
    let settings = Settings {
        user_jwt_url: Some(String::new()),
        client_id: Some(" ".into()),
        client_secret: Some(Secret::new("")),
        token_exchange: Some(String::new()),
        ..minimal()
    };
    let config = settings.validate().unwrap();
    assert_eq!(config.user_source, UserSourceSettings::None);
    assert!(config.client.is_none());
}

#[test]
fn agentcore_mode_listens_on_8000_without_sse() {
    let config = Settings {
        agentcore: Some("true".into()),
        ..minimal()
    }
    .validate()
    .unwrap();
    assert_eq!(config.listen.port(), 8000);
    assert!(!config.enable_sse);
    assert_eq!(config.auth.audiences, ["http://localhost:8000/mcp"]);
    assert_eq!(config.allowed_hosts, HostCheck::Off);
}

#[test]
fn metrics_are_off_unless_metrics_addr_names_a_port_of_their_own() {
    assert_eq!(minimal().validate().unwrap().metrics_addr, None);
    let blank = Settings {
        metrics_addr: Some(" ".into()),
        ..minimal()
    };
    assert_eq!(blank.validate().unwrap().metrics_addr, None);
    let set = Settings {
        metrics_addr: Some("127.0.0.1:9464".into()),
        ..minimal()
    };
    assert_eq!(
        set.validate().unwrap().metrics_addr,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    for (addr, needle) in [
        ("0.0.0.0:3000", "public port"),
        ("9464", "IP:port"),
        ("localhost:9464", "IP:port"),
    ] {
        let errors = Settings {
            metrics_addr: Some(addr.into()),
            ..minimal()
        }
        .validate()
        .unwrap_err()
        .0;
        assert!(
            errors
                .iter()
                .any(|e| e.contains("METRICS_ADDR") && e.contains(needle)),
            "{addr}: {errors:?}"
        );
    }
}

#[test]
fn rediss_urls_are_accepted_with_an_optional_ca_file() {
    let config = Settings {
        redis_url: Some(Secret::new("rediss://user:pw@cache.example:6379")),
        redis_ca_file: Some("/etc/ssl/redis-ca.pem".into()),
        ..minimal()
    }
    .validate()
    .unwrap();
    assert_eq!(
        config.redis_ca_file.as_deref(),
        Some(std::path::Path::new("/etc/ssl/redis-ca.pem"))
    );
    assert_eq!(config.rate_limit_scope, RateLimitScope::Local);
}

#[test]
fn redis_settings_that_cannot_work_are_refused_without_echoing_the_url() {
    let bad_scheme = Settings {
        redis_url: Some(Secret::new("http://:hunter2@cache.example")),
        redis_ca_file: Some("ca.pem".into()),
        ..minimal()
    };
    let errors = bad_scheme.validate().unwrap_err().0;
    assert!(
        errors.iter().any(|e| e.starts_with("REDIS_URL:")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("REDIS_CA_FILE:")),
        "{errors:?}"
    );
    assert!(!errors.iter().any(|e| e.contains("hunter2")), "{errors:?}");
    let fleet_without_redis = Settings {
        rate_limit_scope: Some("fleet".into()),
        ..minimal()
    };
    let errors = fleet_without_redis.validate().unwrap_err().0;
    assert!(errors.iter().any(|e| e.contains("REDIS_URL")), "{errors:?}");
    let unknown_scope = Settings {
        rate_limit_scope: Some("global".into()),
        ..minimal()
    };
    assert!(unknown_scope.validate().is_err());
}

#[test]
fn fleet_scope_with_redis_counts_for_the_fleet() {
    let config = Settings {
        redis_url: Some(Secret::new("redis://127.0.0.1:6379")),
        rate_limit_scope: Some("fleet".into()),
        ..minimal()
    }
    .validate()
    .unwrap();
    assert_eq!(config.rate_limit_scope, RateLimitScope::Fleet);
}

#[test]
fn client_secret_never_appears_in_debug_output() {
    let settings = Settings {
        client_id: Some("id".into()),
        client_secret: Some(Secret::new("s3cr3t-value")),
        oauth_token_url: Some("https://auth.example/token".into()),
        ..minimal()
    };
    assert!(!format!("{settings:?}").contains("s3cr3t-value"));
    let config = settings.validate().unwrap();
    assert!(!format!("{config:?}").contains("s3cr3t-value"));
}

#[test]
fn badly_typed_values_are_reported_with_every_other_problem() {
    // Arrange
    let settings = Settings {
        port: Some("not-a-port".into()),
        sse_heartbeat_ms: Some("-5".into()),
        max_concurrent_requests: Some("1e3".into()),
        trust_forwarded_for: Some("maybe".into()),
        oauth_jwks_uri: Some("not-a-url".into()),
        ..Settings::default()
    };

    // Act
    let errors = settings.validate().unwrap_err().0;

    // Assert
    for name in [
        "PORT: expected a port number",
        "SSE_HEARTBEAT_MS: expected a whole number",
        "MAX_CONCURRENT_REQUESTS: expected a whole number",
        "TRUST_FORWARDED_FOR: expected true or false",
        "NEONPANEL_OAUTH_JWKS_URI: must be an http(s) URL",
        "NEONPANEL_OAUTH_ISSUER: required",
    ] {
        assert_eq!(
            errors.iter().filter(|e| e.starts_with(name)).count(),
            1,
            "{name} in {errors:#?}"
        );
    }
}

#[test]
fn switches_read_like_clap_boolish_values_and_blank_numbers_mean_unset() {
    for (text, enabled) in [("yes", true), ("ON", true), ("0", false), ("f", false)] {
        let config = Settings {
            enable_streamable_http: Some(text.into()),
            port: Some(" ".into()),
            ..minimal()
        }
        .validate()
        .unwrap();
        assert_eq!(config.enable_streamable_http, enabled, "{text}");
        assert_eq!(config.listen.port(), 3000);
    }
}

#[test]
fn a_port_out_of_range_is_refused_and_port_0_lets_the_os_choose() {
    let errors = Settings {
        port: Some("65536".into()),
        ..minimal()
    }
    .validate()
    .unwrap_err()
    .0;
    assert!(errors.iter().any(|e| e.contains("\"65536\"")), "{errors:?}");
    let config = Settings {
        port: Some("0".into()),
        ..minimal()
    }
    .validate()
    .unwrap();
    assert_eq!(config.listen.port(), 0);
}
