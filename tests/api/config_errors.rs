//! A misconfigured `serve` on the real binary: every problem at once, badly typed values
//! included (clap alone would stop at the first of those), then exit status 2.

use std::process::Output;
use std::time::Duration;

use super::child;

async fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = child::binary();
    command.arg("serve").args(args).envs(env.iter().copied());
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("a misconfigured server exits at once")
        .expect("the binary runs")
}

/// The problem lines of stderr, without their indentation.
fn problems(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(|line| line.trim().to_owned())
        .collect()
}

fn assert_names(output: &Output, names: &[&str]) {
    let lines = problems(output);
    assert_eq!(output.status.code(), Some(2), "{lines:#?}");
    for name in names {
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with(&format!("{name}: ")))
                .count(),
            1,
            "one line for {name} in {lines:#?}"
        );
    }
}

#[tokio::test]
async fn serve_with_a_bad_port_and_a_bad_jwks_uri_in_the_environment_names_both_and_exits_2() {
    // Arrange
    let env = [
        ("PORT", "not-a-port"),
        ("NEONPANEL_OAUTH_JWKS_URI", "not-a-url"),
        ("NEONPANEL_OAUTH_ISSUER", "https://auth.example"),
    ];

    // Act
    let output = serve(&[], &env).await;

    // Assert
    assert_names(&output, &["PORT", "NEONPANEL_OAUTH_JWKS_URI"]);
    assert!(
        problems(&output)
            .iter()
            .any(|l| l.contains("\"not-a-port\""))
    );
}

#[tokio::test]
async fn serve_with_bad_typed_flags_reports_every_one_with_the_other_problems_and_exits_2() {
    // Arrange: a port, a number and a switch clap would each have refused on its own.
    let args = [
        "--port",
        "70000",
        "--max-body-bytes",
        "lots",
        "--enable-sse",
        "maybe",
        "--oauth-jwks-uri",
        "not-a-url",
    ];

    // Act
    let output = serve(&args, &[]).await;

    // Assert
    assert_names(
        &output,
        &[
            "PORT",
            "MAX_BODY_BYTES",
            "ENABLE_SSE",
            "NEONPANEL_OAUTH_JWKS_URI",
            "NEONPANEL_OAUTH_ISSUER",
        ],
    );
}
