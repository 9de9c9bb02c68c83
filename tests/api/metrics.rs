//! `/metrics` on its own listener: the production wiring against wiremock with real tokens, and
//! the HTTP-level series over port doubles. Every scrape is also checked for format.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use neonpanel_mcp::adapters::metrics::Metrics;
use neonpanel_mcp::adapters::sessions::MemorySessionBus;
use neonpanel_mcp::startup::wiring::{App, AppParts, Shutdown};
use rmcp::model::ProtocolVersion;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::doubles::{self, ALICE};
use super::helpers::{Settings, settings};
use super::mcp_client::{call, connect};
use super::real::{SERVICE_TOKEN, USER_JWT, sign, world};

/// One sample line: `name{label="value",…} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses one sample line of the text exposition format, or says why it is malformed.
fn parse_sample(line: &str) -> Result<Sample, &'static str> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err("bad metric name");
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=').ok_or("label without =")?;
            let key = &rest[..eq];
            if !is_name(key) {
                return Err("bad label name");
            }
            rest = rest[eq + 1..].strip_prefix('"').ok_or("unquoted label")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next().ok_or("unterminated label")? {
                    (_, '\\') => value.push(chars.next().ok_or("dangling escape")?.1),
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            labels.push((key.to_owned(), value));
            rest = &rest[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }
    let value = rest.strip_prefix(' ').ok_or("no space before value")?;
    let value = value.parse::<f64>().map_err(|_| "value is not a number")?;
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// Every line is a `# HELP`/`# TYPE` comment or a well-formed sample.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (kind, name) = (words.next(), words.next().unwrap_or_default());
            assert!(matches!(kind, Some("HELP" | "TYPE")), "comment: {line}");
            assert!(is_name(name), "comment names no metric: {line}");
            if kind == Some("TYPE") {
                let types = ["counter", "gauge", "histogram"];
                assert!(types.contains(&words.next().unwrap_or_default()), "{line}");
            }
            continue;
        }
        samples.push(parse_sample(line).unwrap_or_else(|e| panic!("{e}: {line:?}")));
    }
    samples
}

fn value_of(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && s.labels.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.value)
}

async fn scrape(addr: SocketAddr) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_show_a_tool_calls_histogram_after_one_call_and_nothing_about_the_caller() {
    // Arrange
    let subject = "subject-5be1c0de";
    let world = world(|s, _| s.metrics_addr = Some("127.0.0.1:0".into())).await;
    let companies: serde_json::Value = serde_json::from_str(include_str!(
        "../../src/adapters/neonpanel/fixtures/companies.json"
    ))
    .unwrap();
    Mock::given(method("GET"))
        .and(path("/api/v1/companies"))
        .respond_with(ResponseTemplate::new(200).set_body_json(companies))
        .mount(&world.neonpanel)
        .await;
    let access_token = sign(&super::real::claims(subject), Some(super::real::KID));
    let metrics = world.metrics.expect("METRICS_ADDR was set");
    assert_ne!(metrics, world.app.addr);

    // Act
    let client = connect(
        &world.app.base,
        &access_token,
        ProtocolVersion::V_2025_11_25,
    )
    .await;
    let result = call(&client, "neonpanel_list_accounts", json!({})).await;
    let text = scrape(metrics).await;
    let public = world.app.http.get(world.app.url("/metrics")).send().await;

    // Assert
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let samples = parse_exposition(&text);
    let tool = [("tool", "neonpanel_list_accounts"), ("outcome", "ok")];
    let histogram = "neonpanel_mcp_tool_call_duration_seconds";
    assert_eq!(
        value_of(&samples, &format!("{histogram}_count"), &tool),
        Some(1.0),
        "{text}"
    );
    assert!(value_of(&samples, &format!("{histogram}_sum"), &tool).is_some_and(|s| s > 0.0));
    let buckets: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == format!("{histogram}_bucket"))
        .filter(|s| s.labels.iter().any(|(k, v)| k == "tool" && v == tool[0].1))
        .collect();
    assert_eq!(buckets.len(), 14, "{text}");
    assert!(
        buckets.windows(2).all(|w| w[0].value <= w[1].value),
        "cumulative"
    );
    let last = buckets.last().unwrap();
    assert_eq!(
        last.labels.last().unwrap(),
        &("le".to_owned(), "+Inf".to_owned())
    );
    assert_eq!(last.value, 1.0);
    let upstream = "neonpanel_mcp_upstream_requests_total";
    for endpoint in ["companies", "user_jwt", "jwks"] {
        let labels = [("endpoint", endpoint), ("status", "200")];
        assert_eq!(
            value_of(&samples, upstream, &labels),
            Some(1.0),
            "{endpoint}: {text}"
        );
    }
    let lookups = "neonpanel_mcp_cache_lookups_total";
    let verified = |result| [("cache", "verified_token"), ("result", result)];
    assert_eq!(
        value_of(&samples, lookups, &verified("miss")),
        Some(1.0),
        "{text}"
    );
    assert!(value_of(&samples, lookups, &verified("hit")).is_some_and(|n| n >= 1.0));
    let credential = [("cache", "user_credential"), ("result", "miss")];
    assert_eq!(value_of(&samples, lookups, &credential), Some(1.0));
    let requests = [("route", "/mcp"), ("status", "200")];
    assert!(
        value_of(&samples, "neonpanel_mcp_http_requests_total", &requests)
            .is_some_and(|n| n >= 2.0)
    );
    for caller_data in [
        access_token.as_str(),
        subject,
        USER_JWT,
        SERVICE_TOKEN,
        "test-only-secret",
        "a1b2c3d4e5f6g7h8i9j0",
        "127.0.0.1:",
    ] {
        assert!(
            !text.contains(caller_data),
            "{caller_data} leaked into /metrics"
        );
    }
    assert_eq!(public.unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn metrics_are_not_served_unless_metrics_addr_is_set() {
    // Arrange
    let world = world(|_, _| {}).await;

    // Act
    let public = world.app.http.get(world.app.url("/metrics")).send().await;

    // Assert
    assert_eq!(world.metrics, None);
    assert_eq!(public.unwrap().status().as_u16(), 404);
}

struct Doubled {
    base: String,
    metrics: SocketAddr,
    shutdown: Shutdown,
}

/// The app over port doubles, with metrics on an OS-chosen port.
async fn spawn_with_metrics(settings: Settings) -> Doubled {
    let config = Settings {
        metrics_addr: Some("127.0.0.1:0".into()),
        ..settings
    }
    .validate()
    .unwrap();
    let parts = AppParts {
        authenticator: Arc::new(doubles::authenticator()),
        users: Arc::new(doubles::users()),
        service_tokens: Arc::new(doubles::service_tokens()),
        api: Arc::new(doubles::api()),
        bus: Arc::new(MemorySessionBus::new()),
        probe: Arc::new(doubles::HealthyProbe::default()),
        issuer_metadata: Arc::new(doubles::StaticIssuerMetadata),
        metrics: Metrics::new(),
        shared_rate_limit: None,
    };
    let app = App::from_parts(&config, parts).await.unwrap();
    let doubled = Doubled {
        base: format!("http://{}", app.local_addr()),
        metrics: app.metrics_addr().unwrap(),
        shutdown: app.shutdown_handle(),
    };
    tokio::spawn(app.run_until_stopped());
    doubled
}

#[tokio::test]
async fn rate_limit_refusals_sse_sessions_and_unknown_tools_are_counted() {
    // Arrange
    let app = spawn_with_metrics(Settings {
        rate_limit_per_minute: Some("2".into()),
        ..settings()
    })
    .await;
    let http = reqwest::Client::new();
    let unknown = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}}"#;
    let post = || {
        http.post(format!("{}/mcp", app.base))
            .bearer_auth(ALICE)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(unknown)
            .send()
    };

    // Act
    let mut sse = http
        .get(format!("{}/sse", app.base))
        .bearer_auth(doubles::BOB)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let first_event = sse.chunk().await.unwrap().unwrap();
    let statuses = [
        post().await.unwrap(),
        post().await.unwrap(),
        post().await.unwrap(),
    ]
    .map(|r| r.status().as_u16());
    let open = parse_exposition(&scrape(app.metrics).await);
    drop(sse);
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let samples = parse_exposition(&scrape(app.metrics).await);
            if value_of(&samples, "neonpanel_mcp_sse_sessions", &[]) == Some(0.0) {
                return samples;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the SSE gauge returns to 0 once the client is gone");

    // Assert
    assert!(String::from_utf8_lossy(&first_event).contains("endpoint"));
    assert_eq!(statuses, [200, 200, 429]);
    let mcp = [("route", "/mcp")];
    assert_eq!(
        value_of(&open, "neonpanel_mcp_rate_limit_refusals_total", &mcp),
        Some(1.0)
    );
    let refused = [("route", "/mcp"), ("status", "429")];
    assert_eq!(
        value_of(&open, "neonpanel_mcp_http_requests_total", &refused),
        Some(1.0)
    );
    assert_eq!(
        value_of(&open, "neonpanel_mcp_sse_sessions", &[]),
        Some(1.0)
    );
    assert_eq!(
        value_of(&open, "neonpanel_mcp_http_requests_in_flight", &mcp),
        Some(0.0)
    );
    let unknown_tool = [("tool", "unknown"), ("outcome", "unknown_tool")];
    assert_eq!(
        value_of(
            &open,
            "neonpanel_mcp_tool_call_duration_seconds_count",
            &unknown_tool
        ),
        Some(2.0)
    );
    assert_eq!(
        value_of(&closed, "neonpanel_mcp_sse_sessions_opened_total", &[]),
        Some(1.0)
    );
    app.shutdown.trigger().await;
}
