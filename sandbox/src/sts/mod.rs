//! The sandbox plays AWS STS: `GET /?Action=GetCallerIdentity&Version=2011-06-15` with a
//! query-signed (presigned) SigV4 request, verified for real against the demo IAM keys, and
//! answered like STS: the caller's ARN as JSON when `Accept: application/json` asks for it,
//! XML otherwise; `403` with an `Error` document when the signature does not hold.
//!
//! The verification is written here from the SigV4 specification (canonical request, string to
//! sign, derived key, HMAC-SHA256 via aws-lc-rs, compared in constant time) and shares no code
//! with any signer, so a test signing with AWS's own `aws-sigv4` crate proves both ends.
//!
//! Demo keys: one for the role `NeonPanelSandboxAgent`, which `neonpanel-mcp sandbox` maps to
//! one demo company, and one for `UnmappedAgent`, which no mapping names (for refusal tests).

mod sigv4;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use salvo::http::header::{ACCEPT, CONTENT_TYPE};
use salvo::prelude::*;
use serde_json::json;

use sigv4::{SigV4Error, verify_presigned};

/// The account id every demo ARN is in.
pub const DEMO_AWS_ACCOUNT: &str = "000000000000";
/// The region the demo keys sign for (any region's scope verifies; this is the one printed).
pub const DEMO_AWS_REGION: &str = "us-east-1";
/// The role the banner's keys assume, mapped by `neonpanel-mcp sandbox` to [`DEMO_ROLE_COMPANY`].
pub const DEMO_ROLE: &str = "NeonPanelSandboxAgent";
/// The role no mapping names.
pub const UNMAPPED_ROLE: &str = "UnmappedAgent";
/// Globex, the one demo company the demo role reaches.
pub const DEMO_ROLE_COMPANY: &str = super::data::catalog::GLOBEX_UUID;

/// A demo IAM access key and the identity STS reports for it.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoAwsKey {
    pub access_key_id: String,
    /// New at every start.
    pub secret_access_key: String,
    /// What `GetCallerIdentity` answers: an assumed-role ARN.
    pub arn: String,
    /// The role ARN an `AWS_IAM_PRINCIPALS` mapping names.
    pub role_arn: String,
}

impl std::fmt::Debug for DemoAwsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAwsKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("arn", &self.arn)
            .finish()
    }
}

/// The demo keys and a count of `GetCallerIdentity` calls (tests assert when none was made).
pub(crate) struct Sts {
    keys: Vec<DemoAwsKey>,
    calls: AtomicU64,
}

impl Sts {
    pub(crate) fn new() -> Self {
        let key = |id: &str, role: &str| DemoAwsKey {
            access_key_id: id.to_owned(),
            secret_access_key: super::oauth::random_token(),
            arn: format!("arn:aws:sts::{DEMO_AWS_ACCOUNT}:assumed-role/{role}/sandbox-session"),
            role_arn: format!("arn:aws:iam::{DEMO_AWS_ACCOUNT}:role/{role}"),
        };
        Self {
            keys: vec![
                key("AKIASANDBOXAGENT0001", DEMO_ROLE),
                key("AKIASANDBOXOTHER0002", UNMAPPED_ROLE),
            ],
            calls: AtomicU64::new(0),
        }
    }

    pub(crate) fn keys(&self) -> &[DemoAwsKey] {
        &self.keys
    }

    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    fn secret_of(&self, access_key_id: &str) -> Option<&DemoAwsKey> {
        self.keys.iter().find(|k| k.access_key_id == access_key_id)
    }
}

/// `GET /`: the STS query API's `GetCallerIdentity`.
pub(crate) struct GetCallerIdentity(pub Arc<super::State>);

#[async_trait]
impl Handler for GetCallerIdentity {
    async fn handle(&self, req: &mut Request, _: &mut Depot, res: &mut Response, _: &mut FlowCtrl) {
        let sts = &self.0.sts;
        sts.calls.fetch_add(1, Ordering::SeqCst);
        let json = req
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let query = req.uri().query().unwrap_or_default().to_owned();
        let headers = |name: &str| {
            req.headers()
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match verify_presigned(&query, &headers, now, |id| {
            sts.secret_of(id).map(|k| k.secret_access_key.clone())
        }) {
            Ok(access_key_id) => {
                let Some(key) = sts.secret_of(&access_key_id) else {
                    return error(res, json, SigV4Error::UnknownKey);
                };
                answer(res, json, key);
            }
            Err(e) => error(res, json, e),
        }
    }
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn answer(res: &mut Response, json: bool, key: &DemoAwsKey) {
    let role_id = format!(
        "AROASANDBOX{}",
        key.access_key_id.get(16..).unwrap_or_default()
    );
    let user_id = format!("{role_id}:sandbox-session");
    if json {
        res.render(Json(json!({
            "GetCallerIdentityResponse": {
                "GetCallerIdentityResult": {
                    "Account": DEMO_AWS_ACCOUNT,
                    "Arn": key.arn,
                    "UserId": user_id,
                },
                "ResponseMetadata": { "RequestId": request_id() },
            }
        })));
    } else {
        let _ = res.add_header(CONTENT_TYPE, "text/xml", true);
        res.render(format!(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><Arn>{}</Arn><UserId>{user_id}</UserId>\
             <Account>{DEMO_AWS_ACCOUNT}</Account></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>",
            key.arn,
            request_id()
        ));
    }
}

fn error(res: &mut Response, json: bool, error: SigV4Error) {
    let (status, code) = error.status_and_code();
    res.status_code(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN));
    let message = error.to_string();
    if json {
        res.render(Json(json!({
            "Error": { "Code": code, "Message": message, "Type": "Sender" },
            "RequestId": request_id(),
        })));
    } else {
        let _ = res.add_header(CONTENT_TYPE, "text/xml", true);
        res.render(format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>{}</RequestId></ErrorResponse>",
            request_id()
        ));
    }
}

/// The STS route: the root path, like `https://sts.amazonaws.com/`.
pub(crate) fn routes(state: &Arc<super::State>) -> Router {
    Router::new().get(GetCallerIdentity(Arc::clone(state)))
}
