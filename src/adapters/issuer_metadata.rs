//! `IssuerMetadata` from the issuer itself, fetched once and cached (10 min); a stale copy is
//! served while the issuer is unreachable.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::adapters::metrics::Endpoint;
use crate::adapters::outbound::{Outbound, OutboundRequest};
use crate::ports::IssuerMetadata;

const TTL: Duration = Duration::from_secs(600);

pub(crate) struct CachedIssuerMetadata {
    outbound: Outbound,
    issuer: String,
    /// Never held across an await.
    cache: Mutex<Option<(Instant, Value)>>,
}

impl CachedIssuerMetadata {
    #[must_use]
    pub(crate) fn new(outbound: Outbound, issuer: String) -> Self {
        Self {
            outbound,
            issuer,
            cache: Mutex::new(None),
        }
    }

    /// RFC 8414 §3.1: `/.well-known/oauth-authorization-server` goes between the host and the
    /// issuer's path; OpenID discovery appends `/.well-known/openid-configuration`.
    fn candidates(&self) -> [String; 2] {
        let issuer = self.issuer.trim_end_matches('/');
        let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
        let split = issuer
            .get(after_scheme..)
            .and_then(|r| r.find('/'))
            .map(|i| after_scheme + i);
        let (origin, path) = match split {
            Some(i) => (
                issuer.get(..i).unwrap_or(issuer),
                issuer.get(i..).unwrap_or(""),
            ),
            None => (issuer, ""),
        };
        [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{issuer}/.well-known/openid-configuration"),
        ]
    }

    fn cached(&self, fresh_only: bool) -> Option<Value> {
        let guard = self.cache.lock().ok()?;
        let (at, doc) = guard.as_ref()?;
        (!fresh_only || at.elapsed() < TTL).then(|| doc.clone())
    }
}

#[async_trait::async_trait]
impl IssuerMetadata for CachedIssuerMetadata {
    async fn metadata(&self) -> Result<Value, String> {
        if let Some(doc) = self.cached(true) {
            return Ok(doc);
        }
        for url in self.candidates() {
            let request = OutboundRequest::get(url).endpoint(Endpoint::IssuerMetadata);
            if let Ok(response) = self.outbound.send(request).await
                && response.status == 200
                && let Ok(doc @ Value::Object(_)) = serde_json::from_slice::<Value>(&response.body)
            {
                if let Ok(mut guard) = self.cache.lock() {
                    *guard = Some((Instant::now(), doc.clone()));
                }
                return Ok(doc);
            }
        }
        self.cached(false)
            .ok_or_else(|| "the authorization server's metadata is unavailable".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::outbound::OutboundConfig;

    fn metadata(issuer: &str) -> CachedIssuerMetadata {
        CachedIssuerMetadata::new(Outbound::new(&OutboundConfig::default()), issuer.into())
    }

    #[test]
    fn well_known_urls_follow_rfc_8414_path_insertion() {
        assert_eq!(
            metadata("https://auth.example.com/tenant1").candidates()[0],
            "https://auth.example.com/.well-known/oauth-authorization-server/tenant1"
        );
        assert_eq!(
            metadata("https://my.neonpanel.com/").candidates(),
            [
                "https://my.neonpanel.com/.well-known/oauth-authorization-server".to_owned(),
                "https://my.neonpanel.com/.well-known/openid-configuration".to_owned()
            ]
        );
    }

    #[tokio::test]
    async fn metadata_is_fetched_once_and_served_stale_when_the_issuer_fails() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/.well-known/oauth-authorization-server"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"issuer": server.uri()})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let source = metadata(&server.uri());
        for _ in 0..3 {
            assert_eq!(source.metadata().await.unwrap()["issuer"], server.uri());
        }
        server.verify().await;
        // Expire the cache by hand; the issuer now fails; the stale copy is served.
        server.reset().await;
        if let Some((at, _)) = source.cache.lock().unwrap().as_mut() {
            // checked: a freshly booted machine's monotonic clock may be younger than 2 × TTL.
            *at = at.checked_sub(TTL * 2).unwrap_or(*at);
        }
        assert_eq!(source.metadata().await.unwrap()["issuer"], server.uri());
    }
}
