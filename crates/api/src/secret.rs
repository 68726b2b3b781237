//! [`Secret`]: the one type that holds passwords (the instances' new password and the access key
//! password). It cannot be printed by accident: `Debug` shows a placeholder, there is no
//! `Display` and no `Serialize`, and the memory is zeroized when the value is dropped. Code that
//! really needs the text calls [`Secret::expose`], which is easy to find in review.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

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

    /// Replaces every occurrence of this secret in `text` with a placeholder. Used on text that
    /// comes from outside (API error messages) before it is shown to anyone.
    pub fn redact_from(&self, text: &str) -> String {
        let secret = self.expose();
        if secret.is_empty() {
            text.to_string()
        } else {
            text.replace(secret, REDACTED)
        }
    }
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
    fn deserializes_from_a_json_string() {
        let s: Secret = serde_json::from_str("\"Zz9!zzzz\"").expect("valid JSON string");
        assert_eq!(s.expose(), "Zz9!zzzz");
    }
}
