//! A rollout's schedule, as a pure state machine: which instances may start now, given the
//! disruption budget, the canary, the failures so far and the zones. It knows no clock and
//! makes no call; [`super::rollout`] feeds it what the API showed.
//!
//! An instance holds a place in the window from the moment it is started until a status read
//! sees it RUNNING again ([`Schedule::back`]), or until its part of the operation is over
//! without it having been taken down ([`Schedule::done`]). One that ends down (not seen
//! RUNNING) keeps its place: it is still unavailable.

use std::collections::{BTreeSet, VecDeque};

/// The limits of a rollout, as counts (percentages already taken of the listed instances).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most instances out of RUNNING at once; at least 1.
    pub max_unavailable: usize,
    /// How many go first, alone; 0 for no canary.
    pub canary: usize,
    /// How many may fail before nothing new starts.
    pub max_failures: usize,
}

/// Why a rollout stopped starting instances before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    /// More than `max_failures` instances failed.
    Failures,
    /// A canary failed.
    Canary,
    /// Terraform asked the provider to stop.
    Cancelled,
    /// The operation's timeout passed.
    TimedOut,
    /// Every place in the window is held by instances that did not come back.
    Blocked,
}

/// Where a rollout stands; the counts add up to `total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolloutCounts {
    /// Instances in the rollout.
    pub total: usize,
    /// Reset and back: seen RUNNING again (or, for an instance found STOPPED, left as it was).
    pub reset: usize,
    /// Started and not seen back yet.
    pub restarting: usize,
    /// Failed: refused, terminal, or not back by the timeout.
    pub failed: usize,
    /// Not started (yet, or ever once the rollout stopped).
    pub not_reached: usize,
}

/// How a rollout goes: see the module's documentation.
#[derive(Debug)]
pub(super) struct Schedule {
    limits: Limits,
    /// The instances not started yet, one group per zone (a single group without zones).
    groups: VecDeque<VecDeque<String>>,
    /// Instances holding a place in the window.
    holding: BTreeSet<String>,
    /// Instances started whose part of the operation is not over.
    open: BTreeSet<String>,
    /// The canaries started so far, and how many of them ended well.
    canaries: BTreeSet<String>,
    canaries_ok: usize,
    reset: usize,
    failed: usize,
    total: usize,
    halted: Option<Halt>,
}

impl Schedule {
    /// A rollout of `groups` (zones, in the order they go; instances in the order given).
    pub(super) fn new(groups: Vec<Vec<String>>, limits: Limits) -> Self {
        let groups: VecDeque<VecDeque<String>> = groups
            .into_iter()
            .filter(|g| !g.is_empty())
            .map(VecDeque::from)
            .collect();
        let total = groups.iter().map(VecDeque::len).sum();
        Schedule {
            limits: Limits {
                max_unavailable: limits.max_unavailable.max(1),
                canary: limits.canary.min(total),
                ..limits
            },
            groups,
            holding: BTreeSet::new(),
            open: BTreeSet::new(),
            canaries: BTreeSet::new(),
            canaries_ok: 0,
            reset: 0,
            failed: 0,
            total,
            halted: None,
        }
    }

    /// Whether an instance may ever have to wait for a place: behind a canary, a zone, or a
    /// window smaller than the rollout.
    pub(super) fn can_wait(&self) -> bool {
        self.limits.canary > 0 || self.groups.len() > 1 || self.limits.max_unavailable < self.total
    }

    /// How many instances may start now.
    pub(super) fn room(&self) -> usize {
        if self.halted.is_some() {
            return 0;
        }
        let free = self
            .limits
            .max_unavailable
            .saturating_sub(self.holding.len());
        let canary = self.limits.canary;
        let in_canary = if self.canaries.len() < canary {
            canary - self.canaries.len()
        } else if self.canaries_ok < canary {
            // Every canary started: nothing else until they all ended well.
            0
        } else {
            usize::MAX
        };
        let group = match self.groups.front() {
            // The next zone waits until every instance of this one is over.
            Some(g) if g.is_empty() => 0,
            Some(g) => g.len(),
            None => 0,
        };
        free.min(in_canary).min(group)
    }

    /// Starts up to `n` instances (at most [`Schedule::room`]) and returns them, in order.
    pub(super) fn take(&mut self, n: usize) -> Vec<String> {
        let n = n.min(self.room());
        let Some(group) = self.groups.front_mut() else {
            return Vec::new();
        };
        let started: Vec<String> = group.drain(..n.min(group.len())).collect();
        for id in &started {
            self.holding.insert(id.clone());
            self.open.insert(id.clone());
            if self.canaries.len() < self.limits.canary {
                self.canaries.insert(id.clone());
            }
        }
        started
    }

    /// A status read saw `id` RUNNING again: its place in the window is free.
    pub(super) fn back(&mut self, id: &str) {
        self.holding.remove(id);
    }

    /// `id`'s part of the operation is over: reset and back (`ok`), or failed. One that is
    /// `still_down` (taken out of RUNNING, never seen back) keeps its place in the window.
    pub(super) fn done(&mut self, id: &str, ok: bool, still_down: bool) {
        if !self.open.remove(id) {
            return;
        }
        if !still_down {
            self.holding.remove(id);
        }
        let canary = self.canaries.contains(id);
        if ok {
            self.reset += 1;
            self.canaries_ok += usize::from(canary);
        } else {
            self.failed += 1;
            if canary {
                self.halt(Halt::Canary);
            } else if self.failed > self.limits.max_failures {
                self.halt(Halt::Failures);
            }
        }
        self.close_finished_group();
    }

    /// Nothing new starts from now on; the first reason given is kept.
    pub(super) fn halt(&mut self, why: Halt) {
        self.halted.get_or_insert(why);
    }

    /// Why the rollout stopped early, if it did.
    pub(super) fn halted(&self) -> Option<Halt> {
        self.halted
    }

    /// Whether nothing is left to do: no instance is open, and none can ever start.
    pub(super) fn is_over(&self) -> bool {
        self.open.is_empty() && (self.halted.is_some() || self.groups.is_empty())
    }

    /// The instances never started, in order.
    pub(super) fn not_reached(&self) -> Vec<String> {
        self.groups.iter().flatten().cloned().collect()
    }

    /// How many instances hold a place in the window.
    #[cfg(test)]
    pub(super) fn holding(&self) -> usize {
        self.holding.len()
    }

    /// Where the rollout stands.
    pub(super) fn counts(&self) -> RolloutCounts {
        let restarting = self
            .open
            .iter()
            .filter(|id| self.holding.contains(*id))
            .count();
        RolloutCounts {
            total: self.total,
            // Seen back, with the rest of their part still under way.
            reset: self.reset + (self.open.len() - restarting),
            restarting,
            failed: self.failed,
            not_reached: self.groups.iter().map(VecDeque::len).sum(),
        }
    }

    /// Moves on to the next zone once every instance of the current one has started and is
    /// over.
    fn close_finished_group(&mut self) {
        while self.groups.front().is_some_and(VecDeque::is_empty) && self.open.is_empty() {
            self.groups.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;
