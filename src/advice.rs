//! What to do about an API error, in Terraform's terms: the API client classifies its errors,
//! and this module knows the provider arguments and commands that help.

use zenlayer_api::{ApiError, Category};

/// What a reset was for, which decides how messages name the time limit and what to run
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// A resource's create: every listed instance.
    Create,
    /// A resource's update: the added instances.
    Update,
    /// An action's invoke: every listed instance, and no state.
    Invoke,
}

/// What to do after an action's invoke failed: nothing repeats it by itself.
pub(crate) const INVOKE_AGAIN: &str = "Invoke the action again to finish: `terraform apply -invoke=action.zenlayer_instance_password_reset.NAME` (it resets every listed instance again, one more restart each, so list only the missing ones if the others must not restart). If an action_trigger started it, applying again does not: the change that triggered it is already in state, so invoke it by hand, or change the value that triggers it.";

/// What to change in the configuration (or do) about `error`, when there is an obvious next
/// step: the API client classifies errors, this layer knows the Terraform arguments. `op` is
/// the reset that failed, if a reset did (a plan or a read otherwise).
pub(crate) fn advice(error: &ApiError, op: Option<Operation>) -> Option<String> {
    let invoke = op == Some(Operation::Invoke);
    let again = if invoke {
        "then invoke the action again"
    } else {
        "then apply again"
    };
    Some(match error.category() {
        Category::Throttled => format!(
            "The API is throttling this account; lower max_concurrency or raise max_retries, {again}."
        ),
        Category::ServerFault => format!(
            "The API had a server-side fault; wait a little, {again}, and give Zenlayer support \
             the request id if it persists."
        ),
        Category::Deadline => match op {
            Some(Operation::Invoke) => {
                "The operation's time ran out: raise the action's timeout, then invoke it again for the instances that are missing.".to_string()
            }
            Some(Operation::Create) => "The operation's time ran out: raise timeouts.create, or apply again to finish the remaining work.".to_string(),
            Some(Operation::Update) => "The operation's time ran out: raise timeouts.update, or apply again to finish the remaining work.".to_string(),
            None => "The operation's time ran out: raise the resource's timeouts (timeouts.create or timeouts.update) or the action's timeout, and try again.".to_string(),
        },
        Category::Other if error.code() == Some("INVALID_PARAMETER") => format!(
            "The API found a parameter of the request invalid: check the instance ids (they look like \"ins-...\") and that the password keeps the API's rule; if both look right, give Zenlayer support the request id, {again}."
        ),
        _ => fixed_advice(error)?.to_string(),
    })
}

/// The advice that reads the same whatever failed.
fn fixed_advice(error: &ApiError) -> Option<&'static str> {
    Some(match error.category() {
        Category::Authentication => {
            "Check access_key_id and access_key_password (or ZENLAYERCLOUD_ACCESS_KEY_ID and \
             ZENLAYERCLOUD_ACCESS_KEY_PASSWORD), and that this machine's clock is correct."
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
        Category::Throttled | Category::ServerFault | Category::Deadline => return None,
        Category::Cancelled | Category::Other => return None,
    })
}

/// `error`'s advice on a new line, or nothing (`op` as for [`advice`]).
pub(crate) fn advice_line(error: &ApiError, op: Option<Operation>) -> String {
    advice(error, op)
        .map(|a| format!("\n{a}"))
        .unwrap_or_default()
}
