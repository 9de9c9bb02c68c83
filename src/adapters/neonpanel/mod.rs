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

pub(crate) use api::{ApiConfig, HttpNeonPanelApi};
pub(crate) use oauth::ClientAuthMethod;
pub(crate) use service_tokens::{
    ClientCredentialsTokens, ServiceTokenConfig, UnconfiguredServiceTokens,
};
pub(crate) use user_credentials::{
    ExchangedUserCredentials, RequestedTokenType, UserCredentialConfig, UserSource,
};

/// `text` in at most `max_chars` characters, the last one an ellipsis when it was cut.
fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
