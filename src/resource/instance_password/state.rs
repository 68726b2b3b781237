//! The resource's attributes as Terraform exchanges them, each declared once, and the rules
//! on one configuration: defaults, and the problems that fail the plan. The rules between two
//! states (what an update changes) are in `lifecycle`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Serialize, Serializer};
use tf_provider::value::Value;

use zenlayer_api::Secret;

use crate::attributes::{
    declare, known_strings, serialize_as_null, string_list, Check, Declaration, Declared, Ids,
    StringList,
};
use crate::diagnostics::Problem;
use crate::durations::human;
use crate::reset_args::{ResetArgs, DEFAULT_TIMEOUT, MAX_TIMEOUT, TIMEOUT_BOUNDS};
pub(crate) use crate::reset_report::Operation;

/// The resource's name, as messages give it.
const NAME: &str = "zenlayer_instance_password";

declare! {
    /// The `timeouts` block.
    #[derive(PartialEq)]
    pub(crate) struct Timeouts {
        create: Value<String> => Declaration::text(format!(
            "Bound of a create, stop, reset and waits included, such as `\"90s\"`, `\"20m\"`, `\"1h\"`; at most `{}`. Default `\"{}\"`.",
            human(MAX_TIMEOUT),
            human(DEFAULT_TIMEOUT)
        ))
        .check(Check::Duration(TIMEOUT_BOUNDS)),
        update: Value<String> => Declaration::text(format!(
            "Bound of an update that resets added instances; at most `{}`. Default `\"{}\"`.",
            human(MAX_TIMEOUT),
            human(DEFAULT_TIMEOUT)
        ))
        .check(Check::Duration(TIMEOUT_BOUNDS)),
    }
}

declare! {
    /// The resource's attributes, as Terraform sends its configuration, plan and state.
    pub(crate) struct State {
        id: Value<String> => Declaration::text("Stable identifier of this resource.").computed(),
        /// A list, not a set: Terraform's handling of a large set grows much faster than
        /// linearly with its size (minutes for 10,000 ids), a list's does not.
        instance_ids: Ids => Declaration::value(
            string_list(),
            "Ids of the instances whose password is set. At least one; none empty, none twice; any number (calls are made in batches of at most 100). Adding ids resets only the added instances; removing ids, or changing only their order, calls nothing. A list, not a set: Terraform handles a list of 10,000 ids in seconds, a set of that size in minutes (a set given here is converted, in its sorted order).",
        )
        .required()
        .check(Check::InstanceIds)
        .known_at_apply(),
        /// Terraform keeps it in state (as a sensitive value): the one place where it is
        /// serialized.
        #[serde(serialize_with = "serialize_password")]
        password: Value<Secret> => Declaration::text(
            "The new root (Linux) or Administrator (Windows) password: 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and one special character from `!@#$%^+*()`, and no other characters. Checked at plan time. Changing it replaces the resource, which resets every listed instance again. Stored in state as a sensitive value: with Terraform or OpenTofu 1.11 and later, prefer `password_wo`. Exactly one of `password` and `password_wo` is required.",
        )
        .sensitive()
        .check(Check::Password { owner: NAME })
        .replaces(),
        /// Read from the configuration, and always written back as null, so that it never
        /// reaches the plan or the state.
        #[serde(serialize_with = "serialize_as_null")]
        password_wo: Value<Secret> => Declaration::text(
            "The new password, write-only: Terraform passes it to the provider and never stores it in the plan or the state, and it accepts ephemeral values. Same rule as `password`, checked at plan time. Needs Terraform or OpenTofu 1.11 or later (older versions refuse it; use `password` there). Changing only this value plans no change: change `password_wo_version` to set it. Exactly one of `password` and `password_wo` is required.",
        )
        .sensitive()
        .write_only()
        .check(Check::Password { owner: NAME }),
        password_wo_version: Value<String> => Declaration::text(
            "Required with `password_wo`, refused with `password`. Any value (a counter, a date, a secret manager's version id); changing it replaces the resource, which resets every listed instance with the current `password_wo`.",
        )
        .replaces(),
        request_ids: StringList => Declaration::value(
            string_list(),
            "Request ids of the ResetInstancesPassword calls made by the last create or update that made any (give them to Zenlayer support to trace a reset).",
        )
        .computed(),
        timeouts: Value<Vec<Timeouts>> => Declaration::block::<Timeouts>("How long operations may take.");
        ..reset: ResetArgs
    }
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
        known_strings(&self.instance_ids)
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

    /// The timeout of `op`, defaulted (see [`crate::reset_args::timeout`]).
    pub(crate) fn timeout(&self, op: Operation) -> Duration {
        let first = self.timeouts.as_ref_option().and_then(|list| list.first());
        let text = first.and_then(|t| match op {
            Operation::Update => t.update.as_ref_option(),
            _ => t.create.as_ref_option(),
        });
        crate::reset_args::timeout(text.map(String::as_str))
    }

    pub(crate) fn set_request_ids(&mut self, ids: &[String]) {
        self.request_ids = Value::Value(ids.iter().map(|s| Value::Value(s.clone())).collect());
    }

    /// Every problem with the known parts of the configuration.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        let mut problems = self.password_argument_problems();
        problems.extend(Declared::problems(self));
        let listed = self.known_ids().map(|ids| ids.len());
        problems.extend(self.reset.problems_between(listed));
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
    use crate::reset_args::DEFAULT_TIMEOUT;

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
        let problems = with_password("weakpass").problems();
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(
            p.attribute, None,
            "no attribute, so Terraform prints no source line"
        );
        assert!(p.detail.contains("upper-case"));
        assert!(!p.detail.contains("weakpass"));
        assert!(with_password("Good1!pass").problems().is_empty());
    }

    #[test]
    fn null_instance_ids_are_a_problem() {
        let mut s = with_password("Good1!pass");
        s.instance_ids = Value::Null;
        let problems = s.problems();
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
        assert!(s.problems().is_empty());
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
        let attrs: Vec<_> = s.problems().iter().map(|p| p.attribute).collect();
        assert_eq!(
            attrs,
            vec![Some("instance_ids"), Some("timeouts"), Some("timeouts")]
        );
        s.instance_ids = Value::Value(vec![Value::Value(" ".to_string())]);
        assert!(s
            .problems()
            .iter()
            .any(|p| p.summary == "Empty instance id"));
    }

    #[test]
    fn defaults_and_timeouts() {
        let mut s = State::default();
        s.apply_defaults();
        assert_eq!(s.reset.shutdown_before_reset, Value::Value(false));
        assert_eq!(s.reset.wait_for_running, Value::Value(true));
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
        s.problems().into_iter().map(|p| p.summary).collect()
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
        let problems = s.problems();
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
        let problems = s.problems();
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
