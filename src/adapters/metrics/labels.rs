//! Label values. Each label is a small closed set known at compile time (tool names: fixed at
//! startup), so every series has a fixed slot in an array of atomics (no map, lock or
//! allocation when recording) and no value a caller controls (a path, a token, a subject, an account id) can ever become a label.

use std::sync::OnceLock;

/// The route template a request matched; never the raw path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Mcp,
    Sse,
    Messages,
    Healthz,
    WellKnown,
    Other,
}

impl Route {
    pub(super) const ALL: [Self; 6] = [
        Self::Mcp,
        Self::Sse,
        Self::Messages,
        Self::Healthz,
        Self::WellKnown,
        Self::Other,
    ];

    /// The template of `path`: `/mcp`, `/sse`, `/messages`, `/healthz`, `/.well-known/*`, or
    /// `other` for everything else (scanners' paths must not create series).
    #[must_use]
    pub fn of(path: &str) -> Self {
        if path.starts_with("/.well-known/") {
            return Self::WellKnown;
        }
        match path.strip_suffix('/').unwrap_or(path) {
            "/mcp" => Self::Mcp,
            "/sse" => Self::Sse,
            "/messages" => Self::Messages,
            "/healthz" => Self::Healthz,
            _ => Self::Other,
        }
    }

    pub(super) const fn slot(self) -> usize {
        self as usize
    }

    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Self::Mcp => "/mcp",
            Self::Sse => "/sse",
            Self::Messages => "/messages",
            Self::Healthz => "/healthz",
            Self::WellKnown => "/.well-known/*",
            Self::Other => "other",
        }
    }
}

/// Status label values: the codes this server and NeonPanel commonly answer, one per class for
/// any other code, and the outbound failures that have no HTTP status.
pub(super) const STATUS_NAMES: [&str; 30] = [
    "200",
    "201",
    "202",
    "204",
    "304",
    "400",
    "401",
    "403",
    "404",
    "405",
    "406",
    "408",
    "409",
    "413",
    "415",
    "422",
    "429",
    "500",
    "502",
    "503",
    "504",
    "1xx",
    "2xx",
    "3xx",
    "4xx",
    "5xx",
    "other",
    "timeout",
    "connect_error",
    "transport_error",
];

/// The codes with a label of their own: the first slots of [`STATUS_NAMES`], in order.
const OWN_LABEL: [u16; 21] = [
    200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 406, 408, 409, 413, 415, 422, 429, 500, 502,
    503, 504,
];

/// A status label, as its slot in [`STATUS_NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(usize);

impl Status {
    /// No answer in time (an outbound call).
    pub const TIMEOUT: Self = Self(27);
    /// No connection could be made (an outbound call).
    pub const CONNECT_ERROR: Self = Self(28);
    /// Any other failure before an answer was read, such as an oversized body.
    pub const TRANSPORT_ERROR: Self = Self(29);

    /// The label of an HTTP status code.
    #[must_use]
    pub fn http(code: u16) -> Self {
        if let Some(slot) = OWN_LABEL.iter().position(|own| *own == code) {
            return Self(slot);
        }
        Self(match code {
            100..=199 => 21,
            200..=299 => 22,
            300..=399 => 23,
            400..=499 => 24,
            500..=599 => 25,
            _ => 26,
        })
    }

    pub(super) const fn slot(self) -> usize {
        self.0
    }
}

/// Which upstream endpoint an outbound call went to: a fixed name per call site, never its URL
/// (which holds company ids and, for some endpoints, query values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Endpoint {
    /// The issuer's signing keys.
    Jwks,
    /// The issuer's RFC 8414 metadata.
    IssuerMetadata,
    /// The token endpoint (client credentials, token exchange).
    Token,
    /// NeonPanel's user-JWT endpoint.
    UserJwt,
    /// RFC 7662 introspection.
    Introspection,
    Companies,
    Permissions,
    Invoices,
    Inventory,
    InventoryDetails,
    LandedCost,
    RevenueAndCogs,
    Warehouses,
    WarehouseBalances,
    InventoryOrders,
    /// A call site that did not name its endpoint.
    #[default]
    Other,
}

impl Endpoint {
    pub(super) const ALL: [Self; 16] = [
        Self::Jwks,
        Self::IssuerMetadata,
        Self::Token,
        Self::UserJwt,
        Self::Introspection,
        Self::Companies,
        Self::Permissions,
        Self::Invoices,
        Self::Inventory,
        Self::InventoryDetails,
        Self::LandedCost,
        Self::RevenueAndCogs,
        Self::Warehouses,
        Self::WarehouseBalances,
        Self::InventoryOrders,
        Self::Other,
    ];

    /// The endpoint of a NeonPanel API operation, by the operation's name.
    #[must_use]
    pub fn of_operation(operation: &str) -> Self {
        match operation {
            "list_companies" => Self::Companies,
            "company_permissions" => Self::Permissions,
            "list_invoices" | "get_invoice" => Self::Invoices,
            "list_inventory" => Self::Inventory,
            "inventory_details" => Self::InventoryDetails,
            "landed_cost" => Self::LandedCost,
            "revenue_and_cogs" => Self::RevenueAndCogs,
            "list_warehouses" => Self::Warehouses,
            "warehouse_balances" => Self::WarehouseBalances,
            "list_inventory_orders" => Self::InventoryOrders,
            _ => Self::Other,
        }
    }

    pub(super) const fn slot(self) -> usize {
        self as usize
    }

    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Self::Jwks => "jwks",
            Self::IssuerMetadata => "issuer_metadata",
            Self::Token => "token",
            Self::UserJwt => "user_jwt",
            Self::Introspection => "introspection",
            Self::Companies => "companies",
            Self::Permissions => "permissions",
            Self::Invoices => "invoices",
            Self::Inventory => "inventory",
            Self::InventoryDetails => "inventory_details",
            Self::LandedCost => "landed_cost",
            Self::RevenueAndCogs => "revenue_and_cogs",
            Self::Warehouses => "warehouses",
            Self::WarehouseBalances => "warehouse_balances",
            Self::InventoryOrders => "inventory_orders",
            Self::Other => "other",
        }
    }
}

/// The caches whose hit rate is worth watching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheName {
    /// Inbound tokens already verified (signature check skipped).
    VerifiedToken,
    /// Per-user NeonPanel credentials (user JWT or permissions).
    UserCredential,
}

impl CacheName {
    pub(super) const ALL: [Self; 2] = [Self::VerifiedToken, Self::UserCredential];

    pub(super) const fn slot(self) -> usize {
        self as usize
    }

    pub(super) const fn as_str(self) -> &'static str {
        match self {
            Self::VerifiedToken => "verified_token",
            Self::UserCredential => "user_credential",
        }
    }
}

/// Tool label slots: one per registered tool (claimed by name on its first call), then
/// `unknown`. 24 keeps the series array within `Default` for arrays (32) and well above the
/// registry's size; a tool beyond it is counted as `unknown` rather than lost.
pub(super) const TOOL_SLOTS: usize = 24;
const UNKNOWN_TOOL: usize = TOOL_SLOTS - 1;

/// The tool name of each slot. Names come from the registry (`&'static str`, a closed set fixed
/// at startup), so no label value comes from a request; a slot is claimed once and never freed,
/// and recording stays lock-free (a scan of at most [`TOOL_SLOTS`] pointers).
#[derive(Default)]
pub(super) struct ToolNames([OnceLock<&'static str>; UNKNOWN_TOOL]);

impl ToolNames {
    /// The slot of `tool`, claiming a free one on its first call.
    pub(super) fn slot(&self, tool: Option<&'static str>) -> usize {
        let Some(name) = tool else {
            return UNKNOWN_TOOL;
        };
        for (i, cell) in self.0.iter().enumerate() {
            if *cell.get_or_init(|| name) == name {
                return i;
            }
        }
        UNKNOWN_TOOL
    }

    /// The label of slot `i`; `None` for a slot no tool has claimed.
    pub(super) fn name(&self, i: usize) -> Option<&'static str> {
        if i == UNKNOWN_TOOL {
            return Some("unknown");
        }
        self.0.get(i).and_then(|cell| cell.get().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates_and_unknown_paths_fold_into_other() {
        let cases = [
            ("/mcp", "/mcp"),
            ("/mcp/", "/mcp"),
            ("/sse", "/sse"),
            ("/messages", "/messages"),
            ("/healthz", "/healthz"),
            (
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/*",
            ),
            ("/.well-known/oauth-authorization-server", "/.well-known/*"),
            ("/mcp/acct-42", "other"),
            ("/wp-admin/eyJhbGciOi.token", "other"),
            ("/", "other"),
        ];
        for (path, label) in cases {
            assert_eq!(Route::of(path).as_str(), label, "{path}");
        }
    }

    #[test]
    fn status_codes_get_their_own_label_or_their_class() {
        let cases = [
            (200, "200"),
            (429, "429"),
            (503, "503"),
            (418, "4xx"),
            (299, "2xx"),
            (599, "5xx"),
            (0, "other"),
            (1000, "other"),
        ];
        for (code, label) in cases {
            assert_eq!(STATUS_NAMES.get(Status::http(code).slot()), Some(&label));
        }
        for code in OWN_LABEL {
            assert_eq!(
                STATUS_NAMES.get(Status::http(code).slot()),
                Some(&code.to_string().as_str())
            );
        }
        assert_eq!(STATUS_NAMES.get(Status::TIMEOUT.slot()), Some(&"timeout"));
        assert_eq!(
            STATUS_NAMES.get(Status::CONNECT_ERROR.slot()),
            Some(&"connect_error")
        );
        assert_eq!(
            STATUS_NAMES.get(Status::TRANSPORT_ERROR.slot()),
            Some(&"transport_error")
        );
    }

    #[test]
    fn tool_slots_are_claimed_by_name_once_and_overflow_into_unknown() {
        let names = ToolNames::default();
        assert_eq!(names.name(0), None);
        let first = names.slot(Some("neonpanel_list_accounts"));
        let second = names.slot(Some("search"));
        assert_eq!((first, second), (0, 1));
        assert_eq!(names.slot(Some("neonpanel_list_accounts")), 0);
        assert_eq!(names.name(1), Some("search"));
        assert_eq!(names.name(names.slot(None)), Some("unknown"));
        let many: Vec<String> = (0..TOOL_SLOTS).map(|i| format!("tool_{i}")).collect();
        let slots: Vec<usize> = many
            .iter()
            .map(|n| names.slot(Some(Box::leak(n.clone().into_boxed_str()))))
            .collect();
        assert_eq!(slots.last(), Some(&UNKNOWN_TOOL));
    }

    #[test]
    fn every_label_slot_is_in_range() {
        for (i, route) in Route::ALL.iter().enumerate() {
            assert_eq!(route.slot(), i);
        }
        for (i, endpoint) in Endpoint::ALL.iter().enumerate() {
            assert_eq!(endpoint.slot(), i);
        }
        for (i, cache) in CacheName::ALL.iter().enumerate() {
            assert_eq!(cache.slot(), i);
        }
        assert_eq!(Endpoint::of_operation("list_invoices").as_str(), "invoices");
        assert_eq!(Endpoint::of_operation("something_else"), Endpoint::Other);
    }
}
