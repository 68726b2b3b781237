//! Instance statuses, and the power state ResetInstancesPassword requires.

use std::fmt;

use crate::code;

/// The power/lifecycle status of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceStatus {
    /// Up and usable.
    Running,
    /// Powered off.
    Stopped,
    /// Restarting (after a reboot or a password reset).
    Reboot,
    /// Starting.
    Booting,
    /// Shutting down.
    Stopping,
    /// Any other documented or undocumented value, kept verbatim.
    Other(String),
}

impl InstanceStatus {
    /// The statuses an instance does not come back from by itself: it is failed, being released
    /// or in the recycle bin, and the API refuses to reset it.
    pub const TERMINAL: [&'static str; 4] = ["CREATE_FAILED", "RELEASING", "RECYCLE", "RECYCLING"];

    /// Every status the API reference documents.
    pub const DOCUMENTED: [&'static str; 13] = [
        "PENDING",
        "DEPLOYING",
        "REBUILDING",
        "REBOOT",
        "RUNNING",
        "STOPPED",
        "BOOTING",
        "RELEASING",
        "STOPPING",
        "RECYCLE",
        "RECYCLING",
        "CREATE_FAILED",
        "IMAGING",
    ];

    /// Parses the API's status string.
    pub fn parse(s: &str) -> Self {
        match s {
            "RUNNING" => InstanceStatus::Running,
            "STOPPED" => InstanceStatus::Stopped,
            "REBOOT" => InstanceStatus::Reboot,
            "BOOTING" => InstanceStatus::Booting,
            "STOPPING" => InstanceStatus::Stopping,
            other => InstanceStatus::Other(other.to_string()),
        }
    }

    /// The API's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            InstanceStatus::Running => "RUNNING",
            InstanceStatus::Stopped => "STOPPED",
            InstanceStatus::Reboot => "REBOOT",
            InstanceStatus::Booting => "BOOTING",
            InstanceStatus::Stopping => "STOPPING",
            InstanceStatus::Other(s) => s,
        }
    }

    /// Whether this is one of [`InstanceStatus::TERMINAL`]: waiting for RUNNING is futile.
    pub fn is_terminal(&self) -> bool {
        Self::TERMINAL.contains(&self.as_str())
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The power state ResetInstancesPassword requires. The API reference disagrees with itself:
/// its error table says RUNNING, its note says STOPPED; an account follows one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerRule {
    /// Resets are accepted only on RUNNING instances (`OPERATION_DENIED_INSTANCE_NOT_RUNNING`).
    Running,
    /// Resets are accepted only on STOPPED instances (`OPERATION_DENIED_INSTANCE_NOT_STOPPED`).
    Stopped,
}

impl PowerRule {
    /// The rule an error code reveals, if it is a power-state refusal.
    pub fn from_refusal(code: &str) -> Option<Self> {
        match code {
            code::OPERATION_DENIED_INSTANCE_NOT_RUNNING => Some(PowerRule::Running),
            code::OPERATION_DENIED_INSTANCE_NOT_STOPPED => Some(PowerRule::Stopped),
            _ => None,
        }
    }

    /// The status an instance must have under this rule.
    pub fn required_status(self) -> InstanceStatus {
        match self {
            PowerRule::Running => InstanceStatus::Running,
            PowerRule::Stopped => InstanceStatus::Stopped,
        }
    }

    /// The HTTP status and error code of a refusal under this rule.
    pub fn refusal(self) -> (u16, &'static str) {
        match self {
            PowerRule::Running => (403, code::OPERATION_DENIED_INSTANCE_NOT_RUNNING),
            PowerRule::Stopped => (400, code::OPERATION_DENIED_INSTANCE_NOT_STOPPED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_and_classify() {
        assert_eq!(InstanceStatus::parse("RUNNING"), InstanceStatus::Running);
        assert_eq!(InstanceStatus::parse("RECYCLE").as_str(), "RECYCLE");
        for terminal in InstanceStatus::TERMINAL {
            assert!(InstanceStatus::parse(terminal).is_terminal());
            assert!(InstanceStatus::DOCUMENTED.contains(&terminal));
        }
        for live in [
            "RUNNING", "STOPPED", "REBOOT", "BOOTING", "STOPPING", "PENDING",
        ] {
            assert!(!InstanceStatus::parse(live).is_terminal());
        }
    }

    #[test]
    fn power_rules_round_trip_through_their_refusals() {
        for rule in [PowerRule::Running, PowerRule::Stopped] {
            let (_, code) = rule.refusal();
            assert_eq!(PowerRule::from_refusal(code), Some(rule));
        }
        assert_eq!(PowerRule::from_refusal(code::INVALID_PARAMETER), None);
        assert_eq!(
            PowerRule::Stopped.required_status(),
            InstanceStatus::Stopped
        );
    }
}
