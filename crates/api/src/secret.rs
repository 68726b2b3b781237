//! [`Secret`]: the one type that holds passwords (the instances' new password and the access key
//! password). It cannot be printed by accident: `Debug` shows a placeholder, there is no
//! `Display` and no `Serialize`, and the memory is zeroized when the value is dropped. Code that
//! really needs the text calls [`Secret::expose`], which is easy to find in review.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret string: zeroized on drop, redacted in `Debug`, never `Display`ed or serialized.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a string. The caller's `String` moves in; no copy is left behind.
    pub fn new(value: String) -> Self {
        Secret(SecretString::from(value))
    }

    /// The secret text. Every call is a deliberate disclosure: to the signer, to the request
    /// body, to the password rule, or to Terraform's state.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    /// Replaces every occurrence of this secret in `text` (as it is, JSON-escaped or
    /// URL-encoded) with a placeholder. Used on text that comes from outside (API error
    /// messages) before it is shown to anyone.
    pub fn redact_from(&self, text: &str) -> String {
        let cleaned = redact_bytes(&[self], text.as_bytes());
        String::from_utf8_lossy(&cleaned).into_owned()
    }

    /// The ways the secret can appear in text a server sends back: as it is, escaped inside
    /// a JSON string, and URL-encoded (upper- and lower-case hex), longest first.
    fn forms(&self) -> Vec<Zeroizing<String>> {
        let raw = self.expose();
        if raw.is_empty() {
            return Vec::new();
        }
        let json = serde_json::to_string(raw).unwrap_or_default();
        let json = json.get(1..json.len().saturating_sub(1)).unwrap_or(raw);
        let encoded = |upper: bool| {
            raw.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ if upper => format!("%{b:02X}"),
                    _ => format!("%{b:02x}"),
                })
                .collect::<String>()
        };
        let mut forms: Vec<Zeroizing<String>> = [
            raw.to_string(),
            json.to_string(),
            encoded(true),
            encoded(false),
        ]
        .into_iter()
        .map(Zeroizing::new)
        .collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        forms
    }
}

/// `bytes` with every form of each of `secrets` replaced by a placeholder: what the client
/// does to every answer (body and headers) before anything reads it.
pub(crate) fn redact_bytes(secrets: &[&Secret], bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(bytes.to_vec());
    for secret in secrets {
        for form in secret.forms() {
            *out = replace_all(&out, form.as_bytes(), REDACTED.as_bytes());
        }
    }
    out
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while !needle.is_empty() && rest.len() >= needle.len() {
        match rest.windows(needle.len()).position(|w| w == needle) {
            Some(at) => {
                out.extend_from_slice(&rest[..at]);
                out.extend_from_slice(with);
                rest = &rest[at + needle.len()..];
            }
            None => break,
        }
    }
    out.extend_from_slice(rest);
    out
}

/// What is shown in place of a secret.
pub(crate) const REDACTED: &str = "(sensitive value)";

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(")?;
        f.write_str(REDACTED)?;
        f.write_str(")")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::new("Hunter2!Pass".to_string());
        let printed = format!("{s:?} {s:#?} {:?}", Some(&s));
        assert!(!printed.contains("Hunter2"), "{printed}");
        assert!(printed.contains(REDACTED));
    }

    #[test]
    fn expose_returns_the_text() {
        let s = Secret::new("abc".to_string());
        assert_eq!(s.expose(), "abc");
        assert!(!s.is_empty());
        assert!(Secret::new(String::new()).is_empty());
    }

    #[test]
    fn redact_from_removes_every_occurrence() {
        let s = Secret::new("Pa55word!".to_string());
        let out = s.redact_from("bad password Pa55word! (Pa55word!)");
        assert!(!out.contains("Pa55word!"));
        assert_eq!(out.matches(REDACTED).count(), 2);
        assert_eq!(Secret::new(String::new()).redact_from("x"), "x");
    }

    #[test]
    fn redaction_covers_the_json_escaped_and_url_encoded_forms() {
        let s = Secret::new("Ab1!x\\y\"(z)".to_string());
        for text in [
            "raw Ab1!x\\y\"(z) end",
            r#"json "Ab1!x\\y\"(z)" end"#,
            "form password=Ab1%21x%5Cy%22%28z%29 end",
            "lower password=Ab1%21x%5cy%22%28z%29 end",
        ] {
            let out = s.redact_from(text);
            assert!(
                out.contains(REDACTED) && out.ends_with(" end"),
                "{text} -> {out}"
            );
            assert!(!out.contains("Ab1"), "{text} -> {out}");
        }
        let bytes = redact_bytes(
            &[&s, &Secret::new("key".into())],
            b"a key and Ab1!x\\y\"(z)",
        );
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            format!("a {REDACTED} and {REDACTED}")
        );
    }

    #[test]
    fn deserializes_from_a_json_string() {
        let s: Secret = serde_json::from_str("\"Zz9!zzzz\"").expect("valid JSON string");
        assert_eq!(s.expose(), "Zz9!zzzz");
    }
}
