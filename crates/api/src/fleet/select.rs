//! Selecting instances: every page of DescribeInstances, read concurrently within the client's
//! concurrency limit.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use zenlayer_protocol::{MAX_IDS_PER_CALL, MAX_PAGE_SIZE};

use super::Fleet;
use crate::instances::{InstanceFilter, InstanceInfo};
use crate::{ApiError, Context};

impl Fleet {
    /// Every instance that passes `filter`, in id order. Ids in the filter are sent 100 at a
    /// time. Pages are as large as the API gives (it is asked for its maximum, 1000; a smaller
    /// page is taken as the API's own size).
    pub async fn describe_instances(
        &self,
        filter: &InstanceFilter,
        ctx: &Context,
    ) -> Result<Vec<InstanceInfo>, ApiError> {
        let chunks: Vec<&[String]> = if filter.ids.is_empty() {
            vec![&[]]
        } else {
            filter.ids.chunks(MAX_IDS_PER_CALL).collect()
        };
        let reads = chunks
            .into_iter()
            .map(|ids| self.every_page(filter, ids, ctx));
        let mut by_id = BTreeMap::new();
        for page_set in try_join_all(reads).await? {
            for info in page_set {
                by_id.insert(info.id.clone(), info);
            }
        }
        Ok(by_id.into_values().collect())
    }

    /// Every page for one chunk of ids: the first tells the total and the page size, the
    /// others are read at once.
    async fn every_page(
        &self,
        filter: &InstanceFilter,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Vec<InstanceInfo>, ApiError> {
        let (mut rows, total) = self
            .client
            .describe_instances_page(filter, ids, 1, MAX_PAGE_SIZE, ctx)
            .await?;
        let page_size = rows.len();
        if page_size == 0 || page_size >= total {
            return Ok(rows);
        }
        let pages = total.div_ceil(page_size);
        let rest = (2..=pages).map(|page| {
            self.client
                .describe_instances_page(filter, ids, page, page_size, ctx)
        });
        for (more, _) in try_join_all(rest).await? {
            rows.extend(more);
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;
    use tokio_util::sync::CancellationToken;
    use zenlayer_protocol::action::DESCRIBE_INSTANCES;
    use zenlayer_sim::faults::FaultRule;
    use zenlayer_sim::world::{FleetEntry, Settings};

    use super::*;
    use crate::fleet::FleetSettings;
    use crate::testing::{self, calls_of};

    fn ctx() -> Context {
        Context::with_timeout(Duration::from_secs(600), CancellationToken::new())
    }

    fn settings() -> FleetSettings {
        FleetSettings::new(100, Duration::from_secs(1), Duration::from_secs(30))
    }

    #[tokio::test(start_paused = true)]
    async fn every_page_is_read_and_the_result_is_in_id_order() {
        let sim = testing::sim(2500, Settings::default());
        let fleet = testing::fleet(&sim, settings());
        let all = fleet
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
            .expect("read");
        assert_eq!(all.len(), 2500);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "sorted by id");
        assert_eq!(calls_of(&sim, DESCRIBE_INSTANCES).len(), 3, "pages of 1000");
    }

    #[tokio::test(start_paused = true)]
    async fn a_smaller_page_than_asked_is_coped_with() {
        let sim = testing::sim(
            1000,
            Settings {
                max_page_size: 300,
                ..Settings::default()
            },
        );
        let fleet = testing::fleet(&sim, settings());
        let all = fleet
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
            .expect("read");
        assert_eq!(all.len(), 1000);
        assert_eq!(calls_of(&sim, DESCRIBE_INSTANCES).len(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn filters_reach_the_api_and_ids_go_a_hundred_at_a_time() {
        let sim = testing::sim(250, Settings::default());
        let mut tags = BTreeMap::new();
        tags.insert("env".to_string(), "prod".to_string());
        sim.lock().add(FleetEntry {
            id: "web-1".into(),
            status: "RUNNING".into(),
            auto_restart: true,
            attributes: zenlayer_sim::attributes::Attributes {
                zone_id: "SIM-B".into(),
                tags: tags.clone(),
                ..Default::default()
            },
            row: Default::default(),
        });
        let fleet = testing::fleet(&sim, settings());
        let filter = InstanceFilter {
            zone_id: Some("SIM-B".into()),
            tags,
            ..Default::default()
        };
        let found = fleet
            .describe_instances(&filter, &ctx())
            .await
            .expect("read");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "web-1");
        assert_eq!(found[0].tags.get("env").map(String::as_str), Some("prod"));
        let ids = InstanceFilter {
            ids: testing::ids(250),
            ..Default::default()
        };
        let found = fleet.describe_instances(&ids, &ctx()).await.expect("read");
        assert_eq!(found.len(), 250);
        let sizes: Vec<usize> = calls_of(&sim, DESCRIBE_INSTANCES)[1..]
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, vec![100, 100, 50]);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_while_paging_is_ridden_out() {
        let sim = testing::sim(2500, Settings::default());
        let rule: FaultRule = serde_json::from_value(
            json!({"kind": "throttle", "action": DESCRIBE_INSTANCES, "count": 2}),
        )
        .expect("rule");
        sim.faults().add([rule]);
        let fleet = testing::fleet(&sim, settings());
        let all = fleet
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
            .expect("read");
        assert_eq!(all.len(), 2500);
        assert_eq!(
            calls_of(&sim, DESCRIBE_INSTANCES).len(),
            5,
            "3 pages, 2 throttled"
        );
    }
}
