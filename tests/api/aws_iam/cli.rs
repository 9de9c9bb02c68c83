//! `neonpanel-mcp sandbox` as a process with IAM callers on: the banner's AWS keys presign a
//! token any SigV4 signer could make, the demo role runs a tool, and no log line of the
//! server (debug level, JSON) holds a presigned URL, a signature or a secret.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::mint::{Presign, token_of};
use crate::child;

/// The banner's values by label, and the child (its stderr still piped).
struct Started {
    child: tokio::process::Child,
    banner: Vec<String>,
    stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Started {
    fn value(&self, label: &str) -> String {
        self.banner
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("no {label:?} in the banner:\n{}", self.banner.join("\n")))
    }
}

async fn start() -> Started {
    let mut child = child::binary()
        .args(["sandbox", "--port", "0", "--sandbox-port", "0"])
        .env("LOG_LEVEL", "debug")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = stdout.next_line().await {
            let done = line.starts_with("AWS_REGION=");
            banner.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("the banner is printed");
    Started {
        child,
        banner,
        stdout,
    }
}

async fn call(base: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_sandbox_banner_keys_make_a_working_iam_token_and_no_log_line_shows_a_presign() {
    // Arrange
    let mut started = start().await;
    let base = started
        .value("MCP (Streamable HTTP):")
        .trim_end_matches("/mcp")
        .to_owned();
    let resource = format!("{base}/mcp");
    let secret = started.value("AWS_SECRET_ACCESS_KEY=");
    let presign = Presign::new(
        &started.value("AWS_STS_ENDPOINT="),
        &started.value("AWS_ACCESS_KEY_ID="),
        &secret,
        &resource,
    );
    assert_eq!(started.value("AWS_REGION="), "us-east-1");
    let good = presign.url();
    let mut forged = presign.clone();
    forged.secret_access_key = "guessed".into();
    let forged = forged.url();
    let hostile = good.replacen("http://", "http://169.254.169.254@", 1);

    // Act
    let (status, body) = call(&base, &token_of(&good)).await;
    let refused: Vec<u16> = [
        call(&base, &token_of(&forged)).await.0,
        call(&base, &token_of(&hostile)).await.0,
    ]
    .to_vec();
    started.child.start_kill().unwrap();
    let _ = started.child.wait().await;
    let mut logs = String::new();
    started
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .await
        .unwrap();
    while let Ok(Some(line)) = started.stdout.next_line().await {
        logs.push_str(&line);
        logs.push('\n');
    }

    // Assert: the demo role sees exactly one (demo) company.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["isError"], false, "{body}");
    assert_eq!(
        body["result"]["structuredContent"]["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{body}"
    );
    assert_eq!(refused, [401, 401]);
    // The logs were captured (the verified role is named) ...
    assert!(
        logs.contains("NeonPanelSandboxAgent"),
        "no IAM log line captured:\n{logs}"
    );
    // ... and hold no presigned URL, signature, token or secret.
    for url in [&good, &forged, &hostile] {
        let signature = url.rsplit("X-Amz-Signature=").next().unwrap();
        assert!(!logs.contains(signature), "a signature was logged:\n{logs}");
        assert!(!logs.contains(token_of(url).as_str()), "a token was logged");
    }
    for needle in [
        "X-Amz-Signature",
        "X-Amz-Credential",
        "2011-06-15&X-Amz",
        secret.as_str(),
    ] {
        assert!(!logs.contains(needle), "{needle:?} was logged:\n{logs}");
    }
}
