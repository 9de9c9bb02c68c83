//! In-memory `SessionBus` for a single instance.
//!
//! Each session is a bounded channel: a slow SSE reader applies back-pressure to the
//! `POST /messages` that feeds it instead of growing memory without bound. The map lock is a
//! std mutex held only for map operations, never across an await.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::mpsc;

use crate::domain::principal::Subject;
use crate::ports::{BusError, SessionBus, SessionId, SessionInbox, SessionInfo};
use crate::protocol::ProtocolVersion;

/// Messages queued per session before `deliver` waits for the reader.
const QUEUE: usize = 64;

struct Entry {
    info: SessionInfo,
    tx: mpsc::Sender<String>,
}

/// Keyed by random ids the server made; hashed with foldhash like the in-memory caches (two
/// lookups per `POST /messages`), seeded per process.
type Sessions = HashMap<SessionId, Entry, foldhash::fast::RandomState>;

#[derive(Default)]
pub struct MemorySessionBus {
    sessions: Mutex<Sessions>,
}

impl MemorySessionBus {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Open sessions, for health reports and tests.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sessions.lock().map(|s| s.len()).unwrap_or_default()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<T>(&self, f: impl FnOnce(&mut Sessions) -> T) -> Result<T, BusError> {
        let mut map = self
            .sessions
            .lock()
            .map_err(|_| BusError::Unavailable("session map poisoned".into()))?;
        Ok(f(&mut map))
    }
}

#[async_trait::async_trait]
impl SessionBus for MemorySessionBus {
    async fn open(&self, subject: Subject) -> Result<(SessionId, SessionInbox), BusError> {
        let id = SessionId::new(uuid::Uuid::new_v4().simple().to_string());
        let (tx, rx) = mpsc::channel(QUEUE);
        let entry = Entry {
            info: SessionInfo {
                subject,
                protocol: None,
            },
            tx,
        };
        self.with(|map| map.insert(id.clone(), entry))?;
        let inbox = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
        Ok((id, inbox.boxed()))
    }

    async fn info(&self, id: &SessionId) -> Result<SessionInfo, BusError> {
        self.with(|map| map.get(id).map(|e| e.info.clone()))?
            .ok_or(BusError::UnknownSession)
    }

    async fn set_protocol(&self, id: &SessionId, version: ProtocolVersion) -> Result<(), BusError> {
        self.with(|map| map.get_mut(id).map(|e| e.info.protocol = Some(version)))?
            .ok_or(BusError::UnknownSession)
    }

    async fn deliver(&self, id: &SessionId, message: String) -> Result<(), BusError> {
        let tx = self
            .with(|map| map.get(id).map(|e| e.tx.clone()))?
            .ok_or(BusError::UnknownSession)?;
        tx.send(message).await.map_err(|_| BusError::UnknownSession)
    }

    async fn close(&self, id: &SessionId) {
        let _ = self.with(|map| map.remove(id));
    }

    async fn close_all(&self) {
        // Dropping the senders ends every inbox stream, which ends every SSE response.
        let _ = self.with(Sessions::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn delivered_messages_arrive_in_order_and_close_all_ends_the_stream() {
        let bus = MemorySessionBus::new();
        let (id, mut inbox) = bus.open(Subject::new("u")).await.unwrap();
        bus.deliver(&id, "one".into()).await.unwrap();
        bus.deliver(&id, "two".into()).await.unwrap();
        assert_eq!(inbox.next().await.as_deref(), Some("one"));
        assert_eq!(inbox.next().await.as_deref(), Some("two"));
        bus.close_all().await;
        assert_eq!(inbox.next().await, None);
        assert_eq!(
            bus.deliver(&id, "three".into()).await,
            Err(BusError::UnknownSession)
        );
    }

    #[tokio::test]
    async fn session_info_keeps_owner_and_negotiated_version() {
        let bus = MemorySessionBus::new();
        let (id, _inbox) = bus.open(Subject::new("alice")).await.unwrap();
        bus.set_protocol(&id, ProtocolVersion::V2024_11_05)
            .await
            .unwrap();
        let info = bus.info(&id).await.unwrap();
        assert_eq!(info.subject, Subject::new("alice"));
        assert_eq!(info.protocol, Some(ProtocolVersion::V2024_11_05));
        assert_eq!(
            bus.info(&SessionId::new("nope")).await,
            Err(BusError::UnknownSession)
        );
    }
}
