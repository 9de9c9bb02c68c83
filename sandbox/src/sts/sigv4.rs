//! SigV4 verification of a query-signed (presigned) request, from the AWS specification
//! ("Create a signed AWS API request", "Authenticating requests: using query parameters").

use aws_lc_rs::hmac;
use sha2::{Digest, Sha256};

/// STS tolerates this much clock skew for a request dated in the future.
const MAX_SKEW_SECS: u64 = 300;

/// Why STS refuses a request, with the status and `Error.Code` real STS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SigV4Error {
    #[error("Could not find operation or version for this request")]
    InvalidAction,
    #[error("Request is missing Authentication Token")]
    MissingAuthentication,
    #[error("The security token included in the request is invalid.")]
    UnknownKey,
    #[error("Credential should be scoped to a valid service and terminator")]
    BadScope,
    #[error("Request has expired")]
    Expired,
    #[error("Signature not yet current")]
    NotYetCurrent,
    #[error("The request signature we calculated does not match the signature you provided.")]
    Mismatch,
}

impl SigV4Error {
    pub(crate) fn status_and_code(self) -> (u16, &'static str) {
        match self {
            Self::InvalidAction => (400, "InvalidAction"),
            Self::MissingAuthentication => (403, "MissingAuthenticationToken"),
            Self::UnknownKey => (403, "InvalidClientTokenId"),
            Self::BadScope => (403, "SignatureDoesNotMatch"),
            Self::Expired => (403, "ExpiredToken"),
            Self::NotYetCurrent | Self::Mismatch => (403, "SignatureDoesNotMatch"),
        }
    }
}

/// Verifies the presigned `GetCallerIdentity` in `raw_query`, reading signed headers with
/// `header` and secrets with `secret_of`; returns the access key id that signed it.
pub(crate) fn verify_presigned(
    raw_query: &str,
    header: &dyn Fn(&str) -> Vec<String>,
    now: u64,
    secret_of: impl Fn(&str) -> Option<String>,
) -> Result<String, SigV4Error> {
    let pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (decode(name), decode(value))
        })
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if get("Action") != Some("GetCallerIdentity") || get("Version") != Some("2011-06-15") {
        return Err(SigV4Error::InvalidAction);
    }
    let (Some(algorithm), Some(credential), Some(date), Some(expires), Some(signed), Some(sig)) = (
        get("X-Amz-Algorithm"),
        get("X-Amz-Credential"),
        get("X-Amz-Date"),
        get("X-Amz-Expires"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
    ) else {
        return Err(SigV4Error::MissingAuthentication);
    };
    if algorithm != "AWS4-HMAC-SHA256" {
        return Err(SigV4Error::MissingAuthentication);
    }
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, day, region, service, terminator] = scope.as_slice() else {
        return Err(SigV4Error::BadScope);
    };
    if *service != "sts" || *terminator != "aws4_request" || date.get(..8) != Some(*day) {
        return Err(SigV4Error::BadScope);
    }
    let secret = secret_of(key_id).ok_or(SigV4Error::UnknownKey)?;
    let signed_at = unix_time(date).ok_or(SigV4Error::Mismatch)?;
    let lifetime: u64 = expires.parse().map_err(|_| SigV4Error::Mismatch)?;
    if now > signed_at.saturating_add(lifetime) {
        return Err(SigV4Error::Expired);
    }
    if signed_at > now.saturating_add(MAX_SKEW_SECS) {
        return Err(SigV4Error::NotYetCurrent);
    }

    let mut canonical_query: Vec<(String, String)> = pairs
        .iter()
        .filter(|(n, _)| n != "X-Amz-Signature")
        .map(|(n, v)| (encode(n), encode(v)))
        .collect();
    canonical_query.sort();
    let canonical_query: Vec<String> = canonical_query
        .into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    let mut canonical_headers = String::new();
    for name in signed.split(';') {
        let values = header(name);
        if values.is_empty() {
            return Err(SigV4Error::Mismatch);
        }
        let values: Vec<String> = values
            .iter()
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let expected = hex_decode(sig).ok_or(SigV4Error::Mismatch)?;
    let key = signing_key(&secret, day, region, service);
    let scope = format!("{day}/{region}/{service}/aws4_request");
    // Presigned requests hash an empty body; some signers write UNSIGNED-PAYLOAD instead.
    for payload in [hex(&Sha256::digest(b"")), "UNSIGNED-PAYLOAD".to_owned()] {
        let canonical_request = format!(
            "GET\n/\n{}\n{canonical_headers}\n{signed}\n{payload}",
            canonical_query.join("&")
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        // Constant time (aws-lc-rs `hmac::verify`).
        if hmac::verify(&key, string_to_sign.as_bytes(), &expected).is_ok() {
            return Ok((*key_id).to_owned());
        }
    }
    Err(SigV4Error::Mismatch)
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
fn signing_key(secret: &str, day: &str, region: &str, service: &str) -> hmac::Key {
    hmac::Key::new(
        hmac::HMAC_SHA256,
        &signing_key_bytes(secret, day, region, service),
    )
}

fn signing_key_bytes(secret: &str, day: &str, region: &str, service: &str) -> Vec<u8> {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in [day, region, service, "aws4_request"] {
        let k = hmac::Key::new(hmac::HMAC_SHA256, &key);
        key = hmac::sign(&k, part.as_bytes()).as_ref().to_vec();
    }
    key
}

/// SigV4's URI encoding: everything but `A-Za-z0-9-_.~` as `%XX`, uppercase.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(value) => {
                out.push(value);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..32)
        .map(|i| {
            text.get(i * 2..i * 2 + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// `YYYYMMDDTHHMMSSZ` as Unix seconds.
fn unix_time(date: &str) -> Option<u64> {
    if date.len() != 16 || !date.ends_with('Z') || date.get(8..9) != Some("T") {
        return None;
    }
    let n = |from: usize, to: usize| date.get(from..to)?.parse::<u64>().ok();
    let (y, m, d) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    let (hh, mm, ss) = (n(9, 11)?, n(11, 13)?, n(13, 15)?);
    if y < 1970 || !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59
    {
        return None;
    }
    // Days since 1970-01-01 (civil-from-days inverse, Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + hh * 3_600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the AWS documentation ("Examples of how to derive a signing
    /// key for Signature Version 4").
    #[test]
    fn the_signing_key_matches_the_aws_documentation_example() {
        let key = signing_key_bytes(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn sigv4_encoding_keeps_only_unreserved_characters() {
        assert_eq!(encode("a b/c+d=e~f"), "a%20b%2Fc%2Bd%3De~f");
        assert_eq!(decode("a%20b%2Fc%2bd"), "a b/c+d");
        assert_eq!(unix_time("20261204T143000Z"), Some(1_796_394_600));
    }
}
