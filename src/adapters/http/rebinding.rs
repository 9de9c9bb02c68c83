//! DNS-rebinding defence (MCP transports spec, "Security Warning"; MCP security best practices,
//! "Local MCP server compromise"). A page on `evil.example` whose name is re-pointed at our
//! address reaches us with `Host: evil.example` and `Origin: http://evil.example`: the Host
//! allow-list refuses it, and on a loopback listener so does the Origin check. Loopback names
//! are always accepted: no rebinding page can make a browser send them.

use salvo::http::header::HOST;
use salvo::prelude::*;

use super::limits::refuse;

/// Which `Host` header values the server answers: the DNS-rebinding defence of the MCP
/// transport spec. A rebinding page reaches us under its own name, so its requests carry a Host
/// we do not know; loopback names are always accepted, as no such page can send them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostCheck {
    /// `ALLOWED_HOSTS=*`: for platforms that rewrite Host (AgentCore Runtime by default).
    Off,
    /// Lower-case `name` (any port) or `name:port` (that port only) entries.
    Only(Vec<String>),
}

/// Routes answered whatever the Host: load-balancer health checks address the target by IP
/// and carry no data worth rebinding for.
const ANY_HOST_PATHS: [&str; 2] = ["/healthz", "/metrics"];

/// `localhost`, `127.0.0.1` or `[::1]` (compared case-insensitively, without port).
#[must_use]
pub(super) fn is_loopback_name(host: &str) -> bool {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|name| host.eq_ignore_ascii_case(name))
}

/// Splits `host[:port]` (`[v6][:port]` for IPv6); `None` when the port is not a number.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, rest) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        (authority.get(..end)?, authority.get(end..)?)
    } else {
        match authority.find(':') {
            Some(i) => (authority.get(..i)?, authority.get(i..)?),
            None => (authority, ""),
        }
    };
    if rest.is_empty() {
        return Some((host, None));
    }
    let port = rest.strip_prefix(':')?;
    port.bytes()
        .all(|b| b.is_ascii_digit())
        .then_some((host, Some(port)))
}

/// An `Origin` (`scheme://host[:port]`) whose host is a loopback name.
#[must_use]
pub(super) fn is_loopback_origin(origin: &str) -> bool {
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    split_host_port(authority).is_some_and(|(host, _)| is_loopback_name(host))
}

/// Whether `authority` (a `Host` value) is one the server answers under.
fn host_allowed(check: &HostCheck, authority: &str) -> bool {
    let HostCheck::Only(allowed) = check else {
        return true;
    };
    let Some((host, port)) = split_host_port(authority) else {
        return false;
    };
    if is_loopback_name(host) {
        return true;
    }
    allowed.iter().any(|entry| match split_host_port(entry) {
        Some((name, None)) => name.eq_ignore_ascii_case(host),
        Some((name, Some(entry_port))) => {
            name.eq_ignore_ascii_case(host) && port == Some(entry_port)
        }
        None => false,
    })
}

/// 403 for a request whose `Host` (HTTP/2: `:authority`) is not allowed.
pub(super) struct HostGuard {
    check: HostCheck,
}

impl HostGuard {
    #[must_use]
    pub(super) fn new(check: HostCheck) -> Self {
        Self { check }
    }
}

#[async_trait]
impl Handler for HostGuard {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        if self.check == HostCheck::Off || ANY_HOST_PATHS.contains(&req.uri().path()) {
            return;
        }
        let authority = match req.headers().get(HOST) {
            Some(value) => value.to_str().ok().map(str::to_owned),
            None => req.uri().authority().map(|a| a.as_str().to_owned()),
        };
        if !authority.is_some_and(|a| host_allowed(&self.check, a.trim())) {
            tracing::info!("request with a Host not in ALLOWED_HOSTS refused");
            refuse(
                req,
                res,
                StatusCode::FORBIDDEN,
                "Host not allowed: this server answers only under its own name (ALLOWED_HOSTS)",
            );
            ctrl.skip_rest();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_are_recognised_on_any_port_and_lookalikes_are_not() {
        for origin in [
            "http://localhost",
            "http://localhost:6274",
            "https://127.0.0.1:1",
            "http://[::1]:3000",
            "http://LOCALHOST:80",
        ] {
            assert!(is_loopback_origin(origin), "{origin}");
        }
        for origin in [
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://evil.example/http://localhost",
            "http://localhost:x",
            "null",
            "file://localhost",
            "http://[::2]:1",
        ] {
            assert!(!is_loopback_origin(origin), "{origin}");
        }
    }

    #[test]
    fn hosts_match_by_name_on_any_port_or_by_name_and_port() {
        let check = HostCheck::Only(vec!["mcp.example.com".into(), "mcp.internal:8443".into()]);
        let table = [
            ("mcp.example.com", true),
            ("MCP.EXAMPLE.COM:443", true),
            ("mcp.internal:8443", true),
            ("mcp.internal", false),
            ("mcp.internal:8444", false),
            ("127.0.0.1:9", true),
            ("[::1]", true),
            ("evil.example", false),
            ("mcp.example.com.evil.example", false),
            ("mcp.example.com:bad", false),
            ("", false),
        ];
        for (host, expected) in table {
            assert_eq!(host_allowed(&check, host), expected, "{host:?}");
        }
        assert!(host_allowed(&HostCheck::Off, "evil.example"));
    }
}
