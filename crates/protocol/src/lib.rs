//! The facts of the Zenlayer Cloud API (version 2, service `vm`) that the provider's client and
//! `zenlayer-sim` share: names on the wire, error codes, instance statuses, limits, the password
//! rule, and the published signing test vectors. Behaviour lives elsewhere: the client and the
//! simulator each implement their side independently, so that one checks the other.

pub mod password_rule;
pub mod signing_vectors;
mod status;

pub use status::{InstanceStatus, PowerRule};

/// Path of the VM service under the endpoint's base URL; every action is POSTed there.
pub const VM_SERVICE_PATH: &str = "/api/v2/vm";
/// The service name, sent in `X-ZC-Service`.
pub const SERVICE: &str = "vm";
/// The API version the client sends in `X-ZC-Version` (the current one).
pub const API_VERSION: &str = "2026-04-01";
/// Every version of the VM service (the older one is still used by Zenlayer's own provider).
pub const API_VERSIONS: [&str; 2] = ["2023-03-13", API_VERSION];
/// The signature method, in `X-ZC-Signature-Method` and at the start of `Authorization`.
pub const SIGNATURE_METHOD: &str = "ZC2-HMAC-SHA256";
/// The headers covered by the signature, in canonical order.
pub const SIGNED_HEADERS: &str = "content-type;host";
/// The content type requests are sent (and signed) with.
pub const CONTENT_TYPE_JSON: &str = "application/json";

/// The API's limit on instance ids in one call.
pub const MAX_IDS_PER_CALL: usize = 100;
/// The largest `pageSize` the Describe actions take.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Request headers, as the SDKs send them (lower-case; names are case-insensitive).
pub mod header {
    /// The action, e.g. `ResetInstancesPassword`.
    pub const ACTION: &str = "x-zc-action";
    /// The API version of the service.
    pub const VERSION: &str = "x-zc-version";
    /// The service name.
    pub const SERVICE: &str = "x-zc-service";
    /// Unix time in seconds; part of the string to sign.
    pub const TIMESTAMP: &str = "x-zc-timestamp";
    /// The signature method.
    pub const SIGNATURE_METHOD: &str = "x-zc-signature-method";
    /// An optional client tag.
    pub const REQUEST_CLIENT: &str = "x-zc-request-client";
    /// Set by an edge firewall on a challenge page (`challenge`).
    pub const FIREWALL_MITIGATED: &str = "cf-mitigated";
}

/// The actions this provider uses.
pub mod action {
    /// Sets the login password of up to 100 instances.
    pub const RESET_INSTANCES_PASSWORD: &str = "ResetInstancesPassword";
    /// The status of instances: the lightest call for polling.
    pub const DESCRIBE_INSTANCES_STATUS: &str = "DescribeInstancesStatus";
    /// Instances with their attributes, filtered and paged.
    pub const DESCRIBE_INSTANCES: &str = "DescribeInstances";
    /// Stops up to 100 instances.
    pub const STOP_INSTANCES: &str = "StopInstances";
    /// Starts up to 100 instances.
    pub const START_INSTANCES: &str = "StartInstances";
}

/// Error codes of the API's flat error body.
pub mod code {
    /// 429: throttled; retry with backoff.
    pub const REQUEST_LIMIT_EXCEEDED: &str = "REQUEST_LIMIT_EXCEEDED";
    /// 5xx: a server fault; Zenlayer's own provider retries it for writes.
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    /// 5xx: the service is briefly unavailable; always worth a retry.
    pub const SERVICE_TEMPORARY_UNAVAILABLE: &str = "SERVICE_TEMPORARY_UNAVAILABLE";
    /// The API gave up on the call; worth a retry.
    pub const REQUEST_TIMED_OUT: &str = "REQUEST_TIMED_OUT";
    /// 404: an instance id is unknown.
    pub const INVALID_INSTANCE_NOT_FOUND: &str = "INVALID_INSTANCE_NOT_FOUND";
    /// 403: the operation needs a RUNNING instance.
    pub const OPERATION_DENIED_INSTANCE_NOT_RUNNING: &str = "OPERATION_DENIED_INSTANCE_NOT_RUNNING";
    /// 400: the operation needs a STOPPED instance.
    pub const OPERATION_DENIED_INSTANCE_NOT_STOPPED: &str = "OPERATION_DENIED_INSTANCE_NOT_STOPPED";
    /// The instance is in the recycle bin (or being released).
    pub const OPERATION_DENIED_INSTANCE_RECYCLED: &str = "OPERATION_DENIED_INSTANCE_RECYCLED";
    /// 400: a parameter is missing.
    pub const MISSING_PARAMETER: &str = "MISSING_PARAMETER";
    /// 400: a parameter is invalid.
    pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";

    /// Codes that say the call may succeed if sent again.
    pub const TRANSIENT: [&str; 4] = [
        REQUEST_LIMIT_EXCEEDED,
        SERVICE_TEMPORARY_UNAVAILABLE,
        INTERNAL_SERVER_ERROR,
        REQUEST_TIMED_OUT,
    ];
}
