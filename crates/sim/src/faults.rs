//! Faults on demand: rules that make API calls misbehave, either on the next N matching calls
//! or at a given rate.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// The answer is delayed (before the call is processed).
    Latency {
        /// How long.
        #[serde(with = "crate::settings::millis")]
        delay: Duration,
    },
    /// HTTP 429 `REQUEST_LIMIT_EXCEEDED`, optionally with `Retry-After` in seconds.
    Throttle {
        /// Seconds for `Retry-After`.
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// A 5xx with a flat error body.
    ServerError {
        /// HTTP status, 500 by default.
        #[serde(default = "default_500")]
        status: u16,
        /// Error code, `INTERNAL_SERVER_ERROR` by default.
        #[serde(default = "default_ise")]
        code: String,
    },
    /// The connection is accepted and the call never answered (an endpoint that hangs).
    Hang,
    /// The call is processed at once, but its answer takes this long (a client that gives up
    /// meanwhile cannot know that it took effect).
    SlowAnswer {
        /// How long.
        #[serde(with = "crate::settings::millis")]
        delay: Duration,
    },
    /// Just before the call is processed, `instance_id` starts being released (status
    /// RELEASING), as if it was released between the client's last look and this call.
    Release,
    /// Just before the call is processed, the instance `target` is deleted, as if it was
    /// released between two calls of the client (with `action` and `skip`: between two pages
    /// of a DescribeInstances read).
    Delete {
        /// The instance that disappears.
        target: String,
    },
    /// The connection is closed without an answer, before the call is processed.
    Drop,
    /// The call is processed, then the connection is closed without an answer (the client
    /// cannot know whether it took effect).
    DropAfterProcessing,
    /// A 502 from a proxy, with an HTML body.
    BadGateway,
    /// HTTP 403 with `cf-mitigated: challenge` and an HTML body.
    #[serde(rename = "html_403")]
    Html403,
    /// HTTP 451 with an HTML body.
    #[serde(rename = "status_451")]
    Status451,
    /// HTTP 200 with a JSON body cut short.
    TruncatedJson,
    /// HTTP 200 with a body that is not JSON at all.
    #[serde(rename = "non_json_200")]
    NonJson200,
    /// HTTP 200 carrying an error-shaped body.
    #[serde(rename = "error_shaped_200")]
    ErrorShaped200 {
        /// Error code.
        code: String,
    },
    /// A refusal with any status and code (e.g. to refuse one action).
    Refuse {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
    },
    /// A transient error that quotes the request back, password included, as a careless
    /// API or a proxy's error page might: a JSON error body (`SERVICE_TEMPORARY_UNAVAILABLE`)
    /// whose message holds the request's fields, or with `html` an HTML page that echoes the
    /// body and the password as a URL-encoded form field.
    EchoRequest {
        /// HTTP status, 503 by default.
        #[serde(default = "default_503")]
        status: u16,
        /// An HTML page instead of the API's error body.
        #[serde(default)]
        html: bool,
    },
}

fn default_500() -> u16 {
    500
}

fn default_503() -> u16 {
    503
}

fn default_ise() -> String {
    "INTERNAL_SERVER_ERROR".into()
}

/// A fault and when it applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Only calls of this action (any action when absent).
    #[serde(default)]
    pub action: Option<String>,
    /// Only calls whose instance ids include this one.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Apply to the next N matching calls, then retire.
    #[serde(default)]
    pub count: Option<u32>,
    /// Apply to each matching call with this probability (when `count` is absent).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Let this many matching calls pass untouched first.
    #[serde(default)]
    pub skip: Option<u32>,
    /// Dormant until a call of this action has been processed successfully (a fault that
    /// starts after the reset, say); calls before that neither match nor count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl FaultKind {
    /// Every kind, as `POST /_sim/faults` and the call log spell it.
    pub const NAMES: [&'static str; 17] = [
        "latency",
        "throttle",
        "server_error",
        "hang",
        "slow_answer",
        "release",
        "delete",
        "drop",
        "drop_after_processing",
        "bad_gateway",
        "html_403",
        "status_451",
        "truncated_json",
        "non_json_200",
        "error_shaped_200",
        "refuse",
        "echo_request",
    ];

    /// The kind's name, spelled as in `POST /_sim/faults` (its `kind` field).
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Throttle { .. } => "throttle",
            FaultKind::ServerError { .. } => "server_error",
            FaultKind::Hang => "hang",
            FaultKind::SlowAnswer { .. } => "slow_answer",
            FaultKind::Release => "release",
            FaultKind::Delete { .. } => "delete",
            FaultKind::Drop => "drop",
            FaultKind::DropAfterProcessing => "drop_after_processing",
            FaultKind::BadGateway => "bad_gateway",
            FaultKind::Html403 => "html_403",
            FaultKind::Status451 => "status_451",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::NonJson200 => "non_json_200",
            FaultKind::ErrorShaped200 { .. } => "error_shaped_200",
            FaultKind::Refuse { .. } => "refuse",
            FaultKind::EchoRequest { .. } => "echo_request",
        }
    }
}

/// The active rules, and the actions processed so far (which wake rules with `after`).
#[derive(Debug, Default, Clone)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
    processed: std::collections::BTreeSet<String>,
}

impl FaultPlan {
    /// Adds rules.
    pub fn add(&mut self, rules: impl IntoIterator<Item = FaultRule>) {
        self.rules.extend(rules);
    }

    /// Removes every rule, and forgets which actions were processed.
    pub fn clear(&mut self) {
        self.rules.clear();
        self.processed.clear();
    }

    /// Records that a call of `action` was processed successfully: rules waiting for it wake.
    pub fn processed(&mut self, action: &str) {
        if !self.processed.contains(action) {
            self.processed.insert(action.to_string());
        }
    }

    /// The active rules.
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// The fault for a call of `action` on `ids`, if any: the first matching rule wins, and a
    /// counted rule is used up.
    pub fn pick(&mut self, action: &str, ids: &[String]) -> Option<FaultKind> {
        self.pick_rule(action, ids).map(|rule| rule.kind)
    }

    /// The rule that applies to a call of `action` on `ids`, as [`FaultPlan::pick`] chooses it.
    pub fn pick_rule(&mut self, action: &str, ids: &[String]) -> Option<FaultRule> {
        let mut chosen = None;
        for (index, rule) in self.rules.iter_mut().enumerate() {
            let awake = rule
                .after
                .as_ref()
                .is_none_or(|a| self.processed.contains(a));
            let matches = awake
                && rule.action.as_deref().is_none_or(|a| a == action)
                && rule
                    .instance_id
                    .as_ref()
                    .is_none_or(|wanted| ids.iter().any(|id| id == wanted));
            if !matches {
                continue;
            }
            // Every rule counts the matching calls it lets pass, whichever rule applies.
            if let Some(skip) = rule.skip.as_mut().filter(|n| **n > 0) {
                *skip -= 1;
                continue;
            }
            let applies = match (rule.count, rule.rate) {
                (Some(n), _) => n > 0,
                (None, Some(p)) => fastrand::f64() < p,
                (None, None) => true,
            };
            if applies && chosen.is_none() {
                chosen = Some(index);
            }
        }
        let index = chosen?;
        let rule = &mut self.rules[index];
        let picked = rule.clone();
        if let Some(n) = rule.count.as_mut() {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(index);
            }
        }
        Some(picked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_apply_n_times_to_matching_calls() {
        let mut plan = FaultPlan::default();
        plan.add([serde_json::from_value::<FaultRule>(serde_json::json!(
            {"kind": "throttle", "action": "ResetInstancesPassword", "count": 2}
        ))
        .expect("valid rule")]);
        let ids = vec!["a".to_string()];
        assert_eq!(plan.pick("DescribeInstancesStatus", &ids), None);
        assert!(plan.pick("ResetInstancesPassword", &ids).is_some());
        assert!(plan.pick("ResetInstancesPassword", &ids).is_some());
        assert_eq!(plan.pick("ResetInstancesPassword", &ids), None);
        assert!(plan.rules().is_empty());
    }

    #[test]
    fn instance_filters_and_rates_select_calls() {
        let mut plan = FaultPlan::default();
        plan.add([
            FaultRule {
                kind: FaultKind::Drop,
                action: None,
                instance_id: Some("x".into()),
                count: None,
                rate: None,
                skip: None,
                after: None,
            },
            FaultRule {
                kind: FaultKind::Html403,
                action: None,
                instance_id: None,
                count: None,
                rate: Some(0.0),
                skip: None,
                after: None,
            },
        ]);
        assert_eq!(plan.pick("A", &["x".to_string()]), Some(FaultKind::Drop));
        assert_eq!(plan.pick("A", &["y".to_string()]), None);
    }

    #[test]
    fn skipped_calls_pass_before_a_rule_applies() {
        let mut plan = FaultPlan::default();
        plan.add([serde_json::from_value::<FaultRule>(serde_json::json!(
            {"kind": "delete", "target": "ins-1", "skip": 1, "count": 1}
        ))
        .expect("valid rule")]);
        assert_eq!(plan.pick("DescribeInstances", &[]), None, "skipped");
        assert_eq!(
            plan.pick("DescribeInstances", &[]),
            Some(FaultKind::Delete {
                target: "ins-1".into()
            })
        );
        assert_eq!(plan.pick("DescribeInstances", &[]), None, "used up");
    }

    #[test]
    fn a_rule_with_after_sleeps_until_that_action_was_processed() {
        let mut plan = FaultPlan::default();
        plan.add([serde_json::from_value::<FaultRule>(serde_json::json!(
            {"kind": "server_error", "action": "StartInstances", "after": "ResetInstancesPassword", "count": 1}
        ))
        .expect("valid rule")]);
        let ids = vec!["a".to_string()];
        assert_eq!(plan.pick("StartInstances", &ids), None, "before the reset");
        plan.processed("ResetInstancesPassword");
        assert!(plan.pick("StartInstances", &ids).is_some(), "after it");
        assert_eq!(plan.pick("StartInstances", &ids), None, "used up");
    }

    #[test]
    fn the_log_spells_each_kind_as_the_rules_do() {
        let examples = serde_json::json!([
            {"kind": "latency", "delay": 5}, {"kind": "throttle"}, {"kind": "server_error"},
            {"kind": "hang"}, {"kind": "slow_answer", "delay": 5}, {"kind": "release"},
            {"kind": "delete", "target": "x"}, {"kind": "drop"},
            {"kind": "drop_after_processing"}, {"kind": "bad_gateway"}, {"kind": "html_403"},
            {"kind": "status_451"}, {"kind": "truncated_json"}, {"kind": "non_json_200"},
            {"kind": "error_shaped_200", "code": "X"}, {"kind": "refuse", "status": 400, "code": "X"},
            {"kind": "echo_request", "html": true}
        ]);
        let examples = examples.as_array().expect("a list");
        assert_eq!(examples.len(), FaultKind::NAMES.len());
        for (example, name) in examples.iter().zip(FaultKind::NAMES) {
            let kind: FaultKind = serde_json::from_value(example.clone()).expect(name);
            assert_eq!(kind.name(), name);
            assert_eq!(example["kind"], name);
        }
    }
}
