//! Starting, addressing and stopping a sandbox.

use std::time::Duration;

use super::*;

async fn reachable(http: &reqwest::Client, url: &str) -> bool {
    http.get(url).send().await.is_ok()
}

#[tokio::test]
async fn shutdown_stops_the_listener_and_dropping_stops_it_too() {
    // Arrange
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let stopped = start().await;
    let dropped = start().await;
    let (stopped_url, dropped_url) = (stopped.jwks_uri(), dropped.jwks_uri());
    assert!(reachable(&http, &stopped_url).await && reachable(&http, &dropped_url).await);

    // Act
    stopped.shutdown().await;
    drop(dropped);
    let mut dropped_down = false;
    for _ in 0..50 {
        if !reachable(&http, &dropped_url).await {
            dropped_down = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Assert
    assert!(!reachable(&http, &stopped_url).await);
    assert!(dropped_down);
}

#[tokio::test]
async fn a_public_url_becomes_the_issuer_of_every_advertised_endpoint() {
    // Arrange
    let sandbox = Sandbox::start(SandboxConfig {
        bind: ([127, 0, 0, 1], 0).into(),
        public_url: Some("https://sandbox.example.com/".into()),
    })
    .await
    .unwrap();

    // Act
    let token = sandbox
        .mint_access_token("carol", "aud", "openid", 60)
        .unwrap();
    let unknown = sandbox.mint_access_token("mallory", "aud", "openid", 60);

    // Assert
    assert_eq!(sandbox.issuer(), "https://sandbox.example.com");
    assert_eq!(
        sandbox.token_url(),
        "https://sandbox.example.com/oauth2/token"
    );
    assert_eq!(
        sandbox.state.keys.verify(&token).unwrap().tenant.as_deref(),
        Some(INITECH)
    );
    assert!(matches!(
        unknown,
        Err(super::super::SandboxError::UnknownUser(_))
    ));
    assert_eq!(sandbox.users().len(), 3);
    assert_eq!(sandbox.users()[0].companies, [ACME, GLOBEX]);
}
