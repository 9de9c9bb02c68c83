//! The protected resource's names, derived from its canonical URL (`MCP_RESOURCE_URL`): what
//! the discovery documents advertise and what token audiences are accepted. Pure string work,
//! shared by the settings (accepted audiences) and the HTTP adapter (RFC 9728 documents).

/// Scheme and authority of an http(s) URL: `https://mcp.example.com/mcp` → `https://mcp.example.com`.
#[must_use]
pub(crate) fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(after_scheme..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| after_scheme + i);
    url.get(..end).unwrap_or(url)
}

/// The RFC 9728 `resource` of the legacy SSE transport: the `/sse` URL on the origin of
/// `MCP_RESOURCE_URL`, which is what a client given the `/sse` URL asks a token for.
#[must_use]
pub(crate) fn sse_resource_of(resource_url: &str) -> String {
    format!("{}/sse", origin_of(resource_url))
}
