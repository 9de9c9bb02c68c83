//! The accounts a call may look into, for the tools that span accounts (`search`, `fetch`).

use std::ops::ControlFlow;

use super::ToolContext;
use crate::app::credentials::Grant;
use crate::app::pages::walk_pages;
use crate::domain::error::UpstreamError;
use crate::domain::pagination::PageSize;
use crate::domain::upstream::Company;

/// Every company the caller reaches: their own list with a user credential, the service
/// token's list confined to the caller's reach otherwise. Reads no account's own data.
///
/// # Errors
/// The first failed page.
pub(super) async fn reachable_companies(
    cx: ToolContext<'_>,
    grant: &Grant,
) -> Result<Vec<Company>, UpstreamError> {
    let mut companies = Vec::new();
    walk_pages(
        |page| cx.api.list_companies(grant.token(), page, PageSize::MAX),
        |page| {
            companies.extend(page.data.into_iter().filter(|c| grant.reaches(&c.uuid)));
            ControlFlow::<()>::Continue(())
        },
    )
    .await?;
    Ok(companies)
}
