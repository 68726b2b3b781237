//! [`Progress`]: the lines a long operation sends, as it goes, to whoever watches it (an action
//! of Terraform 1.14 prints them): a line per reset call, and a line per round of the waits of
//! one kind (all the batches waiting for RUNNING, say) when the count of instances they wait
//! for changed, or every 30 seconds when it did not.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use zenlayer_words::plural;

/// The longest time the waits of one kind go without a line, even when nothing changed or a
/// slow wait has not finished its round.
const WAIT_HEARTBEAT: Duration = Duration::from_secs(30);

/// Where an operation's progress lines go; cloning shares the counts.
#[derive(Clone)]
pub struct Progress {
    sink: Arc<dyn Fn(String) + Send + Sync>,
    tally: Arc<Mutex<Tally>>,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress")
    }
}

/// What the lines count.
#[derive(Default)]
struct Tally {
    /// Instances to reset, and the calls that takes without refusals.
    instances: usize,
    planned_calls: usize,
    /// Reset calls answered so far, and the instances they reset.
    calls: usize,
    reset: usize,
    /// For each thing waited for, the running waits: how many instances each still waits
    /// for, and whether it has polled since the last line.
    waits: BTreeMap<&'static str, BTreeMap<u64, (usize, bool)>>,
    next_wait: u64,
    /// For each thing waited for, the count last said and when.
    said: BTreeMap<&'static str, (usize, Instant)>,
}

impl Progress {
    /// Progress that hands each line to `sink`.
    pub fn new(sink: impl Fn(String) + Send + Sync + 'static) -> Self {
        Progress {
            sink: Arc::new(sink),
            tally: Arc::default(),
        }
    }

    fn tally(&self) -> MutexGuard<'_, Tally> {
        // The counts stay usable after a panic elsewhere: they only word messages.
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A reset of `instances` instances begins, in `calls` calls when none is refused.
    pub(crate) fn resets_planned(&self, instances: usize, calls: usize) {
        let mut t = self.tally();
        t.instances = instances;
        t.planned_calls = calls;
    }

    /// A reset call for `ids` instances ended: accepted, or failed with `why` (the API's code).
    pub(crate) fn reset_call(&self, ids: usize, refused: Option<&str>) {
        let line = {
            let mut t = self.tally();
            t.calls += 1;
            let of = t.planned_calls.max(t.calls);
            match refused {
                None => {
                    t.reset += ids;
                    format!(
                        "reset {} of {} instance{} (call {} of {of})",
                        t.reset,
                        t.instances,
                        plural(t.instances),
                        t.calls
                    )
                }
                Some(why) => format!(
                    "call {} of {of} failed for {ids} instance{}: {why}",
                    t.calls,
                    plural(ids)
                ),
            }
        };
        (self.sink)(line);
    }

    /// A line worded by the caller (a rollout says where it stands).
    pub(crate) fn say(&self, line: String) {
        (self.sink)(line);
    }

    /// A wait for `n` instances to do `what` ("be RUNNING") begins; it counts until dropped.
    pub(crate) fn wait(&self, what: &'static str, n: usize) -> WaitProgress {
        let id = {
            let mut t = self.tally();
            t.next_wait += 1;
            let id = t.next_wait;
            t.waits.entry(what).or_default().insert(id, (n, false));
            id
        };
        WaitProgress {
            progress: self.clone(),
            what,
            id,
        }
    }
}

/// One running wait's share of the progress lines.
pub(crate) struct WaitProgress {
    progress: Progress,
    what: &'static str,
    id: u64,
}

impl WaitProgress {
    /// After a round of polling: `left` instances are still waited for. Once every wait of
    /// this kind has polled, the total is said if it changed (or every 30 seconds).
    pub(crate) fn round(&self, left: usize) {
        let line = {
            let mut t = self.progress.tally();
            let waits = t.waits.entry(self.what).or_default();
            waits.insert(self.id, (left, true));
            let round_done = waits.values().all(|&(_, polled)| polled);
            let total: usize = waits.values().map(|&(n, _)| n).sum();
            let now = Instant::now();
            let (changed, heartbeat) = match t.said.get(self.what) {
                None => (true, false),
                Some(&(count, at)) => (
                    count != total,
                    now.saturating_duration_since(at) >= WAIT_HEARTBEAT,
                ),
            };
            if !(round_done || heartbeat) {
                return;
            }
            if let Some(waits) = t.waits.get_mut(self.what) {
                waits.values_mut().for_each(|(_, polled)| *polled = false);
            }
            if total == 0 || !(changed || heartbeat) {
                return;
            }
            t.said.insert(self.what, (total, now));
            format!(
                "waiting for {total} instance{} to {}",
                plural(total),
                self.what
            )
        };
        (self.progress.sink)(line);
    }
}

impl Drop for WaitProgress {
    fn drop(&mut self) {
        let mut t = self.progress.tally();
        if let Some(waits) = t.waits.get_mut(self.what) {
            waits.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder() -> (Progress, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let progress = Progress::new(move |line| sink.lock().expect("lines").push(line));
        (progress, lines)
    }

    fn taken(lines: &Mutex<Vec<String>>) -> Vec<String> {
        std::mem::take(&mut *lines.lock().expect("lines"))
    }

    #[test]
    fn a_line_per_reset_call_counts_the_instances_reset_and_the_calls() {
        let (progress, lines) = recorder();
        progress.resets_planned(250, 3);
        progress.reset_call(100, None);
        progress.reset_call(50, Some("OPERATION_DENIED_INSTANCE_RUNNING"));
        progress.reset_call(100, None);
        progress.reset_call(50, None);
        assert_eq!(
            taken(&lines),
            [
                "reset 100 of 250 instances (call 1 of 3)",
                "call 2 of 3 failed for 50 instances: OPERATION_DENIED_INSTANCE_RUNNING",
                "reset 200 of 250 instances (call 3 of 3)",
                "reset 250 of 250 instances (call 4 of 4)",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_waits_of_one_kind_make_one_line_per_round_when_the_count_changes() {
        let (progress, lines) = recorder();
        let a = progress.wait("be RUNNING", 100);
        let b = progress.wait("be RUNNING", 100);
        a.round(40);
        assert!(taken(&lines).is_empty(), "b has not polled yet");
        b.round(30);
        assert_eq!(taken(&lines), ["waiting for 70 instances to be RUNNING"]);
        a.round(40);
        b.round(3);
        assert_eq!(taken(&lines), ["waiting for 43 instances to be RUNNING"]);
        a.round(40);
        b.round(3);
        assert!(taken(&lines).is_empty(), "no change, no line");
        drop(a);
        b.round(1);
        assert_eq!(taken(&lines), ["waiting for 1 instance to be RUNNING"]);
        tokio::time::advance(WAIT_HEARTBEAT).await;
        b.round(1);
        assert_eq!(
            taken(&lines),
            ["waiting for 1 instance to be RUNNING"],
            "a line every 30 s even without a change"
        );
        let stopping = progress.wait("be STOPPED", 2);
        stopping.round(2);
        assert_eq!(taken(&lines), ["waiting for 2 instances to be STOPPED"]);
        b.round(0);
        assert!(taken(&lines).is_empty(), "nothing left, nothing to say");
    }
}
