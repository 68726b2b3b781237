//! The simulated world: instances whose status moves over time, the power rule, the record of
//! resets, and the log of calls. Passwords are kept only as salted digests.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use zenlayer_protocol::{code, InstanceStatus, PowerRule};

use crate::attributes::{Attributes, Filter};
pub(crate) use crate::settings::power_rule;
pub use crate::settings::{Settings, TagMatch};

/// A simulated instance.
#[derive(Debug, Clone)]
pub struct Instance {
    status: String,
    /// Status changes still to come, in time order.
    upcoming: VecDeque<(Instant, String)>,
    password_digest: Option<[u8; 32]>,
    /// When each reset was accepted, in milliseconds since the simulator started.
    resets_ms: Vec<u64>,
    /// Whether the platform restarts this instance after a reset while STOPPED.
    auto_restart: bool,
    /// What DescribeInstances reports of it.
    attributes: Attributes,
    /// Fields of its DescribeInstances row given as they are (see [`FleetEntry::row`]).
    row: serde_json::Map<String, serde_json::Value>,
}

/// One instance of a fleet description (`--fleet FILE`, `PUT /_sim/instances`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FleetEntry {
    /// Instance id.
    pub id: String,
    /// Status, RUNNING by default.
    #[serde(default = "running")]
    pub status: String,
    /// Whether the platform restarts it after a reset while STOPPED (true by default).
    #[serde(default = "yes")]
    pub auto_restart: bool,
    /// What DescribeInstances reports (every field has a default).
    #[serde(flatten)]
    pub attributes: Attributes,
    /// Fields of the DescribeInstances row sent exactly as given, whatever the attributes say
    /// (`null` for a field the API does not report, `2.5` for a count): odd answers that a
    /// client must cope with. Filters still apply to the attributes.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub row: serde_json::Map<String, serde_json::Value>,
}

fn running() -> String {
    "RUNNING".into()
}

fn yes() -> bool {
    true
}

/// What the inspection interface shows of an instance (never its password).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstanceView {
    /// Instance id.
    pub id: String,
    /// Current status.
    pub status: String,
    /// How many resets were accepted.
    pub reset_count: usize,
    /// When, in milliseconds since the simulator started.
    pub reset_times_ms: Vec<u64>,
    /// Whether the platform restarts it after a reset while STOPPED.
    pub auto_restart: bool,
}

/// One API call as the simulator received it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CallRecord {
    /// Arrival order, from 1.
    pub seq: u64,
    /// Arrival, in milliseconds since the simulator started.
    pub at_ms: u64,
    /// Answer, in milliseconds since the simulator started (absent if none was sent).
    pub done_ms: Option<u64>,
    /// `X-ZC-Action`.
    pub action: String,
    /// The instance ids in the body, if any.
    pub instance_ids: Vec<String>,
    /// `forceShutdown` of StopInstances, if given.
    pub force_shutdown: Option<bool>,
    /// HTTP status answered (absent if the connection was dropped or abandoned).
    pub status: Option<u16>,
    /// Error code answered, if any.
    pub code: Option<String>,
    /// Request id answered.
    pub request_id: String,
    /// The injected fault, if any.
    pub fault: Option<String>,
}

/// How many instances are out of RUNNING: now, and at most at once since the record was last
/// reset (the simulator's start, or `DELETE /_sim/unavailable`). Counted at every change a
/// call makes, once the transitions due by then have been applied, so the peak is exact.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Unavailable {
    /// Instances out of RUNNING now.
    pub now: usize,
    /// The most at once.
    pub peak: usize,
    /// When the peak was first reached, in milliseconds since the simulator started.
    pub peak_at_ms: u64,
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Error code.
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

/// The whole simulated state.
#[derive(Debug)]
pub struct World {
    /// When the simulator started.
    pub started: Instant,
    /// Current settings.
    pub settings: Settings,
    instances: BTreeMap<String, Instance>,
    salt: [u8; 16],
    /// Every API call received.
    pub calls: Vec<CallRecord>,
    unavailable: Unavailable,
}

impl World {
    /// A world with no instances.
    pub fn new(settings: Settings) -> Self {
        let mut salt = [0u8; 16];
        salt.iter_mut().for_each(|b| *b = fastrand::u8(..));
        World {
            started: Instant::now(),
            settings,
            instances: BTreeMap::new(),
            salt,
            calls: Vec::new(),
            unavailable: Unavailable::default(),
        }
    }

    /// Counts the instances out of RUNNING after a change, raising the peak if need be.
    fn note_unavailable(&mut self) {
        let now = self
            .instances
            .values()
            .filter(|i| i.status != "RUNNING")
            .count();
        self.unavailable.now = now;
        if now > self.unavailable.peak {
            self.unavailable.peak = now;
            self.unavailable.peak_at_ms = self.now_ms();
        }
    }

    /// The record of instances out of RUNNING, up to date.
    pub fn unavailable(&mut self) -> Unavailable {
        self.advance();
        self.unavailable.now = self
            .instances
            .values()
            .filter(|i| i.status != "RUNNING")
            .count();
        self.unavailable
    }

    /// Starts the record again from now: the peak becomes the current count.
    pub fn reset_unavailable(&mut self) -> Unavailable {
        let now = self.unavailable().now;
        self.unavailable = Unavailable {
            now,
            peak: now,
            peak_at_ms: self.now_ms(),
        };
        self.unavailable
    }

    /// Milliseconds since start.
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn digest(&self, password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(password.as_bytes());
        h.finalize().into()
    }

    /// Applies every status change that is due.
    pub fn advance(&mut self) {
        let now = Instant::now();
        for inst in self.instances.values_mut() {
            while let Some((at, _)) = inst.upcoming.front() {
                if *at > now {
                    break;
                }
                if let Some((_, status)) = inst.upcoming.pop_front() {
                    inst.status = status;
                }
            }
        }
    }

    /// Creates (or overwrites) an instance with default attributes, named after its id.
    pub fn upsert(&mut self, id: &str, status: &str, auto_restart: bool) {
        let n = self.instances.len() + 1;
        self.add(FleetEntry {
            id: id.to_string(),
            status: status.to_string(),
            auto_restart,
            attributes: Attributes::generated(id, n),
            row: serde_json::Map::new(),
        });
    }

    /// Creates (or overwrites) an instance as a fleet description gives it.
    pub fn add(&mut self, entry: FleetEntry) {
        let mut attributes = entry.attributes;
        if attributes.name.is_empty() {
            attributes.name = entry.id.clone();
        }
        self.instances.insert(
            entry.id,
            Instance {
                status: entry.status,
                upcoming: VecDeque::new(),
                password_digest: None,
                resets_ms: Vec::new(),
                auto_restart: entry.auto_restart,
                attributes,
                row: entry.row,
            },
        );
    }

    /// The DescribeInstances rows of the instances that pass `filter` (and are among `ids`,
    /// when given), in id order.
    pub(crate) fn describe_rows(
        &self,
        ids: Option<&[String]>,
        filter: &Filter,
    ) -> Vec<serde_json::Value> {
        let wanted: Option<std::collections::BTreeSet<&str>> =
            ids.map(|ids| ids.iter().map(String::as_str).collect());
        self.instances
            .iter()
            .filter(|(id, _)| wanted.as_ref().is_none_or(|w| w.contains(id.as_str())))
            .filter(|(_, i)| filter.matches(&i.status, &i.attributes, &self.settings))
            .map(|(id, i)| {
                let mut row = i.attributes.row(id, &i.status);
                if let serde_json::Value::Object(fields) = &mut row {
                    fields.extend(i.row.clone());
                }
                row
            })
            .collect()
    }

    /// Changes an existing instance's status (cancelling pending transitions) or its
    /// auto-restart behaviour. Returns false if it does not exist.
    pub fn modify(&mut self, id: &str, status: Option<&str>, auto_restart: Option<bool>) -> bool {
        let Some(inst) = self.instances.get_mut(id) else {
            return false;
        };
        if let Some(s) = status {
            inst.status = s.to_string();
            inst.upcoming.clear();
        }
        if let Some(a) = auto_restart {
            inst.auto_restart = a;
        }
        self.note_unavailable();
        true
    }

    /// Deletes an instance. Returns whether it existed.
    pub fn remove(&mut self, id: &str) -> bool {
        self.instances.remove(id).is_some()
    }

    /// The inspection view of one instance.
    pub fn view(&self, id: &str) -> Option<InstanceView> {
        self.instances.get(id).map(|i| InstanceView {
            id: id.to_string(),
            status: i.status.clone(),
            reset_count: i.resets_ms.len(),
            reset_times_ms: i.resets_ms.clone(),
            auto_restart: i.auto_restart,
        })
    }

    /// The inspection view of every instance.
    pub fn views(&self) -> Vec<InstanceView> {
        self.instances
            .keys()
            .filter_map(|id| self.view(id))
            .collect()
    }

    /// Whether `password` is the instance's current password (None: no such instance).
    pub fn password_matches(&self, id: &str, password: &str) -> Option<bool> {
        let digest = self.digest(password);
        self.instances
            .get(id)
            .map(|i| i.password_digest.is_some_and(|d| d == digest))
    }

    /// Status of an existing instance.
    pub fn status(&self, id: &str) -> Option<&str> {
        self.instances.get(id).map(|i| i.status.as_str())
    }

    /// Ids that exist, in order, filtered by `ids` when given.
    pub fn list(&self, ids: Option<&[String]>) -> Vec<(String, String)> {
        match ids {
            Some(ids) => {
                let mut seen = std::collections::BTreeSet::new();
                ids.iter()
                    .filter(|id| seen.insert(id.as_str()))
                    .filter_map(|id| self.status(id).map(|s| (id.clone(), s.to_string())))
                    .collect()
            }
            None => self
                .instances
                .iter()
                .map(|(id, i)| (id.clone(), i.status.clone()))
                .collect(),
        }
    }

    fn require_existing(&self, ids: &[String]) -> Result<(), Refusal> {
        let missing: Vec<&str> = ids
            .iter()
            .filter(|id| !self.instances.contains_key(*id))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Refusal::new(
                404,
                code::INVALID_INSTANCE_NOT_FOUND,
                format!("Instance not found: {}.", missing.join(", ")),
            ))
        }
    }

    /// Refuses the whole call when an instance is terminal or not in the status `rule` wants.
    fn require_status(&self, ids: &[String], rule: PowerRule) -> Result<(), Refusal> {
        if let Some(recycled) = ids.iter().find(|id| {
            self.status(id)
                .is_some_and(|s| InstanceStatus::TERMINAL.contains(&s))
        }) {
            return Err(Refusal::new(
                403,
                code::OPERATION_DENIED_INSTANCE_RECYCLED,
                format!("Instance {recycled} is recycled or being released."),
            ));
        }
        let wanted = rule.required_status();
        let wrong: Vec<String> = ids
            .iter()
            .filter_map(|id| {
                let s = self.status(id)?;
                (s != wanted.as_str()).then(|| format!("{id} ({s})"))
            })
            .collect();
        if wrong.is_empty() {
            return Ok(());
        }
        let (status, code) = rule.refusal();
        Err(Refusal::new(
            status,
            code,
            format!(
                "Operation denied: instance not {}: {}.",
                power_rule::name(rule),
                wrong.join(", ")
            ),
        ))
    }

    /// ResetInstancesPassword: all or nothing for the batch.
    pub fn reset(&mut self, ids: &[String], password: &str) -> Result<(), Refusal> {
        self.require_existing(ids)?;
        self.require_status(ids, self.settings.power_rule)?;
        let digest = self.digest(password);
        let now = Instant::now();
        let now_ms = self.now_ms();
        let rule = self.settings.power_rule;
        for id in ids {
            let reboot = self.settings.draw_reboot_delay();
            let Some(inst) = self.instances.get_mut(id) else {
                continue;
            };
            inst.password_digest = Some(digest);
            inst.resets_ms.push(now_ms);
            inst.upcoming.clear();
            match rule {
                PowerRule::Running => {
                    inst.status = "REBOOT".into();
                    inst.upcoming.push_back((now + reboot, "RUNNING".into()));
                }
                PowerRule::Stopped if inst.auto_restart => {
                    inst.status = "BOOTING".into();
                    inst.upcoming.push_back((now + reboot, "RUNNING".into()));
                }
                PowerRule::Stopped => {}
            }
        }
        self.note_unavailable();
        Ok(())
    }

    /// StopInstances: RUNNING instances go STOPPING, then STOPPED.
    pub fn stop(&mut self, ids: &[String]) -> Result<(), Refusal> {
        self.require_existing(ids)?;
        self.require_status(ids, PowerRule::Running)?;
        let at = Instant::now() + self.settings.stop_delay;
        for id in ids {
            if let Some(inst) = self.instances.get_mut(id) {
                inst.status = "STOPPING".into();
                inst.upcoming = VecDeque::from([(at, "STOPPED".to_string())]);
            }
        }
        self.note_unavailable();
        Ok(())
    }

    /// StartInstances: STOPPED instances go BOOTING, then RUNNING.
    pub fn start(&mut self, ids: &[String]) -> Result<(), Refusal> {
        self.require_existing(ids)?;
        self.require_status(ids, PowerRule::Stopped)?;
        let at = Instant::now() + self.settings.boot_delay;
        for id in ids {
            if let Some(inst) = self.instances.get_mut(id) {
                inst.status = "BOOTING".into();
                inst.upcoming = VecDeque::from([(at, "RUNNING".to_string())]);
            }
        }
        self.note_unavailable();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn reset_reboots_and_records_without_keeping_the_password() {
        let mut w = World::new(Settings::default());
        w.upsert("a", "RUNNING", true);
        w.reset(&ids(&["a"]), "Secret1!x")
            .expect("running rule accepts RUNNING");
        assert_eq!(w.status("a"), Some("REBOOT"));
        assert_eq!(w.password_matches("a", "Secret1!x"), Some(true));
        assert_eq!(w.password_matches("a", "Other1!xx"), Some(false));
        assert!(!format!("{w:?}").contains("Secret1!x"));
        tokio::time::advance(Duration::from_secs(3)).await;
        w.advance();
        assert_eq!(w.status("a"), Some("RUNNING"));
        assert_eq!(w.view("a").map(|v| v.reset_count), Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn power_rules_refuse_with_the_documented_codes() {
        let mut w = World::new(Settings::default());
        w.upsert("a", "RUNNING", true);
        w.upsert("b", "STOPPED", false);
        let e = w.reset(&ids(&["a", "b"]), "p").expect_err("b is stopped");
        assert_eq!(
            (e.status, e.code),
            (403, "OPERATION_DENIED_INSTANCE_NOT_RUNNING")
        );
        assert!(e.message.contains("b (STOPPED)"));
        assert_eq!(
            w.view("a").map(|v| v.reset_count),
            Some(0),
            "all or nothing"
        );
        w.settings.power_rule = PowerRule::Stopped;
        let e = w.reset(&ids(&["a"]), "p").expect_err("a is running");
        assert_eq!(
            (e.status, e.code),
            (400, "OPERATION_DENIED_INSTANCE_NOT_STOPPED")
        );
        w.reset(&ids(&["b"]), "p")
            .expect("stopped rule accepts STOPPED");
        assert_eq!(
            w.status("b"),
            Some("STOPPED"),
            "b does not restart by itself"
        );
        let e = w.reset(&ids(&["zz"]), "p").expect_err("unknown");
        assert_eq!(e.code, "INVALID_INSTANCE_NOT_FOUND");
    }

    #[tokio::test(start_paused = true)]
    async fn the_peak_out_of_running_is_exact_and_can_be_started_again() {
        let mut w = World::new(Settings {
            reboot_delay: Duration::from_secs(10),
            reboot_delay_max: Some(Duration::from_secs(20)),
            ..Settings::default()
        });
        for id in ["a", "b", "c"] {
            w.upsert(id, "RUNNING", true);
        }
        w.reset(&ids(&["a", "b"]), "Secret1!x").expect("running");
        assert_eq!((w.unavailable().now, w.unavailable().peak), (2, 2));
        // Every reboot lasts 10 to 20 s: by 21 s both are back, and c's reset makes 1.
        tokio::time::advance(Duration::from_secs(21)).await;
        w.advance();
        w.reset(&ids(&["c"]), "Secret1!x").expect("running");
        assert_eq!((w.unavailable().now, w.unavailable().peak), (1, 2));
        assert_eq!(w.reset_unavailable().peak, 1);
        tokio::time::advance(Duration::from_secs(21)).await;
        assert_eq!(
            w.unavailable(),
            Unavailable {
                now: 0,
                peak: 1,
                peak_at_ms: 21_000
            }
        );
    }

    #[test]
    fn reboot_lengths_are_drawn_from_the_range() {
        let settings = Settings {
            reboot_delay: Duration::from_secs(20),
            reboot_delay_max: Some(Duration::from_secs(40)),
            ..Settings::default()
        };
        let draws: Vec<Duration> = (0..200).map(|_| settings.draw_reboot_delay()).collect();
        assert!(draws.iter().all(|d| (20..=40).contains(&d.as_secs())));
        assert!(draws.iter().any(|d| d.as_secs() < 25) && draws.iter().any(|d| d.as_secs() >= 35));
        assert_eq!(
            crate::settings::parse_reboot_delay("20s..40s"),
            Ok((Duration::from_secs(20), Some(Duration::from_secs(40))))
        );
        assert_eq!(
            crate::settings::parse_reboot_delay("5s"),
            Ok((Duration::from_secs(5), None))
        );
        assert!(crate::settings::parse_reboot_delay("40s..20s").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn stop_and_start_move_through_their_transitions() {
        let mut w = World::new(Settings::default());
        w.upsert("a", "RUNNING", true);
        w.stop(&ids(&["a"])).expect("running");
        assert_eq!(w.status("a"), Some("STOPPING"));
        tokio::time::advance(Duration::from_secs(3)).await;
        w.advance();
        assert_eq!(w.status("a"), Some("STOPPED"));
        w.start(&ids(&["a"])).expect("stopped");
        assert_eq!(w.status("a"), Some("BOOTING"));
        tokio::time::advance(Duration::from_secs(3)).await;
        w.advance();
        assert_eq!(w.status("a"), Some("RUNNING"));
    }
}
