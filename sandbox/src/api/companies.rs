//! `GET /api/v1/companies` (CompanyListResponse) and
//! `GET /api/v1/companies/{companyUuid}/permissions` (`{"permissions": [..]}`).

use std::sync::Arc;

use salvo::prelude::*;
use serde_json::{Value, json};

use super::super::State;
use super::super::data::Dataset;
use super::query::{Problems, pager, paginate};
use super::{Caller, company, unauthenticated};

pub(crate) struct Companies(pub Arc<State>);

#[async_trait]
impl Handler for Companies {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let Ok(caller) = depot.get_typed::<Caller>() else {
            return unauthenticated(res);
        };
        let mut problems = Problems::default();
        let pager = pager(req, &mut problems);
        if problems.reject(res) {
            return;
        }
        let visible: Vec<_> = self
            .0
            .data
            .companies
            .iter()
            .filter(|c| caller.reaches(&c.company.uuid))
            .map(|c| &c.company)
            .collect();
        res.render(Json(Value::Object(paginate(&visible, pager))));
    }
}

pub(crate) struct Permissions(pub Arc<State>);

#[async_trait]
impl Handler for Permissions {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let state = &self.0;
        let Some(company) = company(state, req, depot, res) else {
            return;
        };
        let Ok(caller) = depot.get_typed::<Caller>() else {
            return unauthenticated(res);
        };
        let permissions = match caller.user.as_deref() {
            Some(id) => state
                .data
                .user(id)
                .and_then(|user| user.permissions_in(&company.company.uuid))
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
            // A service token holds every permission.
            None => Dataset::all_permissions(),
        };
        res.render(Json(json!({ "permissions": permissions })));
    }
}
