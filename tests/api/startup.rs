//! The binary itself: configuration problems are all reported at once, with exit status 2.

use super::child;

#[test]
fn invalid_configuration_exits_2_with_one_line_per_problem() {
    let output = child::binary_blocking()
        .arg("serve")
        .env("NEONPANEL_OAUTH_ALGORITHMS", "HS256")
        .env("NEONPANEL_PAGE_SIZE", "500")
        .env("NEONPANEL_CLIENT_SECRET", "do-not-print-me")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "NEONPANEL_OAUTH_ISSUER",
        "NEONPANEL_OAUTH_JWKS_URI",
        "HS256",
        "NEONPANEL_PAGE_SIZE",
        "NEONPANEL_CLIENT_ID",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from:\n{stderr}");
    }
    assert!(
        !stderr.contains("do-not-print-me"),
        "a secret was printed:\n{stderr}"
    );
}
