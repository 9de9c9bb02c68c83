//! Deep health: can this instance reach what it depends on?

/// One dependency check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    /// A short, secret-free explanation.
    pub detail: String,
}

#[async_trait::async_trait]
pub trait HealthProbe: Send + Sync + 'static {
    /// Runs every check; never fails as a whole, each failure is a `Check` with `ok: false`.
    async fn run(&self) -> Vec<Check>;
}

/// The authorization server's RFC 8414 metadata, for clients of the 2025-03-26 era that look for
/// it on the resource server's origin.
#[async_trait::async_trait]
pub trait IssuerMetadata: Send + Sync + 'static {
    /// # Errors
    /// A short, secret-free reason when the issuer's metadata cannot be had and none is cached.
    async fn metadata(&self) -> Result<serde_json::Value, String>;
}
