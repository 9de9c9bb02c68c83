//! `GET /oauth2/authorize` (RFC 6749 §4.1.1 with PKCE S256, RFC 7636, and `resource`,
//! RFC 8707) and `POST /oauth2/authorize/approve`, the consent page's answer.
//!
//! The consent page lists the demo users; picking one is the sandbox's "sign in". With
//! `auto_approve=<user id>` the endpoint skips the page and redirects at once (tests, scripts).
//! RFC 6749 §4.1.2.1: a missing/unknown client or a redirect URI that does not match is shown
//! on a 400 page and never redirected to; every other error goes back to the client.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use salvo::http::header::{HeaderValue, LOCATION};
use salvo::prelude::*;

use super::super::State;
use super::super::keys::now_secs;
use super::urls::{html_escape, redirect_matches, with_query};
use super::{Client, CodeGrant, field, form_fields, grant_scope, random_token};

/// Codes live ten minutes at most (RFC 6749 §4.1.2).
const CODE_TTL_SECS: u64 = 600;

/// A request that passed every check, waiting for the user's decision.
struct Pending {
    client: Client,
    redirect_uri: String,
    redirect_uri_given: bool,
    state: Option<String>,
    code_challenge: String,
    scope: String,
    resource: Option<String>,
    nonce: Option<String>,
}

enum Refusal {
    /// Shown to the user (400), never redirected.
    Page(String),
    /// Sent back to the client's redirect URI.
    Redirect {
        uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

fn check(state: &State, params: &HashMap<String, String>) -> Result<Pending, Refusal> {
    let page = |text: &str| Refusal::Page(text.to_owned());
    let client_id = field(params, "client_id").ok_or_else(|| page("client_id is required"))?;
    let client = state
        .oauth
        .client(client_id)
        .ok_or_else(|| page("unknown client_id"))?;
    let (redirect_uri, redirect_uri_given) = match field(params, "redirect_uri") {
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|r| redirect_matches(r, uri)) =>
        {
            (uri.to_owned(), true)
        }
        Some(_) => return Err(page("redirect_uri is not registered for this client")),
        None => match client.redirect_uris.as_slice() {
            [only] => (only.clone(), false),
            _ => return Err(page("redirect_uri is required: several are registered")),
        },
    };
    let client_state = field(params, "state").map(str::to_owned);
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        uri: redirect_uri.clone(),
        state: client_state.clone(),
        error,
        description: description.to_owned(),
    };
    match field(params, "response_type") {
        Some("code") => {}
        None => return Err(refuse("invalid_request", "response_type is required")),
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only code is supported",
            ));
        }
    }
    if !client.grant_types.iter().any(|g| g == "authorization_code") {
        return Err(refuse(
            "unauthorized_client",
            "authorization_code not registered",
        ));
    }
    // RFC 7636 §4.2: S256 challenge = BASE64URL(SHA256(verifier)), 43 characters.
    let challenge = field(params, "code_challenge")
        .ok_or_else(|| refuse("invalid_request", "code_challenge is required (PKCE)"))?;
    if field(params, "code_challenge_method") != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256",
        ));
    }
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if challenge.len() != 43 || !challenge.bytes().all(base64url) {
        return Err(refuse(
            "invalid_request",
            "code_challenge is not an S256 challenge",
        ));
    }
    // RFC 8707 §2: an absolute URI without a fragment.
    let resource = field(params, "resource");
    if resource.is_some_and(|r| !r.contains("://") || r.contains('#')) {
        return Err(refuse("invalid_target", "resource must be an absolute URI"));
    }
    Ok(Pending {
        client,
        redirect_uri,
        redirect_uri_given,
        state: client_state,
        code_challenge: challenge.to_owned(),
        scope: grant_scope(field(params, "scope")),
        resource: resource.map(str::to_owned),
        nonce: field(params, "nonce").map(str::to_owned),
    })
}

fn redirect(res: &mut Response, status: StatusCode, location: &str) {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            res.status_code(status);
            res.headers_mut().insert(LOCATION, value);
        }
        Err(_) => refusal_page(res, "the redirect URI cannot be used in a Location header"),
    }
}

fn refusal_page(res: &mut Response, text: &str) {
    res.status_code(StatusCode::BAD_REQUEST);
    res.render(Text::Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><title>Authorization error</title>\
         <h1>Authorization error</h1><p>{}</p>",
        html_escape(text)
    )));
}

/// Answers a refusal: a page, or a redirect carrying `error` (RFC 6749 §4.1.2.1, RFC 9207).
fn refuse(state: &State, res: &mut Response, refusal: Refusal, status: StatusCode) {
    match refusal {
        Refusal::Page(text) => refusal_page(res, &text),
        Refusal::Redirect {
            uri,
            state: client_state,
            error,
            description,
        } => {
            let mut pairs = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(s) = client_state.as_deref() {
                pairs.push(("state", s));
            }
            pairs.push(("iss", state.issuer.as_str()));
            redirect(res, status, &with_query(&uri, &pairs));
        }
    }
}

/// The user said yes: issue a code bound to everything checked, and redirect with it.
fn approve(state: &State, res: &mut Response, pending: Pending, user_id: &str, status: StatusCode) {
    if state.data.user(user_id).is_none() {
        let refusal = Refusal::Redirect {
            uri: pending.redirect_uri,
            state: pending.state,
            error: "access_denied",
            description: format!("no demo user {user_id:?}"),
        };
        return refuse(state, res, refusal, status);
    }
    let code = random_token();
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = pending.state.as_deref() {
        pairs.push(("state", s));
    }
    pairs.push(("iss", state.issuer.as_str()));
    let location = with_query(&pending.redirect_uri, &pairs);
    state.oauth.add_code(
        code.clone(),
        CodeGrant {
            client_id: pending.client.id,
            redirect_uri: pending.redirect_uri,
            redirect_uri_given: pending.redirect_uri_given,
            user_id: user_id.to_owned(),
            scope: pending.scope,
            resource: pending.resource,
            code_challenge: pending.code_challenge,
            nonce: pending.nonce,
            expires_at: now_secs() + CODE_TTL_SECS,
        },
    );
    redirect(res, status, &location);
}

pub(crate) struct Authorize(pub Arc<State>);

#[async_trait]
impl Handler for Authorize {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let params: HashMap<String, String> = req
            .queries()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let state = &self.0;
        match check(state, &params) {
            Err(refusal) => refuse(state, res, refusal, StatusCode::FOUND),
            Ok(pending) => match field(&params, "auto_approve") {
                Some(user_id) => approve(state, res, pending, user_id, StatusCode::FOUND),
                None => consent_page(state, res, &params, &pending),
            },
        }
    }
}

pub(crate) struct Approve(pub Arc<State>);

#[async_trait]
impl Handler for Approve {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let fields = form_fields(req).await;
        let state = &self.0;
        // 303: the browser follows a POST's answer with a GET.
        let status = StatusCode::SEE_OTHER;
        let pending = match check(state, &fields) {
            Ok(pending) => pending,
            Err(refusal) => return refuse(state, res, refusal, status),
        };
        match field(&fields, "user_id") {
            Some(user_id) => approve(state, res, pending, user_id, status),
            None => {
                let refusal = Refusal::Redirect {
                    uri: pending.redirect_uri,
                    state: pending.state,
                    error: "access_denied",
                    description: "the user denied access".to_owned(),
                };
                refuse(state, res, refusal, status);
            }
        }
    }
}

fn consent_page(
    state: &State,
    res: &mut Response,
    params: &HashMap<String, String>,
    pending: &Pending,
) {
    let mut hidden = String::new();
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    for name in names {
        if matches!(name.as_str(), "auto_approve" | "user_id" | "decision") {
            continue;
        }
        let value = params.get(name).map_or("", String::as_str);
        let _ = write!(
            hidden,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            html_escape(name),
            html_escape(value)
        );
    }
    let mut buttons = String::new();
    for user in &state.data.users {
        let companies: Vec<&str> = user
            .memberships
            .iter()
            .filter_map(|(uuid, _)| state.data.company(uuid))
            .map(|c| c.company.name.as_str())
            .collect();
        let _ = write!(
            buttons,
            "<button name=\"user_id\" value=\"{}\">{} &lt;{}&gt;<br><small>{}</small></button>",
            html_escape(&user.id),
            html_escape(&user.name),
            html_escape(&user.email),
            html_escape(&companies.join(", "))
        );
    }
    res.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    res.render(Text::Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <title>NeonPanel sandbox: sign in</title><style>\
         body{{font-family:sans-serif;max-width:32em;margin:3em auto}}\
         button{{display:block;width:100%;margin:.5em 0;padding:.8em;text-align:left}}\
         </style></head><body><h1>NeonPanel sandbox</h1>\
         <p><code>{client}</code> asks for <code>{scope}</code>. Sign in as:</p>\
         <form method=\"post\" action=\"{issuer}/oauth2/authorize/approve\">{hidden}{buttons}\
         <button name=\"decision\" value=\"deny\">Deny</button></form></body></html>",
        client = html_escape(&pending.client.id),
        scope = html_escape(&pending.scope),
        issuer = html_escape(&state.issuer),
    )));
}
