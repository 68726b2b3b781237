//! [`Client`]: sends signed calls to the VM service, decodes the envelope, and retries
//! transient failures within the concurrency limit. The one module that builds HTTP requests.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;
use zenlayer_protocol::{header, API_VERSION, CONTENT_TYPE_JSON, SERVICE, SIGNATURE_METHOD};

use crate::context::Context;
use crate::endpoint::Endpoint;
use crate::envelope::{self, AnswerMeta, Decoded};
use crate::error::{parse_retry_after, ApiError, ErrorKind, TransportStep};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::signer::{self, SigningInput};
use crate::transport::{HttpTransport, Transport, TransportSetupError};

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
pub(crate) struct Answer<T> {
    /// The request id the API gave.
    pub(crate) request_id: String,
    /// The action's response fields.
    pub(crate) value: T,
}

/// The Zenlayer VM API client. Cheap to share behind an `Arc`.
pub struct Client {
    transport: Arc<dyn Transport>,
    config: ClientConfig,
    permits: Semaphore,
    /// The proxy the environment sets for the endpoint, named when a connection fails.
    proxy: Option<crate::ProxyInUse>,
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
    /// The request may have reached the API, and nothing says it was refused.
    outcome_unknown: bool,
}

impl From<ErrorKind> for AttemptFailure {
    fn from(kind: ErrorKind) -> Self {
        AttemptFailure {
            outcome_unknown: kind.outcome_unknown(),
            kind,
            retry_after: None,
        }
    }
}

impl Client {
    /// A client over HTTPS. Fails only if the TLS stack cannot be set up.
    pub fn new(config: ClientConfig) -> Result<Self, TransportSetupError> {
        let transport = HttpTransport::new(config.request_timeout.min(Duration::from_secs(10)))?;
        let env = |name: &str| std::env::var(name).ok();
        let proxy = crate::proxy_for(&config.endpoint, &env).unwrap_or(None);
        Ok(Client {
            proxy,
            ..Self::with_transport(config, Arc::new(transport))
        })
    }

    /// A client over any transport (tests answer in-process).
    pub fn with_transport(config: ClientConfig, transport: Arc<dyn Transport>) -> Self {
        let permits = Semaphore::new(config.max_concurrency.max(1));
        Client {
            transport,
            config,
            permits,
            proxy: None,
        }
    }

    /// The URL every call goes to.
    pub(crate) fn service_url(&self) -> &url::Url {
        self.config.endpoint.service_url()
    }

    /// The longest one HTTP exchange may take.
    pub fn request_timeout(&self) -> Duration {
        self.config.request_timeout
    }

    /// How many calls may be in flight at once (at least one).
    pub fn max_concurrency(&self) -> usize {
        self.config.max_concurrency.max(1)
    }

    /// Calls `action` with the JSON `body`, retrying transient failures within the policy and
    /// the context's deadline. `instance_ids` are only for the logs. Every answer is cleaned
    /// of the access key password and of `secret` (the password the body carries, if any)
    /// before anything reads it, so that no message, log line or error can quote them.
    ///
    /// Retrying is safe for every action this client sends, even when a failed attempt may have
    /// reached the API: the describe actions only read; ResetInstancesPassword sent again sets
    /// the same password on the same instances, so the result is the same (at worst the
    /// instance restarts once more, or the API refuses because it is still restarting, which
    /// the fleet layer narrows down and waits out); StopInstances and StartInstances sent again
    /// ask for the state already asked for.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        body: Bytes,
        instance_ids: &[String],
        secret: Option<&Secret>,
        ctx: &Context,
    ) -> Result<Answer<T>, ApiError> {
        let mut attempt: u32 = 0;
        let mut outcome_unknown = false;
        loop {
            attempt += 1;
            let failure = match self
                .attempt(action, &body, (instance_ids, secret), attempt, ctx)
                .await
            {
                Ok(decoded) => return typed(action, decoded, attempt),
                Err(f) => f,
            };
            outcome_unknown |= failure.outcome_unknown;
            let (error, delay) = self.retry_or_not(action, failure, attempt, outcome_unknown, ctx);
            let Some(delay) = delay else {
                return Err(error);
            };
            tracing::warn!(
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

    /// The error of a failed attempt, and the wait before the next one if there is to be one:
    /// none after a final failure, past `max_retries`, or when waiting would overrun the
    /// deadline or (after a timeout) leave the next attempt less time than the one that timed
    /// out.
    fn retry_or_not(
        &self,
        action: &'static str,
        failure: AttemptFailure,
        attempt: u32,
        outcome_unknown: bool,
        ctx: &Context,
    ) -> (ApiError, Option<Duration>) {
        let timed_out = matches!(
            failure.kind,
            ErrorKind::Transport {
                step: TransportStep::TimedOut,
                ..
            }
        );
        let mut error = ApiError {
            action,
            kind: failure.kind,
            attempts: attempt,
            outcome_unknown,
            retry_did_not_fit: None,
        };
        if !error.is_transient() || attempt > self.config.retry.max_retries {
            return (error, None);
        }
        let delay = self.config.retry.delay(attempt, failure.retry_after);
        let needed = delay.saturating_add(if timed_out {
            self.config.request_timeout
        } else {
            Duration::ZERO
        });
        if needed >= ctx.remaining() {
            error.retry_did_not_fit = Some(delay);
            return (error, None);
        }
        (error, Some(delay))
    }

    /// One signed HTTP exchange, within the concurrency limit and the context.
    async fn attempt(
        &self,
        action: &'static str,
        body: &Bytes,
        (instance_ids, secret): (&[String], Option<&Secret>),
        attempt: u32,
        ctx: &Context,
    ) -> Result<Decoded, AttemptFailure> {
        if ctx.cancelled() {
            return Err(ErrorKind::Cancelled.into());
        }
        // Waiting for a slot is what keeps a large apply within the API's rate limit.
        let _permit = self.permit(ctx).await?;
        if ctx.remaining().is_zero() {
            return Err(ErrorKind::DeadlineExceeded.into());
        }
        let started = Instant::now();
        let outcome = self
            .exchange(self.signed_request(action, body)?, ctx)
            .await
            .map(|response| self.redacted(response, secret))
            .and_then(|response| self.decode_answer(response));
        log_attempt(action, instance_ids, attempt, started, &outcome);
        outcome.map(|(_, decoded)| decoded)
    }

    /// A slot among `max_concurrency`, unless the context ends first.
    async fn permit(&self, ctx: &Context) -> Result<SemaphorePermit<'_>, AttemptFailure> {
        tokio::select! {
            p = self.permits.acquire() => p.map_err(|_| ErrorKind::Cancelled.into()),
            _ = ctx.cancel.cancelled() => Err(ErrorKind::Cancelled.into()),
            _ = tokio::time::sleep_until(ctx.deadline) => Err(ErrorKind::DeadlineExceeded.into()),
        }
    }

    /// `response` with the access key password and `secret` removed from its body and its
    /// headers.
    fn redacted(
        &self,
        response: http::Response<Bytes>,
        secret: Option<&Secret>,
    ) -> http::Response<Bytes> {
        let mut secrets = vec![&self.config.credentials.access_key_password];
        secrets.extend(secret);
        let (mut parts, body) = response.into_parts();
        for value in parts.headers.values_mut() {
            let cleaned = crate::secret::redact_bytes(&secrets, value.as_bytes());
            if cleaned.as_slice() != value.as_bytes() {
                *value = http::HeaderValue::from_bytes(&cleaned)
                    .unwrap_or(http::HeaderValue::from_static(""));
            }
        }
        let cleaned = crate::secret::redact_bytes(&secrets, &body);
        let body = if cleaned.as_slice() == body.as_ref() {
            body
        } else {
            Bytes::from_owner(cleaned)
        };
        http::Response::from_parts(parts, body)
    }

    /// The request for `action`, signed now. It fails only when the endpoint or the
    /// credentials cannot go in a header, which the provider refuses at configure time.
    fn signed_request(
        &self,
        action: &'static str,
        body: &Bytes,
    ) -> Result<http::Request<Bytes>, AttemptFailure> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let endpoint = &self.config.endpoint;
        let credentials = &self.config.credentials;
        let signature = signer::signature(
            credentials.access_key_password.expose(),
            &SigningInput {
                content_type: CONTENT_TYPE_JSON,
                host: endpoint.host(),
                timestamp,
                body,
            },
        );
        let headers = [
            (CONTENT_TYPE.as_str(), CONTENT_TYPE_JSON.to_string()),
            (HOST.as_str(), endpoint.host().to_string()),
            (header::ACTION, action.to_string()),
            (header::VERSION, API_VERSION.to_string()),
            (header::SERVICE, SERVICE.to_string()),
            (header::TIMESTAMP, timestamp.to_string()),
            (header::SIGNATURE_METHOD, SIGNATURE_METHOD.to_string()),
            (
                header::REQUEST_CLIENT,
                concat!("terraform-provider-zenlayer ", env!("CARGO_PKG_VERSION")).to_string(),
            ),
            (
                AUTHORIZATION.as_str(),
                signer::authorization(&credentials.access_key_id, &signature),
            ),
        ];
        let mut builder = http::Request::post(endpoint.service_url().as_str());
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.body(body.clone()).map_err(|e| {
            AttemptFailure::from(ErrorKind::InvalidRequest {
                detail: format!(
                    "the request could not be built ({e}): check that the endpoint and \
                     access_key_id hold no spaces, line breaks or other control characters"
                ),
            })
        })
    }

    /// Sends `request`, giving up after the request timeout or at the context's deadline,
    /// whichever comes first; the error says which bound ran out, and names the URL.
    async fn exchange(
        &self,
        request: http::Request<Bytes>,
        ctx: &Context,
    ) -> Result<http::Response<Bytes>, AttemptFailure> {
        let deadline_first = ctx.remaining() < self.config.request_timeout;
        let timeout = self.config.request_timeout.min(ctx.remaining());
        let url = self.config.endpoint.service_url();
        match tokio::time::timeout(timeout, self.transport.send(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(ErrorKind::Transport {
                step: e.step,
                detail: match &self.proxy {
                    Some(proxy) => format!(
                        "{} (POST {url} through {proxy}; check that the proxy runs and reaches the endpoint): {}",
                        e.step.describe(),
                        e.detail
                    ),
                    None => format!("{} (POST {url}): {}", e.step.describe(), e.detail),
                },
            }
            .into()),
            // The operation's own bound ran out with the request in flight.
            Err(_) if deadline_first => Err(AttemptFailure {
                kind: ErrorKind::DeadlineExceeded,
                retry_after: None,
                outcome_unknown: true,
            }),
            Err(_) => Err(ErrorKind::Transport {
                step: TransportStep::TimedOut,
                detail: format!(
                    "no complete answer within {} from {url}",
                    humantime::format_duration(timeout)
                ),
            }
            .into()),
        }
    }

    /// [`decode_envelope`], with the URL named in an answer that is not the API's (and, for a
    /// 404, what the endpoint must be).
    fn decode_answer(
        &self,
        response: http::Response<Bytes>,
    ) -> Result<(u16, Decoded), AttemptFailure> {
        decode_envelope(response).map_err(|mut failure| {
            if let ErrorKind::BadResponse { status, detail, .. } = &mut failure.kind {
                let url = self.config.endpoint.service_url();
                detail.push_str(&format!(" (from POST {url})"));
                if *status == 404 {
                    detail.push_str(
                        "; nothing answers there: the provider's endpoint must be the API's base \
                         URL, such as https://console.zenlayer.com, to which /api/v2/vm is added",
                    );
                }
            }
            failure
        })
    }
}

/// Decodes an answer's envelope (returned with the HTTP status); a failure carries the
/// server's `Retry-After`, if any.
fn decode_envelope(response: http::Response<Bytes>) -> Result<(u16, Decoded), AttemptFailure> {
    let headers = response.headers();
    let status = response.status().as_u16();
    let meta = AnswerMeta {
        status,
        content_type: header_str(headers, CONTENT_TYPE.as_str()),
        firewall_challenge: header_str(headers, header::FIREWALL_MITIGATED)
            .is_some_and(|v| v.eq_ignore_ascii_case("challenge")),
    };
    match envelope::decode(meta, response.body()) {
        Ok(decoded) => Ok((status, decoded)),
        Err(kind) => Err(AttemptFailure {
            retry_after: header_str(headers, RETRY_AFTER.as_str())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            ..AttemptFailure::from(kind)
        }),
    }
}

/// The action's fields of a decoded answer, typed.
fn typed<T: DeserializeOwned>(
    action: &'static str,
    decoded: Decoded,
    attempts: u32,
) -> Result<Answer<T>, ApiError> {
    match serde_json::from_value::<T>(decoded.response) {
        Ok(value) => Ok(Answer {
            request_id: decoded.request_id,
            value,
        }),
        Err(e) => Err(ApiError {
            action,
            kind: ErrorKind::BadResponse {
                status: 200,
                request_id: Some(decoded.request_id),
                detail: format!("the response fields are not as documented: {e}"),
            },
            attempts,
            // The call was answered 200: it took effect, whatever the fields say.
            outcome_unknown: true,
            retry_did_not_fit: None,
        }),
    }
}

/// How many instance ids a line at INFO names before it only counts the rest.
const IDS_AT_INFO: usize = 3;

/// The log of calls: one INFO line per attempt (what was called, how many instances and the
/// first few, and what came back), and one DEBUG line naming every instance.
fn log_attempt(
    action: &'static str,
    ids: &[String],
    attempt: u32,
    started: Instant,
    outcome: &Result<(u16, Decoded), AttemptFailure>,
) {
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let (status, request_id, result) = match outcome {
        Ok((status, d)) => (Some(*status), d.request_id.clone(), "ok"),
        Err(f) => {
            let error = ApiError::new(action, f.kind.clone());
            let result = if error.status().is_some() {
                "error"
            } else {
                "no answer"
            };
            let request_id = error.request_id().unwrap_or("-").to_string();
            (error.status(), request_id, result)
        }
    };
    let status = status.map_or_else(|| "-".to_string(), |s| s.to_string());
    let instances = ids.len();
    let first = zenlayer_words::listed(ids, IDS_AT_INFO);
    tracing::info!(
        action,
        instances,
        instance_ids = first,
        attempt,
        status,
        request_id,
        elapsed_ms,
        outcome = result,
        "API call"
    );
    tracing::debug!(
        action,
        request_id,
        instance_ids = ids.join(","),
        "API call instances"
    );
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests;
