//! The resource's attributes as Terraform exchanges them, and the rules on one configuration:
//! defaults, and the problems that fail the plan. The rules between two states (what an update
//! changes) are in `lifecycle`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use tf_provider::value::Value;

use zenlayer_api::Secret;

use crate::diagnostics::Problem;
pub(crate) use crate::reset_report::Operation;
use crate::reset_rules::{self, Ids, DEFAULT_SHUTDOWN_BEFORE_RESET, DEFAULT_WAIT_FOR_RUNNING};

/// The `timeouts` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Timeouts {
    /// Bound of a create.
    #[serde(default)]
    pub create: Value<String>,
    /// Bound of an update.
    #[serde(default)]
    pub update: Value<String>,
}

/// The resource's attributes, as Terraform sends its configuration, plan and state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default)]
    pub id: Value<String>,
    /// A list, not a set: Terraform's handling of a large set grows much faster than linearly
    /// with its size (minutes for 10,000 ids), a list's does not. Unknown while it depends on
    /// values known only at apply; its elements too.
    #[serde(default)]
    pub instance_ids: Ids,
    /// The new password. Terraform keeps it in state (as a sensitive value); this is the one
    /// place where it is serialized.
    #[serde(default, serialize_with = "serialize_password")]
    pub password: Value<Secret>,
    /// The new password, write-only: read from the configuration, and always written back as
    /// null, so that it never reaches the plan or the state.
    #[serde(default, serialize_with = "reset_rules::serialize_as_null")]
    pub password_wo: Value<Secret>,
    /// Changing it replaces the resource, which sets `password_wo` again.
    #[serde(default)]
    pub password_wo_version: Value<String>,
    /// Stop RUNNING instances first.
    #[serde(default)]
    pub shutdown_before_reset: Value<bool>,
    /// Wait for RUNNING afterwards.
    #[serde(default)]
    pub wait_for_running: Value<bool>,
    /// Request ids of the last reset calls.
    #[serde(default)]
    pub request_ids: Value<Vec<Value<String>>>,
    /// The `timeouts` block (a list of at most one).
    #[serde(default)]
    pub timeouts: Value<Vec<Timeouts>>,
}

fn serialize_password<S: Serializer>(
    value: &Value<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.as_ref().map(|s| s.expose()).serialize(serializer)
}

impl State {
    /// The instance ids when they are all known.
    pub(crate) fn known_ids(&self) -> Option<BTreeSet<String>> {
        reset_rules::known_ids(&self.instance_ids)
    }

    /// Sets `instance_ids` to `ids`, in that order.
    #[cfg(test)]
    pub(crate) fn set_ids<'a>(&mut self, ids: impl IntoIterator<Item = &'a String>) {
        self.instance_ids =
            Value::Value(ids.into_iter().map(|s| Value::Value(s.clone())).collect());
    }

    /// Keeps in `instance_ids` only the ids of `kept`, in their order: what an apply records
    /// must be the planned list, or a part of it after a failure.
    pub(crate) fn keep_only(&mut self, kept: &BTreeSet<String>) {
        if let Value::Value(list) = &mut self.instance_ids {
            list.retain(|v| v.as_ref_option().is_some_and(|id| kept.contains(id)));
        }
    }

    /// Fills in the defaults of the optional arguments.
    pub(crate) fn apply_defaults(&mut self) {
        if self.shutdown_before_reset.is_null() {
            self.shutdown_before_reset = Value::Value(DEFAULT_SHUTDOWN_BEFORE_RESET);
        }
        if self.wait_for_running.is_null() {
            self.wait_for_running = Value::Value(DEFAULT_WAIT_FOR_RUNNING);
        }
    }

    /// `shutdown_before_reset`, defaulted.
    pub(crate) fn shutdown_before_reset(&self) -> bool {
        reset_rules::shutdown_before_reset(&self.shutdown_before_reset)
    }

    /// `wait_for_running`, defaulted.
    pub(crate) fn wait_for_running(&self) -> bool {
        reset_rules::wait_for_running(&self.wait_for_running)
    }

    /// The timeout of `op`, defaulted (see [`reset_rules::timeout`]).
    pub(crate) fn timeout(&self, op: Operation) -> Duration {
        let first = self.timeouts.as_ref_option().and_then(|list| list.first());
        let text = first.and_then(|t| match op {
            Operation::Update => t.update.as_ref_option(),
            _ => t.create.as_ref_option(),
        });
        reset_rules::timeout(text.map(String::as_str))
    }

    pub(crate) fn set_request_ids(&mut self, ids: &[String]) {
        self.request_ids = Value::Value(ids.iter().map(|s| Value::Value(s.clone())).collect());
    }

    /// Every problem with the known parts of the configuration.
    pub(crate) fn config_problems(&self) -> Vec<Problem> {
        let mut problems = self.password_argument_problems();
        for (argument, value) in [
            ("password", &self.password),
            ("password_wo", &self.password_wo),
        ] {
            if let Value::Value(password) = value {
                problems.extend(reset_rules::password_problem(
                    argument,
                    "zenlayer_instance_password",
                    password,
                ));
            }
        }
        problems.extend(reset_rules::instance_ids_problems(&self.instance_ids));
        problems.extend(self.timeouts_problems());
        problems
    }

    fn timeouts_problems(&self) -> Vec<Problem> {
        let Value::Value(list) = &self.timeouts else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for t in list {
            for (name, value) in [("create", &t.create), ("update", &t.update)] {
                if let Value::Value(text) = value {
                    let argument = format!("timeouts.{name}");
                    problems.extend(reset_rules::timeout_problem("timeouts", &argument, text));
                }
            }
        }
        problems
    }

    /// The rules between `password`, `password_wo` and `password_wo_version`. An unknown value
    /// counts as set. No problem names `password` or `password_wo` as its attribute: Terraform
    /// would print that source line, which may hold a literal password.
    fn password_argument_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |attribute, summary: &str, detail: &str| {
            problems.push(Problem {
                attribute,
                summary: summary.into(),
                detail: format!("{detail} Nothing was sent to the API."),
            })
        };
        let password = !self.password.is_null();
        let write_only = !self.password_wo.is_null();
        let version = !self.password_wo_version.is_null();
        match (password, write_only) {
            (true, true) => problem(
                None,
                "Conflicting password arguments",
                "Set only one of password and password_wo: password_wo (Terraform or OpenTofu 1.11 and later) keeps the password out of the plan and the state; password stores it in the state as a sensitive value.",
            ),
            (false, false) => problem(
                None,
                "Missing password",
                "Set password_wo (with password_wo_version; Terraform or OpenTofu 1.11 and later), which keeps the password out of the plan and the state, or password.",
            ),
            _ => {}
        }
        if write_only && !version {
            problem(
                None,
                "Missing password_wo_version",
                "password_wo_version is required with password_wo. Terraform never stores password_wo, so it cannot see it change: give password_wo_version any value (a counter, a date, a secret manager's version id), and change it whenever password_wo changes to set the new password.",
            );
        }
        if password && version && !write_only {
            problem(
                Some("password_wo_version"),
                "password_wo_version needs password_wo",
                "password_wo_version only goes with password_wo; with password, changing the password itself sets it again. Remove password_wo_version, or move the password to password_wo.",
            );
        }
        problems
    }

    /// The refusal of `password_wo` on a client that would store it: Terraform and OpenTofu
    /// before 1.11 do not know write-only arguments and keep them in plan and state.
    pub(crate) fn write_only_problem(&self, write_only_allowed: bool) -> Option<Problem> {
        (!self.password_wo.is_null() && !write_only_allowed).then(|| Problem::whole(
            "password_wo needs Terraform 1.11 or later",
            "password_wo is a write-only argument, which needs Terraform 1.11 or later, or OpenTofu 1.11 or later; this version would store its value in the plan and the state. Use password (and no password_wo_version) with this version, or upgrade. Nothing was sent to the API.",
        ))
    }

    /// The password to send: `password` of this (planned) state, else `password_wo`, which
    /// only the configuration carries.
    pub(crate) fn password_to_send<'a>(&'a self, config: &'a State) -> Option<&'a Secret> {
        self.password
            .as_ref_option()
            .or_else(|| config.password_wo.as_ref_option())
    }
}

/// A fresh resource id: stable for the life of the resource, unique in practice.
pub(crate) fn new_id(ids: &BTreeSet<String>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(now.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(fastrand::u64(..).to_le_bytes());
    for id in ids {
        h.update(id.as_bytes());
        h.update([0]);
    }
    format!("zlpw-{}", &hex::encode(h.finalize())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reset_rules::DEFAULT_TIMEOUT;

    /// A configuration of one instance, without a password.
    fn one_instance() -> State {
        State {
            instance_ids: Value::Value(vec![Value::Value("ins-1".to_string())]),
            ..Default::default()
        }
    }

    fn with_password(p: &str) -> State {
        State {
            password: Value::Value(Secret::new(p.to_string())),
            ..one_instance()
        }
    }

    #[test]
    fn password_problems_never_quote_the_password() {
        let problems = with_password("weakpass").config_problems();
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(
            p.attribute, None,
            "no attribute, so Terraform prints no source line"
        );
        assert!(p.detail.contains("upper-case"));
        assert!(!p.detail.contains("weakpass"));
        assert!(with_password("Good1!pass").config_problems().is_empty());
    }

    #[test]
    fn null_instance_ids_are_a_problem() {
        let mut s = with_password("Good1!pass");
        s.instance_ids = Value::Null;
        let problems = s.config_problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].attribute, Some("instance_ids"));
        assert!(problems[0].detail.contains("null"));
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let s = State {
            password: Value::Unknown,
            instance_ids: Value::Unknown,
            ..Default::default()
        };
        assert!(s.config_problems().is_empty());
        assert_eq!(s.known_ids(), None);
    }

    #[test]
    fn empty_ids_and_bad_timeouts_are_problems() {
        let mut s = with_password("Good1!pass");
        s.instance_ids = Value::Value(Vec::new());
        s.timeouts = Value::Value(vec![Timeouts {
            create: Value::Value("soon".into()),
            update: Value::Value("0s".into()),
        }]);
        let attrs: Vec<_> = s.config_problems().iter().map(|p| p.attribute).collect();
        assert_eq!(
            attrs,
            vec![Some("instance_ids"), Some("timeouts"), Some("timeouts")]
        );
        s.instance_ids = Value::Value(vec![Value::Value(" ".to_string())]);
        assert!(s
            .config_problems()
            .iter()
            .any(|p| p.summary == "Empty instance id"));
    }

    #[test]
    fn defaults_and_timeouts() {
        let mut s = State::default();
        s.apply_defaults();
        assert!(!s.shutdown_before_reset());
        assert!(s.wait_for_running());
        assert_eq!(s.timeout(Operation::Create), DEFAULT_TIMEOUT);
        s.timeouts = Value::Value(vec![Timeouts {
            create: Value::Value("90s".into()),
            update: Value::Null,
        }]);
        assert_eq!(s.timeout(Operation::Create), Duration::from_secs(90));
        assert_eq!(s.timeout(Operation::Update), DEFAULT_TIMEOUT);
    }

    #[test]
    fn state_serializes_the_password_for_terraform_only() {
        let s = with_password("Good1!pass");
        assert!(!format!("{s:?}").contains("Good1!pass"));
        let json = serde_json::to_string(&s).expect("serializable");
        assert!(json.contains("Good1!pass"), "state must carry the password");
    }

    fn summaries(s: &State) -> Vec<String> {
        s.config_problems().into_iter().map(|p| p.summary).collect()
    }

    #[test]
    fn exactly_one_password_argument_and_the_version_with_password_wo() {
        let secret = || Value::Value(Secret::new("Good1!pass".into()));
        let version = || Value::Value("1".to_string());
        let mut s = one_instance();
        assert_eq!(summaries(&s), vec!["Missing password"]);
        s.password = secret();
        assert!(summaries(&s).is_empty());
        s.password_wo_version = version();
        assert_eq!(summaries(&s), vec!["password_wo_version needs password_wo"]);
        s.password_wo = secret();
        assert_eq!(summaries(&s), vec!["Conflicting password arguments"]);
        s.password = Value::Null;
        assert!(summaries(&s).is_empty());
        s.password_wo_version = Value::Null;
        assert_eq!(summaries(&s), vec!["Missing password_wo_version"]);
        // Unknown counts as set.
        let unknown = State {
            password: Value::Unknown,
            password_wo: Value::Unknown,
            password_wo_version: version(),
            ..one_instance()
        };
        assert!(summaries(&unknown).contains(&"Conflicting password arguments".to_string()));
    }

    #[test]
    fn password_wo_follows_the_password_rule_without_quoting_it() {
        let s = State {
            password_wo: Value::Value(Secret::new("weakpass".into())),
            password_wo_version: Value::Value("1".into()),
            ..one_instance()
        };
        let problems = s.config_problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].detail.contains("The password_wo argument"));
        assert!(!problems[0].detail.contains("weakpass"));
    }

    #[test]
    fn password_wo_is_refused_where_write_only_is_not_allowed() {
        let mut s = with_password("Good1!pass");
        assert_eq!(
            s.write_only_problem(false),
            None,
            "password is fine anywhere"
        );
        s.password_wo = Value::Unknown;
        let p = s.write_only_problem(false).expect("refused");
        assert!(p.detail.contains("Terraform 1.11") && p.detail.contains("OpenTofu 1.11"));
        assert_eq!(s.write_only_problem(true), None);
    }

    #[test]
    fn password_wo_is_sent_from_the_configuration_and_never_serialized() {
        let config = State {
            password_wo: Value::Value(Secret::new("Wonly1!pass".into())),
            ..Default::default()
        };
        let planned = State::default();
        let sent = planned.password_to_send(&config).map(Secret::expose);
        assert_eq!(sent, Some("Wonly1!pass"));
        let json = serde_json::to_value(&config).expect("serializable");
        assert_eq!(json["password_wo"], serde_json::Value::Null);
        let with_password = with_password("Good1!pass");
        assert_eq!(
            with_password.password_to_send(&config).map(Secret::expose),
            Some("Good1!pass"),
            "password, when set, is what the plan carries"
        );
    }

    #[test]
    fn ids_are_distinct() {
        let ids: BTreeSet<String> = ["a".to_string()].into();
        assert_ne!(new_id(&ids), new_id(&ids));
        assert!(new_id(&ids).starts_with("zlpw-"));
    }

    #[test]
    fn an_instance_listed_twice_is_a_problem_naming_it() {
        let mut s = with_password("Good1!pass");
        s.instance_ids = Value::Value(
            ["a", "b", "a"]
                .iter()
                .map(|id| Value::Value(id.to_string()))
                .collect(),
        );
        let problems = s.config_problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].detail.contains("lists \"a\" more than once"));
    }

    #[test]
    fn what_is_recorded_keeps_the_planned_order() {
        let mut s = State::default();
        s.set_ids(["c", "a", "b"].map(String::from).iter());
        s.keep_only(&["a".to_string(), "c".to_string()].into());
        let kept: Vec<String> = match &s.instance_ids {
            Value::Value(list) => list
                .iter()
                .filter_map(|v| v.as_ref_option().cloned())
                .collect(),
            _ => Vec::new(),
        };
        assert_eq!(kept, vec!["c", "a"]);
    }
}
