//! NeonPanel over HTTP: the REST API ([`HttpNeonPanelApi`]), the per-user credential exchange
//! ([`ExchangedUserCredentials`]) and the service token ([`ClientCredentialsTokens`]).
//!
//! Invariants shared by every client here:
//! - all traffic goes through [`crate::adapters::outbound::Outbound`], never a client of its own;
//! - tokens, client secrets and user JWTs live in [`crate::domain::secret::Secret`] and leave it
//!   only inside an `Authorization` header or a form field: no error message, log line or
//!   `Debug` output of this module carries one.

mod api;
mod oauth;
mod service_tokens;
mod user_credentials;

#[cfg(test)]
mod test_support;

use std::time::{SystemTime, UNIX_EPOCH};

pub use api::{ApiConfig, HttpNeonPanelApi};
pub use oauth::ClientAuthMethod;
pub use service_tokens::{ClientCredentialsTokens, ServiceTokenConfig, UnconfiguredServiceTokens};
pub use user_credentials::{
    ExchangedUserCredentials, RequestedTokenType, UserCredentialConfig, UserSource,
};

use crate::ports::Clock;

/// The wall clock. Stands in until a shared one exists elsewhere in `adapters`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        // A clock before 1970 is a broken host; 0 makes every cached credential look expired,
        // which fails safe (refetch) rather than serving a credential forever.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// At most `max_chars` characters of `text`, cut on a character boundary.
fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}
