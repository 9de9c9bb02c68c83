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

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::{Client, Cmd, Msg, RedisError};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, interval_at, timeout};

use crate::domain::principal::Subject;
use crate::ports::{BusError, SessionBus, SessionId, SessionInbox, SessionInfo};

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

// Scripts make check-and-write atomic: a plain HSET after a separate EXISTS could recreate a
// record that `close` just deleted, without a TTL, and it would never expire.
const SET_PROTOCOL: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then \
    redis.call('HSET', KEYS[1], 'protocol', ARGV[1]) return 1 end return 0";
const FORGET: &str = "if redis.call('HGET', KEYS[1], 'instance') == ARGV[1] then \
    return redis.call('DEL', KEYS[1]) end return 0";
// Recreates a lost record (Redis restarted without persistence, or renewals failed for a whole
// TTL) so that a live stream becomes reachable again.
const RENEW: &str = "if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then \
    redis.call('HSET', KEYS[1], 'instance', ARGV[2], 'subject', ARGV[3]) \
    if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'protocol', ARGV[4]) end \
    redis.call('EXPIRE', KEYS[1], ARGV[1]) end return 1";

/// What instances publish to each other; instances of two releases share it during a rolling
/// deploy, so change it only compatibly.
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    session: Cow<'a, str>,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

struct Local {
    subject: Subject,
    /// Known only when negotiated through this instance; used to recreate a lost record.
    protocol: Option<String>,
    tx: mpsc::Sender<String>,
}

/// What the bus and its background tasks share.
struct Shared {
    instance: String,
    prefix: String,
    redis: ConnectionManager,
    local: Mutex<HashMap<SessionId, Local>>,
}

pub struct RedisSessionBus {
    shared: Arc<Shared>,
    /// `true` after `close_all`; dropping the sender also stops the background tasks.
    stop: watch::Sender<bool>,
}

impl RedisSessionBus {
    /// Connects, subscribes to this instance's channel and starts the subscriber and the
    /// record renewal.
    ///
    /// # Errors
    /// [`BusError::Unavailable`] when the URL is invalid or Redis cannot be reached.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Arc<Self>, BusError> {
        let client = Client::open(url).map_err(|e| unavailable("url", &e))?;
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
        });
        let channel = shared.channel(&shared.instance);
        // Subscribed before returning: a session opened right after `connect` must already be
        // reachable from other instances.
        let pubsub = subscribe(&client, &channel).await?;
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(listen(
            Arc::clone(&shared),
            client,
            channel,
            pubsub,
            stopped.clone(),
        ));
        tokio::spawn(renew_periodically(Arc::clone(&shared), stopped));
        tracing::info!(instance = %shared.instance, "session bus connected to redis");
        Ok(Arc::new(Self { shared, stop }))
    }

    /// # Errors
    /// [`BusError::Unavailable`] when Redis does not answer.
    pub async fn ping(&self) -> Result<(), BusError> {
        redis::cmd("PING")
            .query_async::<String>(&mut self.shared.redis.clone())
            .await
            .map(drop)
            .map_err(|e| unavailable("ping", &e))
    }
}

impl Shared {
    fn key(&self, id: &SessionId) -> String {
        format!("{}:session:{id}", self.prefix)
    }

    fn channel(&self, instance: &str) -> String {
        format!("{}:instance:{instance}", self.prefix)
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<SessionId, Local>) -> T) -> Result<T, BusError> {
        let mut map = self
            .local
            .lock()
            .map_err(|_| BusError::Unavailable("session map poisoned".into()))?;
        Ok(f(&mut map))
    }

    async fn query<T: redis::FromRedisValue>(&self, op: &str, cmd: &Cmd) -> Result<T, BusError> {
        cmd.query_async(&mut self.redis.clone())
            .await
            .map_err(|e| unavailable(op, &e))
    }

    fn forget_cmd(&self, id: &SessionId) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(FORGET).arg(1).arg(self.key(id)).arg(&self.instance);
        cmd
    }

    /// Renews (or recreates) the records of this instance's live sessions.
    async fn renew(&self) -> Result<(), BusError> {
        let owned: Vec<(SessionId, Subject, String)> = self.with(|map| {
            map.iter()
                .map(|(id, l)| {
                    (
                        id.clone(),
                        l.subject.clone(),
                        l.protocol.clone().unwrap_or_default(),
                    )
                })
                .collect()
        })?;
        if owned.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (id, subject, protocol) in &owned {
            pipe.cmd("EVAL")
                .arg(RENEW)
                .arg(1)
                .arg(self.key(id))
                .arg(TTL_SECS)
                .arg(&self.instance)
                .arg(subject.as_str())
                .arg(protocol)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.redis.clone())
            .await
            .map_err(|e| unavailable("renew", &e))?;
        // A session closed while the renewal ran may have been recreated: delete it again.
        let closed: Vec<SessionId> = self.with(|map| {
            owned
                .into_iter()
                .map(|(id, _, _)| id)
                .filter(|id| !map.contains_key(id))
                .collect()
        })?;
        self.forget_all(&closed).await
    }

    async fn forget_all(&self, ids: &[SessionId]) -> Result<(), BusError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.add_command(self.forget_cmd(id)).ignore();
        }
        pipe.query_async::<()>(&mut self.redis.clone())
            .await
            .map_err(|e| unavailable("close", &e))
    }

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

async fn subscribe(client: &Client, channel: &str) -> Result<PubSub, BusError> {
    let attempt = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, RedisError>(pubsub)
    };
    match timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(pubsub)) => Ok(pubsub),
        Ok(Err(e)) => Err(unavailable("subscribe", &e)),
        Err(_) => Err(BusError::Unavailable("redis subscribe: timed out".into())),
    }
}

/// Forwards published messages until stopped, resubscribing when the connection is lost.
async fn listen(
    shared: Arc<Shared>,
    client: Client,
    channel: String,
    pubsub: PubSub,
    mut stop: watch::Receiver<bool>,
) {
    let mut pubsub = pubsub;
    loop {
        let (mut sink, mut messages) = pubsub.split();
        // A half-open TCP connection delivers nothing and reports nothing: ping it.
        let mut health = interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
        let lost = loop {
            tokio::select! {
                _ = stop.changed() => return,
                msg = messages.next() => match msg {
                    Some(msg) => shared.forward(&msg),
                    None => break "connection closed",
                },
                _ = health.tick() => {
                    let pong = timeout(RESPONSE_TIMEOUT, sink.ping::<redis::Value>()).await;
                    if !matches!(pong, Ok(Ok(_))) {
                        break "ping failed";
                    }
                }
            }
        };
        tracing::warn!(
            reason = lost,
            "session bus subscription lost, resubscribing"
        );
        let mut backoff = Duration::from_millis(100);
        pubsub = loop {
            match subscribe(&client, &channel).await {
                Ok(pubsub) => break pubsub,
                Err(e) => tracing::warn!(error = %e, "session bus cannot resubscribe"),
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        };
    }
}

async fn renew_periodically(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut every = interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = every.tick() => {}
        }
        if let Err(e) = shared.renew().await {
            tracing::warn!(error = %e, "cannot renew session records");
        }
    }
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
        let mut cmd = redis::cmd("HMGET");
        cmd.arg(shared.key(id)).arg("subject").arg("protocol");
        let (subject, protocol): (Option<String>, Option<String>) =
            shared.query("info", &cmd).await?;
        let subject = subject.ok_or(BusError::UnknownSession)?;
        Ok(SessionInfo {
            subject: Subject::new(subject),
            protocol,
        })
    }

    async fn set_protocol(&self, id: &SessionId, version: &str) -> Result<(), BusError> {
        let shared = &self.shared;
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(SET_PROTOCOL)
            .arg(1)
            .arg(shared.key(id))
            .arg(version);
        if shared.query::<i64>("set protocol", &cmd).await? == 0 {
            return Err(BusError::UnknownSession);
        }
        shared.with(|map| {
            if let Some(local) = map.get_mut(id) {
                local.protocol = Some(version.to_owned());
            }
        })
    }

    async fn deliver(&self, id: &SessionId, message: String) -> Result<(), BusError> {
        let shared = &self.shared;
        if let Some(tx) = shared.with(|map| map.get(id).map(|l| l.tx.clone()))? {
            return tx.send(message).await.map_err(|_| BusError::UnknownSession);
        }
        let mut cmd = redis::cmd("HGET");
        cmd.arg(shared.key(id)).arg("instance");
        let owner: Option<String> = shared.query("deliver", &cmd).await?;
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
        if shared.query::<i64>("deliver", &cmd).await? == 0 {
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
