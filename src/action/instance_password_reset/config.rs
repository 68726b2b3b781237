//! The action's arguments as Terraform sends them, each declared once, and the problems that
//! fail its validate, plan or invoke before anything is sent.

use tf_provider::value::Value;
use zenlayer_api::Secret;

use crate::attributes::{
    declare, serialize_as_null, string_list, Check, Declaration, Declared, Ids,
};
use crate::diagnostics::Problem;
use crate::durations::human;
use crate::reset_args::{ResetArgs, DEFAULT_TIMEOUT, MAX_TIMEOUT, TIMEOUT_BOUNDS};

/// The action's name, as messages give it.
pub(super) const NAME: &str = "zenlayer_instance_password_reset";

declare! {
    /// The `config` block of `action "zenlayer_instance_password_reset"`.
    pub(crate) struct Config {
        instance_ids: Ids => Declaration::value(
            string_list(),
            "Ids of the instances whose password is set. At least one; none empty, none twice; any number (calls are made in batches of at most 100). Checked at plan time: an id the API does not know, or an instance it will not reset (being released, in the recycle bin, failed), fails the plan; ids known only at apply are checked then, and those that do not exist are named and left out. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes.",
        )
        .required()
        .check(Check::InstanceIds)
        .known_at_apply(),
        /// Write-only: Terraform keeps it out of the plan; never serialized.
        #[serde(serialize_with = "serialize_as_null")]
        password_wo: Value<Secret> => Declaration::text(
            "The new root (Linux) or Administrator (Windows) password, write-only: Terraform passes it to the provider and never stores it in the plan, and it accepts ephemeral values. 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and one special character from `!@#$%^+*()`, and no other characters; checked at plan time.",
        )
        .required()
        .sensitive()
        .write_only()
        .check(Check::Password { owner: NAME })
        .known_at_apply(),
        timeout: Value<String> => Declaration::text(format!(
            "Bound of the invoke, stop, reset and waits included, such as `\"90s\"`, `\"20m\"`, `\"1h\"`; at most `{}`. Default `\"{}\"`.",
            human(MAX_TIMEOUT),
            human(DEFAULT_TIMEOUT)
        ))
        .check(Check::Duration(TIMEOUT_BOUNDS))
        .known_at_apply();
        ..reset: ResetArgs
    }
}

impl Config {
    /// Every problem with the known parts of the configuration.
    pub(super) fn problems(&self) -> Vec<Problem> {
        let mut problems = Declared::problems(self);
        let listed = crate::attributes::known_strings(&self.instance_ids).map(|ids| ids.len());
        problems.extend(self.reset.problems_between(listed));
        if self.password_wo.is_null() {
            problems.insert(
                0,
                Problem::whole(
                    "Missing password_wo",
                    "password_wo is null; it must be the new password. Nothing was sent to the API.",
                ),
            );
        }
        problems
    }

    /// The problem with values still unknown when the action is invoked, if any.
    pub(super) fn unknown_problem(&self) -> Option<Problem> {
        let unknown = self.unknown_at_apply();
        (!unknown.is_empty()).then(|| {
            Problem::whole(
                "Values not known when the action is invoked",
                format!(
                    "{} must be known when {NAME} is invoked. Nothing was sent to the API.",
                    unknown.join(", ")
                ),
            )
        })
    }

    /// `timeout`, defaulted.
    pub(super) fn timeout(&self) -> std::time::Duration {
        crate::reset_args::timeout(self.timeout.as_ref_option().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(password: Value<Secret>, ids: &[&str]) -> Config {
        Config {
            instance_ids: Value::Value(ids.iter().map(|s| Value::Value(s.to_string())).collect()),
            password_wo: password,
            ..Default::default()
        }
    }

    fn summaries(c: &Config) -> Vec<String> {
        c.problems().into_iter().map(|p| p.summary).collect()
    }

    #[test]
    fn the_password_and_the_ids_are_checked_without_quoting_the_password() {
        let weak = config(Value::Value(Secret::new("weakpass".into())), &["ins-1"]);
        let problems = weak.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].summary,
            "Invalid password for zenlayer_instance_password_reset"
        );
        assert!(!format!("{problems:?}").contains("weakpass"));
        assert_eq!(
            summaries(&config(Value::Null, &["ins-1"])),
            ["Missing password_wo"]
        );
        let good = || Value::Value(Secret::new("Good1!pass".into()));
        assert_eq!(summaries(&config(good(), &[])), ["No instances"]);
        assert!(summaries(&config(good(), &["ins-1"])).is_empty());
        let mut slow = config(good(), &["ins-1"]);
        slow.timeout = Value::Value("2d".into());
        assert_eq!(summaries(&slow), ["Invalid timeout"]);
    }

    #[test]
    fn unknown_values_pass_the_plan_and_fail_the_invoke() {
        let c = Config {
            instance_ids: Value::Unknown,
            password_wo: Value::Unknown,
            ..Default::default()
        };
        assert!(c.problems().is_empty());
        let p = c.unknown_problem().expect("unknown at invoke");
        assert!(
            p.detail
                .starts_with("instance_ids, password_wo must be known"),
            "{}",
            p.detail
        );
        let known = config(Value::Value(Secret::new("Good1!pass".into())), &["ins-1"]);
        assert!(known.unknown_problem().is_none());
    }

    #[test]
    fn the_password_is_never_serialized() {
        let c = config(Value::Value(Secret::new("Good1!pass".into())), &["ins-1"]);
        let json = serde_json::to_string(&c).expect("serializable");
        assert!(!json.contains("Good1!pass") && !format!("{c:?}").contains("Good1!pass"));
    }
}
