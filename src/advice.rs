//! What to do about an API error, in Terraform's terms: the API client classifies its errors,
//! and this module knows the provider arguments and commands that help.

use zenlayer_api::{ApiError, Category};

/// What to change in the configuration (or do) about `error`, when there is an obvious next
/// step: the API client classifies errors, this layer knows the Terraform arguments.
pub(crate) fn advice(error: &ApiError) -> Option<&'static str> {
    Some(match error.category() {
        Category::Authentication => {
            "Check access_key_id and access_key_password (or ZENLAYERCLOUD_ACCESS_KEY_ID and \
             ZENLAYERCLOUD_ACCESS_KEY_PASSWORD), and that this machine's clock is correct."
        }
        Category::Throttled => {
            "The API is throttling this account; lower max_concurrency or raise max_retries, \
             then apply again."
        }
        Category::ServerFault => {
            "The API had a server-side fault; apply again later, and give Zenlayer support the \
             request id if it persists."
        }
        Category::Network => {
            "Check that the provider's endpoint is right and reachable from this machine (a proxy \
             or firewall in between?); raise request_timeout if answers are slow."
        }
        Category::Tls => {
            "Check the endpoint's scheme and port: nothing speaks TLS there (plain http?), or its \
             certificate is not trusted: the provider trusts the machine's certificate store, or \
             the PEM file SSL_CERT_FILE names (or the directory SSL_CERT_DIR names); add the \
             certificate authority of a TLS-inspecting proxy there."
        }
        Category::Deadline => {
            "The operation's time ran out: raise the resource's timeouts (timeouts.create or \
             timeouts.update), or apply again to finish the remaining work."
        }
        Category::Cancelled | Category::Other => return None,
    })
}

/// `error`'s advice on a new line, or nothing.
pub(crate) fn advice_line(error: &ApiError) -> String {
    advice(error).map(|a| format!("\n{a}")).unwrap_or_default()
}
