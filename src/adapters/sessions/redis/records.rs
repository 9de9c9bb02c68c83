//! Session records in Redis and how a missing one is told apart from one Redis lost.
//!
//! A session is the hash `<prefix>:session:<sid>` (`instance`, `subject`, `protocol`) with a
//! TTL its owner renews. Redis without persistence forgets every record when it restarts (and
//! a failover may lose recent writes); the owners then re-register their live sessions. Until
//! they have, a missing record does not prove that the session is gone, so a lookup answers
//! "restoring" (the HTTP layer says 503 + `Retry-After`) instead of "unknown" (404, which
//! tells a client to drop a healthy session).
//!
//! How a lookup knows: `<prefix>:populated` (no TTL) exists while Redis still holds what the
//! instances wrote. The first instance that finds it missing recreates it and starts the
//! window `<prefix>:restoring` (TTL: the settle time) during which misses are "restoring".

use std::collections::HashMap;
use std::sync::Mutex;

use redis::aio::ConnectionManager;
use redis::{Cmd, RedisError};
use tokio::sync::mpsc;

use super::{TTL_SECS, unavailable};
use crate::domain::principal::Subject;
use crate::ports::{BusError, SessionId};
use crate::protocol::ProtocolVersion;

// Scripts make check-and-write atomic: a plain HSET after a separate EXISTS could recreate a
// record that `close` just deleted, without a TTL, and it would never expire.
const SET_PROTOCOL: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then \
    redis.call('HSET', KEYS[1], 'protocol', ARGV[1]) return 1 end return 0";
const FORGET: &str = "if redis.call('HGET', KEYS[1], 'instance') == ARGV[1] then \
    return redis.call('DEL', KEYS[1]) end return 0";
/// KEYS: populated, restoring; ARGV[1]: settle seconds (0: no window). Starts the restoring
/// window when Redis lost its data.
const MARK: &str = "if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], '1') \
    if ARGV[1] ~= '0' then redis.call('SET', KEYS[2], '1', 'EX', ARGV[1]) end end";
/// KEYS: session, populated, restoring; ARGV: settle seconds, then the fields to read.
/// Answers `{'found', fields…}`, `{'restoring'}` or `{'unknown'}`.
const LOOKUP: &str = "local v = redis.call('HMGET', KEYS[1], unpack(ARGV, 2)) \
    if v[1] then table.insert(v, 1, 'found') return v end \
    if redis.call('EXISTS', KEYS[2]) == 0 and ARGV[1] ~= '0' then \
      redis.call('SET', KEYS[2], '1') redis.call('SET', KEYS[3], '1', 'EX', ARGV[1]) \
      return {'restoring'} end \
    if redis.call('EXISTS', KEYS[3]) == 1 then return {'restoring'} end \
    return {'unknown'}";
// Recreates a lost record (Redis restarted without persistence, or renewals failed for a whole
// TTL) so that a live stream becomes reachable again.
const RENEW: &str = "if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then \
    redis.call('HSET', KEYS[1], 'instance', ARGV[2], 'subject', ARGV[3]) \
    if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'protocol', ARGV[4]) end \
    redis.call('EXPIRE', KEYS[1], ARGV[1]) end return 1";

pub(super) struct Local {
    pub(super) subject: Subject,
    /// Known only when negotiated through this instance; used to recreate a lost record.
    pub(super) protocol: Option<ProtocolVersion>,
    pub(super) tx: mpsc::Sender<String>,
}

/// What the bus and its background tasks share.
pub(super) struct Shared {
    pub(super) instance: String,
    pub(super) prefix: String,
    pub(super) redis: ConnectionManager,
    pub(super) local: Mutex<HashMap<SessionId, Local>>,
    /// How long after Redis lost its data a missing record counts as "restoring" (0: never,
    /// for tests of the steady state).
    pub(super) settle_secs: u64,
}

/// What Redis says of a session record.
pub(super) enum Lookup {
    /// The requested fields, in order.
    Found(Vec<Option<String>>),
    Restoring,
    Unknown,
}

/// A connection error that a second attempt may not meet: after an outage the manager hands
/// out its last failed reconnection once before it connects again.
fn worth_retrying(e: &RedisError) -> bool {
    e.is_connection_refusal() || e.is_io_error() || e.is_connection_dropped()
}

impl Shared {
    pub(super) fn key(&self, id: &SessionId) -> String {
        format!("{}:session:{id}", self.prefix)
    }

    pub(super) fn channel(&self, instance: &str) -> String {
        format!("{}:instance:{instance}", self.prefix)
    }

    fn populated(&self) -> String {
        format!("{}:populated", self.prefix)
    }

    fn restoring(&self) -> String {
        format!("{}:restoring", self.prefix)
    }

    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<SessionId, Local>) -> T,
    ) -> Result<T, BusError> {
        let mut map = self
            .local
            .lock()
            .map_err(|_| BusError::Unavailable("session map poisoned".into()))?;
        Ok(f(&mut map))
    }

    /// Runs an idempotent command, once more if the first attempt met a stale connection.
    pub(super) async fn query<T: redis::FromRedisValue>(
        &self,
        op: &str,
        cmd: &Cmd,
    ) -> Result<T, BusError> {
        let mut redis = self.redis.clone();
        match cmd.query_async(&mut redis).await {
            Err(e) if worth_retrying(&e) => cmd.query_async(&mut redis).await,
            result => result,
        }
        .map_err(|e| unavailable(op, &e))
    }

    /// Runs a command that must not be repeated (a publication), once.
    pub(super) async fn query_once<T: redis::FromRedisValue>(
        &self,
        op: &str,
        cmd: &Cmd,
    ) -> Result<T, BusError> {
        cmd.query_async(&mut self.redis.clone())
            .await
            .map_err(|e| unavailable(op, &e))
    }

    /// Notes that Redis holds this fleet's data, starting the restoring window if it did not.
    pub(super) async fn mark(&self) -> Result<(), BusError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(MARK)
            .arg(2)
            .arg(self.populated())
            .arg(self.restoring())
            .arg(self.settle_secs);
        self.query::<()>("mark", &cmd).await
    }

    /// Reads `fields` of a session record.
    pub(super) async fn lookup(&self, id: &SessionId, fields: &[&str]) -> Result<Lookup, BusError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(LOOKUP)
            .arg(3)
            .arg(self.key(id))
            .arg(self.populated())
            .arg(self.restoring())
            .arg(self.settle_secs)
            .arg(fields);
        let mut reply: Vec<Option<String>> = self.query("lookup", &cmd).await?;
        if reply.is_empty() {
            return Err(BusError::Unavailable("redis lookup: empty reply".into()));
        }
        let tag = reply.remove(0);
        match tag.as_deref() {
            Some("found") => {
                reply.resize(fields.len(), None);
                Ok(Lookup::Found(reply))
            }
            Some("restoring") => Ok(Lookup::Restoring),
            _ => Ok(Lookup::Unknown),
        }
    }

    pub(super) fn set_protocol_cmd(&self, id: &SessionId, version: &str) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(SET_PROTOCOL).arg(1).arg(self.key(id)).arg(version);
        cmd
    }

    pub(super) fn forget_cmd(&self, id: &SessionId) -> Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(FORGET).arg(1).arg(self.key(id)).arg(&self.instance);
        cmd
    }

    /// Renews (or recreates) the records of this instance's live sessions, or of `only` one.
    pub(super) async fn renew(&self, only: Option<&SessionId>) -> Result<(), BusError> {
        let owned: Vec<(SessionId, Subject, &'static str)> = self.with(|map| {
            map.iter()
                .filter(|(id, _)| only.is_none_or(|only| only == *id))
                .map(|(id, l)| {
                    (
                        id.clone(),
                        l.subject.clone(),
                        l.protocol.map(ProtocolVersion::as_str).unwrap_or_default(),
                    )
                })
                .collect()
        })?;
        // Marked even without sessions: an instance that re-registers nothing still tells
        // the others when the restoring window may start.
        self.mark().await?;
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

    pub(super) async fn forget_all(&self, ids: &[SessionId]) -> Result<(), BusError> {
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
}
