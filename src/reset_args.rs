//! What a reset is asked to do besides the ids and the password: the arguments the resource and
//! the action share, declared once, and the request they make with the ids and the password.

use std::time::Duration;

use tf_provider::value::Value;
use zenlayer_api::fleet::ResetRequest;
use zenlayer_api::Secret;

use crate::attributes::{declare, Declaration, DefaultValue};
use crate::durations::Bounds;

/// The default bound of a reset.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// The longest bound of a reset: a day.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// The bounds of a reset's timeout.
pub(crate) const TIMEOUT_BOUNDS: Bounds = Bounds {
    min: Duration::from_millis(1),
    max: MAX_TIMEOUT,
    examples: "\"90s\", \"20m\" or \"1h\"",
};

declare! {
    /// The arguments of a reset that the resource and the action share.
    pub(crate) struct ResetArgs {
        shutdown_before_reset: Value<bool> => Declaration::flag(
            "Stop RUNNING instances gracefully and wait for STOPPED before the reset, for accounts where the API wants stopped instances; afterwards every instance is brought back to the power state it had. Default `false`.",
        )
        .default(DefaultValue::Bool(false))
        .known_at_apply(),
        wait_for_running: Value<bool> => Declaration::flag(
            "After the reset, wait until every instance is RUNNING again. Default `true`.",
        )
        .default(DefaultValue::Bool(true))
        .known_at_apply(),
    }
}

impl ResetArgs {
    /// The reset of `ids` to `password` these arguments ask for, defaulted.
    pub(crate) fn request(&self, ids: Vec<String>, password: Secret) -> ResetRequest {
        let flag = |v: &Value<bool>, default| v.as_ref_option().copied().unwrap_or(default);
        ResetRequest {
            instance_ids: ids,
            password,
            shutdown_before_reset: flag(&self.shutdown_before_reset, false),
            wait_for_running: flag(&self.wait_for_running, true),
        }
    }
}

/// The bound given as `text`, defaulted; a value past the maximum is cut to it. Invalid text
/// was refused at plan time, and falls back to the default here.
pub(crate) fn timeout(text: Option<&str>) -> Duration {
    text.and_then(|t| humantime::parse_duration(t.trim()).ok())
        .map_or(DEFAULT_TIMEOUT, |d| d.min(MAX_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{Check, Declared};

    #[test]
    fn timeouts_are_bounded_and_defaulted() {
        let check = Check::Duration(TIMEOUT_BOUNDS);
        let problems =
            |text: &str| check.run("timeout", "timeout", &Value::Value(text.to_string()));
        assert_eq!(problems("soon").len(), 1);
        assert_eq!(problems("0s").len(), 1);
        assert_eq!(problems("25h").len(), 1);
        assert!(problems("90s").is_empty());
        assert_eq!(timeout(Some("90s")), Duration::from_secs(90));
        assert_eq!(timeout(None), DEFAULT_TIMEOUT);
        assert_eq!(timeout(Some("500000000000y")), MAX_TIMEOUT);
    }

    #[test]
    fn defaults_are_filled_in_and_make_the_request() {
        let mut args = ResetArgs::default();
        assert_eq!(args.unknown_at_apply(), Vec::<&str>::new());
        args.wait_for_running = Value::Unknown;
        assert_eq!(args.unknown_at_apply(), vec!["wait_for_running"]);
        args.wait_for_running = Value::Null;
        args.apply_defaults();
        assert_eq!(args.shutdown_before_reset, Value::Value(false));
        assert_eq!(args.wait_for_running, Value::Value(true));
        let request = args.request(vec!["i1".into()], Secret::new("Good1!pass".into()));
        assert!(!request.shutdown_before_reset && request.wait_for_running);
    }
}
