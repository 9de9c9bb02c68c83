//! Test helpers for the tools: callers, grants and contexts over mocked ports.

use std::sync::Arc;

use serde_json::Value;

use super::{ToolContext, ToolOutput};
use crate::app::credentials::Grant;
use crate::domain::error::{UpstreamError, UpstreamErrorKind};
use crate::domain::pagination::PageSize;
use crate::domain::policy::{AccountPermissions, AccountReach};
use crate::domain::principal::{Caller, Principal, ScopeSet, Subject, Tenant};
use crate::domain::records::RecordUrls;
use crate::domain::secret::BearerToken;
use crate::domain::upstream::Page;
use crate::ports::NeonPanelApi;

/// A caller holding `scopes`, in tenant `tenant` when given.
pub(super) fn caller(scopes: &str, tenant: Option<&str>) -> Caller {
    Caller {
        principal: Arc::new(Principal {
            subject: Subject::new("user-1"),
            scopes: ScopeSet::parse(scopes),
            tenant: tenant.map(Tenant::new),
            expires_at: u64::MAX,
            accounts: std::collections::BTreeSet::new(),
        }),
        access_token: Some(BearerToken::new("inbound-token")),
    }
}

/// The caller's own NeonPanel credential.
pub(super) fn user_grant() -> Grant {
    Grant::User(BearerToken::new("user-jwt"))
}

/// The service token, confined to `accounts`, with `permissions` when introspection gave them.
pub(super) fn service_grant(accounts: &[&str], permissions: Option<AccountPermissions>) -> Grant {
    Grant::Service {
        token: BearerToken::new("service-token"),
        reach: AccountReach::from_accounts(accounts.iter().copied()),
        permissions,
    }
}

/// A context over `api` with the default page size.
pub(super) fn context(api: &dyn NeonPanelApi) -> ToolContext<'_> {
    static URLS: std::sync::LazyLock<RecordUrls> = std::sync::LazyLock::new(RecordUrls::default);
    ToolContext {
        api,
        page_size: PageSize::default(),
        urls: &URLS,
    }
}

/// One page `current` of `last` holding `data`.
pub(super) fn page<T>(current: u32, last: u32, data: Vec<T>) -> Page<T> {
    Page {
        current_page: current,
        per_page: PageSize::MAX,
        last_page: last,
        data,
    }
}

/// NeonPanel answering `status`.
pub(super) fn upstream(status: u16) -> UpstreamError {
    UpstreamError::new(status, UpstreamErrorKind::from_status(status), "refused")
}

/// A tool's output as JSON.
pub(super) fn json(output: &ToolOutput) -> Value {
    serde_json::from_str(output.get()).expect("tool output is JSON")
}
