//! Protocol versions and what changes between them.

/// The two families of revisions, which differ in lifecycle and in how errors map to HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Era {
    /// 2024-11-05 to 2025-11-25: `initialize` negotiates, `ping` exists, method-level errors
    /// are HTTP 200.
    Legacy,
    /// 2026-07-28 and later: no `initialize`, per-request `_meta`, `server/discover`,
    /// `resultType`; unknown methods are 404 and protocol errors 400.
    Modern,
}

/// Every revision this server speaks. Ordered by date, so comparisons read naturally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    V2026_07_28,
}

impl ProtocolVersion {
    pub const ALL: [Self; 5] = [
        Self::V2026_07_28,
        Self::V2025_11_25,
        Self::V2025_06_18,
        Self::V2025_03_26,
        Self::V2024_11_05,
    ];

    /// The newest revision negotiated with `initialize`.
    pub const LATEST_LEGACY: Self = Self::V2025_11_25;

    /// What a legacy request without `MCP-Protocol-Version` is assumed to speak
    /// (2025-06-18 transports spec: "the server SHOULD assume 2025-03-26").
    pub const ASSUMED_WITHOUT_HEADER: Self = Self::V2025_03_26;

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Which family this revision belongs to (2026-07-28 starts the modern one).
    #[must_use]
    pub fn era(self) -> Era {
        if self >= Self::V2026_07_28 {
            Era::Modern
        } else {
            Era::Legacy
        }
    }

    /// JSON-RPC batches exist only in 2025-03-26 (added then, removed in 2025-06-18).
    #[must_use]
    pub fn allows_batches(self) -> bool {
        self == Self::V2025_03_26
    }

    /// SEP-1303: from 2025-11-25 invalid tool arguments are an `isError` result the model can
    /// read and correct, not a JSON-RPC error.
    #[must_use]
    pub fn argument_errors_in_result(self) -> bool {
        self >= Self::V2025_11_25
    }

    /// `initialize` negotiation: the client's version when we speak it, else our latest
    /// (MCP lifecycle: the server answers with a version it supports, never an error).
    #[must_use]
    pub fn negotiate(requested: Option<&str>) -> Self {
        requested
            .and_then(Self::parse)
            .filter(|v| v.era() == Era::Legacy)
            .unwrap_or(Self::LATEST_LEGACY)
    }

    #[must_use]
    pub fn supported() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_or_modern_versions_negotiate_to_the_latest_legacy_version() {
        assert_eq!(
            ProtocolVersion::negotiate(Some("2099-01-01")),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate(None),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate(Some("2026-07-28")),
            ProtocolVersion::V2025_11_25
        );
        assert_eq!(
            ProtocolVersion::negotiate(Some("2024-11-05")),
            ProtocolVersion::V2024_11_05
        );
    }

    #[test]
    fn only_2026_07_28_is_of_the_modern_era() {
        let modern: Vec<_> = ProtocolVersion::ALL
            .into_iter()
            .filter(|v| v.era() == Era::Modern)
            .collect();
        assert_eq!(modern, [ProtocolVersion::V2026_07_28]);
    }

    #[test]
    fn only_2025_03_26_allows_batches() {
        let allowed: Vec<_> = ProtocolVersion::ALL
            .into_iter()
            .filter(|v| v.allows_batches())
            .collect();
        assert_eq!(allowed, [ProtocolVersion::V2025_03_26]);
    }
}
