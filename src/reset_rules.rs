//! The rules the resource and the action share, checked before anything is sent: the
//! defaults, the longest timeout, the password rule, the instance ids and a timeout's text;
//! and the schema of the power arguments they share. Pure functions of the configuration; the
//! checks that ask the API are in `reset`.

use std::collections::BTreeSet;
use std::time::Duration;

use tf_provider::schema::{Attribute, AttributeType};
use tf_provider::value::Value;
use zenlayer_api::Secret;
use zenlayer_protocol::password_rule;
use zenlayer_words::quoted_list;

use crate::attribute::optional;
use crate::diagnostics::Problem;
use crate::durations;

/// Default of `shutdown_before_reset`.
pub(crate) const DEFAULT_SHUTDOWN_BEFORE_RESET: bool = false;
/// Default of `wait_for_running`.
pub(crate) const DEFAULT_WAIT_FOR_RUNNING: bool = true;
/// Default bound of a reset.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// The longest bound of a reset: a day.
pub(crate) const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The ids as Terraform sends a list or a set of strings: unknown while they depend on values
/// known only at apply, and so may be each element.
pub(crate) type Ids = Value<Vec<Value<String>>>;

/// `shutdown_before_reset` and `wait_for_running`, optional, as the resource and the action
/// describe them.
pub(crate) fn power_attributes() -> [(&'static str, Attribute); 2] {
    [
        (
            "shutdown_before_reset",
            optional(
                AttributeType::Bool,
                format!("Stop RUNNING instances gracefully and wait for STOPPED before the reset, for accounts where the API wants stopped instances; afterwards every instance is brought back to the power state it had. Default `{DEFAULT_SHUTDOWN_BEFORE_RESET}`."),
            ),
        ),
        (
            "wait_for_running",
            optional(
                AttributeType::Bool,
                format!("After the reset, wait until every instance is RUNNING again. Default `{DEFAULT_WAIT_FOR_RUNNING}`."),
            ),
        ),
    ]
}

/// `shutdown_before_reset` as given, defaulted.
pub(crate) fn shutdown_before_reset(value: &Value<bool>) -> bool {
    value
        .as_ref_option()
        .copied()
        .unwrap_or(DEFAULT_SHUTDOWN_BEFORE_RESET)
}

/// `wait_for_running` as given, defaulted.
pub(crate) fn wait_for_running(value: &Value<bool>) -> bool {
    value
        .as_ref_option()
        .copied()
        .unwrap_or(DEFAULT_WAIT_FOR_RUNNING)
}

/// Write-only attributes are null in every plan and state Terraform receives.
pub(crate) fn serialize_as_null<S: serde::Serializer>(
    _: &Value<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_none()
}

/// The ids when they are all known.
pub(crate) fn known_ids(ids: &Ids) -> Option<BTreeSet<String>> {
    match ids {
        Value::Value(list) => list.iter().map(|v| v.as_ref_option().cloned()).collect(),
        _ => None,
    }
}

/// The problem with `password` (the value of `argument` of `owner`) under the API's rule, if
/// any. The message says which part of the rule failed, never the value.
pub(crate) fn password_problem(argument: &str, owner: &str, password: &Secret) -> Option<Problem> {
    let violations = password_rule::check(password.expose());
    if violations.is_empty() {
        return None;
    }
    let reasons: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    Some(Problem::whole(
        format!("Invalid password for {owner}"),
        format!(
            "The {argument} argument breaks the Zenlayer password rule: {}. The rule: {}. Nothing was sent to the API.",
            reasons.join("; "),
            password_rule::describe_rule()
        ),
    ))
}

/// The problems with the known parts of `instance_ids`: null, empty, a blank or null element,
/// an id listed twice.
pub(crate) fn instance_ids_problems(ids: &Ids) -> Vec<Problem> {
    let none = |detail: &str| {
        Problem::at(
            "instance_ids",
            "No instances",
            format!("{detail} Nothing was sent to the API."),
        )
    };
    match ids {
        Value::Null => vec![none(
            "instance_ids is null; it must list at least one instance id.",
        )],
        Value::Value(list) if list.is_empty() => vec![none(
            "instance_ids must list at least one instance id (an empty selection, such as a zenlayer_instances data source that found nothing, resets nothing).",
        )],
        Value::Value(list)
            if list
                .iter()
                .any(|v| v.is_null() || v.as_ref_option().is_some_and(|s| s.trim().is_empty())) =>
        {
            vec![Problem::at(
                "instance_ids",
                "Empty instance id",
                "instance_ids contains an empty string or null; every element must be an instance id such as \"ins-abc123\". Nothing was sent to the API.",
            )]
        }
        Value::Value(list) => duplicates_problem(list).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The problem with an `instance_ids` that lists an instance more than once, if it does.
fn duplicates_problem(list: &[Value<String>]) -> Option<Problem> {
    let mut seen = BTreeSet::new();
    let twice: BTreeSet<&String> = list
        .iter()
        .filter_map(Value::as_ref_option)
        .filter(|id| !seen.insert(*id))
        .collect();
    if twice.is_empty() {
        return None;
    }
    let twice: Vec<&String> = twice.into_iter().collect();
    Some(Problem::at(
        "instance_ids",
        "Instance listed twice",
        format!(
            "instance_ids lists {} more than once; list each instance once (distinct() removes repeats). Nothing was sent to the API.",
            quoted_list(&twice)
        ),
    ))
}

/// The problem with the timeout `text` given as `argument` (at `attribute`), if any.
pub(crate) fn timeout_problem(
    attribute: &'static str,
    argument: &str,
    text: &str,
) -> Option<Problem> {
    let bounds = durations::Bounds {
        min: Duration::from_millis(1),
        max: MAX_TIMEOUT,
        examples: "\"90s\", \"20m\" or \"1h\"",
    };
    let detail = durations::parse(argument, text, bounds).err()?;
    Some(Problem::at(
        attribute,
        format!("Invalid {argument}"),
        detail,
    ))
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

    fn ids(list: &[&str]) -> Ids {
        Value::Value(list.iter().map(|s| Value::Value(s.to_string())).collect())
    }

    fn summaries(ids: &Ids) -> Vec<String> {
        instance_ids_problems(ids)
            .into_iter()
            .map(|p| p.summary)
            .collect()
    }

    #[test]
    fn instance_ids_must_list_each_instance_once_and_none_blank() {
        assert_eq!(summaries(&Value::Null), ["No instances"]);
        assert_eq!(summaries(&ids(&[])), ["No instances"]);
        assert_eq!(summaries(&ids(&["ins-1", " "])), ["Empty instance id"]);
        assert_eq!(summaries(&ids(&["a", "b", "a"])), ["Instance listed twice"]);
        assert!(summaries(&ids(&["a", "b"])).is_empty());
        assert!(
            summaries(&Value::Unknown).is_empty(),
            "unknown is not judged"
        );
        assert_eq!(
            known_ids(&ids(&["b", "a"])),
            Some(["a", "b"].map(String::from).into())
        );
        let partly = Value::Value(vec![Value::Value("a".to_string()), Value::Unknown]);
        assert_eq!(known_ids(&partly), None);
    }

    #[test]
    fn a_password_problem_names_the_owner_and_the_rule_never_the_value() {
        let p = password_problem(
            "password_wo",
            "zenlayer_instance_password_reset",
            &Secret::new("weakpass".into()),
        )
        .expect("weak");
        assert_eq!(
            p.summary,
            "Invalid password for zenlayer_instance_password_reset"
        );
        assert!(p.detail.contains("upper-case") && !p.detail.contains("weakpass"));
        assert_eq!(
            p.attribute, None,
            "no source line, which may hold the password"
        );
        assert!(password_problem("password", "x", &Secret::new("Good1!pass".into())).is_none());
    }

    #[test]
    fn timeouts_are_bounded_and_defaulted() {
        assert!(timeout_problem("timeout", "timeout", "soon").is_some());
        assert!(timeout_problem("timeout", "timeout", "0s").is_some());
        assert!(timeout_problem("timeout", "timeout", "25h").is_some());
        assert!(timeout_problem("timeout", "timeout", "90s").is_none());
        assert_eq!(timeout(Some("90s")), Duration::from_secs(90));
        assert_eq!(timeout(None), DEFAULT_TIMEOUT);
        assert_eq!(timeout(Some("500000000000y")), MAX_TIMEOUT);
    }
}
