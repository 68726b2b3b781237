//! The provider's data sources.

mod instances;

pub(crate) use instances::InstancesDataSource;
