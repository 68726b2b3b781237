//! Selecting instances: every page of DescribeInstances, read concurrently within the client's
//! concurrency limit, checked for changes made during the read, and every row checked against
//! the filter.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::try_join_all;
use zenlayer_protocol::{action, MAX_IDS_PER_CALL, MAX_PAGE_SIZE};

use super::Operations;
use crate::instances::{InstanceFilter, InstanceInfo, Page};
use crate::{ApiError, Context, ErrorKind};

/// How many times every page is read, at most, before a read that keeps seeing the fleet
/// change fails.
pub const MAX_READS: u32 = 5;

/// What a selection found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The instances that pass every filter, in id order.
    pub instances: Vec<InstanceInfo>,
    /// Rows the API returned that do not pass the filter, with the first filter each fails:
    /// left out, and worth a warning (the API combined or ignored a filter).
    pub left_out: Vec<(String, &'static str)>,
}

/// One read of every page of a multi-page answer.
enum Read {
    /// The answer fit in one page: one answer, consistent by construction.
    Whole(Vec<InstanceInfo>),
    /// Every page agreed on the total and the rows add up to it.
    Consistent(Vec<InstanceInfo>),
    /// The fleet changed during the read (why, for the log).
    Changed(String),
}

impl Operations {
    /// Every instance that passes `filter`, in id order. Ids in the filter are sent 100 at a
    /// time. Pages are as large as the API gives (it is asked for its maximum, 1000; a smaller
    /// page is taken as the API's own size). A filter with an empty list or map selects
    /// nothing and calls nothing. Every row is checked against the filter here too.
    pub async fn describe_instances(
        &self,
        filter: &InstanceFilter,
        ctx: &Context,
    ) -> Result<Selection, ApiError> {
        if filter.selects_nothing() {
            return Ok(Selection::default());
        }
        let chunks: Vec<&[String]> = match filter.ids() {
            None => vec![&[]],
            Some(ids) => ids.chunks(MAX_IDS_PER_CALL).collect(),
        };
        let reads = chunks
            .into_iter()
            .map(|ids| self.settled_read(filter, ids, ctx));
        let mut by_id = BTreeMap::new();
        for rows in try_join_all(reads).await? {
            for info in rows {
                by_id.insert(info.id.clone(), info);
            }
        }
        let mut selection = Selection::default();
        for info in by_id.into_values() {
            match filter.rejects(&info) {
                None => selection.instances.push(info),
                Some(failed) => selection.left_out.push((info.id, failed)),
            }
        }
        if !selection.left_out.is_empty() {
            tracing::warn!(
                left_out = selection.left_out.len(),
                "DescribeInstances returned rows that do not pass the filter; they are left out"
            );
        }
        Ok(selection)
    }

    /// Every page for one chunk of ids, read until two reads in a row agree, so that an
    /// instance that exists throughout is neither missed nor repeated when the fleet changes
    /// during the read (a deletion between two pages shifts the later pages).
    async fn settled_read(
        &self,
        filter: &InstanceFilter,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Vec<InstanceInfo>, ApiError> {
        let mut previous: Option<BTreeSet<String>> = None;
        for read in 1..=MAX_READS {
            let rows = match self.read_every_page(filter, ids, ctx).await? {
                Read::Whole(rows) => return Ok(rows),
                Read::Consistent(rows) => rows,
                Read::Changed(why) => {
                    tracing::warn!(
                        read,
                        why,
                        "the instances changed during the read; reading again"
                    );
                    previous = None;
                    continue;
                }
            };
            let these: BTreeSet<String> = rows.iter().map(|r| r.id.clone()).collect();
            if previous.as_ref() == Some(&these) {
                return Ok(rows);
            }
            previous = Some(these);
        }
        Err(ApiError::new(
            action::DESCRIBE_INSTANCES,
            ErrorKind::Unsettled { reads: MAX_READS },
        ))
    }

    /// One read of every page: the first tells the total and the page size, the others are
    /// read at once; then the pages are checked against each other.
    async fn read_every_page(
        &self,
        filter: &InstanceFilter,
        ids: &[String],
        ctx: &Context,
    ) -> Result<Read, ApiError> {
        let first = self
            .client
            .describe_instances_page(filter, ids, 1, MAX_PAGE_SIZE, ctx)
            .await?;
        let (page_size, total) = (first.len, first.total);
        if page_size == 0 || page_size >= total {
            return Ok(Read::Whole(first.rows));
        }
        let pages = total.div_ceil(page_size);
        let rest = (2..=pages).map(|page| {
            self.client
                .describe_instances_page(filter, ids, page, page_size, ctx)
        });
        let mut all = vec![first];
        all.extend(try_join_all(rest).await?);
        Ok(check_pages(all, page_size, total))
    }
}

/// Whether `pages` (in order) make one consistent answer of `total` rows in pages of
/// `page_size`: every page counts the same total, every page but the last is full, and no
/// instance is there twice.
fn check_pages(pages: Vec<Page>, page_size: usize, total: usize) -> Read {
    let last = pages.len().saturating_sub(1);
    for (n, page) in pages.iter().enumerate() {
        if page.total != total {
            return Read::Changed(format!(
                "the total went from {total} to {} at page {}",
                page.total,
                n + 1
            ));
        }
        let expected = if n == last {
            total - page_size * last
        } else {
            page_size
        };
        if page.len != expected {
            return Read::Changed(format!(
                "page {} held {} rows, not {expected}",
                n + 1,
                page.len
            ));
        }
    }
    let rows: Vec<InstanceInfo> = pages.into_iter().flat_map(|p| p.rows).collect();
    let distinct: BTreeSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    if distinct.len() != rows.len() {
        return Read::Changed(format!(
            "{} rows named only {} instances",
            rows.len(),
            distinct.len()
        ));
    }
    Read::Consistent(rows)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{filters, FilterValue};
    use serde_json::json;
    use tokio_util::sync::CancellationToken;
    use zenlayer_protocol::action::DESCRIBE_INSTANCES;
    use zenlayer_sim::faults::FaultRule;
    use zenlayer_sim::world::{FleetEntry, Settings};

    use std::collections::BTreeSet;

    use super::*;
    use crate::fleet::{FleetSettings, MAX_READS};
    use crate::testing::{self, calls_of};

    fn ctx() -> Context {
        Context::with_timeout(Duration::from_secs(600), CancellationToken::new())
    }

    /// 1,000 instances, in pages of at most 300.
    fn paged_sim() -> zenlayer_sim::Sim {
        testing::sim(
            1000,
            Settings {
                max_page_size: 300,
                ..Settings::default()
            },
        )
    }

    /// Every instance of `sim`, read with no filter.
    async fn read_all(sim: &zenlayer_sim::Sim) -> Vec<InstanceInfo> {
        testing::operations(sim, settings())
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
            .expect("read")
            .instances
    }

    fn settings() -> FleetSettings {
        FleetSettings::new(100, Duration::from_secs(1), Duration::from_secs(30))
    }

    #[tokio::test(start_paused = true)]
    async fn every_page_is_read_and_the_result_is_in_id_order() {
        let sim = testing::sim(2500, Settings::default());
        let all = read_all(&sim).await;
        assert_eq!(all.len(), 2500);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "sorted by id");
        assert_eq!(
            calls_of(&sim, DESCRIBE_INSTANCES).len(),
            6,
            "pages of 1000, read twice to see that they agree"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_smaller_page_than_asked_is_coped_with() {
        let sim = paged_sim();
        let all = read_all(&sim).await;
        assert_eq!(all.len(), 1000);
        assert_eq!(
            calls_of(&sim, DESCRIBE_INSTANCES).len(),
            8,
            "4 pages, twice"
        );
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
        let fleet = testing::operations(&sim, settings());
        let filter = InstanceFilter::default()
            .with(&filters::ZONE_ID, FilterValue::Text("SIM-B".into()))
            .with(&filters::TAGS, FilterValue::Pairs(tags));
        let found = fleet
            .describe_instances(&filter, &ctx())
            .await
            .expect("read")
            .instances;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "web-1");
        assert_eq!(
            found[0]
                .tags
                .as_ref()
                .and_then(|t| t.get("env"))
                .map(String::as_str),
            Some("prod")
        );
        let ids =
            InstanceFilter::default().with(&filters::IDS, FilterValue::List(testing::ids(250)));
        let found = fleet
            .describe_instances(&ids, &ctx())
            .await
            .expect("read")
            .instances;
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
        let all = read_all(&sim).await;
        assert_eq!(all.len(), 2500);
        assert_eq!(
            calls_of(&sim, DESCRIBE_INSTANCES).len(),
            8,
            "3 pages twice, 2 throttled"
        );
    }

    fn fault(sim: &zenlayer_sim::Sim, rule: serde_json::Value) {
        sim.faults()
            .add([serde_json::from_value::<FaultRule>(rule).expect("rule")]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_instance_deleted_between_pages_shifts_nothing_out_of_the_result() {
        let sim = paged_sim();
        // i10 disappears after the first page: the later pages shift by one.
        fault(
            &sim,
            json!({"kind": "delete", "target": "i10", "action": DESCRIBE_INSTANCES,
                   "skip": 1, "count": 1}),
        );
        let fleet = testing::operations(&sim, settings());
        let all: BTreeSet<String> = fleet
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
            .expect("read")
            .instances
            .into_iter()
            .map(|i| i.id)
            .collect();
        let mut expected: BTreeSet<String> = testing::ids(1000).into_iter().collect();
        expected.remove("i10");
        assert_eq!(all, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fleet_that_never_stops_changing_fails_the_read_clearly() {
        let sim = paged_sim();
        // One instance disappears during every read.
        for (n, victim) in (1..=MAX_READS).zip(1..) {
            let skip = (n - 1) * 4 + 1;
            fault(
                &sim,
                json!({"kind": "delete", "target": format!("i{victim}"),
                       "action": DESCRIBE_INSTANCES, "skip": skip, "count": 1}),
            );
        }
        let fleet = testing::operations(&sim, settings());
        let Err(error) = fleet
            .describe_instances(&InstanceFilter::default(), &ctx())
            .await
        else {
            panic!("a read that never settles succeeded");
        };
        assert!(error.to_string().contains("kept changing"), "{error}");
        assert_eq!(
            calls_of(&sim, DESCRIBE_INSTANCES).len() as u32,
            4 * MAX_READS,
            "bounded"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_api_that_ignores_a_filter_has_its_extra_rows_left_out() {
        let sim = testing::sim(
            3,
            Settings {
                ignored_filters: vec!["zoneId".into()],
                ..Settings::default()
            },
        );
        let fleet = testing::operations(&sim, settings());
        let filter = InstanceFilter::default()
            .with(&filters::ZONE_ID, FilterValue::Text("ELSEWHERE".into()));
        let selection = fleet
            .describe_instances(&filter, &ctx())
            .await
            .expect("read");
        assert!(selection.instances.is_empty());
        assert_eq!(selection.left_out.len(), 3);
        assert!(selection.left_out.iter().all(|(_, f)| *f == "zone_id"));
    }
}
