//! The text of every RFC 6750 §3 `WWW-Authenticate` challenge this server sends, in one place:
//! on 401/403 answers of the HTTP edge and in `_meta["mcp/www_authenticate"]` of tool results.
//! Every value here is a fixed description, a scope list or our own URL: never a token.

/// An RFC 6750 §3.1 error code with its fixed, caller-safe description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChallengeError {
    pub code: &'static str,
    pub description: &'static str,
}

/// The challenge of an HTTP refusal: `Bearer [error=.., error_description=.., ]
/// resource_metadata=".."[, scope=".."]`. RFC 9728 §5.1: `resource_metadata` points the client
/// at our protected-resource metadata; `scope` names what every call needs (omitted when empty).
#[must_use]
pub(crate) fn refusal(
    error: Option<ChallengeError>,
    resource_metadata: &str,
    scope: &str,
) -> String {
    let mut header = String::from("Bearer ");
    if let Some(ChallengeError { code, description }) = error {
        header.push_str(&format!(
            "error=\"{code}\", error_description=\"{description}\", "
        ));
    }
    header.push_str(&format!("resource_metadata=\"{resource_metadata}\""));
    if !scope.is_empty() {
        header.push_str(&format!(", scope=\"{scope}\""));
    }
    header
}

/// The challenge of a tool result whose NeonPanel sign-in was refused: sign in again.
#[must_use]
pub(crate) fn sign_in_again(resource_metadata: &str) -> String {
    format!("Bearer error=\"invalid_token\", resource_metadata=\"{resource_metadata}\"")
}

/// The challenge of a tool result that needs more scopes (RFC 6750 §3.1 `insufficient_scope`).
#[must_use]
pub(crate) fn step_up(scope: &str, resource_metadata: &str) -> String {
    format!(
        "Bearer error=\"insufficient_scope\", scope=\"{scope}\", \
         resource_metadata=\"{resource_metadata}\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn challenges_read_byte_for_byte_as_clients_have_always_seen_them() {
        let invalid = ChallengeError {
            code: "invalid_token",
            description: "token expired",
        };
        let table = [
            (
                refusal(None, METADATA, "neonpanel:read"),
                "Bearer resource_metadata=\"https://mcp.example.com/.well-known/\
                 oauth-protected-resource/mcp\", scope=\"neonpanel:read\"",
            ),
            (
                refusal(Some(invalid), METADATA, ""),
                "Bearer error=\"invalid_token\", error_description=\"token expired\", \
                 resource_metadata=\"https://mcp.example.com/.well-known/\
                 oauth-protected-resource/mcp\"",
            ),
            (
                sign_in_again(METADATA),
                "Bearer error=\"invalid_token\", resource_metadata=\"https://mcp.example.com/\
                 .well-known/oauth-protected-resource/mcp\"",
            ),
            (
                step_up("neonpanel:plan", METADATA),
                "Bearer error=\"insufficient_scope\", scope=\"neonpanel:plan\", \
                 resource_metadata=\"https://mcp.example.com/.well-known/\
                 oauth-protected-resource/mcp\"",
            ),
        ];
        for (challenge, expected) in table {
            assert_eq!(challenge, expected);
        }
    }
}
