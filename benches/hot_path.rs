//! Hot-path benchmark: a cached-token `tools/call` through the full stack (salvo, auth hoop with
//! the real JWKS authenticator, McpService, user-credential cache, the async outbound client)
//! against a local stub NeonPanel; plus the cost of one cold and one cached token check.
//!
//! Run: `cargo bench --bench hot_path` (BENCH_SECS=5 and BENCH_CONCURRENCY=32 by default).
//! Load generator and server share the machine, so figures are a floor, not a ceiling.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use neonpanel_mcp::adapters::jwks::{JwksAuthenticator, JwksConfig, SystemClock};
use neonpanel_mcp::adapters::outbound::{Outbound, OutboundConfig};
use neonpanel_mcp::domain::proof::Proof;
use neonpanel_mcp::domain::secret::Secret;
use neonpanel_mcp::ports::Authenticator;
use neonpanel_mcp::startup::config::Settings;
use neonpanel_mcp::startup::wiring::App;
use salvo::conn::Acceptor;
use salvo::prelude::*;
use serde_json::{Value, json};

const RSA_PRIVATE: &[u8] = include_bytes!("../fixtures/rsa_private.pem");
const COMPONENTS: &str = include_str!("../fixtures/jwk_components.json");
const AUDIENCE: &str = "http://127.0.0.1/mcp";
const ISSUER: &str = "https://issuer.bench";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn token(sub: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("bench".into());
    let claims = json!({"iss": ISSUER, "sub": sub, "aud": AUDIENCE, "iat": now(), "exp": now() + 3600,
                        "scope": "openid", "tenant": "acme"});
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
    )
    .unwrap()
}

#[handler]
async fn jwks(res: &mut Response) {
    let components: Value = serde_json::from_str(COMPONENTS).unwrap();
    let mut key = components["rsa"].clone();
    key["kid"] = json!("bench");
    key["alg"] = json!("RS256");
    res.render(Json(json!({"keys": [key]})));
}

#[handler]
async fn user_jwt(res: &mut Response) {
    res.render(Json(
        json!({"user_jwt": "bench-user-jwt", "expires_in": 3600}),
    ));
}

#[handler]
async fn invoices(res: &mut Response) {
    let data: Vec<Value> = (0..25)
        .map(|i| json!({"id": i, "name": format!("INV-{i}"), "source": "amazon", "transaction_date": "2024-05-01",
                        "amount": 10.5, "currency": "USD", "customer": {"id": 7, "name": "Acme"}}))
        .collect();
    res.render(Json(
        json!({"current_page": 1, "per_page": 25, "last_page": 9, "data": data}),
    ));
}

async fn stub_upstream() -> String {
    let router = Router::new()
        .push(Router::with_path("jwks").get(jwks))
        .push(Router::with_path("user-jwt").post(user_jwt))
        .push(Router::with_path("api/v1/companies/{id}/invoices").get(invoices));
    let acceptor = TcpListener::new("127.0.0.1:0").bind().await;
    let addr = acceptor.holdings()[0]
        .local_addr
        .clone()
        .into_std()
        .unwrap();
    tokio::spawn(Server::new(acceptor).serve(router));
    format!("http://{addr}")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn token_verification(upstream: &str) {
    let outbound = Outbound::new(&OutboundConfig::default());
    let config = JwksConfig::new(format!("{upstream}/jwks"), ISSUER, vec![AUDIENCE.into()]);
    let auth = JwksAuthenticator::new(config, outbound, Arc::new(SystemClock)).unwrap();
    // Warm the key cache once (the JWKS fetch is not what is measured).
    auth.authenticate(&Proof::Bearer(Secret::new(token("warm"))))
        .await
        .unwrap();
    let rounds = 200;
    let tokens: Vec<Proof> = (0..rounds)
        .map(|i| Proof::Bearer(Secret::new(token(&format!("user-{i}")))))
        .collect();
    let start = Instant::now();
    for t in &tokens {
        auth.authenticate(t).await.unwrap();
    }
    let cold = start.elapsed() / rounds;
    let start = Instant::now();
    for _ in 0..20 {
        for t in &tokens {
            auth.authenticate(t).await.unwrap();
        }
    }
    let cached = start.elapsed() / (rounds * 20);
    println!(
        "token verification: cold (signature, keys cached) {cold:?}, cached (SHA-256 hit) {cached:?}"
    );
}

async fn tools_call_load(upstream: &str, secs: u64, concurrency: usize) {
    load(
        upstream,
        secs,
        concurrency,
        "tools/call",
        json!({"name": "neonpanel_search_orders", "arguments": {"accountId": "acme"}}),
    )
    .await;
    load(upstream, secs, concurrency, "ping", json!({})).await;
}

/// Drives `method` with `params` at the server for `secs` seconds; prints req/s and latencies.
async fn load(upstream: &str, secs: u64, concurrency: usize, method: &str, params: Value) {
    let settings = Settings {
        host: Some("127.0.0.1".into()),
        port: Some("0".into()),
        oauth_issuer: Some(ISSUER.into()),
        oauth_jwks_uri: Some(format!("{upstream}/jwks")),
        resource_url: Some(AUDIENCE.into()),
        api_base: Some(upstream.into()),
        user_jwt_url: Some(format!("{upstream}/user-jwt")),
        log_level: Some("warn".into()),
        // The benchmark is one subject: no per-subject rate limit.
        rate_limit_per_minute: Some("0".into()),
        ..Settings::default()
    };
    let config = settings.validate().unwrap();
    let app = App::build(&config).await.unwrap();
    let url = format!("http://{}/mcp", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let bearer = token("bench-user");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let first = client
        .post(&url)
        .bearer_auth(&bearer)
        .header("mcp-protocol-version", "2025-11-25")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.unwrap();
    assert!(
        first.get("result").is_some() && first["result"]["isError"] != true,
        "{first}"
    );
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, bearer, body) =
            (client.clone(), url.clone(), bearer.clone(), body.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let start = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&bearer)
                    .header("mcp-protocol-version", "2025-11-25")
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 200);
                let _ = response.bytes().await.unwrap();
                latencies.push(start.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    all.sort();
    println!(
        "{method} over POST /mcp (cached token, {concurrency} connections, {secs}s): {:.0} req/s, p50 {:?}, p99 {:?}, n={}",
        all.len() as f64 / secs as f64,
        percentile(&all, 0.50),
        percentile(&all, 0.99),
        all.len()
    );
}

fn main() {
    let secs = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let concurrency = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let upstream = stub_upstream().await;
        token_verification(&upstream).await;
        tools_call_load(&upstream, secs, concurrency).await;
    });
}
