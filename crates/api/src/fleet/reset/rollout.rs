//! A reset rolled out within a disruption budget. Every reset restarts the instance, so the
//! instances are taken through the reset (stop, reset, start, wait: the batch pipeline of this
//! module's parent) a few at a time: [`super::schedule`] decides which may start, and the
//! operation's [`Window`] says as soon as a status read sees one RUNNING again, which frees its
//! place (a sliding window, not waves). The provider's own budget, shared by all its
//! operations, is a semaphore: a place in both is needed to start.
//!
//! Each part of the rollout (the instances started together, in calls of up to the batch
//! size) is a whole operation of its own, power brought back at its end; what it reports tells
//! the schedule which instances ended well, which failed, and which are still down.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::batch::merge;
use super::schedule::{Halt, Limits, RolloutCounts, Schedule};
use super::{Cause, Failure, Op, Outcome, ResetReport, Stage};
use crate::context::StatusRounds;
use crate::fleet::window::Window;
use crate::fleet::Operations;
use crate::instances::filters;
use crate::{Context, FilterValue, InstanceFilter};

/// A count (`25`) or a percentage (`"10%"`) of the instances listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// That many instances.
    Count(usize),
    /// That percentage of the instances listed, 0 to 100.
    Percent(u8),
}

/// Why a text is not an [`Amount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing but blanks.
    #[error("is empty")]
    Empty,
    /// Below zero.
    #[error("is negative")]
    Negative,
    /// A fraction (`2.5`, `"12.5%"`).
    #[error("is not a whole number")]
    Fraction,
    /// More than 100%.
    #[error("is over 100%")]
    OverHundredPercent,
    /// Neither a number nor a percentage.
    #[error("is not a count (such as 25) or a percentage (such as \"10%\")")]
    NotAnAmount,
}

impl Amount {
    /// Reads `25` or `"10%"` (blanks around are allowed).
    pub fn parse(text: &str) -> Result<Amount, AmountError> {
        let text = text.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim_end(), true),
            None => (text, false),
        };
        if number.is_empty() {
            return Err(if percent {
                AmountError::NotAnAmount
            } else {
                AmountError::Empty
            });
        }
        let value: f64 = number.parse().map_err(|_| AmountError::NotAnAmount)?;
        if !value.is_finite() {
            return Err(AmountError::NotAnAmount);
        }
        if value < 0.0 {
            return Err(AmountError::Negative);
        }
        if value.fract() != 0.0 || number.contains(['e', 'E']) {
            return Err(AmountError::Fraction);
        }
        match (percent, value) {
            (true, v) if v > 100.0 => Err(AmountError::OverHundredPercent),
            (true, v) => Ok(Amount::Percent(v as u8)),
            (false, v) => Ok(Amount::Count(v.min(usize::MAX as f64) as usize)),
        }
    }

    /// How many instances this is of `listed`: a percentage is rounded down.
    pub fn of(self, listed: usize) -> usize {
        match self {
            Amount::Count(n) => n,
            Amount::Percent(p) => listed.saturating_mul(usize::from(p)) / 100,
        }
    }

    /// Whether it is zero (`0` or `"0%"`).
    pub fn is_zero(self) -> bool {
        matches!(self, Amount::Count(0) | Amount::Percent(0))
    }
}

/// A rollout as the request asks for it: its limits, as counts of the instances listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutPlan {
    /// The window, the canary and the failures allowed.
    pub limits: Limits,
    /// One zone at a time, in order of zone id.
    pub zone_by_zone: bool,
}

/// How a rollout went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutReport {
    /// The limits it ran with (without a `rollout` of its own, only the provider's budget:
    /// no window of its own, no failure limit).
    pub limits: Limits,
    /// The provider's budget, shared by all its operations, if it has one.
    pub provider_budget: Option<usize>,
    /// Where it ended.
    pub counts: RolloutCounts,
    /// Why it stopped early, if it did.
    pub halted: Option<Halt>,
}

/// The most often a rollout's progress is said, unless it ended.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What a rollout is doing: its parts in flight, and the provider's places it holds.
struct Running<'a> {
    parts: FuturesUnordered<BoxFuture<'a, (Vec<String>, ResetReport)>>,
    /// The provider's places, by the instance holding each.
    permits: HashMap<String, OwnedSemaphorePermit>,
    /// Places taken from the provider's budget and not given to an instance yet.
    spare: Vec<OwnedSemaphorePermit>,
    /// When progress was last said, and what.
    said: Option<(Instant, RolloutCounts)>,
}

impl Operations {
    /// Resets `candidates` within `plan` (or only the provider's budget), as the module's
    /// documentation says; merges what happened into `report`.
    pub(super) async fn roll_out(
        &self,
        candidates: Vec<String>,
        plan: Option<RolloutPlan>,
        op: Op<'_>,
        report: &mut ResetReport,
    ) {
        let limits = plan.map_or(UNBOUNDED, |p| p.limits);
        let zone_by_zone = plan.is_some_and(|p| p.zone_by_zone);
        let Some(groups) = self
            .rollout_groups(candidates, zone_by_zone, op.ctx, report)
            .await
        else {
            return;
        };
        let mut schedule = Schedule::new(groups, limits);
        let (back_tx, back_rx) = mpsc::unbounded_channel();
        // Where nobody can wait for a place, a quick return frees a place nobody wants: the
        // window's reads keep the usual polling pace instead of every tick.
        let paced = self.budget.is_some() || schedule.can_wait();
        let window = Window::new(self.tick_reads.clone(), back_tx, paced);
        let rounds: Arc<dyn StatusRounds> = Arc::new(window.clone());
        let ctx = Context {
            rounds: Some(rounds),
            ..op.ctx.clone()
        };
        let op = Op { ctx: &ctx, ..op };
        self.run_schedule(&mut schedule, &window, back_rx, op, report)
            .await;
        finish(&schedule, limits, self.settings.max_unavailable, report);
    }

    /// Starts instances as places free up, until the schedule is over.
    async fn run_schedule(
        &self,
        schedule: &mut Schedule,
        window: &Window,
        mut back_rx: mpsc::UnboundedReceiver<String>,
        op: Op<'_>,
        report: &mut ResetReport,
    ) {
        let ctx = op.ctx;
        let mut running = Running {
            parts: FuturesUnordered::new(),
            permits: HashMap::new(),
            spare: Vec::new(),
            said: None,
        };
        loop {
            self.start_what_fits(schedule, &mut running, op);
            say_progress(schedule, &mut running, ctx);
            if schedule.is_over() {
                break;
            }
            if running.parts.is_empty() && schedule.room() == 0 {
                // Every place is held by an instance that did not come back: nothing frees one.
                schedule.halt(Halt::Blocked);
                continue;
            }
            let waiting_for_budget = schedule.room() > 0 && running.spare.is_empty();
            let budget = self.budget.clone().filter(|_| waiting_for_budget);
            tokio::select! {
                Some((ids, part)) = running.parts.next() => {
                    part_done(ids, part, window, schedule, &mut running, op, report);
                }
                Some(id) = back_rx.recv() => {
                    let mut back = vec![id];
                    while let Ok(id) = back_rx.try_recv() {
                        back.push(id);
                    }
                    for id in back {
                        schedule.back(&id);
                        running.permits.remove(&id);
                    }
                }
                Some(permit) = acquire(budget) => running.spare.push(permit),
                _ = ctx.cancel.cancelled(), if schedule.halted().is_none() => {
                    schedule.halt(Halt::Cancelled);
                }
                _ = tokio::time::sleep_until(ctx.deadline), if schedule.halted().is_none() => {
                    schedule.halt(Halt::TimedOut);
                }
            }
        }
    }

    /// Starts as many instances as the schedule and the provider's budget allow, in parts of
    /// up to the batch size.
    fn start_what_fits<'a>(
        &'a self,
        schedule: &mut Schedule,
        running: &mut Running<'a>,
        op: Op<'a>,
    ) {
        let room = schedule.room();
        if room == 0 {
            return;
        }
        let n = match &self.budget {
            None => room,
            Some(budget) => {
                while running.spare.len() < room {
                    match budget.clone().try_acquire_owned() {
                        Ok(permit) => running.spare.push(permit),
                        Err(_) => break,
                    }
                }
                running.spare.len()
            }
        };
        let started = schedule.take(n);
        for id in &started {
            if let Some(permit) = running.spare.pop() {
                running.permits.insert(id.clone(), permit);
            }
        }
        for part in started.chunks(self.settings.batch_size) {
            let ids = part.to_vec();
            running.parts.push(Box::pin(async move {
                let mut report = ResetReport::default();
                self.reset_batch(&ids, op).await.merge_into(&mut report);
                self.restore_power(&mut report, op).await;
                (ids, report)
            }));
        }
    }

    /// The instances in groups: one, or one per zone in order of zone id (instances whose zone
    /// the API does not report last), read with DescribeInstances. `None` when that read
    /// failed: it is reported, and nothing is reset.
    async fn rollout_groups(
        &self,
        candidates: Vec<String>,
        zone_by_zone: bool,
        ctx: &Context,
        report: &mut ResetReport,
    ) -> Option<Vec<Vec<String>>> {
        if !zone_by_zone || candidates.is_empty() {
            return Some(vec![candidates]);
        }
        let filter =
            InstanceFilter::default().with(&filters::IDS, FilterValue::List(candidates.clone()));
        let selection = match self.describe_instances(&filter, ctx).await {
            Ok(selection) => selection,
            Err(e) => {
                report
                    .failures
                    .push(Failure::api(Stage::Inspect, &candidates, e));
                return None;
            }
        };
        let zones: HashMap<String, Option<String>> = selection
            .instances
            .into_iter()
            .map(|i| (i.id, i.zone_id))
            .collect();
        let mut groups: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
        for id in candidates {
            let zone = zones.get(&id).cloned().flatten();
            let key = (zone.is_none(), zone.unwrap_or_default());
            groups.entry(key).or_default().push(id);
        }
        tracing::info!(zones = groups.len(), "rollout zone by zone");
        Some(groups.into_values().collect())
    }
}

/// No window of the operation's own, no failure limit: only the provider's budget bounds it.
const UNBOUNDED: Limits = Limits {
    max_unavailable: usize::MAX,
    canary: 0,
    max_failures: usize::MAX,
};

/// Says where the rollout stands (a progress line and an INFO log line) when the counts
/// changed, at most every [`PROGRESS_EVERY`] unless it is over.
fn say_progress(schedule: &Schedule, running: &mut Running<'_>, ctx: &Context) {
    let counts = schedule.counts();
    let now = Instant::now();
    let due = match running.said {
        None => true,
        Some((at, said)) => {
            said != counts && (schedule.is_over() || now.duration_since(at) >= PROGRESS_EVERY)
        }
    };
    if !due {
        return;
    }
    running.said = Some((now, counts));
    tracing::info!(
        total = counts.total,
        reset = counts.reset,
        restarting = counts.restarting,
        failed = counts.failed,
        not_reached = counts.not_reached,
        "rollout"
    );
    if let Some(progress) = &ctx.progress {
        progress.say(format!(
            "rollout: reset {} of {}, {} restarting, {} failed, {} not reached{}",
            counts.reset,
            counts.total,
            counts.restarting,
            counts.failed,
            counts.not_reached,
            // Not reached yet, unless the rollout stopped: then never.
            if counts.not_reached > 0 && schedule.halted().is_none() {
                " yet"
            } else {
                ""
            }
        ));
    }
}

/// A place from `budget`, when there is one to wait for; never otherwise.
async fn acquire(budget: Option<Arc<Semaphore>>) -> Option<OwnedSemaphorePermit> {
    match budget {
        Some(budget) => budget.acquire_owned().await.ok(),
        None => std::future::pending().await,
    }
}

/// One part is over: tells the schedule how each of its instances ended, frees their places
/// unless they are still down, and adds what it did to `report`.
fn part_done(
    ids: Vec<String>,
    part: ResetReport,
    window: &Window,
    schedule: &mut Schedule,
    running: &mut Running<'_>,
    op: Op<'_>,
    report: &mut ResetReport,
) {
    let failed: HashSet<&String> = part
        .failures
        .iter()
        .flat_map(|f| f.instances.iter().map(|(id, _)| id))
        .collect();
    for id in &ids {
        let ok = part.reset.contains(id) && !failed.contains(id);
        let still_down =
            window.is_down(id) && !part.restored.contains(id) && !op.was_stopped.contains(id);
        schedule.done(id, ok, still_down);
        if !still_down {
            running.permits.remove(id);
        }
    }
    window.forget(&ids);
    merge(part, report);
}

/// Records the instances never started, and how the rollout went.
fn finish(
    schedule: &Schedule,
    limits: Limits,
    provider_budget: Option<usize>,
    report: &mut ResetReport,
) {
    let not_reached = schedule.not_reached();
    if !not_reached.is_empty() {
        let why = schedule.halted().unwrap_or(Halt::TimedOut);
        report.failures.push(Failure {
            stage: Stage::Rollout,
            instances: not_reached.into_iter().map(|id| (id, None)).collect(),
            cause: Cause::NotReached(why),
            outcome: Outcome::NotReset,
        });
    }
    report.rollout = Some(RolloutReport {
        limits,
        provider_budget,
        counts: schedule.counts(),
        halted: schedule.halted(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_counts_or_whole_percentages_rounded_down() {
        assert_eq!(Amount::parse("25"), Ok(Amount::Count(25)));
        assert_eq!(Amount::parse(" 10% "), Ok(Amount::Percent(10)));
        assert_eq!(Amount::parse("100%"), Ok(Amount::Percent(100)));
        assert_eq!(Amount::parse("0"), Ok(Amount::Count(0)));
        assert_eq!(Amount::parse(""), Err(AmountError::Empty));
        assert_eq!(Amount::parse("  "), Err(AmountError::Empty));
        assert_eq!(Amount::parse("-1"), Err(AmountError::Negative));
        assert_eq!(Amount::parse("-5%"), Err(AmountError::Negative));
        assert_eq!(Amount::parse("2.5"), Err(AmountError::Fraction));
        assert_eq!(Amount::parse("12.5%"), Err(AmountError::Fraction));
        assert_eq!(Amount::parse("1e3"), Err(AmountError::Fraction));
        assert_eq!(Amount::parse("101%"), Err(AmountError::OverHundredPercent));
        assert_eq!(Amount::parse("%"), Err(AmountError::NotAnAmount));
        assert_eq!(Amount::parse("ten"), Err(AmountError::NotAnAmount));
        assert_eq!(Amount::parse("inf"), Err(AmountError::NotAnAmount));
        assert_eq!(Amount::Percent(10).of(1000), 100);
        assert_eq!(Amount::Percent(10).of(19), 1, "rounded down");
        assert_eq!(
            Amount::Percent(10).of(9),
            0,
            "the caller makes a window at least 1"
        );
        assert_eq!(Amount::Count(25).of(10), 25);
        assert!(Amount::Percent(0).is_zero() && !Amount::Count(1).is_zero());
    }
}
