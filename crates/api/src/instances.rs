//! DescribeInstances: the instances of the account that pass a filter, with their attributes.
//! Every field of a row is optional but the id; the filter's fields are optional and combine
//! with AND.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zenlayer_protocol::action;

use crate::client::{Answer, Client};
use crate::context::Context;
use crate::error::{ApiError, ErrorKind};

/// What DescribeInstances filters on. Empty fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceFilter {
    /// `instanceIds` (sent 100 at a time).
    pub ids: Vec<String>,
    /// `zoneId`.
    pub zone_id: Option<String>,
    /// `instanceStatus`.
    pub instance_status: Option<String>,
    /// `instanceType`.
    pub instance_type: Option<String>,
    /// `imageId`.
    pub image_id: Option<String>,
    /// `resourceGroupId`.
    pub resource_group_id: Option<String>,
    /// `subnetId`.
    pub subnet_id: Option<String>,
    /// `securityGroupId`.
    pub security_group_id: Option<String>,
    /// `publicIpAddresses`.
    pub public_ip_addresses: Vec<String>,
    /// `privateIpAddresses`.
    pub private_ip_addresses: Vec<String>,
    /// `tags`: every pair must match.
    pub tags: BTreeMap<String, String>,
    /// `tagKeys`: every key must be present.
    pub tag_keys: Vec<String>,
}

/// One instance as DescribeInstances reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    /// The instance id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Its zone.
    pub zone_id: Option<String>,
    /// Its type.
    pub instance_type: Option<String>,
    /// Its image.
    pub image_id: Option<String>,
    /// The image's name.
    pub image_name: Option<String>,
    /// Its vCPUs.
    pub cpu_count: Option<i64>,
    /// Its memory, in GiB.
    pub memory: Option<i64>,
    /// Its public addresses.
    pub public_ip_addresses: Vec<String>,
    /// Its private addresses.
    pub private_ip_addresses: Vec<String>,
    /// Its resource group.
    pub resource_group_id: Option<String>,
    /// When it was created.
    pub create_time: Option<String>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TagBody<'a> {
    key: &'a str,
    value: &'a str,
}

/// The request body: the filter's set fields, one chunk of ids, and the page.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilterBody<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    instance_ids: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    zone_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    security_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    public_ip_addresses: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    private_ip_addresses: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<TagBody<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tag_keys: &'a [String],
    page_num: usize,
    page_size: usize,
}

/// One page of the answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InstancePage {
    #[serde(default)]
    pub(crate) total_count: Option<usize>,
    #[serde(default)]
    pub(crate) data_set: Option<Vec<Row>>,
}

/// A row as the API sends it: only the id is sure to be there.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Row {
    instance_id: String,
    instance_name: Option<String>,
    instance_status: Option<String>,
    zone_id: Option<String>,
    instance_type: Option<String>,
    image_id: Option<String>,
    image_name: Option<String>,
    cpu_count: Option<i64>,
    memory: Option<i64>,
    public_ip_addresses: Option<Vec<String>>,
    private_ip_addresses: Option<Vec<String>>,
    resource_group_id: Option<String>,
    create_time: Option<String>,
    tags: Option<RowTags>,
}

#[derive(Deserialize)]
struct RowTags {
    tags: Option<Vec<RowTag>>,
}

#[derive(Deserialize)]
struct RowTag {
    key: Option<String>,
    value: Option<String>,
}

impl From<Row> for InstanceInfo {
    fn from(r: Row) -> Self {
        let tags = r
            .tags
            .and_then(|t| t.tags)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
            .collect();
        InstanceInfo {
            id: r.instance_id,
            name: r.instance_name,
            status: r.instance_status,
            zone_id: r.zone_id,
            instance_type: r.instance_type,
            image_id: r.image_id,
            image_name: r.image_name,
            cpu_count: r.cpu_count,
            memory: r.memory,
            public_ip_addresses: r.public_ip_addresses.unwrap_or_default(),
            private_ip_addresses: r.private_ip_addresses.unwrap_or_default(),
            resource_group_id: r.resource_group_id,
            create_time: r.create_time,
            tags,
        }
    }
}

impl Client {
    /// One page of DescribeInstances for `filter` with `ids` (at most 100) in place of its
    /// own; returns the rows and the total the API counts.
    pub(crate) async fn describe_instances_page(
        &self,
        filter: &InstanceFilter,
        ids: &[String],
        page_num: usize,
        page_size: usize,
        ctx: &Context,
    ) -> Result<(Vec<InstanceInfo>, usize), ApiError> {
        const ACTION: &str = action::DESCRIBE_INSTANCES;
        let body = FilterBody {
            instance_ids: ids,
            zone_id: filter.zone_id.as_deref(),
            instance_status: filter.instance_status.as_deref(),
            instance_type: filter.instance_type.as_deref(),
            image_id: filter.image_id.as_deref(),
            resource_group_id: filter.resource_group_id.as_deref(),
            subnet_id: filter.subnet_id.as_deref(),
            security_group_id: filter.security_group_id.as_deref(),
            public_ip_addresses: &filter.public_ip_addresses,
            private_ip_addresses: &filter.private_ip_addresses,
            tags: filter
                .tags
                .iter()
                .map(|(key, value)| TagBody { key, value })
                .collect(),
            tag_keys: &filter.tag_keys,
            page_num,
            page_size,
        };
        let body = serde_json::to_vec(&body).map_err(|e| {
            ApiError::new(
                ACTION,
                ErrorKind::InvalidRequest {
                    detail: format!("could not encode the request: {e}"),
                },
            )
        })?;
        let answer: Answer<InstancePage> = self.call(ACTION, body.into(), ids, ctx).await?;
        let rows: Vec<InstanceInfo> = answer
            .value
            .data_set
            .unwrap_or_default()
            .into_iter()
            .map(InstanceInfo::from)
            .collect();
        let total = answer.value.total_count.unwrap_or(rows.len());
        Ok((rows, total))
    }
}
