//! Names the server answers under: the `Host` allow-list (DNS-rebinding defence) and the
//! RFC 9728 resources of both transports, derived from `MCP_RESOURCE_URL`.

use super::raw::list;
pub use crate::adapters::http::HostCheck;
use crate::domain::resource::origin_of;
#[cfg(test)]
use crate::domain::resource::sse_resource_of;

/// The host name of an http(s) URL, lower-case and without the port (`[::1]` keeps its brackets,
/// as a `Host` header writes it).
fn host_name_of(url: &str) -> String {
    let origin = origin_of(url);
    let authority = origin
        .find("://")
        .map_or(origin, |i| origin.get(i + 3..).unwrap_or(""));
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if authority.starts_with('[') {
        authority
            .find(']')
            .map_or(authority, |i| authority.get(..=i).unwrap_or(authority))
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    host.to_ascii_lowercase()
}

/// `ALLOWED_HOSTS`; by default the host of `MCP_RESOURCE_URL`, or off in AgentCore mode,
/// whose runtime proxy does not promise to keep the public Host.
pub(super) fn host_check(
    text: Option<&str>,
    agentcore: bool,
    resource_url: &str,
    errors: &mut Vec<String>,
) -> HostCheck {
    let entries = match text {
        None if agentcore => return HostCheck::Off,
        None => return HostCheck::Only(vec![host_name_of(resource_url)]),
        Some(text) => list(Some(text)),
    };
    if entries.iter().any(|e| e == "*") {
        return HostCheck::Off;
    }
    for entry in &entries {
        if entry.contains(['/', '@', '*']) {
            errors.push(format!(
                "ALLOWED_HOSTS: {entry:?} is not a host or host:port (no scheme or path; `*` alone turns the check off)"
            ));
        }
    }
    HostCheck::Only(entries.iter().map(|e| e.to_ascii_lowercase()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_host_and_sse_resource_come_from_the_resource_url() {
        let table = [
            (
                "https://mcp.example.com/mcp",
                "https://mcp.example.com",
                "mcp.example.com",
            ),
            (
                "http://127.0.0.1:3000/mcp",
                "http://127.0.0.1:3000",
                "127.0.0.1",
            ),
            ("http://[::1]:3000/mcp", "http://[::1]:3000", "[::1]"),
            (
                "https://MCP.Example.com",
                "https://MCP.Example.com",
                "mcp.example.com",
            ),
        ];
        for (url, origin, host) in table {
            assert_eq!(origin_of(url), origin, "{url}");
            assert_eq!(host_name_of(url), host, "{url}");
        }
        assert_eq!(
            sse_resource_of("https://mcp.example.com/mcp"),
            "https://mcp.example.com/sse"
        );
    }

    #[test]
    fn allowed_hosts_default_star_and_bad_entries() {
        let url = "https://mcp.example.com/mcp";
        let mut errors = Vec::new();
        assert_eq!(
            host_check(None, false, url, &mut errors),
            HostCheck::Only(vec!["mcp.example.com".into()])
        );
        assert_eq!(host_check(None, true, url, &mut errors), HostCheck::Off);
        assert_eq!(
            host_check(Some("*"), false, url, &mut errors),
            HostCheck::Off
        );
        assert_eq!(
            host_check(Some("A.example, b.example:8443"), false, url, &mut errors),
            HostCheck::Only(vec!["a.example".into(), "b.example:8443".into()])
        );
        assert!(errors.is_empty(), "{errors:?}");
        host_check(Some("https://a.example/mcp"), false, url, &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
