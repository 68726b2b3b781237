//! The action's arguments as Terraform sends them, and the problems that fail its validate,
//! plan or invoke before anything is sent.

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use zenlayer_api::Secret;

use crate::diagnostics::Problem;
use crate::reset_rules::{self, Ids};

/// The action's name, as messages give it.
pub(super) const NAME: &str = "zenlayer_instance_password_reset";

/// The `config` block of `action "zenlayer_instance_password_reset"`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Config {
    /// A list; an id listed twice is a problem.
    #[serde(default)]
    pub instance_ids: Ids,
    /// Write-only: Terraform keeps it out of the plan; never serialized.
    #[serde(default, serialize_with = "reset_rules::serialize_as_null")]
    pub password_wo: Value<Secret>,
    #[serde(default)]
    pub shutdown_before_reset: Value<bool>,
    #[serde(default)]
    pub wait_for_running: Value<bool>,
    #[serde(default)]
    pub timeout: Value<String>,
}

impl Config {
    /// Every problem with the known parts of the configuration.
    pub(super) fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        match &self.password_wo {
            Value::Null => problems.push(Problem::whole(
                "Missing password_wo",
                "password_wo is null; it must be the new password. Nothing was sent to the API.",
            )),
            Value::Value(password) => {
                problems.extend(reset_rules::password_problem("password_wo", NAME, password))
            }
            Value::Unknown => {}
        }
        problems.extend(reset_rules::instance_ids_problems(&self.instance_ids));
        if let Value::Value(text) = &self.timeout {
            problems.extend(reset_rules::timeout_problem("timeout", "timeout", text));
        }
        problems
    }

    /// The problem with values still unknown when the action is invoked, if any.
    pub(super) fn unknown_problem(&self) -> Option<Problem> {
        let unknown: Vec<&str> = [
            (
                "instance_ids",
                reset_rules::known_ids(&self.instance_ids).is_none(),
            ),
            ("password_wo", self.password_wo.is_unknown()),
            (
                "shutdown_before_reset",
                self.shutdown_before_reset.is_unknown(),
            ),
            ("wait_for_running", self.wait_for_running.is_unknown()),
            ("timeout", self.timeout.is_unknown()),
        ]
        .into_iter()
        .filter_map(|(name, unknown)| unknown.then_some(name))
        .collect();
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

    /// `shutdown_before_reset`, defaulted.
    pub(super) fn shutdown_before_reset(&self) -> bool {
        reset_rules::shutdown_before_reset(&self.shutdown_before_reset)
    }

    /// `wait_for_running`, defaulted.
    pub(super) fn wait_for_running(&self) -> bool {
        reset_rules::wait_for_running(&self.wait_for_running)
    }

    /// `timeout`, defaulted.
    pub(super) fn timeout(&self) -> std::time::Duration {
        reset_rules::timeout(self.timeout.as_ref_option().map(String::as_str))
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
