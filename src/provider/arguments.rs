//! The kinds of argument the provider block takes, each a way to declare one: a credential
//! (with its environment variable), a whole number or a duration with bounds and a default.
//! Each builds the argument's [`Declaration`], its description ending with the default, the
//! bounds and the variable, so that the docs say them.

use std::time::Duration;

use tf_provider::schema::AttributeType;

use crate::attributes::{Check, Declaration, DefaultValue};
use crate::durations::{human, Bounds};

/// A credential, or another text the environment variable `env` may give instead.
pub(super) fn from_env(about: &str, env: &'static str, check: Check) -> Declaration {
    Declaration::text(format!(
        "{about} Defaults to the environment variable `{env}`."
    ))
    .check(check)
}

/// A whole number from `min` to `max`, `default` when not given.
pub(super) fn count(about: &str, default: u32, min: u32, max: u32) -> Declaration {
    Declaration::value(
        AttributeType::Number,
        format!("{about} A whole number from {min} to {max}. Default `{default}`."),
    )
    .check(Check::Count { min, max })
    .default(DefaultValue::Number(f64::from(default)))
}

/// A duration from `min` to `max`, `default` when not given.
pub(super) fn duration(
    about: &str,
    default: Duration,
    min: Duration,
    max: Duration,
) -> Declaration {
    let bounds = if min.is_zero() {
        format!(" At most `{}`.", human(max))
    } else {
        format!(" From `{}` to `{}`.", human(min), human(max))
    };
    Declaration::text(format!("{about}{bounds} Default `\"{}\"`.", human(default)))
        .check(Check::Duration(Bounds {
            min,
            max,
            examples: "\"500ms\", \"30s\" or \"2m\"",
        }))
        .default(DefaultValue::Duration(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_carry_the_default_bounds_and_variable() {
        let d = count("Retries.", 5, 0, 20).about;
        assert!(
            d.contains("from 0 to 20") && d.contains("Default `5`"),
            "{d}"
        );
        let d = duration(
            "Timeout.",
            Duration::from_secs(30),
            Duration::from_millis(100),
            Duration::from_secs(600),
        )
        .about;
        assert!(
            d.contains("From `100ms` to `10m`") && d.contains("Default `\"30s\"`"),
            "{d}"
        );
        let d = from_env("Key.", "VAR", Check::Endpoint).about;
        assert!(
            d.ends_with("Defaults to the environment variable `VAR`."),
            "{d}"
        );
    }
}
