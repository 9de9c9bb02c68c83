//! IAM tokens made the way an AWS SDK makes them: AWS's own `aws-sigv4` signer presigns
//! `GET /?Action=GetCallerIdentity&Version=2011-06-15` (query signing), signing `host` and
//! `x-neonpanel-mcp-audience`; the token is `aws-sts-v1.` + base64url of the URL.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What to presign, and with which key.
#[derive(Clone, Debug)]
pub struct Presign {
    /// `http://127.0.0.1:PORT` or `https://sts.amazonaws.com`, without a trailing slash.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The audience header's value; `None` signs no audience header at all.
    pub audience: Option<String>,
    pub signed_at: SystemTime,
    pub expires_in: Duration,
    /// The query before signing (the request STS is asked to run).
    pub query: String,
}

impl Presign {
    pub fn new(endpoint: &str, access_key_id: &str, secret: &str, audience: &str) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret.to_owned(),
            audience: Some(audience.to_owned()),
            signed_at: SystemTime::now(),
            expires_in: Duration::from_secs(900),
            query: "Action=GetCallerIdentity&Version=2011-06-15".to_owned(),
        }
    }

    /// The presigned URL.
    pub fn url(&self) -> String {
        let identity = Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            None,
            None,
            "test",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(self.expires_in);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("sts")
            .time(self.signed_at)
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let unsigned = format!("{}/?{}", self.endpoint, self.query);
        let headers: Vec<(&str, &str)> = self
            .audience
            .as_deref()
            .map(|a| ("x-neonpanel-mcp-audience", a))
            .into_iter()
            .collect();
        let request = SignableRequest::new(
            "GET",
            unsigned.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(&[]),
        )
        .expect("signable request");
        let (instructions, _) = sign(request, &params).expect("signed").into_parts();
        let mut url = unsigned;
        for (name, value) in instructions.params() {
            url.push('&');
            url.push_str(name);
            url.push('=');
            url.push_str(&encode(value));
        }
        url
    }

    /// `aws-sts-v1.<base64url of the URL>`.
    pub fn token(&self) -> String {
        token_of(&self.url())
    }
}

pub fn token_of(url: &str) -> String {
    format!("aws-sts-v1.{}", URL_SAFE_NO_PAD.encode(url))
}

/// SigV4 URI encoding (what every AWS SDK writes into a presigned query).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
