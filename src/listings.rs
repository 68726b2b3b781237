//! [`InstanceListings`]: which resource configuration listed each instance first, among those
//! this provider process has planned, so that an instance listed by two resources is warned
//! about (each apply would set the password of the resource applied last).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The first listing of each instance: what the listing configuration sets (an opaque
/// fingerprint, which the resource computes) and how messages name that configuration.
#[derive(Debug, Default)]
pub(crate) struct InstanceListings {
    hasher: std::collections::hash_map::RandomState,
    first: Mutex<BTreeMap<String, (u64, Arc<str>)>>,
}

impl InstanceListings {
    /// This process's random hasher, for fingerprints that say nothing outside it (they may
    /// stand for a password).
    pub(crate) fn hasher(&self) -> &std::collections::hash_map::RandomState {
        &self.hasher
    }

    /// Records that the configuration `name`, which sets what `fingerprint` stands for, lists
    /// `ids`; returns the ids another configuration listed first, each with its name. Listing
    /// the same configuration twice (as a replacement's two plans do) finds nothing.
    pub(crate) fn list<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a String>,
        fingerprint: u64,
        name: &str,
    ) -> Vec<(String, Arc<str>)> {
        let name: Arc<str> = name.into();
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        ids.into_iter()
            .filter_map(|id| {
                let (theirs, their_name) = first
                    .entry(id.clone())
                    .or_insert_with(|| (fingerprint, name.clone()));
                (*theirs != fingerprint).then(|| (id.clone(), their_name.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_listed_by_another_configuration_is_found_with_its_name() {
        let listings = InstanceListings::default();
        let a: Vec<String> = vec!["i1".into(), "i2".into()];
        let b: Vec<String> = vec!["i2".into(), "i3".into()];
        assert!(listings.list(&a, 1, "a").is_empty());
        assert!(
            listings.list(&a, 1, "a").is_empty(),
            "the same configuration again"
        );
        let found = listings.list(&b, 2, "b");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.as_str(), &*found[0].1), ("i2", "a"));
    }
}
