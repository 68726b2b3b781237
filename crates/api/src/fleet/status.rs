//! Status reads. [`StatusReader::read`] coalesces reads that arrive together (Terraform
//! refreshes about ten resources at a time) into shared DescribeInstancesStatus calls of up to
//! 100 ids; [`describe_all`] reads a known set directly, batched.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::FleetSettings;
use crate::{ApiError, Client, Context, ErrorKind, InstanceStatus, TransportStep};
use zenlayer_protocol::action;

/// Statuses by instance id; an id that does not exist is absent.
pub type Statuses = HashMap<String, InstanceStatus>;

type Reply = Result<Arc<Statuses>, ApiError>;

/// What adding a read to the current window did.
struct Joined {
    /// The window's generation, when this read opened it.
    opened: Option<u64>,
    /// The whole window, when this read filled it.
    full: Option<Pending>,
    /// How long the window stays open.
    window: Duration,
}

/// Reads collected during the current window.
struct Pending {
    /// Distinguishes successive windows, so that a window's timer never flushes a later one.
    generation: u64,
    ids: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Reply>>,
}

/// Coalesces concurrent status reads into shared calls.
///
/// Terraform runs about `-parallelism` reads at a time; when a shared call answers, the next
/// reads arrive over a few milliseconds. A window opens with the first read and closes after
/// [`FleetSettings::coalesce_window`], or as soon as as many reads are waiting as were ever
/// outstanding at once (Terraform's parallelism, as observed). Until the first shared call, the
/// shorter [`FleetSettings::first_coalesce_window`] applies.
pub struct StatusReader {
    client: Arc<Client>,
    settings: FleetSettings,
    stop: CancellationToken,
    pending: Mutex<Option<Pending>>,
    generation: AtomicU64,
    /// Reads started and not yet answered.
    outstanding: AtomicUsize,
    /// The most reads ever outstanding at once.
    peak_outstanding: AtomicUsize,
    /// Whether a shared call has been made (so `peak_outstanding` means something).
    flushed_once: AtomicBool,
}

/// Counts a read as outstanding while it lives.
struct Outstanding<'a>(&'a AtomicUsize);

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for StatusReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusReader").finish_non_exhaustive()
    }
}

/// How long a shared read may take in all (its callers give up earlier on their own deadlines).
pub(super) const SHARED_READ_TIMEOUT: Duration = Duration::from_secs(600);

impl StatusReader {
    pub(super) fn new(
        client: Arc<Client>,
        settings: FleetSettings,
        stop: CancellationToken,
    ) -> Self {
        StatusReader {
            client,
            settings,
            stop,
            pending: Mutex::new(None),
            generation: AtomicU64::new(0),
            outstanding: AtomicUsize::new(0),
            peak_outstanding: AtomicUsize::new(0),
            flushed_once: AtomicBool::new(false),
        }
    }

    /// The statuses of `ids`, read together with any other reads that arrive within the
    /// coalescing window.
    pub async fn read(
        self: &Arc<Self>,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Statuses, ApiError> {
        const ACTION: &str = action::DESCRIBE_INSTANCES_STATUS;
        if ids.is_empty() {
            return Ok(Statuses::new());
        }
        tracing::trace!(instances = ids.len(), "status read queued");
        let now_outstanding = self.outstanding.fetch_add(1, Ordering::Relaxed) + 1;
        let _outstanding = Outstanding(&self.outstanding);
        self.peak_outstanding
            .fetch_max(now_outstanding, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let joined = self.join(ids, tx);
        self.schedule(joined);
        let started = tokio::time::Instant::now();
        let reply = tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err(ApiError::new(ACTION, ErrorKind::Internal {
                detail: "the shared status read ended without an answer".into(),
            }))),
            _ = ctx.cancel.cancelled() => Err(ApiError::new(ACTION, ErrorKind::Cancelled)),
            // A read's deadline is its own budget: running out of it means no answer came.
            _ = tokio::time::sleep_until(ctx.deadline) => Err(ApiError::new(ACTION, ErrorKind::Transport {
                step: TransportStep::TimedOut,
                detail: format!(
                    "no answer within {}s from {}",
                    started.elapsed().as_secs(),
                    self.client.service_url()
                ),
            })),
        };
        let all = reply?;
        Ok(ids
            .iter()
            .filter_map(|id| all.get(id).map(|s| (id.clone(), s.clone())))
            .collect())
    }

    /// Adds a read to the current window (opening one if needed), and says whether it opened
    /// the window or filled it.
    fn join(&self, ids: &[String], reply: oneshot::Sender<Reply>) -> Joined {
        let mut guard = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let pending = guard.get_or_insert_with(|| Pending {
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
            ids: BTreeSet::new(),
            waiters: Vec::new(),
        });
        let opened = pending.waiters.is_empty().then_some(pending.generation);
        pending.ids.extend(ids.iter().cloned());
        pending.waiters.push(reply);
        let learned = self.flushed_once.load(Ordering::Relaxed);
        let peak = self.peak_outstanding.load(Ordering::Relaxed);
        // Not flushed on a call's worth of ids: reads of more than 100 ids each (large
        // resources) then share their last, partial calls too.
        let full = learned && pending.waiters.len() >= peak;
        let window = if learned {
            self.settings.coalesce_window
        } else {
            self.settings.first_coalesce_window
        };
        Joined {
            opened,
            full: full.then(|| guard.take()).flatten(),
            window,
        }
    }

    /// Flushes a full window now, or closes a newly opened one when its time is up.
    fn schedule(self: &Arc<Self>, joined: Joined) {
        let this = self.clone();
        if let Some(batch) = joined.full {
            tokio::spawn(async move { this.flush(batch).await });
        } else if let Some(generation) = joined.opened {
            tokio::spawn(async move {
                tokio::time::sleep(joined.window).await;
                let batch = {
                    let mut guard = this.pending.lock().unwrap_or_else(|e| e.into_inner());
                    match guard.as_ref() {
                        Some(p) if p.generation == generation => guard.take(),
                        _ => None,
                    }
                };
                if let Some(batch) = batch {
                    this.flush(batch).await;
                }
            });
        }
    }

    async fn flush(&self, pending: Pending) {
        tracing::trace!(readers = pending.waiters.len(), "status reads flushed");
        self.flushed_once.store(true, Ordering::Relaxed);
        let ids: Vec<String> = pending.ids.into_iter().collect();
        let ctx = Context::with_timeout(SHARED_READ_TIMEOUT, self.stop.clone());
        let reply = describe_all(&self.client, &ids, self.settings.batch_size, &ctx)
            .await
            .map(Arc::new);
        for waiter in pending.waiters {
            // A waiter that gave up has dropped its receiver; nothing to do for it.
            let _ = waiter.send(reply.clone());
        }
    }
}

/// The statuses of `ids`, in concurrent calls of at most `batch_size` ids.
pub(super) async fn describe_all(
    client: &Client,
    ids: &[String],
    batch_size: usize,
    ctx: &Context,
) -> Result<Statuses, ApiError> {
    let calls = ids
        .chunks(batch_size.max(1))
        .map(|chunk| client.describe_instances_status(chunk, ctx));
    let mut statuses = Statuses::with_capacity(ids.len());
    for result in join_all(calls).await {
        for entry in result? {
            statuses.insert(entry.instance_id, entry.status);
        }
    }
    Ok(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, calls_of};
    use zenlayer_protocol::action::DESCRIBE_INSTANCES_STATUS;
    use zenlayer_sim::world::Settings;
    use zenlayer_sim::Sim;

    /// A status reader on a real client talking to an in-process simulator.
    fn reader_on_sim(instances: usize) -> (Arc<StatusReader>, Sim) {
        let sim = testing::sim(instances, Settings::default());
        let client = testing::client(&sim, testing::client_config(3, 4));
        let reader = StatusReader::new(
            Arc::new(client),
            FleetSettings::new(100, Duration::from_secs(2), Duration::from_secs(120)),
            CancellationToken::new(),
        );
        (Arc::new(reader), sim)
    }

    #[tokio::test(start_paused = true)]
    async fn reads_that_arrive_together_share_one_call() {
        let (reader, sim) = reader_on_sim(30);
        let ctx = Context::with_timeout(Duration::from_secs(10), CancellationToken::new());
        let tasks: Vec<_> = (1..=10)
            .map(|n| {
                let (reader, ctx) = (reader.clone(), ctx.clone());
                tokio::spawn(async move {
                    reader
                        .read(&[format!("i{n}"), "missing".into()], &ctx)
                        .await
                })
            })
            .collect();
        for (n, task) in (1..=10).zip(tasks) {
            let got = task.await.expect("joined").expect("read");
            assert_eq!(
                got.len(),
                1,
                "each caller gets its own ids, and not the missing one"
            );
            assert_eq!(got.get(&format!("i{n}")), Some(&InstanceStatus::Running));
        }
        let calls = calls_of(&sim, DESCRIBE_INSTANCES_STATUS);
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].len(), 11, "ten ids and the missing one, once");

        // The next round of ten closes as soon as the tenth arrives, and shares one call too.
        let tasks: Vec<_> = (11..=20)
            .map(|n| {
                let (reader, ctx) = (reader.clone(), ctx.clone());
                tokio::spawn(async move { reader.read(&[format!("i{n}")], &ctx).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("joined").expect("read");
        }
        assert_eq!(calls_of(&sim, DESCRIBE_INSTANCES_STATUS).len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn more_than_a_call_s_worth_of_ids_is_split_at_one_hundred() {
        let (reader, sim) = reader_on_sim(250);
        let ctx = Context::with_timeout(Duration::from_secs(10), CancellationToken::new());
        let ids = testing::ids(250);
        let got = reader.read(&ids, &ctx).await.expect("read");
        assert_eq!(got.len(), 250);
        let mut sizes: Vec<usize> = calls_of(&sim, DESCRIBE_INSTANCES_STATUS)
            .iter()
            .map(Vec::len)
            .collect();
        sizes.sort();
        assert_eq!(sizes, vec![50, 100, 100]);
    }
}
