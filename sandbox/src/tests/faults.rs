//! Fault injection through the handle and over HTTP.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::super::Fault;
use super::*;

#[tokio::test]
async fn an_injected_fault_answers_its_status_for_the_given_number_of_requests() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;
    sandbox.faults().inject(Fault {
        path_prefix: "/api/v1/companies".into(),
        status: Some(503),
        latency_ms: 0,
        times: Some(2),
    });

    // Act
    let mut statuses = Vec::new();
    let mut first_body = None;
    for _ in 0..3 {
        let (status, body) = api_get(&sandbox, &http, "/api/v1/companies", &token).await;
        first_body.get_or_insert(body);
        statuses.push(status);
    }

    // Assert
    assert_eq!(
        statuses,
        [
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::OK
        ]
    );
    assert_eq!(first_body, Some(json!({ "message": "injected fault" })));
    assert_eq!(sandbox.seen_api_tokens().len(), 3);
}

#[tokio::test]
async fn a_latency_only_fault_delays_the_real_answer_until_cleared() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let token = service_token(&sandbox, &http).await;
    let faults = sandbox.faults();
    faults.inject(Fault {
        path_prefix: "/api/v1".into(),
        status: None,
        latency_ms: 300,
        times: None,
    });

    // Act
    let started = Instant::now();
    let (status, _) = api_get(&sandbox, &http, "/api/v1/companies", &token).await;
    let delayed = started.elapsed();
    faults.clear();
    let (after, _) = api_get(&sandbox, &http, "/api/v1/companies", &token).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert!(delayed >= Duration::from_millis(300));
    assert_eq!(after, StatusCode::OK);
}

#[tokio::test]
async fn faults_can_be_injected_and_cleared_over_http_on_oauth_routes_too() {
    // Arrange
    let sandbox = start().await;
    let http = http();
    let admin = format!("{}/__sandbox/faults", sandbox.base_url());
    let (id, secret) = sandbox.service_client();
    let token_call = || {
        http.post(sandbox.token_url())
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };

    // Act
    let (created, _) = post_json(
        &http,
        &admin,
        &json!({ "path_prefix": "/oauth2/token", "status": 500 }),
    )
    .await;
    let faulted = token_call().await.unwrap().status();
    let still = token_call().await.unwrap().status();
    let cleared = http.delete(&admin).send().await.unwrap().status();
    let healthy = token_call().await.unwrap().status();

    // Assert
    assert_eq!(created, StatusCode::CREATED);
    assert_eq!(faulted, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(still, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(cleared, StatusCode::NO_CONTENT);
    assert_eq!(healthy, StatusCode::OK);
}
