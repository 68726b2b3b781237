//! The typed actions of the VM service this provider uses. Each takes at most
//! [`MAX_IDS_PER_CALL`] instance ids; batching larger sets is the caller's job.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use zenlayer_protocol::{action, InstanceStatus, MAX_IDS_PER_CALL};
use zeroize::Zeroizing;

use crate::client::{Answer, Client};
use crate::context::Context;
use crate::error::{ApiError, ErrorKind};
use crate::secret::Secret;

/// Page size used for DescribeInstancesStatus: one page holds a whole batch of ids.
const STATUS_PAGE_SIZE: usize = MAX_IDS_PER_CALL;

/// One row of DescribeInstancesStatus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatusEntry {
    pub(crate) instance_id: String,
    pub(crate) status: InstanceStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdsBody<'a> {
    instance_ids: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StopBody<'a> {
    instance_ids: &'a [String],
    force_shutdown: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    instance_ids: &'a [String],
    page_num: usize,
    page_size: usize,
}

/// The reset request body. Deliberately neither `Debug` nor `Clone`: it holds the password.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResetBody<'a> {
    instance_ids: &'a [String],
    password: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusPage {
    #[serde(default)]
    total_count: Option<u64>,
    #[serde(default)]
    data_set: Vec<StatusRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusRow {
    instance_id: String,
    instance_status: String,
}

/// Actions that return nothing but their request id.
#[derive(Deserialize)]
struct Empty {}

fn check_batch(action: &'static str, ids: &[String]) -> Result<(), ApiError> {
    if ids.is_empty() || ids.len() > MAX_IDS_PER_CALL {
        return Err(ApiError::new(
            action,
            ErrorKind::InvalidRequest {
                detail: format!(
                    "{} instance ids given; one call takes 1 to {MAX_IDS_PER_CALL}",
                    ids.len()
                ),
            },
        ));
    }
    Ok(())
}

/// The JSON of `body`, in a buffer of `capacity` bytes that is zeroized when the last copy
/// of the bytes (a retry's included) is dropped: a reset's body holds the password. A
/// capacity that covers the worst case keeps the buffer from reallocating and leaving a copy
/// behind.
pub(crate) fn json_body<T: Serialize>(
    action: &'static str,
    body: &T,
    capacity: usize,
) -> Result<Bytes, ApiError> {
    let mut buffer = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *buffer, body).map_err(|e| {
        ApiError::new(
            action,
            ErrorKind::InvalidRequest {
                detail: format!("could not encode the request: {e}"),
            },
        )
    })?;
    Ok(Bytes::from_owner(buffer))
}

/// Room for the JSON of `ids` (each escaped at worst six bytes a character) and 64 more.
fn room_for(ids: &[String]) -> usize {
    64 + ids.iter().map(|id| id.len() * 6 + 3).sum::<usize>()
}

impl Client {
    /// ResetInstancesPassword: sets the login password of up to 100 instances. Returns the
    /// request id. The API answers before the work is done (the instances restart afterwards).
    pub(crate) async fn reset_instances_password(
        &self,
        ids: &[String],
        password: &Secret,
        ctx: &Context,
    ) -> Result<String, ApiError> {
        const ACTION: &str = action::RESET_INSTANCES_PASSWORD;
        check_batch(ACTION, ids)?;
        let body = json_body(
            ACTION,
            &ResetBody {
                instance_ids: ids,
                password: password.expose(),
            },
            room_for(ids) + password.expose().len() * 6,
        )?;
        let answer: Answer<Empty> = self.call(ACTION, body, ids, Some(password), ctx).await?;
        Ok(answer.request_id)
    }

    /// DescribeInstancesStatus for up to 100 ids, following pages. Unknown ids are simply
    /// absent from the result.
    pub(crate) async fn describe_instances_status(
        &self,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Vec<StatusEntry>, ApiError> {
        const ACTION: &str = action::DESCRIBE_INSTANCES_STATUS;
        check_batch(ACTION, ids)?;
        let mut entries = Vec::with_capacity(ids.len());
        // Bounded: with at most 100 ids and 100 per page there is one page; the loop only
        // guards against an API that pages differently.
        for page_num in 1..=10 {
            let body = json_body(
                ACTION,
                &StatusBody {
                    instance_ids: ids,
                    page_num,
                    page_size: STATUS_PAGE_SIZE,
                },
                room_for(ids),
            )?;
            let answer: Answer<StatusPage> = self.call(ACTION, body, ids, None, ctx).await?;
            let page_len = answer.value.data_set.len();
            entries.extend(answer.value.data_set.into_iter().map(|row| StatusEntry {
                status: InstanceStatus::parse(&row.instance_status),
                instance_id: row.instance_id,
            }));
            let total = answer.value.total_count.unwrap_or(entries.len() as u64);
            if page_len == 0 || entries.len() as u64 >= total {
                break;
            }
        }
        Ok(entries)
    }

    /// StopInstances. `force` false asks for a graceful shutdown.
    pub(crate) async fn stop_instances(
        &self,
        ids: &[String],
        force: bool,
        ctx: &Context,
    ) -> Result<String, ApiError> {
        const ACTION: &str = action::STOP_INSTANCES;
        check_batch(ACTION, ids)?;
        let body = json_body(
            ACTION,
            &StopBody {
                instance_ids: ids,
                force_shutdown: force,
            },
            room_for(ids),
        )?;
        let answer: Answer<Empty> = self.call(ACTION, body, ids, None, ctx).await?;
        Ok(answer.request_id)
    }

    /// StartInstances: STOPPED instances boot, asynchronously. Returns the request id.
    pub(crate) async fn start_instances(
        &self,
        ids: &[String],
        ctx: &Context,
    ) -> Result<String, ApiError> {
        const ACTION: &str = action::START_INSTANCES;
        check_batch(ACTION, ids)?;
        let body = json_body(ACTION, &IdsBody { instance_ids: ids }, room_for(ids))?;
        let answer: Answer<Empty> = self.call(ACTION, body, ids, None, ctx).await?;
        Ok(answer.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_outside_the_limit_are_not_sent() {
        let ids: Vec<String> = (0..101).map(|i| format!("ins-{i}")).collect();
        assert!(check_batch("X", &ids).is_err());
        assert!(check_batch("X", &ids[..100]).is_ok());
        assert!(check_batch("X", &[]).is_err());
    }
}
