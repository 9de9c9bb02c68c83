//! Routing of legacy SSE sessions (docs/design.md §2 `/sse` + `/messages`).

use std::fmt;

use futures_util::stream::BoxStream;

use crate::domain::principal::Subject;
use crate::protocol::ProtocolVersion;

/// A random, unguessable session id (the `sessionId` query parameter).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Messages (serialized JSON-RPC) to write on a session's stream, in order.
pub type SessionInbox = BoxStream<'static, String>;

/// What is known of an open session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub subject: Subject,
    /// The version negotiated by `initialize`, once it ran.
    pub protocol: Option<ProtocolVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    #[error("unknown or closed session")]
    UnknownSession,
    #[error("the session bus is unavailable: {0}")]
    Unavailable(String),
}

/// Where SSE streams live and how messages reach them, on one instance or across several.
#[async_trait::async_trait]
pub trait SessionBus: Send + Sync + 'static {
    /// Opens a session owned by `subject`.
    ///
    /// # Errors
    /// [`BusError::Unavailable`] when the backing store cannot be reached.
    async fn open(&self, subject: Subject) -> Result<(SessionId, SessionInbox), BusError>;

    /// # Errors
    /// [`BusError::UnknownSession`] for an id never opened or already closed.
    async fn info(&self, id: &SessionId) -> Result<SessionInfo, BusError>;

    /// Records the negotiated protocol version.
    ///
    /// # Errors
    /// As for [`SessionBus::info`].
    async fn set_protocol(&self, id: &SessionId, version: ProtocolVersion) -> Result<(), BusError>;

    /// Queues `message` on the session's stream.
    ///
    /// # Errors
    /// As for [`SessionBus::info`].
    async fn deliver(&self, id: &SessionId, message: String) -> Result<(), BusError>;

    /// Forgets the session (its stream ended).
    async fn close(&self, id: &SessionId);

    /// Ends every stream of this instance (graceful shutdown) so that servers waiting for
    /// connections to close are not held open by idle SSE clients.
    async fn close_all(&self);
}
