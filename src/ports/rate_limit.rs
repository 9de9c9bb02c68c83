//! A request quota shared by every instance of the server.

/// The shared count could not be consulted; the caller falls back to its own count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    #[error("the shared rate limit is unavailable: {0}")]
    Unavailable(String),
}

/// One quota per key (a token subject, or a client address) for the whole fleet, so that a
/// client spreading its calls over N instances does not get N times the limit.
#[async_trait::async_trait]
pub trait SharedRateLimit: Send + Sync + 'static {
    /// Counts one request of `key` against `per_minute`; `Ok(Some(seconds))` to wait when the
    /// request is over the quota, `Ok(None)` when it may proceed.
    ///
    /// # Errors
    /// [`RateLimitError::Unavailable`] when the shared store does not answer in time.
    async fn hit(&self, key: &str, per_minute: u32) -> Result<Option<u64>, RateLimitError>;
}
