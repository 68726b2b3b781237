//! A rollout's window onto the instances it takes out of RUNNING. Every status read of the
//! operation goes through it while the rollout runs: reads are gathered into one round per
//! tick (at most half a second), so that instances in flight are polled often enough to notice
//! a return within half a second, in ceil(in flight / 100) calls per round whatever the number
//! of batches waiting. A read sent after the call that took an instance down, and that sees
//! it RUNNING, frees its place in the window: the rollout hears of it at once.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use zenlayer_protocol::action;

use futures::future::BoxFuture;

use super::status::{describe_all, Statuses};
use super::FleetSettings;
use crate::context::StatusRounds;
use crate::{ApiError, Client, Context, ErrorKind, InstanceStatus};

/// The longest time between two rounds of reads in a rollout: a returning instance frees its
/// place at most this late (a quarter of it on average, with the read's own time).
pub const ROLLOUT_TICK: Duration = Duration::from_millis(500);

type Reply = Result<Arc<Statuses>, ApiError>;

/// See the module's documentation. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Window(Arc<Shared>);

struct Shared {
    client: Arc<Client>,
    batch_size: usize,
    tick: Duration,
    origin: Instant,
    /// The operation's deadline and stop signal, which bound the shared reads.
    bounds: Context,
    state: Mutex<State>,
    back: mpsc::UnboundedSender<String>,
}

#[derive(Default)]
struct State {
    /// Instances taken out of RUNNING: when the call that did it was answered, and whether
    /// it was their reset.
    down: HashMap<String, (Instant, bool)>,
    /// The reads waiting for the next round.
    round: Option<Round>,
}

struct Round {
    ids: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Reply>>,
}

impl std::fmt::Debug for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window").finish_non_exhaustive()
    }
}

impl Window {
    /// A window whose reads go at most `ROLLOUT_TICK` apart (the polling interval, if
    /// shorter), bounded by `bounds`; the ids seen back are sent to `back`.
    pub(crate) fn new(
        client: Arc<Client>,
        settings: &FleetSettings,
        bounds: Context,
        back: mpsc::UnboundedSender<String>,
    ) -> Self {
        Window(Arc::new(Shared {
            client,
            batch_size: settings.batch_size,
            tick: settings
                .poll_interval
                .clamp(Duration::from_millis(1), ROLLOUT_TICK),
            origin: Instant::now(),
            bounds: Context {
                rounds: None,
                progress: None,
                ..bounds
            },
            state: Mutex::default(),
            back,
        }))
    }

    /// Whether `id` was taken down and no read has seen it RUNNING since.
    pub(crate) fn is_down(&self, id: &str) -> bool {
        self.0.state().down.contains_key(id)
    }

    /// Forgets `ids`: their part of the operation is over.
    pub(crate) fn forget(&self, ids: &[String]) {
        let mut state = self.0.state();
        for id in ids {
            state.down.remove(id);
        }
    }

    /// The statuses of `ids`, read in the next round with every other read of the operation.
    async fn read_in_round(&self, ids: &[String], ctx: &Context) -> Result<Statuses, ApiError> {
        const ACTION: &str = action::DESCRIBE_INSTANCES_STATUS;
        if ids.is_empty() {
            return Ok(Statuses::new());
        }
        let (tx, rx) = oneshot::channel();
        let opened = {
            let mut state = self.0.state();
            let opened = state.round.is_none();
            let round = state.round.get_or_insert_with(|| Round {
                ids: BTreeSet::new(),
                waiters: Vec::new(),
            });
            round.ids.extend(ids.iter().cloned());
            round.waiters.push(tx);
            opened
        };
        if opened {
            let this = self.0.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(this.next_tick()).await;
                this.flush().await;
            });
        }
        let cancelled = || ApiError::new(ACTION, ErrorKind::Cancelled);
        let all = tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err(cancelled()))?,
            _ = ctx.cancel.cancelled() => return Err(cancelled()),
            _ = tokio::time::sleep_until(ctx.deadline) => {
                return Err(ApiError::new(ACTION, ErrorKind::DeadlineExceeded));
            }
        };
        Ok(ids
            .iter()
            .filter_map(|id| all.get(id).map(|s| (id.clone(), s.clone())))
            .collect())
    }
}

impl StatusRounds for Window {
    fn read<'a>(
        &'a self,
        ids: &'a [String],
        ctx: &'a Context,
    ) -> BoxFuture<'a, Result<Statuses, ApiError>> {
        Box::pin(self.read_in_round(ids, ctx))
    }

    fn stopped(&self, ids: &[String]) {
        self.0.taken_down(ids, false);
    }

    fn reset(&self, ids: &[String]) {
        self.0.taken_down(ids, true);
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn taken_down(&self, ids: &[String], reset: bool) {
        let now = Instant::now();
        let mut state = self.state();
        for id in ids {
            state.down.insert(id.clone(), (now, reset));
        }
    }

    /// The next tick after now, counted from the window's start.
    fn next_tick(&self) -> Instant {
        let ticks = self.origin.elapsed().as_nanos() / self.tick.as_nanos().max(1) + 1;
        let ticks = u32::try_from(ticks).unwrap_or(u32::MAX);
        self.origin + self.tick.saturating_mul(ticks)
    }

    /// Reads the round's instances, frees the places of those seen back, answers every read.
    async fn flush(&self) {
        let Some(round) = self.state().round.take() else {
            return;
        };
        let ids: Vec<String> = round.ids.into_iter().collect();
        let sent = Instant::now();
        let reply = describe_all(&self.client, &ids, self.batch_size, &self.bounds)
            .await
            .map(Arc::new);
        if let Ok(statuses) = &reply {
            self.observe(statuses, sent);
        }
        for waiter in round.waiters {
            // A read that gave up has dropped its receiver.
            let _ = waiter.send(reply.clone());
        }
    }

    /// Frees the places of the instances `statuses` shows RUNNING, if the read was sent after
    /// their reset was answered.
    fn observe(&self, statuses: &Statuses, sent: Instant) {
        let mut state = self.state();
        for (id, status) in statuses {
            if *status != InstanceStatus::Running {
                continue;
            }
            if state
                .down
                .get(id)
                .is_some_and(|&(since, reset)| reset && since <= sent)
            {
                state.down.remove(id);
                // The rollout may be over already; nothing then waits for the news.
                let _ = self.back.send(id.clone());
            }
        }
    }
}
