//! [`ApiError`]: what went wrong with one API call, in terms a person can act on. The advice on
//! what to change in a Terraform configuration is the provider's business; this module only
//! classifies ([`ApiError::category`]).

use std::time::{Duration, SystemTime};

use zenlayer_protocol::code;

pub use crate::transport::TransportStep;

/// The failure of one API call (after any retries).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{action} {kind}{}{}", attempts_note(*.attempts), retry_note(*.retry_did_not_fit))]
pub struct ApiError {
    /// The action that was called, e.g. `ResetInstancesPassword`.
    pub action: &'static str,
    /// What happened.
    pub kind: ErrorKind,
    /// How many times the call was sent (1 when it was not retried).
    pub attempts: u32,
    /// Whether the call may have taken effect after all: an attempt reached the API (or may
    /// have) and no answer said it failed, such as an answer lost on the way back.
    pub outcome_unknown: bool,
    /// The wait before the next retry (the server's `Retry-After`, or the backoff), when it
    /// did not fit in the operation's time left, so that no retry was made.
    pub retry_did_not_fit: Option<Duration>,
}

/// The kinds of failure, from "the API said no" to "nothing came back". Each reads after the
/// action's name: "ResetInstancesPassword was refused: …".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// The API answered with an error code (a non-2xx status with the flat error body, or an
    /// error-shaped body under any status).
    #[error(
        "was refused: HTTP {status}, code {code}, message \"{message}\", request id {}",
        or_none(.request_id)
    )]
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
    #[error(
        "got an answer that is not a Zenlayer API response: HTTP {status}, {detail}, request id {}",
        or_none(.request_id)
    )]
    BadResponse {
        /// HTTP status.
        status: u16,
        /// The request id, when one could be found.
        request_id: Option<String>,
        /// What was wrong with it.
        detail: String,
    },
    /// No answer: the connection failed or the request timed out.
    #[error("got no answer{}: {detail}; no request id, as no response arrived", if *.step == TransportStep::TimedOut { " in time" } else { "" })]
    Transport {
        /// Where the exchange stopped.
        step: TransportStep,
        /// What the HTTP stack reported, with the URL.
        detail: String,
    },
    /// The operation's deadline passed.
    #[error("was not completed before the operation's deadline")]
    DeadlineExceeded,
    /// The operation was asked to stop.
    #[error("was interrupted by a stop request")]
    Cancelled,
    /// The client refused to send a request that breaks the API's limits (a bug guard).
    #[error("was not sent: {detail}")]
    InvalidRequest {
        /// Why.
        detail: String,
    },
    /// Every page was read again and again, and the answers never agreed: the fleet kept
    /// changing while it was read.
    #[error(
        "gave a different set of instances on each of {reads} reads of every page: the \
         instances kept changing while they were read"
    )]
    Unsettled {
        /// How many times every page was read.
        reads: u32,
    },
    /// The provider failed on its own side (a bug): for example a shared read that ended
    /// without answering.
    #[error("failed inside the provider: {detail}")]
    Internal {
        /// What failed.
        detail: String,
    },
}

/// What kind of trouble an error is, for whoever turns it into advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The credentials or the signature were refused.
    Authentication,
    /// The API throttled the account.
    Throttled,
    /// The API (or a proxy in front of it) had a server-side fault.
    ServerFault,
    /// No answer arrived.
    Network,
    /// TLS could not be set up with the endpoint.
    Tls,
    /// The operation's deadline passed.
    Deadline,
    /// The operation was asked to stop.
    Cancelled,
    /// Anything else: the message says it all.
    Other,
}

fn or_none(request_id: &Option<String>) -> &str {
    request_id.as_deref().unwrap_or("(none given)")
}

fn retry_note(wait: Option<Duration>) -> String {
    wait.map(|w| {
        format!(
            "; the next retry, due in {}, did not fit in the operation's time left",
            humantime::format_duration(Duration::from_millis(w.as_millis() as u64))
        )
    })
    .unwrap_or_default()
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl ApiError {
    /// A new error for one attempt.
    pub fn new(action: &'static str, kind: ErrorKind) -> Self {
        ApiError {
            action,
            kind,
            attempts: 1,
            outcome_unknown: false,
            retry_did_not_fit: None,
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
                *status == 429 || *status >= 500 || code::TRANSIENT.contains(&code.as_str())
            }
            // A 5xx from a proxy, or a 2xx whose body was cut or garbled on the way: the next
            // attempt may well get a proper answer. Other 4xx (a firewall's challenge page, a
            // legal block) will not change by asking again.
            ErrorKind::BadResponse { status, .. } => *status >= 500 || (200..300).contains(status),
            ErrorKind::Transport { step, .. } => *step != TransportStep::Tls,
            ErrorKind::DeadlineExceeded
            | ErrorKind::Cancelled
            | ErrorKind::InvalidRequest { .. }
            | ErrorKind::Unsettled { .. }
            | ErrorKind::Internal { .. } => false,
        }
    }

    /// The kind of trouble, for advice.
    pub fn category(&self) -> Category {
        let authentication = matches!(self.status(), Some(401))
            || self.code().is_some_and(|c| {
                c.contains("SIGNATURE") || c.contains("ACCESS_KEY") || c.contains("AUTH")
            });
        match &self.kind {
            _ if authentication => Category::Authentication,
            // Retryable, but the retry did not fit: the operation's time is what ran out.
            _ if self.retry_did_not_fit.is_some() => Category::Deadline,
            ErrorKind::Refused { status: 429, .. } => Category::Throttled,
            ErrorKind::Refused { code, .. } if code == code::REQUEST_LIMIT_EXCEEDED => {
                Category::Throttled
            }
            ErrorKind::Refused { status, .. } | ErrorKind::BadResponse { status, .. }
                if *status >= 500 =>
            {
                Category::ServerFault
            }
            ErrorKind::Transport {
                step: TransportStep::Tls,
                ..
            } => Category::Tls,
            ErrorKind::Transport { .. } => Category::Network,
            ErrorKind::DeadlineExceeded => Category::Deadline,
            ErrorKind::Cancelled => Category::Cancelled,
            _ => Category::Other,
        }
    }
}

impl ErrorKind {
    /// Whether an attempt that failed this way may have taken effect: the request may have
    /// reached the API and nothing says it was refused.
    pub(crate) fn outcome_unknown(&self) -> bool {
        match self {
            ErrorKind::Transport { step, .. } => {
                matches!(step, TransportStep::Broken | TransportStep::TimedOut)
            }
            // A garbled success, or a proxy's fault: the API may have processed the call. Other
            // answers (a firewall's page, a 404) come from something in front of the API.
            ErrorKind::BadResponse { status, .. } => *status >= 500 || (200..300).contains(status),
            _ => false,
        }
    }
}

/// A delay the server asked for with `Retry-After` (seconds, or an HTTP date).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
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
            "ResetInstancesPassword was refused",
            "HTTP 403",
            "OPERATION_DENIED_INSTANCE_NOT_RUNNING",
            "\"m\"",
            "request id T1",
            "(after 3 attempts)",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
        assert!(!refused(400, "X").to_string().contains("attempt"));
    }

    #[test]
    fn transient_and_final_errors_are_told_apart() {
        assert!(refused(429, "REQUEST_LIMIT_EXCEEDED").is_transient());
        assert!(refused(400, "REQUEST_LIMIT_EXCEEDED").is_transient());
        assert!(refused(503, "SERVICE_TEMPORARY_UNAVAILABLE").is_transient());
        assert!(refused(500, "ANYTHING").is_transient());
        assert!(!refused(403, "OPERATION_DENIED_INSTANCE_NOT_RUNNING").is_transient());
        assert!(!refused(400, "INVALID_PARAMETER").is_transient());
        let transport = |step| {
            ApiError::new(
                "X",
                ErrorKind::Transport {
                    step,
                    detail: "d".into(),
                },
            )
        };
        assert!(transport(TransportStep::TimedOut).is_transient());
        assert!(transport(TransportStep::Connect).is_transient());
        assert!(
            !transport(TransportStep::Tls).is_transient(),
            "a TLS mismatch stays"
        );
        assert_eq!(transport(TransportStep::Tls).category(), Category::Tls);
        assert!(transport(TransportStep::Broken).kind.outcome_unknown());
        assert!(!transport(TransportStep::Connect).kind.outcome_unknown());
        let bad = |status| {
            ApiError::new(
                "X",
                ErrorKind::BadResponse {
                    status,
                    request_id: None,
                    detail: "d".into(),
                },
            )
        };
        assert!(!bad(403).is_transient());
        assert!(bad(200).is_transient());
        assert!(bad(502).is_transient());
        let internal = ApiError::new("X", ErrorKind::Internal { detail: "d".into() });
        assert!(!internal.is_transient());
    }

    #[test]
    fn categories_say_what_kind_of_trouble() {
        assert_eq!(refused(401, "X").category(), Category::Authentication);
        assert_eq!(
            refused(403, "SIGNATURE_FAILURE").category(),
            Category::Authentication
        );
        assert_eq!(refused(429, "X").category(), Category::Throttled);
        assert_eq!(refused(503, "X").category(), Category::ServerFault);
        assert_eq!(
            refused(400, "INVALID_PARAMETER").category(),
            Category::Other
        );
        assert_eq!(
            ApiError::new("X", ErrorKind::DeadlineExceeded).category(),
            Category::Deadline
        );
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
