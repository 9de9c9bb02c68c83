//! A latency histogram made of atomics. prometheus-client's own `Histogram` takes a mutex on
//! every `observe`; on the request path we want one relaxed `fetch_add` per field instead.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in microseconds: 1 ms to 10 s. A cached-token call is well
/// under 1 ms of our own time; NeonPanel calls take tens to hundreds of milliseconds; the
/// outbound timeout defaults to 10 s.
const BOUNDS_MICROS: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// One histogram series: a count per bucket (the last is `+Inf`) and the sum of observations.
#[derive(Debug, Default)]
pub(super) struct Histogram {
    buckets: [AtomicU64; BOUNDS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

/// A consistent-enough copy of a histogram for one scrape.
pub(super) struct Snapshot {
    pub sum_seconds: f64,
    pub count: u64,
    /// `(upper bound in seconds, observations in this bucket alone)`, as prometheus-client's
    /// encoder expects (it accumulates them itself).
    pub buckets: [(f64, u64); BOUNDS_MICROS.len() + 1],
}

impl Histogram {
    pub(super) fn observe(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let slot = BOUNDS_MICROS
            .iter()
            .position(|bound| micros <= *bound)
            .unwrap_or(BOUNDS_MICROS.len());
        if let Some(bucket) = self.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The count is the sum of the buckets read, so `_count` always equals the `+Inf` bucket.
    pub(super) fn snapshot(&self) -> Snapshot {
        let mut buckets = [(f64::INFINITY, 0); BOUNDS_MICROS.len() + 1];
        let mut count = 0_u64;
        for (i, (slot, bucket)) in buckets.iter_mut().zip(&self.buckets).enumerate() {
            let observed = bucket.load(Ordering::Relaxed);
            let bound = BOUNDS_MICROS
                .get(i)
                .map_or(f64::INFINITY, |micros| *micros as f64 / 1e6);
            *slot = (bound, observed);
            count = count.saturating_add(observed);
        }
        Snapshot {
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            count,
            buckets,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.buckets
            .iter()
            .all(|bucket| bucket.load(Ordering::Relaxed) == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_whose_bound_they_do_not_exceed() {
        // Arrange
        let histogram = Histogram::default();
        assert!(histogram.is_empty());

        // Act
        histogram.observe(Duration::from_micros(300));
        histogram.observe(Duration::from_millis(1));
        histogram.observe(Duration::from_millis(30));
        histogram.observe(Duration::from_secs(60));

        // Assert
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 4);
        assert!((snapshot.sum_seconds - 60.0313).abs() < 1e-9);
        let counts: Vec<u64> = snapshot.buckets.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(snapshot.buckets.first(), Some(&(0.001, 2)));
        assert_eq!(snapshot.buckets.last(), Some(&(f64::INFINITY, 1)));
        assert!(!histogram.is_empty());
    }
}
