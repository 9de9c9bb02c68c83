//! The NeonPanel API paths the server calls (docs/design.md §6), over the seeded data.
//!
//! Authentication like NeonPanel's: only bearer JWTs signed by the sandbox's key with
//! `aud` = the API audience pass (user JWTs, service tokens, and API-audience access tokens);
//! anything else is `401 {"message":"Unauthenticated."}`. A user reaches only their companies
//! (`403 {"message":"This action is unauthorized."}`); a service token reaches every company.
//! An unknown company or item is `404 {"message":"Not found."}`.

mod companies;
mod inventory;
mod invoices;
mod orders;
mod query;
mod revenue;
mod warehouses;

use std::sync::Arc;

use salvo::http::header::AUTHORIZATION;
use salvo::prelude::*;
use serde_json::json;

use super::State;
use super::data::{CompanyData, ItemRecord};
use super::faults::FaultHoop;
use super::keys::{GTY_CLIENT_CREDENTIALS, USE_ACCESS, USE_USER_JWT};

/// Who called, as the auth hoop established it.
pub(crate) struct Caller {
    /// The user, or `None` for a service token.
    pub user: Option<String>,
    /// Company uuids, or `None` for every company.
    pub companies: Option<Vec<String>>,
}

impl Caller {
    pub(super) fn reaches(&self, company_uuid: &str) -> bool {
        self.companies
            .as_ref()
            .is_none_or(|list| list.iter().any(|c| c == company_uuid))
    }
}

pub(super) fn message(res: &mut Response, status: StatusCode, text: &str) {
    res.status_code(status);
    res.render(Json(json!({ "message": text })));
}

pub(super) fn unauthenticated(res: &mut Response) {
    message(res, StatusCode::UNAUTHORIZED, "Unauthenticated.");
}

pub(super) fn not_found(res: &mut Response) {
    message(res, StatusCode::NOT_FOUND, "Not found.");
}

fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Records every bearer token the API receives, before faults or checks (for tests that
/// prove which credential the server used).
struct TokenRecorder(Arc<State>);

#[async_trait]
impl Handler for TokenRecorder {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        _res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        if let Some(token) = bearer(req) {
            self.0.record_api_token(token);
        }
        let company = req
            .uri()
            .path()
            .strip_prefix("/api/v1/companies/")
            .and_then(|rest| rest.split_once('/'))
            .map(|(company, _)| company);
        if let Some(company) = company {
            self.0.record_company_call(company);
        }
    }
}

struct ApiAuth(Arc<State>);

impl ApiAuth {
    fn caller(&self, req: &Request) -> Option<Caller> {
        let state = &self.0;
        let claims = state.keys.verify(&bearer(req)?)?;
        let usable = claims.token_use == USE_ACCESS || claims.token_use == USE_USER_JWT;
        if !usable || claims.aud != state.api_audience {
            return None;
        }
        if let Some(companies) = claims.companies {
            return Some(Caller {
                user: Some(claims.sub),
                companies: Some(companies),
            });
        }
        if claims.gty.as_deref() == Some(GTY_CLIENT_CREDENTIALS) {
            return Some(Caller {
                user: None,
                companies: None,
            });
        }
        // An access token issued straight for the API audience: the user's own reach.
        let user = state.data.user(&claims.sub)?;
        Some(Caller {
            user: Some(user.id.clone()),
            companies: Some(user.company_uuids()),
        })
    }
}

#[async_trait]
impl Handler for ApiAuth {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        match self.caller(req) {
            Some(caller) => {
                depot.insert_typed(caller);
            }
            None => {
                unauthenticated(res);
                ctrl.skip_rest();
            }
        }
    }
}

/// The company named by the path, if it exists (404) and the caller reaches it (403).
fn company<'a>(
    state: &'a State,
    req: &Request,
    depot: &Depot,
    res: &mut Response,
) -> Option<&'a CompanyData> {
    let Ok(caller) = depot.get_typed::<Caller>() else {
        unauthenticated(res);
        return None;
    };
    let found = req
        .param::<String>("company")
        .and_then(|uuid| state.data.company(&uuid));
    match found {
        None => {
            not_found(res);
            None
        }
        Some(company) if !caller.reaches(&company.company.uuid) => {
            message(res, StatusCode::FORBIDDEN, "This action is unauthorized.");
            None
        }
        Some(company) => Some(company),
    }
}

/// The inventory item named by the path, within `company` (404 otherwise).
fn item<'a>(company: &'a CompanyData, req: &Request, res: &mut Response) -> Option<&'a ItemRecord> {
    let found = req
        .param::<String>("item")
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| company.items.iter().find(|r| r.item.id == id));
    if found.is_none() {
        not_found(res);
    }
    found
}

struct NotFound;

#[async_trait]
impl Handler for NotFound {
    async fn handle(
        &self,
        _req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        not_found(res);
    }
}

pub(crate) fn routes(state: &Arc<State>, faults: FaultHoop) -> Router {
    let s = || Arc::clone(state);
    let item = Router::with_path("{item}")
        .push(Router::with_path("landed-cost").get(inventory::LandedCost(s())))
        .push(Router::with_path("balances").get(inventory::Balances(s())));
    let company = Router::with_path("{company}")
        .push(Router::with_path("permissions").get(companies::Permissions(s())))
        .push(
            Router::with_path("invoices")
                .get(invoices::Invoices(s()))
                .push(Router::with_path("{invoice}").get(invoices::OneInvoice(s()))),
        )
        .push(Router::with_path("inventory-orders").get(orders::InventoryOrders(s())))
        .push(
            Router::with_path("warehouses")
                .get(warehouses::Warehouses(s()))
                .push(
                    Router::with_path("{warehouse}/balances")
                        .get(warehouses::WarehouseBalances(s())),
                ),
        )
        .push(
            Router::with_path("inventory-items")
                .get(inventory::Items(s()))
                .push(item),
        );
    Router::with_path("api/v1")
        .hoop(TokenRecorder(s()))
        .hoop(faults)
        .hoop(ApiAuth(s()))
        .push(
            Router::with_path("companies")
                .get(companies::Companies(s()))
                .push(company),
        )
        .push(Router::with_path("revenue-and-cogs").get(revenue::RevenueAndCogs(s())))
        .push(Router::with_path("{**rest}").goal(NotFound))
}
