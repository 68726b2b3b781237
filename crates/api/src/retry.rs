//! The retry policy: which failures are retried is decided by [`ApiError::is_transient`];
//! how long to wait between attempts is decided here (exponential backoff with full jitter,
//! never shorter than the server's `Retry-After`).
//!
//! [`ApiError::is_transient`]: super::ApiError::is_transient

use std::time::Duration;

/// How many times, and how patiently, a transient failure is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// The backoff ceiling for the first retry; it doubles with each further retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
}

/// The largest backoff ceiling (unless the base delay is larger).
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl RetryPolicy {
    /// `max_retries` retries, with a first ceiling of `base_delay` doubling up to
    /// [`MAX_BACKOFF`].
    pub fn new(max_retries: u32, base_delay: Duration) -> Self {
        RetryPolicy {
            max_retries,
            base_delay,
            max_delay: MAX_BACKOFF.max(base_delay),
        }
    }

    /// The ceiling of the wait before retry number `retry` (1-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before retry number `retry`: uniformly random up to the ceiling ("full
    /// jitter", so that many clients throttled together do not come back together), but never
    /// shorter than what the server asked for.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self.ceiling(retry);
        let jittered = ceiling.mul_f64(fastrand::f64());
        match retry_after {
            Some(asked) => jittered.max(asked),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        let got: Vec<u128> = (1..=6).map(|n| p.ceiling(n).as_millis()).collect();
        assert_eq!(got, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.ceiling(200), Duration::from_millis(1000), "no overflow");
    }

    #[test]
    fn delays_stay_within_the_ceiling_and_respect_retry_after() {
        let p = RetryPolicy::new(5, Duration::from_secs(1));
        for n in 1..8 {
            for _ in 0..50 {
                assert!(p.delay(n, None) <= p.ceiling(n));
            }
        }
        assert!(p.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
    }
}
