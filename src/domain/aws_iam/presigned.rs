//! The strict check of a presigned STS `GetCallerIdentity` URL, before the server sends it
//! anywhere (the pattern of the Kubernetes aws-iam-authenticator and Vault's AWS auth method).
//!
//! The server verifies nothing cryptographic: STS does, and answers with the caller's ARN only
//! when the signature holds. What the server must guarantee is that the URL can only ever be a
//! read-only `GetCallerIdentity` call to an allowed STS endpoint (no SSRF: the caller chooses the
//! URL), that it was made for this server (the signed audience header: no replay of a token
//! minted for another service), and that it is recent (15 minutes at most, as STS itself allows).
//!
//! The grammar accepted is deliberately narrower than RFC 3986: the whole URL is made of
//! `[a-z0-9.-]` in the host, an optional port, the path `/` and a query of unreserved characters,
//! `%XX`, `=` and `&`. AWS SDK signers produce exactly that, and with no `@`, `\`, `#`, spaces
//! or `+` there is nothing two URL parsers could read differently.

use super::amz_date::parse_amz_date;
use super::endpoints::{Scheme, StsEndpoints, split_authority};

/// The header whose signed value must be this server's `MCP_RESOURCE_URL`.
pub const AUDIENCE_HEADER: &str = "x-neonpanel-mcp-audience";

/// The most a presigned request may live, as AWS allows for STS (and the server caches for).
pub const MAX_PRESIGN_SECS: u64 = 900;

/// The largest `X-Amz-Security-Token` accepted (session tokens of assumed roles are 1-2 KB).
const MAX_SESSION_TOKEN_BYTES: usize = 4096;

/// Every query parameter a presigned `GetCallerIdentity` may carry; any other is refused.
const KNOWN_PARAMETERS: [&str; 9] = [
    "Action",
    "Version",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// Why a presigned URL was refused without calling STS. The [`PresignError::reason`] is safe to
/// show the caller: it never echoes the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresignError {
    #[error("{}", self.reason())]
    Malformed,
    #[error("{}", self.reason())]
    Scheme,
    #[error("{}", self.reason())]
    HostNotAllowed,
    #[error("{}", self.reason())]
    Path,
    #[error("{}", self.reason())]
    UnknownParameter,
    #[error("{}", self.reason())]
    RepeatedParameter,
    #[error("{}", self.reason())]
    MissingParameter,
    #[error("{}", self.reason())]
    NotGetCallerIdentity,
    #[error("{}", self.reason())]
    Algorithm,
    #[error("{}", self.reason())]
    CredentialScope,
    #[error("{}", self.reason())]
    HostNotSigned,
    #[error("{}", self.reason())]
    AudienceNotSigned,
    #[error("{}", self.reason())]
    Date,
    #[error("{}", self.reason())]
    Expires,
    #[error("{}", self.reason())]
    Expired,
    #[error("{}", self.reason())]
    NotYetValid,
    #[error("{}", self.reason())]
    Signature,
}

impl PresignError {
    /// A fixed, caller-safe description (RFC 6750 `error_description`).
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "the presigned STS URL is malformed",
            Self::Scheme => "the presigned STS URL must use https",
            Self::HostNotAllowed => {
                "the presigned STS URL names a host that is not an allowed STS endpoint"
            }
            Self::Path => "the presigned STS URL must have the path /",
            Self::UnknownParameter => {
                "the presigned STS URL has a query parameter GetCallerIdentity does not take"
            }
            Self::RepeatedParameter => "the presigned STS URL repeats a query parameter",
            Self::MissingParameter => "the presigned STS URL lacks a SigV4 query parameter",
            Self::NotGetCallerIdentity => {
                "the presigned STS request must be Action=GetCallerIdentity&Version=2011-06-15"
            }
            Self::Algorithm => "the presigned STS URL must be signed with AWS4-HMAC-SHA256",
            Self::CredentialScope => "X-Amz-Credential is not a credential scope for sts",
            Self::HostNotSigned => "the presigned STS request must sign the host header",
            Self::AudienceNotSigned => {
                "the presigned STS request must sign the x-neonpanel-mcp-audience header"
            }
            Self::Date => "X-Amz-Date is not a SigV4 date",
            Self::Expires => "X-Amz-Expires must be 1 to 900 seconds",
            Self::Expired => "the presigned STS request has expired",
            Self::NotYetValid => "the presigned STS request is dated in the future",
            Self::Signature => "X-Amz-Signature is not a SigV4 signature",
        }
    }
}

/// A presigned URL that passed every check: the only kind the STS client accepts.
#[derive(Clone, PartialEq, Eq)]
#[must_use]
pub struct CheckedPresign {
    url: String,
    expires_at: u64,
}

impl CheckedPresign {
    /// The URL exactly as the caller signed it (it holds a signature: never log it).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// When the presigned request stops being valid, in seconds since the Unix epoch.
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
}

impl std::fmt::Debug for CheckedPresign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedPresign")
            .field("url", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What the check needs besides the URL.
#[derive(Clone, Copy, Debug)]
pub struct PresignRules<'a> {
    pub endpoints: &'a StsEndpoints,
    /// Seconds since the Unix epoch.
    pub now: u64,
    /// Clock skew tolerated for an `X-Amz-Date` in the future.
    pub leeway_secs: u64,
}

/// Checks `url` against every rule of the module header.
///
/// # Errors
/// The first [`PresignError`] found.
pub fn check_presigned_url(
    url: &str,
    rules: PresignRules<'_>,
) -> Result<CheckedPresign, PresignError> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return Err(PresignError::Scheme);
    };
    let (authority, path_and_query) = rest.find(['/', '?', '#']).map_or((rest, ""), |at| {
        (
            rest.get(..at).unwrap_or_default(),
            rest.get(at..).unwrap_or_default(),
        )
    });
    if split_authority(authority).is_none() {
        return Err(PresignError::HostNotAllowed);
    }
    if !rules.endpoints.allows(scheme, authority) {
        return Err(
            if scheme == Scheme::Http && rules.endpoints.allows(Scheme::Https, authority) {
                PresignError::Scheme
            } else {
                PresignError::HostNotAllowed
            },
        );
    }
    let query = match path_and_query.split_once('?') {
        Some(("/", query)) => query,
        Some(_) => return Err(PresignError::Path),
        None if path_and_query == "/" => return Err(PresignError::MissingParameter),
        None => return Err(PresignError::Path),
    };
    let params = Params::parse(query)?;
    check_params(&params, rules)?;
    let date = params
        .get("X-Amz-Date")
        .and_then(parse_amz_date)
        .ok_or(PresignError::Date)?;
    let expires = params
        .get("X-Amz-Expires")
        .filter(|e| !e.is_empty() && e.len() <= 3 && e.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|e| e.parse::<u64>().ok())
        .filter(|e| (1..=MAX_PRESIGN_SECS).contains(e))
        .ok_or(PresignError::Expires)?;
    if date > rules.now.saturating_add(rules.leeway_secs) {
        return Err(PresignError::NotYetValid);
    }
    let expires_at = date.saturating_add(expires);
    if rules.now >= expires_at {
        return Err(PresignError::Expired);
    }
    Ok(CheckedPresign {
        url: url.to_owned(),
        expires_at,
    })
}

fn check_params(params: &Params, _rules: PresignRules<'_>) -> Result<(), PresignError> {
    for name in [
        "Action",
        "Version",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        if params.get(name).is_none() {
            return Err(PresignError::MissingParameter);
        }
    }
    if params.get("Action") != Some("GetCallerIdentity")
        || params.get("Version") != Some("2011-06-15")
    {
        return Err(PresignError::NotGetCallerIdentity);
    }
    if params.get("X-Amz-Algorithm") != Some("AWS4-HMAC-SHA256") {
        return Err(PresignError::Algorithm);
    }
    let date = params.get("X-Amz-Date").unwrap_or_default();
    if !is_credential_scope(params.get("X-Amz-Credential").unwrap_or_default(), date) {
        return Err(PresignError::CredentialScope);
    }
    let signed: Vec<&str> = params
        .get("X-Amz-SignedHeaders")
        .unwrap_or_default()
        .split(';')
        .collect();
    if signed.iter().any(|h| {
        h.is_empty()
            || !h
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }) {
        return Err(PresignError::Malformed);
    }
    if !signed.contains(&"host") {
        return Err(PresignError::HostNotSigned);
    }
    if !signed.contains(&AUDIENCE_HEADER) {
        return Err(PresignError::AudienceNotSigned);
    }
    let signature = params.get("X-Amz-Signature").unwrap_or_default();
    if signature.len() != 64
        || !signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(PresignError::Signature);
    }
    if let Some(token) = params.get("X-Amz-Security-Token")
        && (token.is_empty() || token.len() > MAX_SESSION_TOKEN_BYTES)
    {
        return Err(PresignError::Malformed);
    }
    Ok(())
}

/// `AKID/YYYYMMDD/region/sts/aws4_request`, dated the day of `amz_date`.
fn is_credential_scope(credential: &str, amz_date: &str) -> bool {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, day, region, service, terminator] = parts.as_slice() else {
        return false;
    };
    (16..=128).contains(&key_id.len())
        && key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && amz_date.get(..8) == Some(*day)
        && !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && *service == "sts"
        && *terminator == "aws4_request"
}

/// The decoded query parameters, each known and present at most once.
struct Params(Vec<(&'static str, String)>);

impl Params {
    fn parse(query: &str) -> Result<Self, PresignError> {
        if !query.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%' | b'=' | b'&')
        }) {
            return Err(PresignError::Malformed);
        }
        let mut params: Vec<(&'static str, String)> = Vec::new();
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').ok_or(PresignError::Malformed)?;
            let name = percent_decode(name).ok_or(PresignError::Malformed)?;
            let known = KNOWN_PARAMETERS
                .iter()
                .find(|k| **k == name)
                .ok_or(PresignError::UnknownParameter)?;
            if params.iter().any(|(n, _)| n == known) {
                return Err(PresignError::RepeatedParameter);
            }
            params.push((known, percent_decode(value).ok_or(PresignError::Malformed)?));
        }
        Ok(Self(params))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `%XX` sequences decoded; `None` for a broken escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut iter = text.bytes();
    while let Some(b) = iter.next() {
        if b == b'%' {
            let hi = hex_value(iter.next()?)?;
            let lo = hex_value(iter.next()?)?;
            bytes.push(hi * 16 + lo);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
