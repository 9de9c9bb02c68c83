//! Runs one parsed tool call through the ports, the same way for every tool: the policy, the
//! scope step-up, the credential and its 401 retry (docs/design.md §4).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use super::catalogue::Catalogue;
use super::tool::{Tool, ToolContext, ToolOutput};
use crate::app::credentials::{Credentials, Grant};
use crate::app::failure::ToolFailure;
use crate::domain::pagination::PageSize;
use crate::domain::policy::ToolPolicy;
use crate::domain::principal::{Caller, ScopeSet};
use crate::domain::records::RecordUrls;
use crate::domain::tools::{FailureCode, ToolSpec};
use crate::ports::NeonPanelApi;

/// The effective policy of every tool: its own default mode unless configuration overrides it.
/// A tool without an override is never an error; it runs with its default.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    overrides: HashMap<&'static str, ToolPolicy>,
}

impl Policies {
    /// `overrides` by tool name (configuration: `TOOL_AUTH_MODES`, `PLAN_PURCHASE_SCOPE`).
    #[must_use]
    pub fn new(overrides: HashMap<&'static str, ToolPolicy>) -> Self {
        Self { overrides }
    }

    /// The defaults of every tool in `catalogue`, each changed by `adjust`.
    #[must_use]
    pub fn for_catalogue(catalogue: &Catalogue, adjust: impl Fn(&ToolSpec) -> ToolPolicy) -> Self {
        Self::new(catalogue.iter().map(|s| (s.name, adjust(s))).collect())
    }

    /// The policy `spec` runs with.
    #[must_use]
    pub fn of(&self, spec: &ToolSpec) -> Cow<'_, ToolPolicy> {
        self.overrides.get(spec.name).map_or_else(
            || {
                Cow::Owned(ToolPolicy {
                    mode: spec.default_mode,
                    extra_scopes: ScopeSet::default(),
                })
            },
            Cow::Borrowed,
        )
    }

    /// Every scope some tool needs beyond the server-wide ones.
    #[must_use]
    pub fn extra_scopes(&self) -> ScopeSet {
        self.overrides
            .values()
            .fold(ScopeSet::default(), |all, p| all.union(&p.extra_scopes))
    }
}

pub struct ToolRunner {
    credentials: Credentials,
    api: Arc<dyn NeonPanelApi>,
    policies: Policies,
    page_size: PageSize,
    record_urls: RecordUrls,
}

impl ToolRunner {
    #[must_use]
    pub fn new(
        credentials: Credentials,
        api: Arc<dyn NeonPanelApi>,
        policies: Policies,
        page_size: PageSize,
    ) -> Self {
        Self {
            credentials,
            api,
            policies,
            page_size,
            record_urls: RecordUrls::default(),
        }
    }

    /// Links to records in NeonPanel's web app (`NEONPANEL_WEB_URL`, `RECORD_URL_TEMPLATES`).
    #[must_use]
    pub fn with_record_urls(mut self, urls: RecordUrls) -> Self {
        self.record_urls = urls;
        self
    }

    #[must_use]
    pub fn policy(&self, spec: &ToolSpec) -> Cow<'_, ToolPolicy> {
        self.policies.of(spec)
    }

    /// Runs `tool` on `input`: checks the scopes its policy adds, obtains the credential, and
    /// on an upstream 401 evicts it and runs once more with a fresh one.
    ///
    /// # Errors
    /// A [`ToolFailure`] for any upstream, credential or access failure, not yet naming its
    /// target (the caller does that).
    #[tracing::instrument(skip_all, fields(tool = spec.name))]
    pub async fn run<T: Tool>(
        &self,
        spec: &ToolSpec,
        caller: &Caller,
        tool: &T,
        input: &T::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        let policy = self.policies.of(spec);
        let missing = caller.principal.scopes.missing(&policy.extra_scopes);
        if !missing.is_empty() {
            let failure = ToolFailure::new(
                403,
                FailureCode::Forbidden,
                format!("this tool needs the scope {missing}"),
            );
            return Err(self.credentials.step_up(failure, &missing.to_string()));
        }
        let cx = ToolContext {
            api: self.api.as_ref(),
            page_size: self.page_size,
            urls: &self.record_urls,
        };
        // The credential is obtained, and a 401 retried, in allocations of their own: this
        // future stays alive while the tool waits on NeonPanel, and inline it would keep room
        // for an exchange with the identity provider that a cached credential never makes
        // (README "Performance", where the memory goes).
        let grant = Box::pin(self.credentials.grant(caller, &policy)).await?;
        match tool.run(cx, &grant, input).await {
            Err(failure) if failure.code == FailureCode::Unauthorized => {
                Box::pin(self.run_again(caller, &policy, &grant, cx, tool, input)).await
            }
            other => other,
        }
    }

    /// After NeonPanel answered 401 to `grant`: evicts it and runs `tool` once more with a
    /// fresh credential.
    async fn run_again<T: Tool>(
        &self,
        caller: &Caller,
        policy: &ToolPolicy,
        grant: &Grant,
        cx: ToolContext<'_>,
        tool: &T,
        input: &T::Input,
    ) -> Result<ToolOutput, ToolFailure> {
        self.credentials.evict(caller, grant).await;
        let fresh = self.credentials.grant(caller, policy).await?;
        tool.run(cx, &fresh, input).await.map_err(|failure| {
            if failure.code == FailureCode::Unauthorized {
                self.credentials.reauthenticate(failure)
            } else {
                failure
            }
        })
    }
}

#[cfg(test)]
mod tests;
