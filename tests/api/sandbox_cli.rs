//! `neonpanel-mcp sandbox` as a process: the URLs it advertises (container and tunnel use)
//! and the flags its `--help` shows. Only with the `sandbox` feature.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::child;

/// The banner lines of a started sandbox, up to and including the demo access token.
struct Banner {
    lines: Vec<String>,
    _child: tokio::process::Child,
    /// Kept open: the sandbox prints more after the token, and a closed pipe would kill it.
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Banner {
    fn value(&self, label: &str) -> String {
        self.lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("no {label:?} in the banner:\n{}", self.lines.join("\n")))
    }
}

async fn start_sandbox(args: &[&str]) -> Banner {
    let mut child = child::binary()
        .args(["sandbox", "--port", "0", "--sandbox-port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = reader.next_line().await {
            let done = line.starts_with("ACCESS_TOKEN=");
            lines.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the banner is printed");
    Banner {
        lines,
        _child: child,
        _stdout: reader,
    }
}

fn audience(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["aud"].clone()
}

#[tokio::test]
async fn sandbox_with_a_public_url_advertises_it_as_resource_and_token_audience() {
    // Arrange
    let public = "https://mcp.example.test";

    // Act
    let banner = start_sandbox(&["--public-url", public]).await;

    // Assert: the banner, the protected-resource metadata and the demo token all name it.
    assert_eq!(
        banner.value("MCP (Streamable HTTP):"),
        format!("{public}/mcp")
    );
    let token = banner.value("ACCESS_TOKEN=");
    let aud = audience(&token);
    assert!(
        aud == format!("{public}/mcp") || aud[0] == format!("{public}/mcp"),
        "{aud}"
    );
    let local = banner.value("Listening on:");
    let http = reqwest::Client::new();
    let metadata: Value = http
        .get(format!("{local}/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], format!("{public}/mcp"));
    let call: Value = http
        .post(format!("{local}/mcp"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(call["result"]["isError"], false, "{call}");
}

#[tokio::test]
async fn sandbox_bound_to_every_interface_never_advertises_0_0_0_0() {
    let banner = start_sandbox(&["--host", "0.0.0.0"]).await;

    let all = banner.lines.join("\n");
    assert!(!all.contains("0.0.0.0"), "{all}");
    assert!(
        banner
            .value("MCP (Streamable HTTP):")
            .starts_with("http://localhost:"),
        "{all}"
    );
}

#[test]
fn sandbox_help_shows_only_the_settings_it_honours() {
    let output = child::binary_blocking()
        .args(["sandbox", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);

    assert!(output.status.success());
    for honoured in ["--port", "--sandbox-port", "--public-url", "--log-level"] {
        assert!(help.contains(honoured), "{honoured} missing:\n{help}");
    }
    for replaced in [
        "--oauth-issuer",
        "--oauth-jwks-uri",
        "--api-base",
        "--client-secret",
        "--resource-url",
        "--user-jwt-url",
    ] {
        assert!(!help.contains(replaced), "{replaced} shown:\n{help}");
    }
}
