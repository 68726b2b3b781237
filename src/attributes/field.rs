//! What the attribute layer needs of a value, whatever its type: whether it is known, null,
//! the same as another, its default filled in, and the blocks it holds.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};

use tf_provider::value::Value;
use zenlayer_api::{FilterValue, Secret};

use super::{Declared, DefaultValue};

/// A list of strings as Terraform sends it: unknown while it depends on values known only at
/// apply, and so may be each element.
pub(crate) type StringList = Value<Vec<Value<String>>>;
/// Instance ids: a list.
pub(crate) type Ids = StringList;
/// A set of strings as Terraform sends it.
pub(crate) type StringSet = Value<BTreeSet<Value<String>>>;
/// A map of strings as Terraform sends it.
pub(crate) type StringMap = Value<BTreeMap<String, Value<String>>>;

/// One attribute's value, seen by the layer.
pub(crate) trait Field: Any {
    /// Unknown as a whole, or in part (an element of a list).
    fn is_unknown(&self) -> bool;
    /// Equal to `other`, a value of the same attribute.
    fn same_as(&self, other: &dyn Field) -> bool;
    /// Fills in `default` when the value is null.
    fn default_to(&mut self, default: DefaultValue) {
        _ = default;
    }
    /// The blocks it holds (for `timeouts { ... }`), whose attributes are checked too.
    fn blocks(&self) -> Vec<&dyn Declared> {
        Vec::new()
    }
    /// The filter value it gives, when it is a data source's filter and known.
    fn filter_value(&self) -> Option<FilterValue> {
        None
    }
    fn as_any(&self) -> &dyn Any;
}

/// The shared part of every implementation: known, and equal. An unknown value may differ.
fn same<T: Field + PartialEq>(this: &T, other: &dyn Field) -> bool {
    !this.is_unknown() && !other.is_unknown() && other.as_any().downcast_ref::<T>() == Some(this)
}

macro_rules! plain_field {
    ($ty:ty $(, $default:ident => $make:expr)?) => {
        impl Field for $ty {
            fn is_unknown(&self) -> bool {
                Value::is_unknown(self)
            }
            fn same_as(&self, other: &dyn Field) -> bool {
                same(self, other)
            }
            $(
                fn default_to(&mut self, default: DefaultValue) {
                    if let (true, DefaultValue::$default(value)) = (self.is_null(), default) {
                        *self = Value::Value($make(value));
                    }
                }
            )?
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
    };
}

impl Field for Value<String> {
    fn is_unknown(&self) -> bool {
        Value::is_unknown(self)
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        same(self, other)
    }
    fn default_to(&mut self, default: DefaultValue) {
        if let (true, DefaultValue::Duration(d)) = (self.is_null(), default) {
            *self = Value::Value(crate::durations::human(d));
        }
    }
    fn filter_value(&self) -> Option<FilterValue> {
        self.as_ref_option().cloned().map(FilterValue::Text)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
plain_field!(Value<bool>, Bool => |v: bool| v);
plain_field!(Value<f64>, Number => |v: f64| v);
plain_field!(Value<Secret>);
impl Field for StringMap {
    fn is_unknown(&self) -> bool {
        Value::is_unknown(self)
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        same(self, other)
    }
    fn filter_value(&self) -> Option<FilterValue> {
        let map = self.as_ref_option()?;
        let pairs = map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
            .collect();
        Some(FilterValue::Pairs(pairs))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Field for StringList {
    fn is_unknown(&self) -> bool {
        match self {
            Value::Value(list) => list.iter().any(Value::is_unknown),
            other => other.is_unknown(),
        }
    }
    /// Each string once, sorted.
    fn filter_value(&self) -> Option<FilterValue> {
        let list = self.as_ref_option()?;
        let distinct: BTreeSet<String> = list
            .iter()
            .filter_map(|v| v.as_ref_option().cloned())
            .collect();
        Some(FilterValue::List(distinct.into_iter().collect()))
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        same(self, other)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Field for StringSet {
    fn is_unknown(&self) -> bool {
        match self {
            Value::Value(set) => set.iter().any(Value::is_unknown),
            other => other.is_unknown(),
        }
    }
    fn filter_value(&self) -> Option<FilterValue> {
        let set = self.as_ref_option()?;
        Some(FilterValue::List(
            set.iter()
                .filter_map(|v| v.as_ref_option().cloned())
                .collect(),
        ))
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        same(self, other)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A list of blocks of `T`'s attributes (`timeouts { ... }`), or of computed rows.
impl<T: Declared + PartialEq + 'static> Field for Value<Vec<T>> {
    /// Unknown as a whole, or in one of its blocks' attributes.
    fn is_unknown(&self) -> bool {
        match self {
            Value::Value(list) => list
                .iter()
                .any(|b| b.fields().iter().any(|(_, f)| f.is_unknown())),
            other => other.is_unknown(),
        }
    }
    fn same_as(&self, other: &dyn Field) -> bool {
        same(self, other)
    }
    fn blocks(&self) -> Vec<&dyn Declared> {
        match self {
            Value::Value(list) => list.iter().map(|b| b as &dyn Declared).collect(),
            _ => Vec::new(),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Serializes a write-only attribute: always null in every plan and state Terraform receives.
pub(crate) fn serialize_as_null<S: serde::Serializer>(
    _: &Value<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_none()
}

/// The strings of `list` when they are all known, each once.
pub(crate) fn known_strings(list: &StringList) -> Option<BTreeSet<String>> {
    match list {
        Value::Value(list) => list.iter().map(|v| v.as_ref_option().cloned()).collect(),
        _ => None,
    }
}
