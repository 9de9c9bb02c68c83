//! Retries and the normalisation of every failure to docs/design.md §5 codes.

use std::time::Instant;

use super::*;
use crate::adapters::neonpanel::test_support::outbound_with_timeout;

#[tokio::test]
async fn get_answered_503_is_retried_and_then_succeeds() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_status(&server, 200, json!({"permissions": ["a"]}), 1).await;

    // Act
    let result = api(&server).company_permissions(&token(), COMPANY).await;

    // Assert
    assert_eq!(result, Ok(vec!["a".to_owned()]));
}

#[tokio::test]
async fn get_answered_429_waits_for_retry_after_then_succeeds() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_status(&server, 200, json!({"permissions": []}), 1).await;
    let started = Instant::now();

    // Act
    let result = api(&server).company_permissions(&token(), COMPANY).await;

    // Assert
    assert_eq!(result, Ok(Vec::new()));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn get_answered_429_with_retry_after_beyond_the_cap_is_not_retried_and_reports_the_wait() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let error = api(&server)
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!(
        (error.status, error.kind),
        (429, UpstreamErrorKind::RateLimited)
    );
    assert_eq!(error.details, Some(json!({"retry_after": 120})));
}

#[tokio::test]
async fn get_failing_with_503_every_time_stops_after_max_retries() {
    // Arrange
    let server = MockServer::start().await;
    mount_status(&server, 503, json!({"message": "Service Unavailable"}), 3).await;

    // Act
    let error = api(&server)
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!(
        (error.status, error.kind),
        (503, UpstreamErrorKind::Unavailable)
    );
    assert_eq!(error.message, "Service Unavailable");
}

#[tokio::test]
async fn get_answered_401_403_404_or_422_is_not_retried() {
    for status in [401, 403, 404, 422] {
        // Arrange
        let server = MockServer::start().await;
        mount_status(&server, status, json!({"message": "no"}), 1).await;

        // Act
        let error = api(&server)
            .company_permissions(&token(), COMPANY)
            .await
            .unwrap_err();

        // Assert
        assert_eq!(error.status, status);
        server.verify().await;
    }
}

#[tokio::test]
async fn upstream_error_statuses_normalise_to_contract_codes_with_neonpanel_messages() {
    let validation = json!({
        "message": "The given data was invalid.",
        "errors": {"details.0.quantity": ["The details.0.quantity field must be at least 1."]}
    });
    let table = [
        (
            401,
            json!({"message": "Unauthenticated."}),
            "unauthorized",
            "Unauthenticated.",
            None,
        ),
        (
            403,
            json!({"message": "Forbidden."}),
            "forbidden",
            "Forbidden.",
            None,
        ),
        (
            404,
            json!({"message": "Document is not found."}),
            "not_found",
            "Document is not found.",
            None,
        ),
        (
            422,
            validation.clone(),
            "validation_failed",
            "The given data was invalid.",
            validation.get("errors").cloned(),
        ),
        (
            429,
            json!({"error_description": "slow down"}),
            "rate_limited",
            "slow down",
            None,
        ),
        (
            500,
            json!("not an object"),
            "upstream_unavailable",
            "NeonPanel answered HTTP 500",
            None,
        ),
    ];
    for (status, body, code, message, details) in table {
        // Arrange
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let api = HttpNeonPanelApi::new(
            ApiConfig {
                base_url: server.uri(),
                max_retries: 0,
                backoff_base: Duration::ZERO,
            },
            outbound(),
        );

        // Act
        let error = api
            .company_permissions(&token(), COMPANY)
            .await
            .unwrap_err();

        // Assert
        assert_eq!(
            (error.status, error.kind.code()),
            (status, code),
            "{status}"
        );
        assert_eq!(error.message, message, "{status}");
        assert_eq!(error.details, details, "{status}");
        assert!(!error.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn long_upstream_messages_are_cut_to_300_characters_with_an_ellipsis() {
    // Arrange
    let server = MockServer::start().await;
    mount_status(&server, 404, json!({"message": "x".repeat(1000)}), 1).await;

    // Act
    let error = api(&server)
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!(error.message.chars().count(), 300);
    assert!(error.message.ends_with('…'));
}

#[tokio::test]
async fn call_slower_than_the_total_timeout_is_a_timeout_with_status_0_and_is_not_retried() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"permissions": []}))
                .set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let api = api_with(&server, outbound_with_timeout(Duration::from_millis(200)));

    // Act
    let error = api
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!((error.status, error.kind.code()), (0, "timeout"));
}

#[tokio::test]
async fn connection_refused_is_retried_then_upstream_unavailable_with_status_0() {
    // Arrange: a port that was just free is, with overwhelming likelihood, still closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let api = HttpNeonPanelApi::new(
        ApiConfig {
            base_url: format!("http://127.0.0.1:{port}"),
            max_retries: 2,
            backoff_base: Duration::from_millis(1),
        },
        outbound(),
    );

    // Act
    let error = api
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!(
        (error.status, error.kind.code()),
        (0, "upstream_unavailable")
    );
}

#[tokio::test]
async fn success_body_that_does_not_fit_the_dto_is_a_bad_upstream_response() {
    // Arrange
    let server = MockServer::start().await;
    mount_status(&server, 200, json!({"permissions": "all of them"}), 1).await;

    // Act
    let error = api(&server)
        .company_permissions(&token(), COMPANY)
        .await
        .unwrap_err();

    // Assert
    assert_eq!(
        (error.status, error.kind.code()),
        (200, "bad_upstream_response")
    );
}
