//! The resource's lifecycle rules as pure functions over its states: what a plan decides
//! (replace, or update in place and reset which instances) and what an apply records. The
//! Terraform wiring in `mod.rs` calls these; the tests here check each rule in milliseconds,
//! and the end-to-end tests check the wiring.

use std::collections::hash_map::RandomState;
use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hash, Hasher};

use super::state::State;
use crate::attributes::Declared;

/// What a plan of a change to an existing resource decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Change {
    /// These arguments changed, and each change replaces the resource: its create resets every
    /// listed instance.
    Replace(Vec<&'static str>),
    /// An update in place that resets these instances (the added ones), none when only
    /// instances are removed or only `shutdown_before_reset`, `wait_for_running` or
    /// `timeouts` change.
    Reset(BTreeSet<String>),
    /// An update in place whose added instances are not known yet (the ids are computed).
    Unknown,
}

/// The instances of `new` that `old` does not have.
pub(super) fn added(new: &BTreeSet<String>, old: &BTreeSet<String>) -> BTreeSet<String> {
    new.difference(old).cloned().collect()
}

/// What planning `planned` over `prior` decides.
pub(super) fn change(planned: &State, prior: &State) -> Change {
    let replacing = planned.replacing_changes(prior);
    if !replacing.is_empty() {
        return Change::Replace(replacing);
    }
    match (planned.known_ids(), prior.known_ids()) {
        (Some(new), Some(old)) => Change::Reset(added(&new, &old)),
        _ => Change::Unknown,
    }
}

/// The instances an update records: those kept from `old`, and of the added ones only those
/// whose reset the API accepted (`reset`), so that state never claims a password that was
/// not set and the next apply resets exactly the missing ones.
pub(super) fn recorded_after_update(
    new: &BTreeSet<String>,
    old: &BTreeSet<String>,
    reset: &BTreeSet<String>,
) -> BTreeSet<String> {
    new.intersection(old).chain(reset).cloned().collect()
}

/// A fingerprint of what a configuration sets: its instances and its password, keyed with
/// this process's random `hasher`, so that it says nothing outside the process. It tells two
/// resources that list one instance apart from one resource planned twice.
pub(super) fn fingerprint(hasher: &RandomState, config: &State, ids: &BTreeSet<String>) -> u64 {
    let mut h = hasher.build_hasher();
    ids.hash(&mut h);
    for value in [&config.password, &config.password_wo] {
        value.as_ref_option().map(|s| s.expose()).hash(&mut h);
    }
    config.password_wo_version.as_ref_option().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tf_provider::value::Value;
    use zenlayer_api::Secret;

    fn ids(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn state(list: &[&str], password: &str) -> State {
        let mut s = State {
            password: Value::Value(Secret::new(password.into())),
            ..Default::default()
        };
        s.set_ids(ids(list).iter());
        s
    }

    #[test]
    fn a_new_password_replaces() {
        let prior = state(&["a"], "Good1!pass");
        let planned = state(&["a", "b"], "Other2@pass");
        assert_eq!(change(&planned, &prior), Change::Replace(vec!["password"]));
    }

    #[test]
    fn a_new_or_unknown_version_replaces() {
        let prior = State {
            password_wo_version: Value::Value("1".into()),
            ..Default::default()
        };
        let mut planned = prior.clone();
        assert!(planned.replacing_changes(&prior).is_empty());
        planned.password_wo_version = Value::Value("2".into());
        assert_eq!(
            planned.replacing_changes(&prior),
            vec!["password_wo_version"]
        );
        planned.password_wo_version = Value::Unknown;
        assert_eq!(
            planned.replacing_changes(&prior),
            vec!["password_wo_version"]
        );
    }

    #[test]
    fn moving_from_password_to_password_wo_replaces() {
        let prior = state(&["a"], "Good1!pass");
        let planned = State {
            password_wo_version: Value::Value("1".into()),
            ..Default::default()
        };
        assert_eq!(
            planned.replacing_changes(&prior),
            vec!["password", "password_wo_version"]
        );
    }

    #[test]
    fn adding_instances_resets_only_them() {
        let prior = state(&["a", "b"], "Good1!pass");
        let planned = state(&["a", "b", "c"], "Good1!pass");
        assert_eq!(change(&planned, &prior), Change::Reset(ids(&["c"])));
    }

    #[test]
    fn removing_instances_or_changing_options_resets_nothing() {
        let prior = state(&["a", "b"], "Good1!pass");
        let removed = state(&["a"], "Good1!pass");
        assert_eq!(change(&removed, &prior), Change::Reset(ids(&[])));
        let mut options = prior.clone();
        options.reset.shutdown_before_reset = Value::Value(true);
        options.reset.wait_for_running = Value::Value(false);
        assert_eq!(change(&options, &prior), Change::Reset(ids(&[])));
    }

    #[test]
    fn computed_ids_leave_the_added_instances_unknown() {
        let prior = state(&["a"], "Good1!pass");
        let mut planned = prior.clone();
        planned.instance_ids = Value::Unknown;
        assert_eq!(change(&planned, &prior), Change::Unknown);
    }

    #[test]
    fn an_update_records_the_kept_and_the_reset_instances_only() {
        let old = ids(&["a", "b", "x"]);
        let new = ids(&["a", "b", "c", "d"]);
        // c was reset, d was not; x was removed.
        assert_eq!(
            recorded_after_update(&new, &old, &ids(&["c"])),
            ids(&["a", "b", "c"])
        );
    }

    #[test]
    fn fingerprints_tell_configurations_apart_and_a_plan_twice_the_same() {
        let hasher = RandomState::new();
        let a = state(&["a"], "Good1!pass");
        let same = fingerprint(&hasher, &a, &ids(&["a"]));
        assert_eq!(same, fingerprint(&hasher, &a.clone(), &ids(&["a"])));
        let other_password = state(&["a"], "Other2@pass");
        assert_ne!(same, fingerprint(&hasher, &other_password, &ids(&["a"])));
        assert_ne!(same, fingerprint(&hasher, &a, &ids(&["a", "b"])));
    }
}
