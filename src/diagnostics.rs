//! Diagnostics as the person reading them needs them: what failed and what to do, without the
//! Rust backtrace `tf-provider` appends to its own when `RUST_BACKTRACE` is set. [`Problem`] is
//! a problem found in a configuration (the provider block's, a resource's, a data source's),
//! tied to the argument it concerns.

use std::borrow::Cow;

use tf_provider::{AttributePath, Diagnostic, Diagnostics};

/// A problem with a configuration, found before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The argument, when the problem is tied to one that may be shown; `None` for the
    /// block as a whole, and for a password (Terraform would print the source line, which may
    /// hold it).
    pub(crate) attribute: Option<&'static str>,
    /// What is wrong, in one line.
    pub(crate) summary: String,
    /// Why, and what to do about it.
    pub(crate) detail: String,
}

impl Problem {
    /// A problem with the argument `attribute`.
    pub(crate) fn at(
        attribute: &'static str,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            attribute: Some(attribute),
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    /// A problem with the block as a whole.
    pub(crate) fn whole(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            attribute: None,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Adds `problems` to `diags` as errors; true when there were none.
pub(crate) fn add_problems(diags: &mut Diagnostics, problems: Vec<Problem>) -> bool {
    let none = problems.is_empty();
    for p in problems {
        let attribute = p
            .attribute
            .map_or_else(AttributePath::root, AttributePath::new);
        diags.add_error(make(p.summary, p.detail, attribute));
    }
    none
}

fn make(
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
    attribute: AttributePath,
) -> Diagnostic {
    Diagnostic {
        summary: summary.into(),
        detail: detail.into(),
        attribute,
    }
}

/// An error about the whole block.
pub(crate) fn root_error(
    diags: &mut Diagnostics,
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
) {
    diags.add_error(make(summary, detail, AttributePath::root()));
}

/// An error about one argument.
pub(crate) fn error_at(
    diags: &mut Diagnostics,
    attribute: &'static str,
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
) {
    diags.add_error(make(summary, detail, AttributePath::new(attribute)));
}

/// A warning about the whole block.
pub(crate) fn root_warning(
    diags: &mut Diagnostics,
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
) {
    diags.add_warning(make(summary, detail, AttributePath::root()));
}
