//! tf-provider's schema, built from declarations: each declaration gives one attribute (or one
//! nested block), with its description, presence and flags.

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};

use super::{Declaration, Declared, Kind, Presence};

/// A set of strings.
pub(crate) fn string_set() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// A list of strings: what ids are, as Terraform handles a list of 10,000 in seconds and a
/// set of that size in minutes.
pub(crate) fn string_list() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

/// Whether an object keeps state: its optional attributes with a default are then filled in
/// by the plan (optional and computed), so that the state shows the value in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stateful {
    Yes,
    No,
}

/// The schema (of `version`) of an object whose attributes `T` declares, described in markdown.
pub(crate) fn object_schema<T: Declared + Default>(
    version: i64,
    description: &str,
    stateful: Stateful,
) -> Schema {
    Schema {
        version,
        block: block(description, &T::declarations(), stateful),
    }
}

/// The block of `declarations`, described in markdown.
pub(super) fn block(description: &str, declarations: &[Declaration], stateful: Stateful) -> Block {
    let attributes = declarations.iter().filter_map(|d| match &d.kind {
        Kind::Value(ty) => Some((d.name.to_string(), attribute(d, ty.clone(), stateful))),
        Kind::Block(_) => None,
    });
    let blocks = declarations.iter().filter_map(|d| match &d.kind {
        Kind::Block(block) => {
            let nested = Block {
                description: Description::markdown(&d.about),
                ..block()
            };
            Some((d.name.to_string(), NestedBlock::Optional(nested)))
        }
        Kind::Value(_) => None,
    });
    Block {
        version: 1,
        attributes: attributes.collect(),
        blocks: blocks.collect(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

fn attribute(d: &Declaration, attr_type: AttributeType, stateful: Stateful) -> Attribute {
    let filled_in = stateful == Stateful::Yes && d.default.is_some();
    Attribute {
        attr_type,
        description: Description::markdown(&d.about),
        constraint: match d.presence {
            Presence::Required => AttributeConstraint::Required,
            Presence::Optional if filled_in => AttributeConstraint::OptionalComputed,
            Presence::Optional => AttributeConstraint::Optional,
            Presence::Computed => AttributeConstraint::Computed,
            Presence::OptionalComputed => AttributeConstraint::OptionalComputed,
        },
        sensitive: d.sensitive,
        deprecated: false,
        write_only: d.write_only,
    }
}
