//! A rollout's window onto the instances it takes out of RUNNING. Every status read of a
//! rollout goes through it: the reads of every rollout of the provider are gathered into one
//! round per tick ([`TickReads`], at most half a second apart), so that instances in flight are
//! polled often enough to notice a return within half a second, in ceil(in flight / 100) calls
//! per round however many batches, resources and actions wait. A read sent after an instance's
//! reset was answered, and that sees it RUNNING, frees its place in its operation's
//! [`Window`]: the rollout hears of it at once. (RUNNING before the reset, as when a stopped
//! instance is started so that the API accepts its reset, is not back: the reset is still to
//! come.)
//!
//! A window where nobody can wait for a place (it holds the whole fleet, with no canary, one
//! zone and no provider budget) is not paced: its reads go straight to the API at the usual
//! polling pace, since a quick return would free a place nobody wants.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use zenlayer_protocol::action;

use super::status::{describe_all, Statuses, SHARED_READ_TIMEOUT};
use super::FleetSettings;
use crate::context::StatusRounds;
use crate::{ApiError, Client, Context, ErrorKind, InstanceStatus};

/// The longest time between two rounds of reads in a rollout: a returning instance frees its
/// place at most this late (a quarter of it on average, with the read's own time).
pub const ROLLOUT_TICK: Duration = Duration::from_millis(500);

/// What a round answers: every status it read, and when it was sent.
type Reply = Result<(Arc<Statuses>, Instant), ApiError>;

/// The provider's rounds of rollout reads, one per tick.
pub(crate) struct TickReads {
    client: Arc<Client>,
    batch_size: usize,
    tick: Duration,
    origin: Instant,
    /// The provider's stop signal, which ends the shared calls.
    stop: CancellationToken,
    round: Mutex<Option<Round>>,
}

struct Round {
    ids: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Reply>>,
}

impl std::fmt::Debug for TickReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TickReads").finish_non_exhaustive()
    }
}

impl TickReads {
    /// Rounds at most `ROLLOUT_TICK` apart (the polling interval, if shorter), ended by `stop`.
    pub(crate) fn new(
        client: Arc<Client>,
        settings: &FleetSettings,
        stop: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(TickReads {
            client,
            batch_size: settings.batch_size,
            tick: settings
                .poll_interval
                .clamp(Duration::from_millis(1), ROLLOUT_TICK),
            origin: Instant::now(),
            stop,
            round: Mutex::new(None),
        })
    }

    fn round(&self) -> MutexGuard<'_, Option<Round>> {
        self.round.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The statuses of `ids`, read now, outside the rounds, and when the read was sent.
    async fn read_now(&self, ids: &[String], ctx: &Context) -> Reply {
        let sent = Instant::now();
        describe_all(&self.client, ids, self.batch_size, ctx)
            .await
            .map(|statuses| (Arc::new(statuses), sent))
    }

    /// Every status the next round reads (`ids` among them), and when it was sent; bounded by
    /// `ctx` for this reader.
    async fn read(self: &Arc<Self>, ids: &[String], ctx: &Context) -> Reply {
        const ACTION: &str = action::DESCRIBE_INSTANCES_STATUS;
        let (tx, rx) = oneshot::channel();
        let opened = {
            let mut round = self.round();
            let opened = round.is_none();
            let round = round.get_or_insert_with(|| Round {
                ids: BTreeSet::new(),
                waiters: Vec::new(),
            });
            round.ids.extend(ids.iter().cloned());
            round.waiters.push(tx);
            opened
        };
        if opened {
            let this = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(this.next_tick()).await;
                this.flush().await;
            });
        }
        let cancelled = || ApiError::new(ACTION, ErrorKind::Cancelled);
        tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err(cancelled())),
            _ = ctx.cancel.cancelled() => Err(cancelled()),
            _ = tokio::time::sleep_until(ctx.deadline) => {
                Err(ApiError::new(ACTION, ErrorKind::DeadlineExceeded))
            }
        }
    }

    /// The next tick after now, counted from the reader's start.
    fn next_tick(&self) -> Instant {
        let ticks = self.origin.elapsed().as_nanos() / self.tick.as_nanos().max(1) + 1;
        let ticks = u32::try_from(ticks).unwrap_or(u32::MAX);
        self.origin + self.tick.saturating_mul(ticks)
    }

    /// Reads the round's instances and answers every read of it.
    async fn flush(&self) {
        let Some(round) = self.round().take() else {
            return;
        };
        let ids: Vec<String> = round.ids.into_iter().collect();
        let bounds = Context::with_timeout(SHARED_READ_TIMEOUT, self.stop.clone());
        let reply = self.read_now(&ids, &bounds).await;
        for waiter in round.waiters {
            // A read that gave up has dropped its receiver.
            let _ = waiter.send(reply.clone());
        }
    }
}

/// One rollout's window: see the module's documentation. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Window(Arc<Shared>);

struct Shared {
    reads: Arc<TickReads>,
    /// Instances taken out of RUNNING: when the call that did it was answered, and whether
    /// it was their reset.
    down: Mutex<HashMap<String, (Instant, bool)>>,
    back: mpsc::UnboundedSender<String>,
    /// Whether its reads go in the provider's rounds, which pace them (see the module).
    paced: bool,
}

impl std::fmt::Debug for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Window").finish_non_exhaustive()
    }
}

impl Window {
    /// A window reading through the provider's `reads` (in its rounds if `paced`); the ids
    /// seen back are sent to `back`.
    pub(crate) fn new(
        reads: Arc<TickReads>,
        back: mpsc::UnboundedSender<String>,
        paced: bool,
    ) -> Self {
        Window(Arc::new(Shared {
            reads,
            down: Mutex::default(),
            back,
            paced,
        }))
    }

    fn down(&self) -> MutexGuard<'_, HashMap<String, (Instant, bool)>> {
        self.0.down.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `id` was taken down and no read has seen it RUNNING since.
    pub(crate) fn is_down(&self, id: &str) -> bool {
        self.down().contains_key(id)
    }

    /// Forgets `ids`: their part of the operation is over.
    pub(crate) fn forget(&self, ids: &[String]) {
        let mut down = self.down();
        for id in ids {
            down.remove(id);
        }
    }

    fn taken_down(&self, ids: &[String], reset: bool) {
        let now = Instant::now();
        let mut down = self.down();
        for id in ids {
            down.insert(id.clone(), (now, reset));
        }
    }

    /// The statuses of `ids`, read in the next round; frees the places of those seen back.
    async fn read_in_round(&self, ids: &[String], ctx: &Context) -> Result<Statuses, ApiError> {
        if ids.is_empty() {
            return Ok(Statuses::new());
        }
        let (all, sent) = if self.0.paced {
            self.0.reads.read(ids, ctx).await?
        } else {
            self.0.reads.read_now(ids, ctx).await?
        };
        let found: Statuses = ids
            .iter()
            .filter_map(|id| all.get(id).map(|s| (id.clone(), s.clone())))
            .collect();
        self.observe(&found, sent);
        Ok(found)
    }

    /// Frees the places of the instances `statuses` shows RUNNING, if the read was sent after
    /// their reset was answered.
    fn observe(&self, statuses: &Statuses, sent: Instant) {
        let mut down = self.down();
        for (id, status) in statuses {
            if *status != InstanceStatus::Running {
                continue;
            }
            if down
                .get(id)
                .is_some_and(|&(since, reset)| reset && since <= sent)
            {
                down.remove(id);
                // The rollout may be over already; nothing then waits for the news.
                let _ = self.0.back.send(id.clone());
            }
        }
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

    fn paces_reads(&self) -> bool {
        self.0.paced
    }

    fn stopped(&self, ids: &[String]) {
        self.taken_down(ids, false);
    }

    fn reset(&self, ids: &[String]) {
        self.taken_down(ids, true);
    }
}
