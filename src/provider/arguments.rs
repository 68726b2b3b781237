//! The provider block's arguments, each described once: name, type, default, bounds, meaning,
//! environment variable. The schema, the parsing and (through the schema) the docs all come
//! from this table.

use std::time::Duration;

use tf_provider::schema::{Attribute, AttributeType};
use tf_provider::value::Value;
use zenlayer_api::fleet::MAX_POLL_INTERVAL;
use zenlayer_api::{DEFAULT_ENDPOINT, MAX_IDS_PER_CALL};

use crate::attribute::{optional, Flags};
use crate::diagnostics::Problem;
use crate::durations::{self, human, Bounds};

/// The kind of value an argument takes, with its default and bounds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Text, with no default of its own (credentials, the endpoint).
    Text,
    /// A whole number from `min` to `max`.
    Count { default: u32, min: u32, max: u32 },
    /// A duration from `min` to `max`.
    Duration {
        default: Duration,
        min: Duration,
        max: Duration,
    },
}

/// One argument of the provider block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Argument {
    /// Its name in HCL.
    pub(crate) name: &'static str,
    /// Its type, default and bounds.
    pub(crate) kind: Kind,
    /// Hidden in plans and output.
    pub(crate) sensitive: bool,
    /// The environment variable used when the argument is not set.
    pub(crate) env: Option<&'static str>,
    /// What it is, in a sentence (the default and bounds are added from `kind`).
    pub(crate) about: &'static str,
}

pub(crate) const ACCESS_KEY_ID: Argument = Argument {
    name: "access_key_id",
    kind: Kind::Text,
    sensitive: false,
    env: Some("ZENLAYERCLOUD_ACCESS_KEY_ID"),
    about: "Access key id of the Zenlayer Cloud API.",
};
pub(crate) const ACCESS_KEY_PASSWORD: Argument = Argument {
    name: "access_key_password",
    kind: Kind::Text,
    sensitive: true,
    env: Some("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
    about: "Access key password (the signing key). Sensitive.",
};
pub(crate) const ENDPOINT: Argument = Argument {
    name: "endpoint",
    kind: Kind::Text,
    sensitive: false,
    env: Some("ZENLAYERCLOUD_ENDPOINT"),
    about: "Base URL of the API; requests go to `{endpoint}/api/v2/vm`. Must be `https`, except that `http` is accepted for loopback hosts (a local `zenlayer-sim`).",
};
pub(crate) const MAX_RETRIES: Argument = Argument {
    name: "max_retries",
    kind: Kind::Count {
        default: 5,
        min: 0,
        max: 20,
    },
    sensitive: false,
    env: None,
    about: "Retries of a call that failed transiently (throttling, 5xx, network).",
};
pub(crate) const RETRY_BASE_DELAY: Argument = Argument {
    name: "retry_base_delay",
    kind: Kind::Duration {
        default: Duration::from_secs(1),
        min: Duration::from_millis(1),
        max: Duration::from_secs(60),
    },
    sensitive: false,
    env: None,
    about: "Backoff ceiling before the first retry, doubling for each further retry (full jitter; `Retry-After` is honoured).",
};
pub(crate) const REQUEST_TIMEOUT: Argument = Argument {
    name: "request_timeout",
    kind: Kind::Duration {
        default: Duration::from_secs(30),
        min: Duration::from_millis(100),
        max: Duration::from_secs(10 * 60),
    },
    sensitive: false,
    env: None,
    about: "Timeout of one HTTP request.",
};
pub(crate) const MAX_CONCURRENCY: Argument = Argument {
    name: "max_concurrency",
    kind: Kind::Count {
        default: 8,
        min: 1,
        max: 64,
    },
    sensitive: false,
    env: None,
    about: "API calls in flight at once, across all resources.",
};
pub(crate) const BATCH_SIZE: Argument = Argument {
    name: "batch_size",
    kind: Kind::Count {
        default: MAX_IDS_PER_CALL as u32,
        min: 1,
        max: MAX_IDS_PER_CALL as u32,
    },
    sensitive: false,
    env: None,
    about: "Instance ids per API call (the API takes at most 100); lower it only if your account has a tighter limit.",
};
pub(crate) const POLL_INTERVAL: Argument = Argument {
    name: "poll_interval",
    kind: Kind::Duration {
        default: Duration::from_secs(2),
        min: Duration::from_millis(10),
        max: MAX_POLL_INTERVAL,
    },
    sensitive: false,
    env: None,
    about: "First interval between status polls while waiting for instances; it grows by half per poll up to its maximum. A wait always polls at least once before its timeout.",
};
pub(crate) const RESTART_GRACE_PERIOD: Argument = Argument {
    name: "restart_grace_period",
    kind: Kind::Duration {
        default: Duration::from_secs(120),
        min: Duration::ZERO,
        max: Duration::from_secs(60 * 60),
    },
    sensitive: false,
    env: None,
    about: "After a reset, how long the platform is given to restart an instance before the provider starts it itself (with `shutdown_before_reset`) or stops waiting for it (without).",
};

/// Every argument, in the order the docs list them.
pub(crate) const ALL: [Argument; 10] = [
    ACCESS_KEY_ID,
    ACCESS_KEY_PASSWORD,
    ENDPOINT,
    MAX_RETRIES,
    RETRY_BASE_DELAY,
    REQUEST_TIMEOUT,
    MAX_CONCURRENCY,
    BATCH_SIZE,
    POLL_INTERVAL,
    RESTART_GRACE_PERIOD,
];

impl Argument {
    /// The schema attribute: optional, with the description, bounds and default.
    pub(crate) fn attribute(&self) -> Attribute {
        let attr_type = match self.kind {
            Kind::Count { .. } => AttributeType::Number,
            Kind::Text | Kind::Duration { .. } => AttributeType::String,
        };
        let attribute = optional(attr_type, self.description());
        if self.sensitive {
            attribute.sensitive()
        } else {
            attribute
        }
    }

    fn description(&self) -> String {
        let limits = match self.kind {
            Kind::Text => String::new(),
            Kind::Count { default, min, max } => {
                format!(" A whole number from {min} to {max}. Default `{default}`.")
            }
            Kind::Duration { default, min, max } => {
                let bounds = if min.is_zero() {
                    format!(" At most `{}`.", human(max))
                } else {
                    format!(" From `{}` to `{}`.", human(min), human(max))
                };
                format!("{bounds} Default `\"{}\"`.", human(default))
            }
        };
        let fallback = match (self.env, self.name) {
            (Some(env), "endpoint") => {
                format!(" Defaults to the environment variable `{env}`, else `{DEFAULT_ENDPOINT}`.")
            }
            (Some(env), _) => format!(" Defaults to the environment variable `{env}`."),
            (None, _) => String::new(),
        };
        format!("{}{limits}{fallback}", self.about)
    }

    fn invalid(&self, detail: String) -> Problem {
        Problem::at(self.name, format!("Invalid {}", self.name), detail)
    }

    /// The whole number given, or the default; an invalid value is reported in `errors` and
    /// replaced by the default. Numbers arrive as `f64` so that a fraction gets a clear message.
    pub(crate) fn count(&self, value: &Value<f64>, errors: &mut Vec<Problem>) -> u32 {
        let Kind::Count { default, min, max } = self.kind else {
            unreachable!("{} is not a count", self.name)
        };
        match value {
            Value::Value(n)
                if n.fract() == 0.0 && (f64::from(min)..=f64::from(max)).contains(n) =>
            {
                *n as u32
            }
            Value::Value(n) => {
                errors.push(self.invalid(format!(
                    "{} = {n} is not allowed; it must be a whole number from {min} to {max}.",
                    self.name
                )));
                default
            }
            _ => default,
        }
    }

    /// The duration given, or the default; an invalid value is reported in `errors` and
    /// replaced by the default.
    pub(crate) fn duration(&self, value: &Value<String>, errors: &mut Vec<Problem>) -> Duration {
        let Kind::Duration { default, min, max } = self.kind else {
            unreachable!("{} is not a duration", self.name)
        };
        let Value::Value(text) = value else {
            return default;
        };
        let bounds = Bounds {
            min,
            max,
            examples: "\"500ms\", \"30s\" or \"2m\"",
        };
        match durations::parse(self.name, text, bounds) {
            Ok(d) => d,
            Err(problem) => {
                errors.push(self.invalid(problem));
                default
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_carry_the_default_bounds_and_variable() {
        let d = MAX_RETRIES.attribute().description.content;
        assert!(
            d.contains("from 0 to 20") && d.contains("Default `5`"),
            "{d}"
        );
        let d = REQUEST_TIMEOUT.attribute().description.content;
        assert!(
            d.contains("From `100ms` to `10m`") && d.contains("Default `\"30s\"`"),
            "{d}"
        );
        let d = ENDPOINT.attribute().description.content;
        assert!(
            d.contains("ZENLAYERCLOUD_ENDPOINT") && d.contains(DEFAULT_ENDPOINT),
            "{d}"
        );
        assert!(ACCESS_KEY_PASSWORD.attribute().sensitive);
        let names: Vec<&str> = ALL.iter().map(|a| a.name).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "one row per argument");
    }

    #[test]
    fn values_are_checked_against_the_bounds() {
        let mut errors = Vec::new();
        assert_eq!(MAX_RETRIES.count(&Value::Null, &mut errors), 5);
        assert_eq!(MAX_RETRIES.count(&Value::Value(3.0), &mut errors), 3);
        assert!(errors.is_empty());
        assert_eq!(MAX_RETRIES.count(&Value::Value(21.0), &mut errors), 5);
        assert_eq!(MAX_RETRIES.count(&Value::Value(1.5), &mut errors), 5);
        assert_eq!(errors.len(), 2);
        assert!(errors[1].detail.contains("whole number"));
        let mut errors = Vec::new();
        let ms = |s: &str| Value::Value(s.to_string());
        assert_eq!(
            REQUEST_TIMEOUT.duration(&ms("2s"), &mut errors),
            Duration::from_secs(2)
        );
        REQUEST_TIMEOUT.duration(&ms("5ms"), &mut errors);
        REQUEST_TIMEOUT.duration(&ms("soon"), &mut errors);
        let details: Vec<&str> = errors.iter().map(|e| e.detail.as_str()).collect();
        assert!(details[0].contains("at least 100ms"), "{details:?}");
        assert!(details[1].contains("not a duration"), "{details:?}");
    }
}
