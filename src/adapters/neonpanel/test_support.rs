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

/// The fields of an `application/x-www-form-urlencoded` body.
pub(super) fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

fn form_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Matches a form body holding `name=value` (`None`: holding no field `name`).
pub(super) struct FormField(pub &'static str, pub Option<&'static str>);

impl wiremock::Match for FormField {
    fn matches(&self, request: &wiremock::Request) -> bool {
        let fields = form_fields(&request.body);
        let found = fields.iter().find(|(name, _)| name == self.0);
        match (self.1, found) {
            (None, found) => found.is_none(),
            (Some(expected), Some((_, value))) => value == expected,
            (Some(_), None) => false,
        }
    }
}

pub(super) fn form_field(name: &'static str, value: &'static str) -> FormField {
    FormField(name, Some(value))
}

pub(super) fn no_form_field(name: &'static str) -> FormField {
    FormField(name, None)
}
