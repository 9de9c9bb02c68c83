//! The sandbox's STS on its own, called as STS is called: it really verifies the SigV4
//! signature of a presign made by AWS's signer, and answers as STS does.

use neonpanel_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

use super::mint::Presign;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
    })
    .await
    .unwrap()
}

async fn get(url: &str, audience: Option<&str>, accept: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(audience) = audience {
        request = request.header("x-neonpanel-mcp-audience", audience);
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_sandbox_sts_names_the_caller_only_when_the_signature_and_signed_header_hold() {
    // Arrange
    let sandbox = sandbox().await;
    let key = &sandbox.aws_demo_keys()[0];
    let audience = "https://mcp.example/mcp";
    let url = Presign::new(
        sandbox.sts_url(),
        &key.access_key_id,
        &key.secret_access_key,
        audience,
    )
    .url();

    // Act
    let (json_status, json) = get(&url, Some(audience), Some("application/json")).await;
    let (xml_status, xml) = get(&url, Some(audience), None).await;
    let (other_status, other) = get(
        &url,
        Some("https://other.example/mcp"),
        Some("application/json"),
    )
    .await;
    let (missing_status, _) = get(&url, None, Some("application/json")).await;
    let unknown = url.replace(&key.access_key_id, "AKIAUNKNOWNKEY000000");
    let (unknown_status, unknown_body) =
        get(&unknown, Some(audience), Some("application/json")).await;

    // Assert
    assert_eq!(json_status, 200, "{json}");
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Arn"],
        key.arn
    );
    assert_eq!(xml_status, 200);
    assert!(xml.contains(&format!("<Arn>{}</Arn>", key.arn)), "{xml}");
    assert_eq!(other_status, 403);
    let other: Value = serde_json::from_str(&other).unwrap();
    assert_eq!(other["Error"]["Code"], "SignatureDoesNotMatch");
    assert_eq!(missing_status, 403);
    assert_eq!(unknown_status, 403);
    assert!(
        unknown_body.contains("InvalidClientTokenId"),
        "{unknown_body}"
    );
    assert_eq!(sandbox.sts_calls(), 5);
    sandbox.shutdown().await;
}
