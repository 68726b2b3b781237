//! The Zenlayer Cloud API client for the VM service, and the operations over many instances
//! built on it. Free of Terraform types: the provider turns what this crate reports into
//! diagnostics and advice.
//!
//! The rooms, top to bottom; each uses only rooms listed below its own (a test in xtask checks
//! it, and that the README's Layout lists them in this order):
//! - [`fleet`]: batches, shared status reads, waits and the password reset with its
//!   power-state handling.
//! - `instances`: DescribeInstances with its filters, and the check of every row against them.
//! - `actions`: ResetInstancesPassword, DescribeInstancesStatus, StopInstances, StartInstances,
//!   each at most 100 ids.
//! - `client`: [`Client`]: signing, the concurrency limit, retries; the one place that builds
//!   HTTP requests.
//! - `signer`: ZC2-HMAC-SHA256, a pure function.
//! - `envelope`: wrapped, unwrapped and error bodies, and bodies that are not JSON.
//! - `retry`: [`RetryPolicy`], backoff for transient failures.
//! - `context`: [`Context`], what every call carries: the deadline, the stop signal, the
//!   progress sink, and in a rollout the window its status reads go through.
//! - `error`: [`ApiError`], with status, code, message and request id.
//! - `transport`: one HTTP exchange ([`HttpTransport`] over rustls).
//! - `proxy`: the proxy the environment sets for the endpoint.
//! - `endpoint`: the API's base URL, checked.
//! - `progress`: [`Progress`], the lines a long operation reports as it goes.
//! - `secret`: [`Secret`], the one type that holds passwords.

mod actions;
mod client;
mod context;
mod endpoint;
mod envelope;
mod error;
pub mod fleet;
mod instances;
mod progress;
mod proxy;
mod retry;
mod secret;
mod signer;
mod transport;

#[cfg(test)]
mod testing;

pub use client::{Client, ClientConfig, Credentials};
pub use context::{Context, Interrupted};
pub use endpoint::{Endpoint, EndpointError, DEFAULT_ENDPOINT};
pub use error::{ApiError, Category, ErrorKind, TransportStep};
pub use instances::{filters, FilterDef, FilterValue, InstanceFilter, InstanceInfo, RowField};
pub use progress::Progress;
pub use proxy::{proxy_for, ProxyInUse, UnsupportedProxy};
pub use retry::{RetryPolicy, MAX_BACKOFF};
pub use secret::Secret;
pub use transport::{
    certificate_file_problems, HttpTransport, Transport, TransportError, TransportSetupError,
};
pub use zenlayer_protocol::{password_rule, InstanceStatus, PowerRule, MAX_IDS_PER_CALL};
