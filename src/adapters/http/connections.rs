//! At most `max` open connections per client IP address, enforced when a connection is
//! accepted (salvo's fuse policy), so one address cannot exhaust file descriptors or the
//! accept loop with idle or stalled sockets.
//!
//! The count is of TCP peers: behind a load balancer every connection comes from one of its
//! few addresses, so there the cap must be off (0) or far above what one balancer node opens;
//! the balancer limits its clients itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use salvo::conn::ConnCtrl;
use salvo::fuse::{ArcConnObserver, ConnObserver, FuseAction, FuseConfig, FuseInfo, FusePolicy};
use salvo::prelude::async_trait;

type OpenCounts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Admission of new connections by peer address; `max == 0` admits all.
pub(crate) struct PerIpConnections {
    max: usize,
    open: OpenCounts,
}

impl PerIpConnections {
    #[must_use]
    pub(crate) fn new(max: usize) -> Self {
        Self {
            max,
            open: Arc::default(),
        }
    }

    fn peer(info: &FuseInfo) -> Option<IpAddr> {
        info.remote_addr.clone().into_std().map(|a| a.ip())
    }
}

/// One admitted connection: it holds a slot of its address until salvo drops the stream.
struct Slot {
    ip: IpAddr,
    open: OpenCounts,
}

impl ConnObserver for Slot {}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(count) = open.get_mut(&self.ip)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[async_trait]
impl FusePolicy for PerIpConnections {
    async fn decide(&self, info: &FuseInfo) -> FuseAction {
        // salvo's own defaults (handshake and header-read timeouts) stay in force.
        let accept = FuseAction::Accept(FuseConfig::default());
        let (true, Some(ip)) = (self.max > 0, Self::peer(info)) else {
            return accept;
        };
        let open = self
            .open
            .lock()
            .map_or(0, |open| open.get(&ip).copied().unwrap_or(0));
        if open >= self.max {
            tracing::warn!(%ip, open, max = self.max, "connection refused: too many from one address");
            return FuseAction::Reject;
        }
        accept
    }

    // Called by salvo right after `decide` admitted the connection, on the same accept path,
    // so the check above and this count cannot interleave with another admission.
    fn observe(&self, info: &FuseInfo, _ctrl: &ConnCtrl) -> Option<ArcConnObserver> {
        let ip = Self::peer(info).filter(|_| self.max > 0)?;
        let mut open = self.open.lock().ok()?;
        *open.entry(ip).or_insert(0) += 1;
        Some(Arc::new(Slot {
            ip,
            open: Arc::clone(&self.open),
        }))
    }
}
