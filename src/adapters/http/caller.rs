//! Where the auth hoop leaves the verified [`Caller`] for the hoops and handlers after it (rate
//! limit, access log, transports), without any of them importing the auth hoop.

use salvo::Depot;

use crate::domain::principal::Caller;

/// The verified caller of the request, in salvo's [`Depot`].
pub(super) trait CallerDepotExt {
    /// The caller the auth hoop verified; `None` before it ran or when it refused the request.
    fn caller(&self) -> Option<&Caller>;

    /// Records the verified caller; only the auth hoop calls this.
    fn set_caller(&mut self, caller: Caller);
}

impl CallerDepotExt for Depot {
    fn caller(&self) -> Option<&Caller> {
        self.get_typed::<Caller>().ok()
    }

    fn set_caller(&mut self, caller: Caller) {
        self.insert_typed(caller);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::domain::principal::{Principal, ScopeSet, Subject};

    #[test]
    fn a_depot_holds_the_caller_it_was_given_and_none_before() {
        // Arrange
        let mut depot = Depot::new();
        let principal = Arc::new(Principal {
            subject: Subject::new("alice"),
            scopes: ScopeSet::default(),
            tenant: None,
            expires_at: 0,
            accounts: BTreeSet::new(),
        });

        // Act
        let before = depot.caller().is_some();
        depot.set_caller(Caller::without_sign_in(principal));

        // Assert
        assert!(!before);
        assert_eq!(
            depot.caller().map(|c| c.principal.subject.as_str()),
            Some("alice")
        );
    }
}
