//! The one STS call: the caller's presigned `GetCallerIdentity`, sent exactly as signed, with
//! the audience header set to this server's resource URL and `Accept: application/json`.

use serde::Deserialize;

use crate::adapters::outbound::{Outbound, OutboundRequest};
use crate::domain::aws_iam::{AUDIENCE_HEADER, CheckedPresign};

/// How STS answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum StsCallError {
    /// STS refused the request (bad signature, expired, unknown key): the token is bad.
    #[error("STS refused the presigned request ({0})")]
    Refused(String),
    /// No usable answer: timeout, connection error, 5xx, throttling or a body that is not
    /// a `GetCallerIdentity` result. Never cached: the same token may work a moment later.
    #[error("STS is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    get_caller_identity_response: Response,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    get_caller_identity_result: CallerIdentity,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CallerIdentity {
    arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorAnswer {
    error: ErrorDetail,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDetail {
    code: String,
}

/// Sends `presign` to STS and returns the caller's ARN.
///
/// # Errors
/// [`StsCallError::Refused`] when STS says the signature does not hold (4xx other than
/// throttling); [`StsCallError::Unavailable`] for everything that is not an answer.
pub(super) async fn caller_arn(
    outbound: &Outbound,
    presign: &CheckedPresign,
    audience: &str,
) -> Result<String, StsCallError> {
    let request = OutboundRequest::get(presign.url())
        .header(AUDIENCE_HEADER, audience)
        .header("accept", "application/json");
    // The error text of the outbound seam never holds the URL (a presigned URL is a credential).
    let response = outbound
        .send(request)
        .await
        .map_err(|e| StsCallError::Unavailable(e.to_string()))?;
    match response.status {
        200 => serde_json::from_slice::<Answer>(&response.body)
            .map(|a| {
                a.get_caller_identity_response
                    .get_caller_identity_result
                    .arn
            })
            .map_err(|_| StsCallError::Unavailable("STS answered 200 without an ARN".into())),
        status @ 400..=499 => {
            let code = serde_json::from_slice::<ErrorAnswer>(&response.body)
                .map(|e| e.error.code)
                .unwrap_or_default();
            // STS reports throttling as 400 `Throttling`: a pause, not a verdict on the token.
            if status == 429 || code == "Throttling" || code == "RequestLimitExceeded" {
                Err(StsCallError::Unavailable(format!(
                    "STS is throttling ({status})"
                )))
            } else {
                Err(StsCallError::Refused(format!(
                    "{status} {}",
                    safe_code(&code)
                )))
            }
        }
        status => Err(StsCallError::Unavailable(format!("STS answered {status}"))),
    }
}

/// An STS error code for logs: letters only, bounded, so an answer cannot inject text.
fn safe_code(code: &str) -> &str {
    if !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        code
    } else {
        "unknown"
    }
}
