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
