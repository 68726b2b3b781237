//! How messages name things: instance ids quoted (so that `" web-1"` and `"web-2\n"` show what
//! is wrong with them), long lists cut to their first few with a count of the rest, and the
//! plural ending. The API client's logs and the provider's diagnostics share these.

use std::fmt::Display;

/// The plural ending for `n` things.
pub fn plural(n: usize) -> &'static str {
    either(n, "", "s")
}

/// `one` for one thing, `many` for any other number: "it" or "them", "was" or "were".
pub fn either<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped.
pub fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// The first `limit` of `items`, joined with ", ", then " and N more" for the rest.
pub fn listed<T: Display>(items: impl IntoIterator<Item = T>, limit: usize) -> String {
    let mut shown = Vec::new();
    let mut more = 0usize;
    for item in items {
        if shown.len() < limit {
            shown.push(item.to_string());
        } else {
            more += 1;
        }
    }
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// How many items a message lists before it counts the rest.
pub const LISTED: usize = 20;

/// `items` quoted and [`listed`] up to [`LISTED`].
pub fn quoted_list<T: AsRef<str>>(items: &[T]) -> String {
    listed(items.iter().map(|i| quoted(i.as_ref())), LISTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_count_of_the_rest() {
        let ids: Vec<String> = (0..25).map(|i| format!("i{i}")).collect();
        let text = quoted_list(&ids);
        assert!(text.starts_with("\"i0\", \"i1\""), "{text}");
        assert!(text.ends_with("\"i19\" and 5 more"), "{text}");
        assert_eq!(listed(["a", "b"], 3), "a, b");
        assert_eq!(listed(Vec::<String>::new(), 3), "");
    }

    #[test]
    fn quoting_shows_spaces_and_control_characters() {
        assert_eq!(quoted(" web-1"), "\" web-1\"");
        assert_eq!(quoted("web-2\n"), "\"web-2\\n\"");
        assert_eq!(plural(1), "");
        assert_eq!(plural(0), "s");
    }
}
