//! The `check` and `token` commands of the real binary against the built-in sandbox, each run
//! as a child process with an explicit environment (see `child`).

use std::path::PathBuf;
use std::process::Output;

use super::child;
use super::sandbox_e2e::{SandboxWorld, sandbox_world};

/// A port nothing listens on: bound by the OS, then released.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The environment of a complete sandbox deployment, as an operator would write it.
fn sandbox_env(world: &SandboxWorld) -> Vec<(&'static str, String)> {
    let (id, secret) = world.sandbox.service_client();
    vec![
        ("NEONPANEL_OAUTH_ISSUER", world.sandbox.issuer().to_owned()),
        ("NEONPANEL_OAUTH_JWKS_URI", world.sandbox.jwks_uri()),
        ("NEONPANEL_API_BASE", world.sandbox.base_url().to_owned()),
        ("NEONPANEL_USER_JWT_URL", world.sandbox.user_jwt_url()),
        ("NEONPANEL_OAUTH_TOKEN_URL", world.sandbox.token_url()),
        ("NEONPANEL_CLIENT_ID", id),
        ("NEONPANEL_CLIENT_SECRET", secret),
        (
            "NEONPANEL_IAT_AUDIENCE",
            world.sandbox.api_audience().to_owned(),
        ),
        ("NEONPANEL_HTTP_TIMEOUT_MS", "3000".to_owned()),
    ]
}

async fn check(env: &[(&'static str, String)], dir: Option<PathBuf>) -> (Output, String) {
    let mut command = child::binary();
    command.arg("check").envs(env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
        .await
        .expect("check finishes in time")
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} line in:\n{stdout}"))
}

#[tokio::test]
async fn check_passes_when_every_dependency_of_a_tool_call_answers() {
    // Arrange
    let world = sandbox_world().await;
    let env = sandbox_env(&world);

    // Act
    let (output, stdout) = check(&env, None).await;

    // Assert
    assert!(output.status.success(), "{stdout}");
    for name in ["jwks", "service_token", "neonpanel_api", "user_credential"] {
        assert!(line(&stdout, name).contains(": ok"), "{stdout}");
    }
    let (_, secret) = world.sandbox.service_client();
    assert!(!stdout.contains(&secret));
}

#[tokio::test]
async fn check_fails_without_the_signing_keys() {
    let world = sandbox_world().await;
    let mut env = sandbox_env(&world);
    env.retain(|(k, _)| *k != "NEONPANEL_OAUTH_JWKS_URI");
    env.push((
        "NEONPANEL_OAUTH_JWKS_URI",
        format!("{}/no-such-jwks", world.sandbox.base_url()),
    ));

    let (output, stdout) = check(&env, None).await;

    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(line(&stdout, "jwks").contains("FAIL"), "{stdout}");
    assert!(line(&stdout, "neonpanel_api").contains(": ok"), "{stdout}");
}

#[tokio::test]
async fn check_with_a_copied_env_example_fails_naming_the_missing_user_credential_source() {
    // Arrange: `.env` is `.env.example` verbatim; only the NeonPanel URLs point at the sandbox
    // (variables set in the environment win over `.env`).
    let world = sandbox_world().await;
    let dir = child::empty_dir().join("copied-env-example");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example"),
        dir.join(".env"),
    )
    .unwrap();
    let env: Vec<_> = sandbox_env(&world)
        .into_iter()
        .filter(|(k, _)| {
            [
                "NEONPANEL_OAUTH_ISSUER",
                "NEONPANEL_OAUTH_JWKS_URI",
                "NEONPANEL_API_BASE",
                "NEONPANEL_OAUTH_TOKEN_URL",
            ]
            .contains(k)
        })
        .collect();

    // Act
    let (output, stdout) = check(&env, Some(dir)).await;

    // Assert
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let user = line(&stdout, "user_credential");
    assert!(user.contains("FAIL"), "{stdout}");
    assert!(user.contains("NEONPANEL_USER_JWT_URL"), "{user}");
    assert!(user.contains("neonpanel_list_accounts"), "{user}");
    assert!(line(&stdout, "service_token").contains("FAIL"), "{stdout}");
    assert!(line(&stdout, "jwks").contains(": ok"), "{stdout}");
}

#[tokio::test]
async fn check_fails_when_the_api_and_the_user_jwt_endpoint_are_unreachable() {
    // Arrange
    let world = sandbox_world().await;
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let mut env = sandbox_env(&world);
    env.retain(|(k, _)| !["NEONPANEL_API_BASE", "NEONPANEL_USER_JWT_URL"].contains(k));
    env.push(("NEONPANEL_API_BASE", closed.clone()));
    env.push((
        "NEONPANEL_USER_JWT_URL",
        format!("{closed}/oauth2/user-jwt"),
    ));

    // Act
    let (output, stdout) = check(&env, None).await;

    // Assert
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(line(&stdout, "neonpanel_api").contains("FAIL"), "{stdout}");
    assert!(
        line(&stdout, "user_credential").contains("FAIL"),
        "{stdout}"
    );
    assert!(line(&stdout, "jwks").contains(": ok"), "{stdout}");
}

#[tokio::test]
async fn check_with_an_unreachable_redis_still_prints_every_other_result() {
    // Arrange
    let world = sandbox_world().await;
    let mut env = sandbox_env(&world);
    env.push(("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port())));

    // Act
    let (output, stdout) = check(&env, None).await;

    // Assert
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(line(&stdout, "redis").contains("FAIL"), "{stdout}");
    for name in ["jwks", "service_token", "neonpanel_api", "user_credential"] {
        assert!(line(&stdout, name).contains(": ok"), "{stdout}");
    }
}

async fn token(args: &[&str], extra_env: &[(&str, String)]) -> Output {
    let mut command = child::binary();
    command.arg("token").args(args);
    command.envs(extra_env.iter().map(|(k, v)| (k, v)));
    tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
        .await
        .expect("token finishes in time")
        .expect("the binary runs")
}

async fn list_accounts_with(world: &SandboxWorld, token: &str) -> serde_json::Value {
    world
        .app
        .http
        .post(world.app.url("/mcp"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"neonpanel_list_accounts"}}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_token_command_signs_in_against_the_sandbox_and_its_token_works() {
    // Arrange
    let world = sandbox_world().await;
    let issuer = world.sandbox.issuer().to_owned();

    // Act: non-interactively approved as carol.
    let output = token(
        &[
            "--issuer",
            &issuer,
            "--resource",
            &world.resource,
            "--auto-approve",
            "carol",
        ],
        &[],
    )
    .await;

    // Assert
    assert_token_reaches(&world, output, "carol").await;
}

#[tokio::test]
async fn the_token_command_without_resource_refuses_and_says_why() {
    let world = sandbox_world().await;

    let output = token(
        &[
            "--issuer",
            world.sandbox.issuer(),
            "--auto-approve",
            "carol",
        ],
        &[],
    )
    .await;

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "no token is printed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--resource") && stderr.contains("audience"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_token_command_finds_the_issuer_in_the_servers_protected_resource_metadata() {
    let world = sandbox_world().await;

    let output = token(
        &["--resource", &world.resource, "--auto-approve", "bob"],
        &[],
    )
    .await;

    assert_token_reaches(&world, output, "bob").await;
}

#[tokio::test]
async fn the_token_command_keeps_a_failing_browser_opener_quiet() {
    // Arrange: an `xdg-open` that fails loudly, as on a machine without a browser.
    let world = sandbox_world().await;
    let bin = child::empty_dir().join("noisy-opener");
    std::fs::create_dir_all(&bin).unwrap();
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        "#!/bin/sh\nfor i in 1 2 3 4 5 6; do echo \"xdg-open: www-browser: not found\" >&2; done\nexit 3\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&opener).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&opener, permissions).unwrap();

    // Act: nobody comes back from the browser; the command gives up after a second.
    let output = token(
        &[
            "--issuer",
            world.sandbox.issuer(),
            "--resource",
            &world.resource,
            "--wait-secs",
            "1",
        ],
        &[
            ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
            ("DISPLAY", ":0".to_owned()),
        ],
    )
    .await;

    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("Open this URL"), "{stderr}");
    assert!(!stderr.contains("not found"), "{stderr}");
}

/// The `token` command succeeded, and its token lists `user`'s first account through the server.
async fn assert_token_reaches(world: &SandboxWorld, output: Output, user: &str) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let body = list_accounts_with(world, &token).await;
    assert_eq!(
        body["result"]["structuredContent"]["items"][0]["accountId"],
        world.company(user, 0).as_str()
    );
}
