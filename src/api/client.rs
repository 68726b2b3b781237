//! [`Client`]: sends signed calls to the VM service, decodes the envelope, and retries
//! transient failures. This is the only module that speaks HTTP.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::context::Context;
use super::endpoint::Endpoint;
use super::envelope::{self, AnswerMeta};
use super::error::{parse_retry_after, ApiError, ErrorKind};
use super::retry::RetryPolicy;
use super::signer::{self, SigningInput};
use crate::secret::Secret;

/// The content type every request is sent (and signed) with.
const JSON: &str = "application/json";
/// The VM service's API version.
pub const API_VERSION: &str = "2026-04-01";
/// The service name sent in `X-ZC-Service`.
const SERVICE: &str = "vm";

/// Access key credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The access key id (not secret; it names the key).
    pub access_key_id: String,
    /// The access key password: the HMAC key.
    pub access_key_password: Secret,
}

/// Everything the client needs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Where to send calls.
    pub endpoint: Endpoint,
    /// Who signs them.
    pub credentials: Credentials,
    /// The longest one HTTP exchange may take.
    pub request_timeout: Duration,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
    /// At most this many calls are in flight at once, across all operations of this client.
    pub max_concurrency: usize,
}

/// A successful call: the decoded response and its request id.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    /// The request id the API gave.
    pub request_id: String,
    /// The action's response fields.
    pub value: T,
}

/// The Zenlayer VM API client. Cheap to share behind an `Arc`.
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.config.endpoint)
            .finish_non_exhaustive()
    }
}

/// One failed attempt, with what the retry loop needs to know.
struct AttemptFailure {
    kind: ErrorKind,
    retry_after: Option<Duration>,
}

impl Client {
    /// Builds a client. Fails only if the TLS stack cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "terraform-provider-zenlayer/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("could not set up the HTTP client: {e}"))?;
        let permits = Arc::new(Semaphore::new(config.max_concurrency.max(1)));
        Ok(Client {
            http,
            config,
            permits,
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Calls `action` with the JSON `body`, retrying transient failures within the policy and
    /// the context's deadline. `instance_count` is only for the logs.
    ///
    /// Retrying is safe for every action this client sends, even when a failed attempt may have
    /// reached the API: the describe actions only read; ResetInstancesPassword sent again sets
    /// the same password on the same instances, so the result is the same (at worst the
    /// instance restarts once more, or the API refuses because it is still restarting, which
    /// the fleet layer narrows down and waits out); StopInstances and StartInstances sent again
    /// ask for the state already asked for.
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        body: Bytes,
        instance_count: usize,
        ctx: &Context,
    ) -> Result<Answer<T>, ApiError> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let failure = match self
                .attempt(action, &body, instance_count, attempt, ctx)
                .await
            {
                Ok(decoded) => {
                    return serde_json::from_value::<T>(decoded.response)
                        .map(|value| Answer {
                            request_id: decoded.request_id.clone(),
                            value,
                        })
                        .map_err(|e| ApiError {
                            action,
                            kind: ErrorKind::BadResponse {
                                status: 200,
                                request_id: Some(decoded.request_id),
                                detail: format!("the response fields are not as documented: {e}"),
                            },
                            attempts: attempt,
                        })
                }
                Err(f) => f,
            };
            let error = ApiError {
                action,
                kind: failure.kind,
                attempts: attempt,
            };
            if !error.is_transient() || attempt > self.config.retry.max_retries {
                return Err(error);
            }
            let delay = self.config.retry.delay(attempt, failure.retry_after);
            if delay >= ctx.remaining() {
                // Waiting would overrun the operation's deadline: report the last failure.
                return Err(error);
            }
            tracing::info!(
                action,
                attempt,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "transient failure; retrying"
            );
            if ctx.sleep(delay).await.is_err() {
                return Err(error);
            }
        }
    }

    /// One signed HTTP exchange.
    async fn attempt(
        &self,
        action: &'static str,
        body: &Bytes,
        instance_count: usize,
        attempt: u32,
        ctx: &Context,
    ) -> Result<envelope::Decoded, AttemptFailure> {
        let fail = |kind| AttemptFailure {
            kind,
            retry_after: None,
        };
        if ctx.cancelled() {
            return Err(fail(ErrorKind::Cancelled));
        }
        // Wait for a slot: this is what keeps a large apply within the API's rate limit.
        let _permit = tokio::select! {
            p = self.permits.acquire() => p.map_err(|_| fail(ErrorKind::Cancelled))?,
            _ = ctx.cancel.cancelled() => return Err(fail(ErrorKind::Cancelled)),
            _ = tokio::time::sleep_until(ctx.deadline) => return Err(fail(ErrorKind::DeadlineExceeded)),
        };
        let remaining = ctx.remaining();
        if remaining.is_zero() {
            return Err(fail(ErrorKind::DeadlineExceeded));
        }
        let timeout = self.config.request_timeout.min(remaining);

        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let endpoint = &self.config.endpoint;
        let signature = signer::signature(
            self.config.credentials.access_key_password.expose(),
            &SigningInput {
                content_type: JSON,
                host: endpoint.host(),
                timestamp,
                body,
            },
        );
        let request = self
            .http
            .post(endpoint.service_url().clone())
            .header(CONTENT_TYPE, JSON)
            .header(HOST, endpoint.host())
            .header("X-ZC-Action", action)
            .header("X-ZC-Version", API_VERSION)
            .header("X-ZC-Service", SERVICE)
            .header("X-ZC-Timestamp", timestamp.to_string())
            .header("X-ZC-Signature-Method", signer::ALGORITHM)
            .header(
                "X-ZC-Request-Client",
                concat!("terraform-provider-zenlayer ", env!("CARGO_PKG_VERSION")),
            )
            .header(
                AUTHORIZATION,
                signer::authorization(&self.config.credentials.access_key_id, &signature),
            )
            .timeout(timeout)
            .body(body.clone());

        let started = Instant::now();
        let outcome = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, bytes))
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;

        let (status, headers, bytes) = match outcome {
            Ok(parts) => parts,
            Err(e) => {
                let kind = ErrorKind::Transport {
                    timed_out: e.is_timeout(),
                    detail: describe_transport_error(&e, timeout),
                };
                tracing::debug!(
                    action,
                    instances = instance_count,
                    attempt,
                    elapsed_ms,
                    outcome = "no answer",
                    "API call"
                );
                return Err(fail(kind));
            }
        };
        let meta = AnswerMeta {
            status,
            content_type: header_str(&headers, CONTENT_TYPE.as_str()),
            firewall_challenge: header_str(&headers, "cf-mitigated")
                .is_some_and(|v| v.eq_ignore_ascii_case("challenge")),
        };
        let decoded = envelope::decode(meta, &bytes);
        match &decoded {
            Ok(d) => tracing::debug!(
                action,
                instances = instance_count,
                attempt,
                status,
                request_id = %d.request_id,
                elapsed_ms,
                "API call"
            ),
            Err(kind) => tracing::debug!(
                action,
                instances = instance_count,
                attempt,
                status,
                request_id = ApiError::new(action, kind.clone())
                    .request_id()
                    .unwrap_or("-"),
                elapsed_ms,
                outcome = "error",
                "API call"
            ),
        }
        decoded.map_err(|kind| AttemptFailure {
            kind,
            retry_after: header_str(&headers, RETRY_AFTER.as_str())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
        })
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A one-line account of a transport failure, with the root cause reqwest wraps.
fn describe_transport_error(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!(
            "no complete answer within {}",
            humantime::format_duration(timeout)
        );
    }
    let mut text = if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer".to_string()
    } else {
        "the connection failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(root) = last {
        text.push_str(": ");
        text.push_str(&root);
    }
    text
}
