//! Which STS endpoints a presigned `GetCallerIdentity` may point at (`AWS_STS_ENDPOINTS`).
//!
//! Invariants (the SSRF defence of the IAM path):
//! - By default only AWS's own hosts are allowed: `sts.amazonaws.com` and
//!   `sts.<region>.amazonaws.com`, over https, on the default port.
//! - An operator may replace that list with exact endpoints. `https://host[:port]` names any host;
//!   plain `http://` is accepted only for a loopback address (`127.0.0.1`, `[::1]`, `localhost`)
//!   with an explicit port: the built-in sandbox and tests, never a network host, because the
//!   presigned URL would otherwise travel in clear text to a server that could replay it.
//! - Hosts are compared as exact lowercase text, so `sts.amazonaws.com.evil.example`,
//!   `169.254.169.254`, trailing dots and percent-encoded hosts never match.

use std::fmt;

/// `https` or `http` (loopback only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
}

impl Scheme {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }
}

/// One allowed endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Allowed {
    /// AWS's public STS hosts: `sts.amazonaws.com` and `sts.<region>.amazonaws.com`.
    AwsPublic,
    /// Exactly this scheme and authority (`host` or `host:port`).
    Exact { scheme: Scheme, authority: String },
}

/// The STS endpoint allow-list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoints(Vec<Allowed>);

/// Why an `AWS_STS_ENDPOINTS` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    #[error("{0:?} is not an endpoint: expected https://host[:port], http://127.0.0.1:PORT or aws")]
    NotAnEndpoint(String),
    #[error(
        "{0:?}: plain http is allowed only for a loopback address with a port (127.0.0.1, [::1], localhost)"
    )]
    HttpNotLoopback(String),
    #[error("AWS_STS_ENDPOINTS is empty")]
    Empty,
}

impl Default for StsEndpoints {
    fn default() -> Self {
        Self(vec![Allowed::AwsPublic])
    }
}

impl StsEndpoints {
    /// Parses a comma- or space-separated list; `aws` stands for AWS's public STS hosts.
    ///
    /// # Errors
    /// [`EndpointError`] naming the first entry that is not an allowed endpoint.
    pub fn parse(list: &str) -> Result<Self, EndpointError> {
        let mut allowed = Vec::new();
        for entry in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            allowed.push(parse_entry(entry)?);
        }
        if allowed.is_empty() {
            return Err(EndpointError::Empty);
        }
        Ok(Self(allowed))
    }

    /// Whether a URL of `scheme` with this exact `authority` (as written in the URL) may be
    /// called.
    #[must_use]
    pub fn allows(&self, scheme: Scheme, authority: &str) -> bool {
        self.0.iter().any(|allowed| match allowed {
            Allowed::AwsPublic => scheme == Scheme::Https && is_aws_public_host(authority),
            Allowed::Exact {
                scheme: s,
                authority: a,
            } => *s == scheme && a == authority,
        })
    }
}

impl fmt::Display for StsEndpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, allowed) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match allowed {
                Allowed::AwsPublic => f.write_str("aws")?,
                Allowed::Exact { scheme, authority } => {
                    write!(f, "{}://{authority}", scheme.as_str())?;
                }
            }
        }
        Ok(())
    }
}

fn parse_entry(entry: &str) -> Result<Allowed, EndpointError> {
    if entry == "aws" {
        return Ok(Allowed::AwsPublic);
    }
    let not_endpoint = || EndpointError::NotAnEndpoint(entry.to_owned());
    let trimmed = entry.strip_suffix('/').unwrap_or(entry);
    let (scheme, authority) = if let Some(rest) = trimmed.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return Err(not_endpoint());
    };
    let (host, port) = split_authority(authority).ok_or_else(not_endpoint)?;
    if scheme == Scheme::Http && (port.is_none() || !is_loopback_host(host)) {
        return Err(EndpointError::HttpNotLoopback(entry.to_owned()));
    }
    Ok(Allowed::Exact {
        scheme,
        authority: authority.to_owned(),
    })
}

/// `host` and its port, when `authority` is a lowercase DNS name, an IPv4 address or a bracketed
/// IPv6 address, optionally followed by `:port` (1 to 65535). Anything else (userinfo, empty
/// labels, uppercase, percent signs) is `None`.
#[must_use]
pub fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return None;
        }
        let host = authority.get(..inside.len() + 2)?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[') && !is_dns_name(host) {
        return None;
    }
    let port = match port {
        None => None,
        Some(digits) => Some(parse_port(digits)?),
    };
    Some((host, port))
}

fn parse_port(digits: &str) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|p| *p != 0)
}

/// Lowercase letters, digits and hyphens in non-empty dot-separated labels.
fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn is_loopback_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "[::1]" | "localhost")
}

/// `sts.amazonaws.com` or `sts.<region>.amazonaws.com` with a region such as `eu-west-1` or
/// `us-gov-west-1`, and no port.
fn is_aws_public_host(authority: &str) -> bool {
    if authority == "sts.amazonaws.com" {
        return true;
    }
    authority
        .strip_prefix("sts.")
        .and_then(|rest| rest.strip_suffix(".amazonaws.com"))
        .is_some_and(is_region)
}

/// `xx-name-N` or `xx-gov-name-N`: a two-letter prefix, lowercase words, a number last.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    parts.len() >= 3
        && parts.len() <= 4
        && first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !last.is_empty()
        && last.len() <= 2
        && last.bytes().all(|b| b.is_ascii_digit())
        && parts
            .iter()
            .skip(1)
            .take(parts.len().saturating_sub(2))
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}
