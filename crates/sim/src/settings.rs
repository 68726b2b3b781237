//! The simulator's settings: timings, the power rule, how DescribeInstances treats its filters.
//! Changeable at run time through the inspection interface; read by the world and by the
//! attribute filters alike.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use zenlayer_protocol::PowerRule;

/// `power_rule` in the settings' JSON: `"running"` or `"stopped"`.
pub(crate) mod power_rule {
    use serde::{Deserialize, Deserializer, Serializer};
    use zenlayer_protocol::PowerRule;

    /// The setting's name of a rule.
    pub(crate) fn name(rule: PowerRule) -> &'static str {
        match rule {
            PowerRule::Running => "running",
            PowerRule::Stopped => "stopped",
        }
    }

    /// A setting that names no power rule.
    #[derive(Debug, thiserror::Error)]
    #[error("{0:?} is not a power rule: running or stopped")]
    pub(crate) struct UnknownPowerRule(String);

    /// The rule a setting names.
    pub(crate) fn parse(text: &str) -> Result<PowerRule, UnknownPowerRule> {
        match text {
            "running" => Ok(PowerRule::Running),
            "stopped" => Ok(PowerRule::Stopped),
            other => Err(UnknownPowerRule(other.to_string())),
        }
    }

    pub(crate) fn serialize<S: Serializer>(rule: &PowerRule, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name(*rule))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PowerRule, D::Error> {
        parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// How the simulated DescribeInstances combines several tag pairs, and several tag keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagMatch {
    /// Every pair (every key) must match: what the provider's docs promise.
    #[default]
    All,
    /// One pair (one key) is enough: an API that ORs them, which the provider must cope with.
    Any,
}

/// Timing and behaviour settings, changeable at run time through the inspection interface.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// The power rule for resets: RUNNING (the reference's error table, the default) or
    /// STOPPED (the reference's note; instances then restart by themselves afterwards).
    #[serde(with = "power_rule")]
    pub power_rule: PowerRule,
    /// REBOOT (or BOOTING, after a reset of a stopped instance) lasts this long; with
    /// `reboot_delay_max`, at least this long.
    #[serde(with = "millis")]
    pub reboot_delay: Duration,
    /// When set, each reboot's length is drawn anew between `reboot_delay` and this, so that
    /// instances reset together come back at different times, as real machines do.
    #[serde(default, with = "optional_millis")]
    pub reboot_delay_max: Option<Duration>,
    /// BOOTING after StartInstances lasts this long.
    #[serde(with = "millis")]
    pub boot_delay: Duration,
    /// STOPPING after StopInstances lasts this long.
    #[serde(with = "millis")]
    pub stop_delay: Duration,
    /// Every API call is answered after this long.
    #[serde(with = "millis")]
    pub latency: Duration,
    /// The largest page DescribeInstances returns, whatever `pageSize` asks (the API's own
    /// maximum is 1000; a smaller one tests clients that must cope).
    #[serde(default = "max_page_size")]
    pub max_page_size: usize,
    /// How DescribeInstances combines tag filters (the API reference does not say).
    #[serde(default)]
    pub tag_match: TagMatch,
    /// DescribeInstances parameters the simulated API ignores, by their wire names (such as
    /// `zoneId` or `instanceIds`): an API that does not know a field returns more than asked.
    #[serde(default)]
    pub ignored_filters: Vec<String>,
}

impl Settings {
    /// The length of one reboot: `reboot_delay`, or a draw up to `reboot_delay_max`.
    pub fn draw_reboot_delay(&self) -> Duration {
        match self.reboot_delay_max {
            Some(max) if max > self.reboot_delay => {
                let spread = (max - self.reboot_delay).as_millis() as u64;
                self.reboot_delay + Duration::from_millis(fastrand::u64(0..=spread))
            }
            _ => self.reboot_delay,
        }
    }

    /// Whether DescribeInstances ignores the parameter `wire_name`.
    pub fn ignores(&self, wire_name: &str) -> bool {
        self.ignored_filters.iter().any(|f| f == wire_name)
    }
}

fn max_page_size() -> usize {
    zenlayer_protocol::MAX_PAGE_SIZE
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            power_rule: PowerRule::Running,
            reboot_delay: Duration::from_secs(2),
            reboot_delay_max: None,
            boot_delay: Duration::from_secs(2),
            stop_delay: Duration::from_secs(2),
            latency: Duration::ZERO,
            max_page_size: max_page_size(),
            tag_match: TagMatch::All,
            ignored_filters: Vec::new(),
        }
    }
}

/// Durations as whole milliseconds in JSON.
pub(crate) mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Optional durations as whole milliseconds, or null.
pub(crate) mod optional_millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

/// A reboot length as the command line gives it: `5s`, or a range `20s..40s`.
pub(crate) fn parse_reboot_delay(text: &str) -> Result<(Duration, Option<Duration>), String> {
    let parse = |t: &str| humantime::parse_duration(t.trim()).map_err(|e| format!("{t:?}: {e}"));
    match text.split_once("..") {
        None => Ok((parse(text)?, None)),
        Some((low, high)) => {
            let (low, high) = (parse(low)?, parse(high)?);
            if high < low {
                return Err(format!("{text:?}: the range ends before it starts"));
            }
            Ok((low, Some(high)))
        }
    }
}
