//! Test doubles shared by the adapter tests of this module.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::adapters::outbound::{Outbound, OutboundConfig};
use crate::ports::Clock;

/// A clock that moves only when a test says so.
#[derive(Debug, Default)]
pub(super) struct FakeClock(AtomicU64);

impl FakeClock {
    pub(super) fn at(now: u64) -> Arc<Self> {
        Arc::new(Self(AtomicU64::new(now)))
    }

    pub(super) fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub(super) fn outbound() -> Outbound {
    Outbound::new(&OutboundConfig::default())
}

pub(super) fn outbound_with_timeout(total: Duration) -> Outbound {
    Outbound::new(&OutboundConfig {
        total_timeout: total,
        ..OutboundConfig::default()
    })
}
