//! Durations as users write them (`"90s"`, `"20m"`, `"1h"`), checked against their bounds.
//! Every duration argument has a maximum, refused at plan time, so that no deadline arithmetic
//! meets a value like `"500000000000y"`.

use std::time::Duration;

/// The range a duration argument accepts, and how to write one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// The shortest value.
    pub(crate) min: Duration,
    /// The longest value.
    pub(crate) max: Duration,
    /// Examples for the error message, such as `"90s", "20m" or "1h"`.
    pub(crate) examples: &'static str,
}

/// A duration the way messages show it, such as `20m` or `1h 30m`.
pub(crate) fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// The duration `text` gives to `argument`, or what is wrong with it.
pub(crate) fn parse(argument: &str, text: &str, bounds: Bounds) -> Result<Duration, String> {
    let too_long = || format!("{argument} must be at most {}.", human(bounds.max));
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d > bounds.max => Err(too_long()),
        Ok(d) if d < bounds.min && bounds.min <= Duration::from_millis(1) => {
            Err(format!("{argument} must be longer than zero."))
        }
        Ok(d) if d < bounds.min => Err(format!(
            "{argument} must be at least {}.",
            human(bounds.min)
        )),
        Ok(d) => Ok(d),
        Err(humantime::DurationError::NumberOverflow) => Err(too_long()),
        Err(e) => Err(format!(
            "{argument} = {text:?} is not a duration ({e}); write it like {}.",
            bounds.examples
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOUNDS: Bounds = Bounds {
        min: Duration::from_millis(1),
        max: Duration::from_secs(3600),
        examples: "\"90s\"",
    };

    #[test]
    fn each_bound_has_its_message() {
        assert_eq!(parse("t", "90s", BOUNDS), Ok(Duration::from_secs(90)));
        assert_eq!(
            parse("t", "0s", BOUNDS),
            Err("t must be longer than zero.".into())
        );
        assert_eq!(
            parse("t", "2h", BOUNDS),
            Err("t must be at most 1h.".into())
        );
        assert_eq!(
            parse("t", "500000000000y", BOUNDS),
            Err("t must be at most 1h.".into())
        );
        assert!(parse("t", "soon", BOUNDS)
            .is_err_and(|e| e.contains("not a duration") && e.contains("\"90s\"")));
    }

    proptest! {
        #[test]
        fn any_text_is_a_duration_within_bounds_or_a_message(
            n in any::<u64>(), unit in "(ns|ms|s|m|h|d|w|y)"
        ) {
            let text = format!("{n}{unit}");
            match parse("t", &text, BOUNDS) {
                Ok(d) => prop_assert!(d >= BOUNDS.min && d <= BOUNDS.max),
                Err(e) => prop_assert!(e.starts_with("t ")),
            }
        }
    }
}
