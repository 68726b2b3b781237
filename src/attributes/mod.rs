//! The attribute layer. Each Terraform object (the provider block, the resource, the data
//! source, the action) declares each of its attributes once, with [`declare!`]: the Rust field
//! Terraform's value lands in, beside a [`Declaration`] of everything else Terraform and the
//! provider need to know of it. From that one place come the schema (and so the generated
//! docs), the checks at validate and plan, the defaults, the check that values are known when
//! applied, and the rule that a change replaces the resource.
//!
//! - [`Declaration`]: name, type, description, presence, sensitive or write-only, default,
//!   checks, "replaces", "known when applied"; a block (`timeouts`) or a group of attributes
//!   shared by several objects (the reset's arguments) nests its own declarations.
//! - `checks`: what an attribute can be checked for, each worded once.
//! - `field`: what the layer needs of a value, whatever its type.
//! - `schema`: the tf-provider schema, built from the declarations.

mod checks;
mod field;
mod schema;

use tf_provider::schema::{AttributeType, Block};
use zenlayer_api::FilterDef;

use crate::diagnostics::Problem;
#[cfg(test)]
pub(crate) use checks::NOTHING_READ;
pub(crate) use checks::{regex, stray_characters, Check};
pub(crate) use field::{
    known_strings, serialize_as_null, Field, Ids, StringList, StringMap, StringSet,
};
pub(crate) use schema::{object_schema, string_list, string_set, Stateful};

/// Whether Terraform's configuration must, may or cannot set an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Set by the configuration, or filled in by the provider (a default) when it is not.
    OptionalComputed,
}

/// The value an attribute takes when the configuration leaves it null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DefaultValue {
    Bool(bool),
    Number(f64),
    /// A duration, written as the docs write it (`"2s"`).
    Duration(std::time::Duration),
}

/// What an attribute is: a value of a type, or a block of attributes of its own.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Value(AttributeType),
    /// A block that appears at most once (`timeouts { ... }`).
    Block(fn() -> Block),
}

/// Everything about one attribute but its Rust field: see the module's documentation.
#[derive(Debug, Clone)]
pub(crate) struct Declaration {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) about: String,
    pub(crate) presence: Presence,
    pub(crate) sensitive: bool,
    pub(crate) write_only: bool,
    /// A change of its value replaces the resource.
    pub(crate) replaces: bool,
    /// It must be known when the resource is applied or the action invoked.
    pub(crate) known_at_apply: bool,
    pub(crate) default: Option<DefaultValue>,
    pub(crate) checks: Vec<Check>,
    /// For a data source's filter: the DescribeInstances filter its value becomes.
    pub(crate) filter: Option<&'static FilterDef>,
}

impl Declaration {
    /// An optional attribute of `ty`, described in markdown.
    pub(crate) fn value(ty: AttributeType, about: impl Into<String>) -> Self {
        Declaration {
            name: "",
            kind: Kind::Value(ty),
            about: about.into(),
            presence: Presence::Optional,
            sensitive: false,
            write_only: false,
            replaces: false,
            known_at_apply: false,
            default: None,
            checks: Vec::new(),
            filter: None,
        }
    }

    /// An optional string.
    pub(crate) fn text(about: impl Into<String>) -> Self {
        Self::value(AttributeType::String, about)
    }

    /// An optional bool.
    pub(crate) fn flag(about: impl Into<String>) -> Self {
        Self::value(AttributeType::Bool, about)
    }

    /// A block of the attributes `T` declares, at most once.
    pub(crate) fn block<T: Declared + Default>(about: impl Into<String>) -> Self {
        let about = about.into();
        Declaration {
            kind: Kind::Block(T::block),
            ..Self::value(AttributeType::String, about)
        }
    }

    pub(crate) fn named(self, name: &'static str) -> Self {
        Declaration { name, ..self }
    }

    pub(crate) fn required(self) -> Self {
        Declaration {
            presence: Presence::Required,
            ..self
        }
    }

    pub(crate) fn computed(self) -> Self {
        Declaration {
            presence: Presence::Computed,
            ..self
        }
    }

    pub(crate) fn optional_computed(self) -> Self {
        Declaration {
            presence: Presence::OptionalComputed,
            ..self
        }
    }

    pub(crate) fn sensitive(self) -> Self {
        Declaration {
            sensitive: true,
            ..self
        }
    }

    pub(crate) fn write_only(self) -> Self {
        Declaration {
            write_only: true,
            ..self
        }
    }

    pub(crate) fn replaces(self) -> Self {
        Declaration {
            replaces: true,
            ..self
        }
    }

    pub(crate) fn known_at_apply(self) -> Self {
        Declaration {
            known_at_apply: true,
            ..self
        }
    }

    pub(crate) fn default(self, default: DefaultValue) -> Self {
        Declaration {
            default: Some(default),
            ..self
        }
    }

    pub(crate) fn check(mut self, check: Check) -> Self {
        self.checks.push(check);
        self
    }

    /// A data source's filter: its value becomes the DescribeInstances filter `def`.
    pub(crate) fn filter(self, def: &'static FilterDef) -> Self {
        Declaration {
            filter: Some(def),
            ..self
        }
    }
}

/// A type whose fields [`declare!`] declared: the layer walks them with their declarations.
pub(crate) trait Declared {
    /// Each attribute's declaration and value, in declaration order (the attributes of a
    /// shared group in its place).
    fn fields(&self) -> Vec<(Declaration, &dyn Field)>;

    /// The same, with each value mutable.
    fn fields_mut(&mut self) -> Vec<(Declaration, &mut dyn Field)>;

    /// Every declaration, without a value.
    fn declarations() -> Vec<Declaration>
    where
        Self: Sized + Default,
    {
        Self::default()
            .fields()
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    }

    /// The schema block of these attributes.
    fn block() -> Block
    where
        Self: Sized + Default,
    {
        schema::block("", &Self::declarations(), schema::Stateful::No)
    }

    /// Every problem the checks find in the known values; a block's attributes are named
    /// `block.attribute`.
    fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (d, value) in self.fields() {
            for check in &d.checks {
                problems.extend(check.run(d.name, d.name, value));
            }
            for nested in value.blocks() {
                for (inner, value) in nested.fields() {
                    let shown = format!("{}.{}", d.name, inner.name);
                    for check in &inner.checks {
                        problems.extend(check.run(d.name, &shown, value));
                    }
                }
            }
        }
        problems
    }

    /// Fills in the defaults of the attributes left null.
    fn apply_defaults(&mut self) {
        for (d, value) in self.fields_mut() {
            if let Some(default) = d.default {
                value.default_to(default);
            }
        }
    }

    /// The attributes that must be known when applied and are not, by name.
    fn unknown_at_apply(&self) -> Vec<&'static str> {
        self.fields()
            .into_iter()
            .filter(|(d, value)| d.known_at_apply && value.is_unknown())
            .map(|(d, _)| d.name)
            .collect()
    }

    /// The attributes whose change replaces the resource and that differ from `prior`'s.
    fn replacing_changes(&self, prior: &Self) -> Vec<&'static str>
    where
        Self: Sized,
    {
        let before = prior.fields();
        self.fields()
            .into_iter()
            .filter(|(d, _)| d.replaces)
            .filter(|(d, now)| {
                before
                    .iter()
                    .find(|(b, _)| b.name == d.name)
                    .is_some_and(|(_, then)| !now.same_as(*then))
            })
            .map(|(d, _)| d.name)
            .collect()
    }
}

/// Declares a type whose fields are Terraform attributes, each beside its [`Declaration`]
/// (named after the field): `field: Type => Declaration::text("...").required(),`. A group of
/// attributes shared with other objects is flattened in with `..field: Type` at the end.
macro_rules! declare {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty => $decl:expr
            ),* $(,)?
            $(; ..$group:ident : $group_ty:ty)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
        $vis struct $name {
            $(
                $(#[$field_meta])*
                #[serde(default)]
                pub(crate) $field: $ty,
            )*
            $(
                #[serde(flatten)]
                pub(crate) $group: $group_ty,
            )?
        }

        impl $crate::attributes::Declared for $name {
            fn fields(&self) -> Vec<($crate::attributes::Declaration, &dyn $crate::attributes::Field)> {
                #[allow(unused_mut)]
                let mut all: Vec<($crate::attributes::Declaration, &dyn $crate::attributes::Field)> =
                    vec![$( (($decl).named(stringify!($field)), &self.$field) ),*];
                $( all.extend($crate::attributes::Declared::fields(&self.$group)); )?
                all
            }

            fn fields_mut(
                &mut self,
            ) -> Vec<($crate::attributes::Declaration, &mut dyn $crate::attributes::Field)> {
                #[allow(unused_mut)]
                let mut all: Vec<($crate::attributes::Declaration, &mut dyn $crate::attributes::Field)> =
                    vec![$( (($decl).named(stringify!($field)), &mut self.$field) ),*];
                $( all.extend($crate::attributes::Declared::fields_mut(&mut self.$group)); )?
                all
            }
        }
    };
}
pub(crate) use declare;
