//! What an attribute can be checked for before anything is sent, each worded once. A check
//! reads a value of the type it expects and says nothing of unknown values (they are checked
//! again when known). A problem names the attribute, except a password's: Terraform would
//! print the source line, which may hold the password.

use regex::Regex;
use tf_provider::value::Value;
use zenlayer_api::fleet::Amount;
use zenlayer_api::{Endpoint, InstanceStatus, Secret};
use zenlayer_protocol::password_rule;
use zenlayer_words::quoted_list;

use super::field::{Ids, StringList, StringMap, StringSet};
use super::Field;
use crate::diagnostics::Problem;
use crate::durations::{self, Bounds};

/// A check of one attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    /// A duration within `bounds`.
    Duration(Bounds),
    /// A whole number from `min` to `max` (numbers arrive as `f64`, so that a fraction gets a
    /// message of its own).
    Count { min: u32, max: u32 },
    /// The API's password rule; `owner` names the object in the message.
    Password { owner: &'static str },
    /// Instance ids: at least one, none blank or null, none twice.
    InstanceIds,
    /// An access key: not blank, no whitespace or control character; `env` is the variable
    /// that may give it instead.
    Credential { env: &'static str },
    /// An endpoint URL.
    Endpoint,
    /// A filter's text: not blank.
    NotBlank,
    /// A filter's list or set: no null and no blank element.
    Elements,
    /// A filter's tags: no blank key, no null or blank value.
    Tags,
    /// One of the API's instance statuses.
    Status,
    /// A regular expression.
    Regex,
    /// A count (`25`) or a percentage (`"10%"`) of the listed instances; 0 only if `zero`.
    Amount { zero: bool },
}

/// What ends each plan-time problem of a data source's filters.
pub(crate) const NOTHING_READ: &str = "Nothing was read.";

impl Check {
    /// The problems of `value`, the attribute `attribute` (as a block's is, `timeouts`),
    /// shown in messages as `shown` (`timeouts.create`).
    pub(crate) fn run(
        &self,
        attribute: &'static str,
        shown: &str,
        value: &dyn Field,
    ) -> Vec<Problem> {
        let any = value.as_any();
        let text = any
            .downcast_ref::<Value<String>>()
            .and_then(Value::as_ref_option);
        match *self {
            Check::Duration(bounds) => text
                .and_then(|t| durations::parse(shown, t, bounds).err())
                .map(|detail| Problem::at(attribute, format!("Invalid {shown}"), detail))
                .into_iter()
                .collect(),
            Check::Count { min, max } => count_problem(attribute, any, min, max),
            Check::Password { owner } => any
                .downcast_ref::<Value<Secret>>()
                .and_then(Value::as_ref_option)
                .and_then(|p| password_problem(attribute, owner, p))
                .into_iter()
                .collect(),
            Check::InstanceIds => any
                .downcast_ref::<Ids>()
                .map(instance_ids_problems)
                .unwrap_or_default(),
            Check::Credential { env } => credential_problems(attribute, env, any),
            Check::Endpoint => text
                .and_then(|t| Endpoint::parse(t).err())
                .map(|e| Problem::at(attribute, "Invalid endpoint", e.to_string()))
                .into_iter()
                .collect(),
            Check::NotBlank => text
                .filter(|t| t.trim().is_empty())
                .map(|_| empty_value(attribute, format!("{attribute} is an empty string")))
                .into_iter()
                .collect(),
            Check::Elements => elements_problems(attribute, any),
            Check::Tags => any
                .downcast_ref::<StringMap>()
                .map(tags_problems)
                .unwrap_or_default(),
            Check::Status => text.and_then(status_problem).into_iter().collect(),
            Check::Regex => text
                .filter(|t| !t.trim().is_empty())
                .and_then(|t| regex(t).err())
                .into_iter()
                .collect(),
            Check::Amount { zero } => text
                .and_then(|t| amount_problem(attribute, shown, t, zero))
                .into_iter()
                .collect(),
        }
    }
}

fn count_problem(
    attribute: &'static str,
    any: &dyn std::any::Any,
    min: u32,
    max: u32,
) -> Vec<Problem> {
    let Some(Value::Value(n)) = any.downcast_ref::<Value<f64>>() else {
        return Vec::new();
    };
    if n.fract() == 0.0 && (f64::from(min)..=f64::from(max)).contains(n) {
        return Vec::new();
    }
    vec![Problem::at(
        attribute,
        format!("Invalid {attribute}"),
        format!("{attribute} = {n} is not allowed; it must be a whole number from {min} to {max}."),
    )]
}

/// The problem with `text`, the value of `shown` that should be a count or a percentage.
fn amount_problem(attribute: &'static str, shown: &str, text: &str, zero: bool) -> Option<Problem> {
    let detail = match Amount::parse(text) {
        Err(e) => format!(
            "{shown} {e} ({text:?}): give a count of instances, such as 25, or a percentage of instance_ids, such as \"10%\"."
        ),
        Ok(amount) if amount.is_zero() && !zero => format!(
            "{shown} is {text:?}: no instance could ever restart. Give at least 1, or \"100%\" to restart them all at once."
        ),
        Ok(_) => return None,
    };
    Some(Problem::at(
        attribute,
        format!("Invalid {shown}"),
        format!("{detail} Nothing was sent to the API."),
    ))
}

/// The problem with `password`, the value of `argument` of `owner`, under the API's rule, if
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
fn instance_ids_problems(ids: &Ids) -> Vec<Problem> {
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
        Value::Unknown => Vec::new(),
    }
}

/// The problem with an `instance_ids` that lists an instance more than once, if it does.
fn duplicates_problem(list: &[Value<String>]) -> Option<Problem> {
    let mut seen = std::collections::BTreeSet::new();
    let twice: std::collections::BTreeSet<&String> = list
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

/// The problems of an access key given as an argument: blank, or with a stray character.
fn credential_problems(
    attribute: &'static str,
    env: &'static str,
    any: &dyn std::any::Any,
) -> Vec<Problem> {
    let text = match (
        any.downcast_ref::<Value<String>>(),
        any.downcast_ref::<Value<Secret>>(),
    ) {
        (Some(Value::Value(t)), _) => t.as_str(),
        (_, Some(Value::Value(s))) => s.expose(),
        _ => return Vec::new(),
    };
    if text.trim().is_empty() {
        return vec![empty_credential(attribute, env)];
    }
    stray_characters(attribute, env, text, false)
        .into_iter()
        .collect()
}

/// The problem with a credential argument given as an empty string: an error, not a silent
/// fall-back to the environment (which may hold another account's key).
pub(crate) fn empty_credential(name: &'static str, variable: &'static str) -> Problem {
    Problem::at(
        name,
        format!("{name} is empty"),
        format!(
            "The provider's {name} is an empty string. Give it a value, or remove it \
             (or set it to null) to take the environment variable {variable}."
        ),
    )
}

/// The problem with a credential that holds whitespace or a control character (a key read
/// from a file keeps its line break): it cannot be sent in a header, and the API would refuse
/// the key anyway. Says where and what, never the value (`from_env`: it came from the
/// environment variable `env`).
pub(crate) fn stray_characters(
    name: &'static str,
    env: &'static str,
    text: &str,
    from_env: bool,
) -> Option<Problem> {
    let (at, c) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())?;
    let source = if from_env {
        format!("The environment variable {env}")
    } else {
        format!("The provider's {name}")
    };
    let what = match c {
        '\n' | '\r' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        ' ' => "a space".to_string(),
        other => format!("the character U+{:04X}", u32::from(other)),
    };
    let place = if at + 1 == text.chars().count() {
        "at its end".to_string()
    } else if at == 0 {
        "at its start".to_string()
    } else {
        format!("at character {}", at + 1)
    };
    Some(Problem::at(
        name,
        format!("{name} holds {what}"),
        format!(
            "{source} holds {what} {place}; access keys have none. A key read from a file \
             usually keeps the file's last line break: trim it (in HCL, trimspace(file(...)); \
             in a shell, $(tr -d '\\n' < FILE)). Nothing was sent to the API."
        ),
    ))
}

fn empty_value(argument: &'static str, what: String) -> Problem {
    Problem::at(
        argument,
        format!("Empty value in {argument}"),
        format!(
            "{what}, which names nothing. A selection says what it selects: remove the value, or \
             remove {argument} (or set it to null) not to filter on it. {NOTHING_READ}"
        ),
    )
}

fn null_value(argument: &'static str, what: String) -> Problem {
    Problem::at(
        argument,
        format!("Null value in {argument}"),
        format!(
            "{what} (a variable or an attribute that is null?). A selection says what it \
             selects: give it a value, or remove it. {NOTHING_READ}"
        ),
    )
}

/// The problems of one list or set filter: a null or blank element.
fn elements_problems(argument: &'static str, any: &dyn std::any::Any) -> Vec<Problem> {
    let items: Vec<&Value<String>> = match (
        any.downcast_ref::<StringList>(),
        any.downcast_ref::<StringSet>(),
    ) {
        (Some(Value::Value(list)), _) => list.iter().collect(),
        (_, Some(Value::Value(set))) => set.iter().collect(),
        _ => return Vec::new(),
    };
    let mut problems = Vec::new();
    if items.iter().any(|v| v.is_null()) {
        problems.push(null_value(
            argument,
            format!("{argument} has a null element"),
        ));
    }
    let blanks: Vec<&String> = items
        .iter()
        .filter_map(|v| v.as_ref_option())
        .filter(|t| t.trim().is_empty())
        .collect();
    if !blanks.is_empty() {
        problems.push(empty_value(
            argument,
            format!("{argument} has an empty string ({})", quoted_list(&blanks)),
        ));
    }
    problems
}

fn tags_problems(tags: &StringMap) -> Vec<Problem> {
    let Value::Value(tags) = tags else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    if tags.keys().any(|k| k.trim().is_empty()) {
        problems.push(empty_value("tags", "tags has an empty key".into()));
    }
    for (key, value) in tags {
        match value {
            Value::Null => problems.push(null_value(
                "tags",
                format!("tags has a null value for the key {key:?}"),
            )),
            Value::Value(v) if v.trim().is_empty() => problems.push(empty_value(
                "tags",
                format!("tags has an empty value for the key {key:?}"),
            )),
            _ => {}
        }
    }
    problems
}

fn status_problem(status: &String) -> Option<Problem> {
    if status.trim().is_empty() || InstanceStatus::DOCUMENTED.contains(&status.as_str()) {
        return None;
    }
    Some(Problem::at(
        "instance_status",
        "Invalid instance_status",
        format!(
            "instance_status = {status:?} is not a status of the API, which spells them in \
             upper case: {}. {NOTHING_READ}",
            InstanceStatus::DOCUMENTED.join(", ")
        ),
    ))
}

/// `expression` compiled, or the problem that names it.
pub(crate) fn regex(expression: &str) -> Result<Regex, Problem> {
    Regex::new(expression).map_err(|e| {
        Problem::at(
            "name_regex",
            "Invalid name_regex",
            format!(
                "name_regex {expression:?} is not a valid regular expression: {e}. \
                 {NOTHING_READ}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(check: Check, value: &dyn Field) -> Vec<String> {
        check
            .run("x", "x", value)
            .into_iter()
            .map(|p| p.summary)
            .collect()
    }

    fn ids(list: &[&str]) -> Ids {
        Value::Value(list.iter().map(|s| Value::Value(s.to_string())).collect())
    }

    #[test]
    fn instance_ids_must_list_each_instance_once_and_none_blank() {
        let summaries = |ids: &Ids| run(Check::InstanceIds, ids);
        assert_eq!(summaries(&Value::Null), ["No instances"]);
        assert_eq!(summaries(&ids(&[])), ["No instances"]);
        assert_eq!(summaries(&ids(&["ins-1", " "])), ["Empty instance id"]);
        assert_eq!(summaries(&ids(&["a", "b", "a"])), ["Instance listed twice"]);
        assert!(summaries(&ids(&["a", "b"])).is_empty());
        assert!(
            summaries(&Value::Unknown).is_empty(),
            "unknown is not judged"
        );
    }

    #[test]
    fn a_password_problem_names_the_owner_and_the_rule_never_the_value() {
        let weak = Value::Value(Secret::new("weakpass".into()));
        let p = &Check::Password {
            owner: "zenlayer_instance_password_reset",
        }
        .run("password_wo", "password_wo", &weak)[0];
        assert_eq!(
            p.summary,
            "Invalid password for zenlayer_instance_password_reset"
        );
        assert!(p.detail.contains("upper-case") && !p.detail.contains("weakpass"));
        assert_eq!(
            p.attribute, None,
            "no source line, which may hold the password"
        );
        let good = Value::Value(Secret::new("Good1!pass".into()));
        assert!(run(Check::Password { owner: "x" }, &good).is_empty());
    }

    #[test]
    fn counts_are_whole_and_within_their_bounds() {
        let check = Check::Count { min: 0, max: 20 };
        assert!(run(check, &Value::Value(3.0)).is_empty());
        assert!(run(check, &Value::<f64>::Null).is_empty());
        let problems = check.run("max_retries", "max_retries", &Value::Value(1.5));
        assert!(
            problems[0].detail.contains("whole number from 0 to 20"),
            "{problems:?}"
        );
        assert_eq!(run(check, &Value::Value(21.0)), ["Invalid x"]);
    }

    #[test]
    fn a_credential_with_a_stray_character_is_named_without_its_value() {
        let check = Check::Credential { env: "VAR" };
        let key = Value::Value(Secret::new("\tpw".into()));
        let text = format!(
            "{:?}",
            check.run("access_key_password", "access_key_password", &key)
        );
        assert!(
            text.contains("The provider's access_key_password holds a tab at its start"),
            "{text}"
        );
        assert!(!text.contains("pw\""), "{text}");
        assert_eq!(run(check, &Value::Value(" ".to_string())), ["x is empty"]);
    }
}
