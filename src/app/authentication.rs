//! The authenticator chosen by the proof's form (docs/design.md §3): each scheme-specific
//! authenticator says which proofs are its own; one default (the issuer's JWT verifier) takes
//! every other proof it claims. A new scheme is one more [`Authenticator`] added here by the
//! composition root: no tool, credential policy or transport changes.

use std::sync::Arc;

use crate::domain::error::AuthError;
use crate::domain::principal::Caller;
use crate::domain::proof::Proof;
use crate::ports::Authenticator;

/// The fixed answer for a proof no authenticator claims (a scheme this server does not take).
const UNCLAIMED: AuthError = AuthError::InvalidToken("unsupported credential");

/// Routes each proof to the first specific authenticator that claims it, else to the default.
pub struct ProofAuthenticators {
    /// Asked in order; a proof of a specific form (a token prefix, another scheme) is never
    /// shown to the default.
    specific: Vec<Arc<dyn Authenticator>>,
    default: Arc<dyn Authenticator>,
}

impl ProofAuthenticators {
    /// Every proof goes to `default` until [`ProofAuthenticators::with`] adds another.
    #[must_use]
    pub fn new(default: Arc<dyn Authenticator>) -> Self {
        Self {
            specific: Vec::new(),
            default,
        }
    }

    /// Sends the proofs `authenticator` claims to it, ahead of the default and of any added
    /// later.
    #[must_use]
    pub fn with(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.specific.push(authenticator);
        self
    }

    fn choose(&self, proof: &Proof) -> Option<&Arc<dyn Authenticator>> {
        self.specific
            .iter()
            .find(|a| a.claims(proof))
            .or_else(|| Some(&self.default).filter(|d| d.claims(proof)))
    }
}

#[async_trait::async_trait]
impl Authenticator for ProofAuthenticators {
    fn claims(&self, proof: &Proof) -> bool {
        self.choose(proof).is_some()
    }

    async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError> {
        match self.choose(proof) {
            Some(authenticator) => authenticator.authenticate(proof).await,
            None => Err(UNCLAIMED),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::principal::{Principal, ScopeSet, Subject};
    use crate::domain::secret::BearerToken;
    use crate::ports::MockAuthenticator;

    fn bearer(token: &str) -> Proof {
        Proof::Bearer(BearerToken::new(token))
    }

    fn principal(subject: &str) -> Arc<Principal> {
        Arc::new(Principal {
            subject: Subject::new(subject),
            scopes: ScopeSet::default(),
            tenant: None,
            expires_at: u64::MAX,
            accounts: BTreeSet::new(),
        })
    }

    /// An authenticator that claims tokens starting with `prefix` and proves `subject`,
    /// expecting to be asked to verify exactly `verifies` times.
    fn claiming(prefix: &'static str, subject: &'static str, verifies: usize) -> MockAuthenticator {
        let mut auth = MockAuthenticator::new();
        auth.expect_claims().returning(move |proof| {
            proof
                .bearer()
                .is_some_and(|t| t.expose().starts_with(prefix))
        });
        auth.expect_authenticate()
            .times(verifies)
            .returning(move |_| Ok(Caller::without_sign_in(principal(subject))));
        auth
    }

    #[tokio::test]
    async fn a_proof_of_a_specific_form_goes_to_its_authenticator_and_never_to_the_default() {
        // Arrange
        let chosen = ProofAuthenticators::new(Arc::new(claiming("", "jwt-user", 0)))
            .with(Arc::new(claiming("aws-sts-v1.", "aws-role", 1)));

        // Act
        let caller = chosen.authenticate(&bearer("aws-sts-v1.abc")).await;

        // Assert
        assert_eq!(
            caller.map(|c| c.principal.subject.to_string()),
            Ok("aws-role".into())
        );
    }

    #[tokio::test]
    async fn any_other_proof_goes_to_the_default() {
        let chosen = ProofAuthenticators::new(Arc::new(claiming("", "jwt-user", 1)))
            .with(Arc::new(claiming("aws-sts-v1.", "aws-role", 0)));

        let caller = chosen
            .authenticate(&bearer("eyJhbGciOiJSUzI1NiJ9.a.b"))
            .await;

        assert_eq!(
            caller.map(|c| c.principal.subject.to_string()),
            Ok("jwt-user".into())
        );
    }

    #[tokio::test]
    async fn a_proof_nobody_claims_is_an_invalid_token() {
        let chosen = ProofAuthenticators::new(Arc::new(claiming("eyJ", "jwt-user", 0)))
            .with(Arc::new(claiming("aws-sts-v1.", "aws-role", 0)));

        let answer = chosen.authenticate(&bearer("opaque-token")).await;

        assert_eq!(answer.map(|_| ()), Err(UNCLAIMED));
        assert!(!chosen.claims(&bearer("opaque-token")));
        assert!(chosen.claims(&bearer("aws-sts-v1.x")));
    }
}
