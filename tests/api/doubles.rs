//! mockall doubles of the ports, for driving the real server without NeonPanel.

use async_trait::async_trait;
use neonpanel_mcp::domain::error::{AuthError, CredentialError, UpstreamError};
use neonpanel_mcp::domain::principal::{Caller, Principal, ScopeSet, Subject, Tenant};
use neonpanel_mcp::domain::proof::Proof;
use neonpanel_mcp::domain::secret::BearerToken;
use neonpanel_mcp::domain::upstream::{
    Company, InventoryDetails, InventoryItem, InventoryOrder, InventoryOrderQuery, InventoryQuery,
    Invoice, InvoiceQuery, LandedCost, LandedCostQuery, Page, RevenueAndCogs, RevenueQuery,
    Warehouse, WarehouseHoldings,
};
use neonpanel_mcp::ports::{
    Authenticator, Check, HealthProbe, IssuerMetadata, NeonPanelApi, ServiceTokens, UserCredential,
    UserCredentials,
};

mockall::mock! {
    pub Auth {}
    #[async_trait]
    impl Authenticator for Auth {
        fn claims(&self, proof: &Proof) -> bool;
        async fn authenticate(&self, proof: &Proof) -> Result<Caller, AuthError>;
    }
}

mockall::mock! {
    pub Users {}
    #[async_trait]
    impl UserCredentials for Users {
        fn is_configured(&self) -> bool;
        async fn user_credential(&self, caller: &Caller) -> Result<UserCredential, CredentialError>;
        async fn evict(&self, caller: &Caller);
    }
}

mockall::mock! {
    pub Service {}
    #[async_trait]
    impl ServiceTokens for Service {
        fn is_configured(&self) -> bool;
        async fn service_token(&self) -> Result<BearerToken, CredentialError>;
        async fn evict(&self);
    }
}

mockall::mock! {
    pub Api {}
    #[async_trait]
    impl NeonPanelApi for Api {
        async fn list_companies(&self, token: &BearerToken, page: u32, per_page: u32) -> Result<Page<Company>, UpstreamError>;
        async fn company_permissions(&self, token: &BearerToken, company: &str) -> Result<Vec<String>, UpstreamError>;
        async fn list_invoices(&self, token: &BearerToken, company: &str, query: &InvoiceQuery) -> Result<Page<Invoice>, UpstreamError>;
        async fn get_invoice(&self, token: &BearerToken, company: &str, invoice_id: i64) -> Result<Invoice, UpstreamError>;
        async fn list_inventory(&self, token: &BearerToken, company: &str, query: &InventoryQuery) -> Result<Page<InventoryItem>, UpstreamError>;
        async fn landed_cost(&self, token: &BearerToken, company: &str, inventory_id: i64, query: &LandedCostQuery) -> Result<LandedCost, UpstreamError>;
        async fn inventory_details(&self, token: &BearerToken, company: &str, inventory_id: i64) -> Result<InventoryDetails, UpstreamError>;
        async fn revenue_and_cogs(&self, token: &BearerToken, query: &RevenueQuery) -> Result<RevenueAndCogs, UpstreamError>;
        async fn list_warehouses(&self, token: &BearerToken, company: &str, page: u32, per_page: u32) -> Result<Page<Warehouse>, UpstreamError>;
        async fn warehouse_balances(&self, token: &BearerToken, company: &str, warehouse: &str, page: u32, per_page: u32) -> Result<WarehouseHoldings, UpstreamError>;
        async fn list_inventory_orders(&self, token: &BearerToken, company: &str, query: &InventoryOrderQuery) -> Result<Page<InventoryOrder>, UpstreamError>;
    }
}

/// Access tokens the fake authenticator accepts, and the subjects they prove.
pub const ALICE: &str = "access-token-alice";
pub const BOB: &str = "access-token-bob";

/// An authenticator that claims every bearer token, knows [`ALICE`] and [`BOB`] (signed in,
/// tenant `acme`) and rejects everything else.
pub fn authenticator() -> MockAuth {
    let mut auth = MockAuth::new();
    auth.expect_claims()
        .returning(|proof| proof.bearer().is_some());
    auth.expect_authenticate().returning(|proof| {
        let Some(token) = proof.bearer() else {
            return Err(AuthError::InvalidToken("expected a bearer token"));
        };
        let subject = match token.expose() {
            ALICE => "alice",
            BOB => "bob",
            _ => return Err(AuthError::InvalidToken("signature check failed")),
        };
        let principal = std::sync::Arc::new(Principal {
            subject: Subject::new(subject),
            scopes: ScopeSet::parse("openid neonpanel:read"),
            tenant: Some(Tenant::new("acme")),
            expires_at: u64::MAX,
            accounts: std::collections::BTreeSet::new(),
        });
        Ok(Caller::signed_in(principal, token.clone()))
    });
    auth
}

/// A user-credential source that mints `user-jwt-<subject>`.
pub fn users() -> MockUsers {
    let mut users = MockUsers::new();
    users.expect_is_configured().return_const(true);
    users.expect_user_credential().returning(|caller| {
        Ok(UserCredential::Jwt(BearerToken::new(format!(
            "user-jwt-{}",
            caller.principal.subject
        ))))
    });
    users.expect_evict().return_const(());
    users
}

pub fn service_tokens() -> MockService {
    let mut service = MockService::new();
    service.expect_is_configured().return_const(true);
    service
        .expect_service_token()
        .returning(|| Ok(BearerToken::new("service-token")));
    service.expect_evict().return_const(());
    service
}

pub fn company(uuid: &str, name: &str) -> Company {
    Company {
        uuid: uuid.into(),
        name: name.into(),
        short_name: Some(name.chars().take(2).collect()),
        currency: Some("USD".into()),
        timezone: Some("America/New_York".into()),
    }
}

/// An API that serves two companies to `user-jwt-alice` only, and 20 invoices of `acme`.
pub fn api() -> MockApi {
    let mut api = MockApi::new();
    api.expect_list_companies().returning(|token, page, _| {
        if token.expose() != "user-jwt-alice" {
            return Err(UpstreamError::new(
                401,
                neonpanel_mcp::domain::error::UpstreamErrorKind::Unauthorized,
                "bad token",
            ));
        }
        Ok(Page {
            current_page: page,
            per_page: 25,
            last_page: 1,
            data: vec![company("acme", "Acme Corp"), company("globex", "Globex")],
        })
    });
    api.expect_list_invoices().returning(|_, company, query| {
        let data = (1..=20)
            .map(|i| Invoice {
                id: i64::from(query.page) * 100 + i,
                name: Some(format!("INV-{company}-{i}")),
                source: Some("amazon".into()),
                transaction_date: Some("2024-03-15".into()),
                amount: Some(10.5 * i as f64),
                currency: Some("USD".into()),
                ..Invoice::default()
            })
            .collect();
        Ok(Page {
            current_page: query.page,
            per_page: query.per_page,
            last_page: 3,
            data,
        })
    });
    api
}

/// A probe whose checks pass, counting how often it ran.
#[derive(Default)]
pub struct HealthyProbe {
    pub runs: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl HealthProbe for HealthyProbe {
    async fn run(&self) -> Vec<Check> {
        self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        vec![Check {
            name: "jwks",
            ok: true,
            detail: "1 signing key(s)".into(),
        }]
    }
}

/// The issuer's metadata as a fixed document.
pub struct StaticIssuerMetadata;

#[async_trait]
impl IssuerMetadata for StaticIssuerMetadata {
    async fn metadata(&self) -> Result<serde_json::Value, String> {
        Ok(
            serde_json::json!({"issuer": "https://issuer.test", "code_challenge_methods_supported": ["S256"]}),
        )
    }
}
