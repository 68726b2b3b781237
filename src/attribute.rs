//! One way to write a schema attribute: [`optional`] with its type and description, then a
//! builder method for each flag that differs. Every schema (the provider's, each resource's and
//! data source's) is written with it.

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};

/// An optional attribute of `attr_type`, described in markdown.
pub(crate) fn optional(attr_type: AttributeType, description: impl AsRef<str>) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description.as_ref()),
        constraint: AttributeConstraint::Optional,
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

/// The flags of an attribute, one builder method each.
pub(crate) trait Flags {
    /// The configuration must set it.
    fn required(self) -> Self;
    /// Only the provider sets it.
    fn computed(self) -> Self;
    /// The configuration may set it, and the provider fills it in when it does not.
    fn optional_computed(self) -> Self;
    /// Terraform hides its value in plans and output.
    fn sensitive(self) -> Self;
    /// Terraform never stores it in the plan or the state (1.11 and later).
    fn write_only(self) -> Self;
}

impl Flags for Attribute {
    fn required(self) -> Self {
        Attribute {
            constraint: AttributeConstraint::Required,
            ..self
        }
    }

    fn computed(self) -> Self {
        Attribute {
            constraint: AttributeConstraint::Computed,
            ..self
        }
    }

    fn optional_computed(self) -> Self {
        Attribute {
            constraint: AttributeConstraint::OptionalComputed,
            ..self
        }
    }

    fn sensitive(self) -> Self {
        Attribute {
            sensitive: true,
            ..self
        }
    }

    fn write_only(self) -> Self {
        Attribute {
            write_only: true,
            ..self
        }
    }
}

/// A set of strings.
pub(crate) fn string_set() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// A list of strings: what ids are, as Terraform handles a list of 10,000 in seconds and a
/// set of that size in minutes.
pub(crate) fn string_list() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

/// A schema (version 1) of `attributes` and nested `blocks`, described in markdown.
pub(crate) fn schema<'a>(
    description: &str,
    attributes: impl IntoIterator<Item = (&'a str, Attribute)>,
    blocks: impl IntoIterator<Item = (&'a str, NestedBlock)>,
) -> Schema {
    Schema {
        version: 1,
        block: block(description, attributes, blocks),
    }
}

/// A block of `attributes` and nested `blocks`, described in markdown.
pub(crate) fn block<'a>(
    description: &str,
    attributes: impl IntoIterator<Item = (&'a str, Attribute)>,
    blocks: impl IntoIterator<Item = (&'a str, NestedBlock)>,
) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(name, a)| (name.to_string(), a))
            .collect(),
        blocks: blocks
            .into_iter()
            .map(|(name, b)| (name.to_string(), b))
            .collect(),
        description: Description::markdown(description),
        deprecated: false,
    }
}
