//! Helpers that add diagnostics without the Rust backtrace `tf-provider` appends when
//! `RUST_BACKTRACE` is set: the person reading the error needs what failed and what to do,
//! not the provider's stack.

use std::borrow::Cow;

use tf_provider::{AttributePath, Diagnostic, Diagnostics};

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
    attribute: AttributePath,
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
) {
    diags.add_error(make(summary, detail, attribute));
}

/// A warning about the whole block.
pub(crate) fn root_warning(
    diags: &mut Diagnostics,
    summary: impl Into<Cow<'static, str>>,
    detail: impl Into<Cow<'static, str>>,
) {
    diags.add_warning(make(summary, detail, AttributePath::root()));
}
