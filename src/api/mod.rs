//! The Zenlayer Cloud API client for the VM service. Free of Terraform types.
//!
//! - [`signer`]: ZC2-HMAC-SHA256, a pure function.
//! - [`envelope`]: wrapped, unwrapped and error bodies, and bodies that are not JSON.
//! - [`error`]: [`ApiError`], with status, code, message and request id.
//! - [`retry`]: backoff for transient failures.
//! - [`client`]: the signed HTTP exchange, retries and the concurrency limit.
//! - [`actions`]: ResetInstancesPassword, DescribeInstancesStatus, StopInstances, StartInstances.
//! - [`password_rule`]: the API's password rule, checked before anything is sent.

pub mod actions;
pub mod client;
pub mod context;
pub mod endpoint;
pub mod envelope;
pub mod error;
pub mod password_rule;
pub mod retry;
pub mod signer;

pub use actions::{InstanceStatus, StatusEntry, MAX_IDS_PER_CALL};
pub use client::{Client, ClientConfig, Credentials};
pub use context::{Context, Interrupted};
pub use endpoint::{Endpoint, EndpointError, DEFAULT_ENDPOINT};
pub use error::{ApiError, ErrorKind};
pub use retry::RetryPolicy;
