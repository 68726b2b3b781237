//! Status reads. [`StatusReader::read`] coalesces reads that arrive together (Terraform
//! refreshes about ten resources at a time) into shared DescribeInstancesStatus calls of up to
//! 100 ids; [`describe_all`] reads a known set directly, batched.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::FleetSettings;
use crate::api::{ApiError, Client, Context, ErrorKind, InstanceStatus};

/// Statuses by instance id; an id that does not exist is absent.
pub type Statuses = HashMap<String, InstanceStatus>;

type Reply = Result<Arc<Statuses>, ApiError>;

/// Reads collected during the current window.
struct Pending {
    ids: BTreeSet<String>,
    waiters: Vec<oneshot::Sender<Reply>>,
}

/// Coalesces concurrent status reads into shared calls.
pub struct StatusReader {
    client: Arc<Client>,
    settings: FleetSettings,
    stop: CancellationToken,
    pending: Mutex<Option<Pending>>,
}

impl std::fmt::Debug for StatusReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusReader").finish_non_exhaustive()
    }
}

/// How long a shared read may take in all (its callers give up earlier on their own deadlines).
const SHARED_READ_TIMEOUT: Duration = Duration::from_secs(600);

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
        }
    }

    /// The statuses of `ids`, read together with any other reads that arrive within the
    /// coalescing window.
    pub async fn read(
        self: &Arc<Self>,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Statuses, ApiError> {
        const ACTION: &str = "DescribeInstancesStatus";
        if ids.is_empty() {
            return Ok(Statuses::new());
        }
        let (tx, rx) = oneshot::channel();
        let first = {
            let mut guard = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            match guard.as_mut() {
                Some(p) => {
                    p.ids.extend(ids.iter().cloned());
                    p.waiters.push(tx);
                    false
                }
                None => {
                    *guard = Some(Pending {
                        ids: ids.iter().cloned().collect(),
                        waiters: vec![tx],
                    });
                    true
                }
            }
        };
        if first {
            let this = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(this.settings.coalesce_window).await;
                this.flush().await;
            });
        }
        let reply = tokio::select! {
            r = rx => r.unwrap_or_else(|_| Err(ApiError::new(ACTION, ErrorKind::Cancelled))),
            _ = ctx.cancel.cancelled() => Err(ApiError::new(ACTION, ErrorKind::Cancelled)),
            _ = tokio::time::sleep_until(ctx.deadline) => Err(ApiError::new(ACTION, ErrorKind::DeadlineExceeded)),
        };
        let all = reply?;
        Ok(ids
            .iter()
            .filter_map(|id| all.get(id).map(|s| (id.clone(), s.clone())))
            .collect())
    }

    async fn flush(&self) {
        let Some(pending) = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
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
