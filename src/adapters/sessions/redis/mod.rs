//! `SessionBus` shared by several instances through Redis (README, "Running in production").
//!
//! An SSE stream lives on the instance that accepted `GET /sse`; `POST /messages` may land on
//! any instance. Each session is recorded as the hash `<prefix>:session:<sid>` with the fields
//! `instance`, `subject` and `protocol`, so every instance can answer `info`. A message for a
//! session owned elsewhere is published as `{"session": sid, "message": …}` on the owner's
//! channel `<prefix>:instance:<id>`, whose subscriber feeds the local queue.
//!
//! Invariants:
//! - Only the owning instance deletes or renews a session record; records carry a TTL so that
//!   the sessions of an instance that died without `close_all` disappear by themselves.
//! - The local map is a std mutex held only for map operations, never across an await.
//! - The background tasks hold the shared state, not the bus: dropping the bus (or
//!   `close_all`) stops them, which closes the subscription.
//! - Pub/sub is fire-and-forget: a message published while its owner is gone or resubscribing
//!   is lost, as is a message for an owner queue that is full (see `forward`).
//! - A missing record is "unknown" only once Redis has had time to get back what it lost
//!   (see `records`); before that it is "unavailable", which the HTTP layer answers with 503.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Msg, RedisError};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc, watch};

use self::records::{Local, Lookup, Shared};
use crate::domain::principal::Subject;
use crate::ports::{BusError, SessionBus, SessionId, SessionInbox, SessionInfo};
use crate::protocol::ProtocolVersion;

mod records;
mod tasks;

/// Messages queued per session before `deliver` waits for the reader (as in memory.rs).
const QUEUE: usize = 64;
/// Lifetime of a session record unless its owner renews it.
const TTL_SECS: u64 = 600;
/// How often an owner renews its records and checks its subscription; well under the TTL so
/// that a few failed renewals do not drop live sessions.
const RENEW_EVERY: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Reconnection attempts of the command connection before a command fails: a request waits
/// on them, so a Redis outage should answer 503 within seconds, not hang.
const RETRIES: usize = 2;
/// After Redis lost its data, how long a missing record may still be a live session whose
/// owner has not re-registered it: owners resubscribe within [`MAX_BACKOFF`] of Redis
/// returning and renew at once, so three times that leaves room for a slow reconnection.
const SETTLE: Duration = Duration::from_secs(15);

/// What instances publish to each other; instances of two releases share it during a rolling
/// deploy, so change it only compatibly.
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    session: Cow<'a, str>,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

pub struct RedisSessionBus {
    shared: Arc<Shared>,
    /// `true` after `close_all`; dropping the sender also stops the background tasks.
    stop: watch::Sender<bool>,
}

/// A Redis client for `url`; `rediss://` verifies the server against the public (webpki)
/// roots, or only against `ca_pem` when given (a private CA, or the tests' CA).
///
/// # Errors
/// [`BusError::Unavailable`] when the URL or the CA is invalid.
pub fn client(url: &str, ca_pem: Option<&[u8]>) -> Result<Client, BusError> {
    if url.starts_with("rediss://") {
        // The redis crate builds its rustls config with the process-wide provider; with two
        // providers linked (test builds) rustls refuses to pick one, so name ours, the one
        // the rest of the server uses. Already installed (by main) is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    match ca_pem {
        None => Client::open(url),
        Some(pem) => Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.to_vec()),
            },
        ),
    }
    .map_err(|e| unavailable("url", &e))
}

impl RedisSessionBus {
    /// Connects, subscribes to this instance's channel and starts the subscriber and the
    /// record renewal.
    ///
    /// # Errors
    /// [`BusError::Unavailable`] when the URL is invalid or Redis cannot be reached.
    pub async fn connect(client: Client, key_prefix: &str) -> Result<Arc<Self>, BusError> {
        Self::connect_with(client, key_prefix, SETTLE).await
    }

    async fn connect_with(
        client: Client,
        key_prefix: &str,
        settle: Duration,
    ) -> Result<Arc<Self>, BusError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RETRIES);
        let redis = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| unavailable("connect", &e))?;
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let shared = Arc::new(Shared {
            instance,
            prefix: key_prefix.to_owned(),
            redis,
            local: Mutex::new(HashMap::new()),
            settle_secs: settle.as_secs(),
        });
        shared.mark().await?;
        let channel = shared.channel(&shared.instance);
        // Subscribed before returning: a session opened right after `connect` must already be
        // reachable from other instances.
        let pubsub = tasks::subscribe(&client, &channel).await?;
        let (stop, stopped) = watch::channel(false);
        let renew_now = Arc::new(Notify::new());
        tokio::spawn(tasks::listen(
            Arc::clone(&shared),
            client,
            channel,
            pubsub,
            Arc::clone(&renew_now),
            stopped.clone(),
        ));
        tokio::spawn(tasks::renew_periodically(
            Arc::clone(&shared),
            renew_now,
            stopped,
        ));
        tracing::info!(instance = %shared.instance, "session bus connected to redis");
        Ok(Arc::new(Self { shared, stop }))
    }

    /// The bus's command connection, for other fleet-wide state (the shared rate limit).
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.shared.redis.clone()
    }

    /// # Errors
    /// [`BusError::Unavailable`] when Redis does not answer.
    pub async fn ping(&self) -> Result<(), BusError> {
        self.shared
            .query::<String>("ping", &redis::cmd("PING"))
            .await
            .map(drop)
    }
}

impl Shared {
    /// Hands a message published by another instance to its local queue.
    fn forward(&self, msg: &Msg) {
        let Ok(envelope) = serde_json::from_slice::<Envelope<'_>>(msg.get_payload_bytes()) else {
            tracing::warn!("dropping a malformed session bus envelope");
            return;
        };
        let session = SessionId::new(envelope.session.as_ref());
        let tx = self.with(|map| map.get(&session).map(|l| l.tx.clone()));
        let Ok(Some(tx)) = tx else {
            tracing::debug!(%session, "dropping a message for a session closed on this instance");
            return;
        };
        // Not `send().await`: one reader that stopped reading would stall delivery to every
        // session of this instance. Back-pressure cannot cross pub/sub anyway.
        match tx.try_send(envelope.message.into_owned()) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(%session, "session queue full, dropping a forwarded message");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(%session, "dropping a message for a session whose stream ended");
            }
        }
    }

    /// A record this instance owns but Redis lacks: write it back now and answer from the
    /// local copy (the owner knows its live sessions better than a restarted Redis).
    async fn restore_local(&self, id: &SessionId) -> Result<Option<SessionInfo>, BusError> {
        let info = self.with(|map| {
            map.get(id).map(|l| SessionInfo {
                subject: l.subject.clone(),
                protocol: l.protocol,
            })
        })?;
        if info.is_some() {
            self.renew(Some(id)).await?;
        }
        Ok(info)
    }
}

/// Keeps the reason short and free of connection details (the URL may hold a password).
fn unavailable(op: &str, e: &RedisError) -> BusError {
    let reason = if e.is_timeout() {
        "timed out"
    } else if e.is_connection_refusal() {
        "connection refused"
    } else {
        match e.category() {
            "" => "refused by the server",
            category => category,
        }
    };
    BusError::Unavailable(format!("redis {op}: {reason}"))
}

/// A record that may still come back: its owner has not re-registered it since Redis lost it.
fn restoring() -> BusError {
    BusError::Unavailable("session records are being restored after Redis lost them".into())
}

#[async_trait::async_trait]
impl SessionBus for RedisSessionBus {
    async fn open(&self, subject: Subject) -> Result<(SessionId, SessionInbox), BusError> {
        // After `close_all` nothing renews records or listens for messages.
        if *self.stop.borrow() {
            return Err(BusError::Unavailable("session bus is shut down".into()));
        }
        let shared = &self.shared;
        let id = SessionId::new(uuid::Uuid::new_v4().simple().to_string());
        let key = shared.key(&id);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("HSET")
            .arg(&key)
            .arg("instance")
            .arg(&shared.instance)
            .arg("subject")
            .arg(subject.as_str())
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(TTL_SECS)
            .ignore();
        pipe.query_async::<()>(&mut shared.redis.clone())
            .await
            .map_err(|e| unavailable("open", &e))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let local = Local {
            subject,
            protocol: None,
            tx,
        };
        shared.with(|map| map.insert(id.clone(), local))?;
        // `close_all` may have drained the map while the record was being written.
        if *self.stop.borrow() {
            let _ = shared.with(|map| map.remove(&id));
            return Err(BusError::Unavailable("session bus is shut down".into()));
        }
        let inbox = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        Ok((id, inbox.boxed()))
    }

    async fn info(&self, id: &SessionId) -> Result<SessionInfo, BusError> {
        let shared = &self.shared;
        let missing = match shared.lookup(id, &["subject", "protocol"]).await? {
            Lookup::Found(fields) => {
                let mut fields = fields.into_iter();
                if let Some(subject) = fields.next().flatten() {
                    return Ok(SessionInfo {
                        subject: Subject::new(subject),
                        // A value this build does not know reads as "not negotiated".
                        protocol: fields
                            .next()
                            .flatten()
                            .as_deref()
                            .and_then(ProtocolVersion::parse),
                    });
                }
                BusError::UnknownSession
            }
            Lookup::Restoring => restoring(),
            Lookup::Unknown => BusError::UnknownSession,
        };
        shared.restore_local(id).await?.ok_or(missing)
    }

    async fn set_protocol(&self, id: &SessionId, version: ProtocolVersion) -> Result<(), BusError> {
        let shared = &self.shared;
        let cmd = shared.set_protocol_cmd(id, version.as_str());
        if shared.query::<i64>("set protocol", &cmd).await? == 0 {
            return Err(BusError::UnknownSession);
        }
        shared.with(|map| {
            if let Some(local) = map.get_mut(id) {
                local.protocol = Some(version);
            }
        })
    }

    async fn deliver(&self, id: &SessionId, message: String) -> Result<(), BusError> {
        let shared = &self.shared;
        if let Some(tx) = shared.with(|map| map.get(id).map(|l| l.tx.clone()))? {
            return tx.send(message).await.map_err(|_| BusError::UnknownSession);
        }
        let owner = match shared.lookup(id, &["instance"]).await? {
            Lookup::Found(fields) => fields.into_iter().next().flatten(),
            Lookup::Restoring => return Err(restoring()),
            Lookup::Unknown => None,
        };
        // A record naming this instance without a local stream is stale (closed mid-renewal).
        let owner = owner
            .filter(|owner| *owner != shared.instance)
            .ok_or(BusError::UnknownSession)?;
        let envelope = Envelope {
            session: Cow::Borrowed(id.as_str()),
            message: Cow::Owned(message),
        };
        let payload = serde_json::to_string(&envelope)
            .map_err(|_| BusError::Unavailable("cannot encode the message envelope".into()))?;
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(shared.channel(&owner)).arg(payload);
        // Nobody listening: the owner died (its record outlives it until the TTL) or is
        // resubscribing; either way the stream will not see this message.
        if shared.query_once::<i64>("deliver", &cmd).await? == 0 {
            return Err(BusError::UnknownSession);
        }
        Ok(())
    }

    async fn close(&self, id: &SessionId) {
        let shared = &self.shared;
        let _ = shared.with(|map| map.remove(id));
        if let Err(e) = shared.query::<i64>("close", &shared.forget_cmd(id)).await {
            tracing::warn!(error = %e, session = %id, "cannot delete the session record");
        }
    }

    async fn close_all(&self) {
        self.stop.send_replace(true);
        // Dropping the senders ends every inbox stream first, so that shutdown does not wait
        // on Redis.
        let ids: Vec<SessionId> = self
            .shared
            .with(|map| map.drain().map(|(id, _)| id).collect())
            .unwrap_or_default();
        if let Err(e) = self.shared.forget_all(&ids).await {
            tracing::warn!(error = %e, sessions = ids.len(), "cannot delete session records");
        }
    }
}

#[cfg(test)]
mod tests;
