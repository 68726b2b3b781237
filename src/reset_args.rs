//! What a reset is asked to do besides the ids and the password: the arguments the resource and
//! the action share, declared once, and the request they make with the ids and the password.

use std::time::Duration;

use tf_provider::value::Value;
use zenlayer_api::fleet::{Amount, Limits, ResetRequest, RolloutPlan};
use zenlayer_api::Secret;

use crate::attributes::{declare, Check, Declaration, DefaultValue};
use crate::diagnostics::Problem;
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
    /// The `rollout` block: a disruption budget.
    #[derive(PartialEq)]
    pub(crate) struct Rollout {
        max_unavailable: Value<String> => Declaration::text(
            "Required in the block. The most instances out of RUNNING at once: a count (`25`) or a percentage of the instances listed in `instance_ids` (`\"10%\"`, rounded down, at least 1). An instance is out from the moment the reset (or, with `shutdown_before_reset`, the stop) takes it out of RUNNING until a status read sees it RUNNING again; as instances come back, the next ones start (a sliding window, not waves). `\"100%\"` restarts all at once, and says so on purpose.",
        )
        .required()
        .check(Check::Amount { zero: false }),
        canary: Value<String> => Declaration::text(
            "A count or percentage of instances that go first, alone: nothing else starts until all of them are RUNNING again, and a canary that fails stops the rollout whatever `max_failures` says. At most `max_unavailable`. Default: none.",
        )
        .check(Check::Amount { zero: true }),
        max_failures: Value<String> => Declaration::text(
            "A count or percentage of instances that may fail (refused, in a status they do not come back from, or not RUNNING by the timeout) before nothing new starts; instances already restarting are waited for. Default `0`: the first failure stops the rollout.",
        )
        .check(Check::Amount { zero: true }),
        zone_by_zone: Value<bool> => Declaration::flag(
            "One zone at a time, in order of zone id: every instance of a zone is RUNNING again (or failed) before the next zone starts. The zones are read with DescribeInstances. Default `false`.",
        ),
    }
}

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
        rollout: Value<Vec<Rollout>> => Declaration::block::<Rollout>(
            "A disruption budget: every reset restarts the instance (the API says so), so this bounds how many restart at once. Needs `wait_for_running = true`. Without it (and without the provider's `max_unavailable`) every instance restarts at once.",
        )
        .known_at_apply(),
    }
}

impl ResetArgs {
    /// The reset of `ids` to `password` these arguments ask for, defaulted; a rollout's
    /// percentages are of the `listed` instances (all of `instance_ids`, not only those reset).
    pub(crate) fn request(
        &self,
        ids: Vec<String>,
        listed: usize,
        password: Secret,
    ) -> ResetRequest {
        let flag = |v: &Value<bool>, default| v.as_ref_option().copied().unwrap_or(default);
        ResetRequest {
            instance_ids: ids,
            password,
            shutdown_before_reset: flag(&self.shutdown_before_reset, false),
            wait_for_running: flag(&self.wait_for_running, true),
            rollout: self.rollout().map(|r| r.plan(listed)),
        }
    }

    /// The `rollout` block, when there is one.
    pub(crate) fn rollout(&self) -> Option<&Rollout> {
        self.rollout.as_ref_option().and_then(|list| list.first())
    }

    /// The problems between the reset's arguments, with `listed` instances when they are
    /// known: a rollout without waiting, a canary larger than the window.
    pub(crate) fn problems_between(&self, listed: Option<usize>) -> Vec<Problem> {
        let Some(rollout) = self.rollout() else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        if self.wait_for_running.as_ref_option() == Some(&false) {
            problems.push(Problem::at(
                "wait_for_running",
                "A rollout needs wait_for_running",
                "rollout bounds how many instances are out of RUNNING at once, so it must see them come back: set wait_for_running = true (the default), or remove the rollout block. Nothing was sent to the API.",
            ));
        }
        if let (Some(canary), Some(window)) = (rollout.canary(listed), rollout.window(listed)) {
            if canary > window {
                problems.push(Problem::at(
                    "rollout",
                    "Invalid rollout.canary",
                    format!(
                        "rollout.canary ({canary}) is larger than rollout.max_unavailable ({window}): the canaries restart together, so they must fit in the window. Lower canary or raise max_unavailable. Nothing was sent to the API."
                    ),
                ));
            }
        }
        problems
    }
}

impl Rollout {
    fn amount(value: &Value<String>) -> Option<Amount> {
        value.as_ref_option().and_then(|t| Amount::parse(t).ok())
    }

    /// How many instances `amount` is of `listed` (a nonzero amount is at least 1); when it
    /// is a percentage, only if `listed` is known.
    fn count(amount: Amount, listed: Option<usize>) -> Option<usize> {
        let n = match (amount, listed) {
            (Amount::Count(n), _) => n,
            (Amount::Percent(_), Some(listed)) => amount.of(listed),
            (Amount::Percent(_), None) => return None,
        };
        Some(if amount.is_zero() { 0 } else { n.max(1) })
    }

    fn window(&self, listed: Option<usize>) -> Option<usize> {
        Self::count(Self::amount(&self.max_unavailable)?, listed)
    }

    fn canary(&self, listed: Option<usize>) -> Option<usize> {
        Self::count(Self::amount(&self.canary)?, listed)
    }

    /// The plan for `listed` instances. Values were checked at plan time; one that cannot be
    /// read here counts as none (no canary, no failure allowed, a window of 1).
    fn plan(&self, listed: usize) -> RolloutPlan {
        let of = |v: &Value<String>| Self::amount(v).and_then(|a| Self::count(a, Some(listed)));
        RolloutPlan {
            limits: Limits {
                max_unavailable: self.window(Some(listed)).unwrap_or(1).max(1),
                canary: of(&self.canary).unwrap_or(0),
                max_failures: of(&self.max_failures).unwrap_or(0),
            },
            zone_by_zone: self.zone_by_zone.as_ref_option() == Some(&true),
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
        let request = args.request(vec!["i1".into()], 1, Secret::new("Good1!pass".into()));
        assert!(!request.shutdown_before_reset && request.wait_for_running);
        assert_eq!(request.rollout, None);
    }
}
