//! [`ApiError`]: what went wrong with one API call, in terms a person can act on.

use std::fmt;
use std::time::Duration;

/// The failure of one API call (after any retries).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The action that was called, e.g. `ResetInstancesPassword`.
    pub action: &'static str,
    /// What happened.
    pub kind: ErrorKind,
    /// How many times the call was sent (1 when it was not retried).
    pub attempts: u32,
}

/// The kinds of failure, from "the API said no" to "nothing came back".
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// The API answered with an error code (a non-2xx status with the flat error body, or an
    /// error-shaped body under any status).
    Refused {
        /// HTTP status.
        status: u16,
        /// The API's error code, e.g. `OPERATION_DENIED_INSTANCE_NOT_RUNNING`.
        code: String,
        /// The API's message.
        message: String,
        /// The request id, when the answer carried one.
        request_id: Option<String>,
    },
    /// An answer came back but it is not a Zenlayer API response (HTML from a firewall, truncated
    /// JSON, an unknown envelope).
    BadResponse {
        /// HTTP status.
        status: u16,
        /// The request id, when one could be found.
        request_id: Option<String>,
        /// What was wrong with it.
        detail: String,
    },
    /// No answer: the connection failed or the request timed out.
    Transport {
        /// Whether the per-request timeout expired.
        timed_out: bool,
        /// What the HTTP stack reported.
        detail: String,
    },
    /// The operation's deadline (the resource's `timeouts`) passed.
    DeadlineExceeded,
    /// Terraform asked the provider to stop.
    Cancelled,
    /// The client refused to send a request that breaks the API's limits (a bug guard).
    InvalidRequest {
        /// Why.
        detail: String,
    },
}

impl ApiError {
    /// A new error for one attempt.
    pub fn new(action: &'static str, kind: ErrorKind) -> Self {
        ApiError {
            action,
            kind,
            attempts: 1,
        }
    }

    /// The API's error code, when the API gave one.
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The request id of the answer, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Refused { request_id, .. } | ErrorKind::BadResponse { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Refused { status, .. } | ErrorKind::BadResponse { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Whether the call may succeed if sent again: throttling, server faults, and failures to
    /// get any answer. Refusals (4xx) and the provider's own limits are final.
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Refused { status, code, .. } => {
                *status == 429
                    || *status >= 500
                    || matches!(
                        code.as_str(),
                        "REQUEST_LIMIT_EXCEEDED"
                            | "SERVICE_TEMPORARY_UNAVAILABLE"
                            | "INTERNAL_SERVER_ERROR"
                            | "REQUEST_TIMED_OUT"
                    )
            }
            // A 5xx from a proxy, or a 2xx whose body was cut or garbled on the way: the next
            // attempt may well get a proper answer. Other 4xx (a firewall's challenge page, a
            // legal block) will not change by asking again.
            ErrorKind::BadResponse { status, .. } => *status >= 500 || (200..300).contains(status),
            ErrorKind::Transport { .. } => true,
            ErrorKind::DeadlineExceeded
            | ErrorKind::Cancelled
            | ErrorKind::InvalidRequest { .. } => false,
        }
    }

    /// Whether the API refused because of credentials or signature.
    pub fn is_authentication(&self) -> bool {
        matches!(self.status(), Some(401))
            || self.code().is_some_and(|c| {
                c.contains("SIGNATURE") || c.contains("ACCESS_KEY") || c.contains("AUTH")
            })
    }

    /// A short hint for the person reading the error, when there is an obvious next step.
    pub fn hint(&self) -> Option<&'static str> {
        if self.is_authentication() {
            return Some(
                "Check access_key_id and access_key_password (or ZENLAYERCLOUD_ACCESS_KEY_ID and \
                 ZENLAYERCLOUD_ACCESS_KEY_PASSWORD), and that this machine's clock is correct.",
            );
        }
        match &self.kind {
            ErrorKind::Refused { status: 429, .. } => Some(
                "The API is throttling this account; lower max_concurrency or raise max_retries, \
                 then apply again.",
            ),
            ErrorKind::Refused { status, .. } | ErrorKind::BadResponse { status, .. }
                if *status >= 500 =>
            {
                Some("The API had a server-side fault; apply again later, and give Zenlayer support the request id if it persists.")
            }
            ErrorKind::Transport { .. } => Some(
                "Check the network path to the endpoint; raise request_timeout if answers are slow.",
            ),
            ErrorKind::DeadlineExceeded => {
                Some("Raise the resource's timeouts, or apply again to finish the remaining work.")
            }
            _ => None,
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = self.action;
        match &self.kind {
            ErrorKind::Refused {
                status,
                code,
                message,
                request_id,
            } => write!(
                f,
                "{action} was refused: HTTP {status}, code {code}, message \"{message}\", request id {}",
                request_id.as_deref().unwrap_or("(none given)")
            )?,
            ErrorKind::BadResponse {
                status,
                request_id,
                detail,
            } => write!(
                f,
                "{action} got an answer that is not a Zenlayer API response: HTTP {status}, {detail}, request id {}",
                request_id.as_deref().unwrap_or("(none given)")
            )?,
            ErrorKind::Transport { timed_out, detail } => {
                if *timed_out {
                    write!(f, "{action} got no answer in time ({detail}); no request id, as no response arrived")?
                } else {
                    write!(f, "{action} got no answer: {detail}; no request id, as no response arrived")?
                }
            }
            ErrorKind::DeadlineExceeded => {
                write!(f, "{action} was not completed before the operation's timeout")?
            }
            ErrorKind::Cancelled => write!(f, "{action} was interrupted: Terraform asked the provider to stop")?,
            ErrorKind::InvalidRequest { detail } => write!(f, "{action} was not sent: {detail}")?,
        }
        if self.attempts > 1 {
            write!(
                f,
                " (after {} attempt{})",
                self.attempts,
                plural(self.attempts)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A delay the server asked for with `Retry-After` (seconds, or an HTTP date).
pub(crate) fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate_to_system_time(value)?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`.
fn httpdate_to_system_time(value: &str) -> Option<std::time::SystemTime> {
    // humantime understands RFC 3339; rewrite the fixed-width HTTP date into that form.
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let rfc3339 = format!("{year}-{month:02}-{:0>2}T{time}Z", day);
    humantime::parse_rfc3339(&rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, code: &str) -> ApiError {
        ApiError::new(
            "ResetInstancesPassword",
            ErrorKind::Refused {
                status,
                code: code.into(),
                message: "m".into(),
                request_id: Some("T1".into()),
            },
        )
    }

    #[test]
    fn display_names_action_status_code_message_and_request_id() {
        let mut e = refused(403, "OPERATION_DENIED_INSTANCE_NOT_RUNNING");
        e.attempts = 3;
        let s = e.to_string();
        for part in [
            "ResetInstancesPassword",
            "HTTP 403",
            "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "\"m\"",
            "T1",
            "after 3 attempts",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
    }

    #[test]
    fn transient_and_final_errors_are_told_apart() {
        assert!(refused(429, "REQUEST_LIMIT_EXCEEDED").is_transient());
        assert!(refused(400, "REQUEST_LIMIT_EXCEEDED").is_transient());
        assert!(refused(503, "SERVICE_TEMPORARY_UNAVAILABLE").is_transient());
        assert!(refused(500, "ANYTHING").is_transient());
        assert!(!refused(403, "OPERATION_DENIED_INSTANCE_NOT_RUNNING").is_transient());
        assert!(!refused(400, "INVALID_PARAMETER").is_transient());
        let t = ApiError::new(
            "X",
            ErrorKind::Transport {
                timed_out: true,
                detail: "d".into(),
            },
        );
        assert!(t.is_transient());
        let html = ApiError::new(
            "X",
            ErrorKind::BadResponse {
                status: 403,
                request_id: None,
                detail: "d".into(),
            },
        );
        assert!(!html.is_transient());
        let garbled = ApiError::new(
            "X",
            ErrorKind::BadResponse {
                status: 200,
                request_id: None,
                detail: "d".into(),
            },
        );
        assert!(garbled.is_transient());
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = humantime::parse_rfc3339("2026-01-01T00:00:00Z").expect("valid date");
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
