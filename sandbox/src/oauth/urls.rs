//! Redirect-URI rules and the small encoders the OAuth endpoints need, without a URL crate.

/// RFC 3986 §2.3 unreserved characters pass; everything else is `%XX`.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space); `None` on bad escapes or
/// invalid UTF-8.
pub(crate) fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = [input.next()?, input.next()?];
                let hex = std::str::from_utf8(&hex).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

/// Appends query parameters to a redirect URI, keeping any query it already has
/// (RFC 6749 §3.1.2: the query component must be retained).
pub(crate) fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = uri.to_owned();
    let mut separator = if uri.contains('?') { '&' } else { '?' };
    for (key, value) in pairs {
        out.push(separator);
        out.push_str(&percent_encode(key));
        out.push('=');
        out.push_str(&percent_encode(value));
        separator = '&';
    }
    out
}

pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The parts of an absolute URI that redirect matching compares.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    scheme: String,
    host: String,
    port: Option<u16>,
    /// Path and query.
    rest: &'a str,
}

fn parts(uri: &str) -> Option<Parts<'_>> {
    let (scheme, after) = uri.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+')
    {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = (after.get(..end)?, after.get(end..)?);
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, tail) = (authority.get(..=close)?, authority.get(close + 1..)?);
        (host, tail.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse().ok()?),
        None => None,
    };
    if host.is_empty() {
        return None;
    }
    Some(Parts {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port,
        rest,
    })
}

fn is_loopback(parts: &Parts<'_>) -> bool {
    parts.scheme == "http" && matches!(parts.host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
}

/// RFC 7591 §2 with RFC 8252 §7.3 / §8.3: absolute, no fragment, and either `https` or
/// plain `http` on a loopback host.
///
/// # Errors
/// A description of the problem, for `error_description`.
pub(crate) fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.contains('#') {
        return Err(format!("redirect_uri {uri:?} must not contain a fragment"));
    }
    let Some(parts) = parts(uri) else {
        return Err(format!("redirect_uri {uri:?} is not an absolute URI"));
    };
    if parts.scheme == "https" || is_loopback(&parts) {
        Ok(())
    } else {
        Err(format!(
            "redirect_uri {uri:?} must use https, or http on 127.0.0.1, [::1] or localhost"
        ))
    }
}

/// Exact match (RFC 6749 §3.1.2.3), except that a loopback redirect may use any port
/// (RFC 8252 §7.3: native apps pick an ephemeral port at request time).
pub(crate) fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    match (parts(registered), parts(requested)) {
        (Some(a), Some(b)) => {
            is_loopback(&a) && is_loopback(&b) && a.host == b.host && a.rest == b.rest
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_on_any_port_but_nothing_else_differs() {
        let registered = "http://127.0.0.1/callback";
        assert!(redirect_matches(
            registered,
            "http://127.0.0.1:51234/callback"
        ));
        assert!(redirect_matches(
            "http://[::1]:1/cb?x=1",
            "http://[::1]:9/cb?x=1"
        ));
        assert!(!redirect_matches(registered, "http://127.0.0.1:5/other"));
        assert!(!redirect_matches(registered, "http://localhost:5/callback"));
        assert!(!redirect_matches(
            "https://app.example.com/cb",
            "https://app.example.com:444/cb"
        ));
        assert!(redirect_matches(
            "https://app.example.com/cb",
            "https://app.example.com/cb"
        ));
    }

    #[test]
    fn only_https_or_loopback_http_redirects_without_fragments_register() {
        for ok in [
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:3000/cb",
        ] {
            assert_eq!(validate_redirect_uri(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://evil.example/cb",
            "https://app.example/cb#frag",
            "/relative",
            "javascript:alert(1)",
            "https://user@app.example/cb",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_parameters_are_encoded_and_appended_to_an_existing_query() {
        assert_eq!(
            with_query("https://a/cb?x=1", &[("code", "a b"), ("state", "s&t")]),
            "https://a/cb?x=1&code=a%20b&state=s%26t"
        );
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
    }
}
