//! The instance password rule of ResetInstancesPassword, as the API reference states it:
//! 8 to 16 characters, with at least one lower-case letter, one upper-case letter, one digit and
//! one special character from `!@#$%^+*()`, and no other characters.
//!
//! Messages describe which part of the rule failed and never quote the password or any part of it.

use std::fmt;

/// The special characters the API accepts.
pub const SPECIAL_CHARACTERS: &str = "!@#$%^+*()";
/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 8;
/// Longest accepted password, in characters.
pub const MAX_LENGTH: usize = 16;

/// One part of the rule that a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// Fewer than [`MIN_LENGTH`] characters.
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    TooLong,
    /// No lower-case letter.
    NoLowercase,
    /// No upper-case letter.
    NoUppercase,
    /// No digit.
    NoDigit,
    /// No special character.
    NoSpecial,
    /// A character outside letters, digits and [`SPECIAL_CHARACTERS`].
    ForbiddenCharacter,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::TooShort => write!(f, "it is shorter than {MIN_LENGTH} characters"),
            Violation::TooLong => write!(f, "it is longer than {MAX_LENGTH} characters"),
            Violation::NoLowercase => f.write_str("it has no lower-case letter (a-z)"),
            Violation::NoUppercase => f.write_str("it has no upper-case letter (A-Z)"),
            Violation::NoDigit => f.write_str("it has no digit (0-9)"),
            Violation::NoSpecial => {
                write!(f, "it has no special character from {SPECIAL_CHARACTERS}")
            }
            Violation::ForbiddenCharacter => write!(
                f,
                "it has a character that is not allowed (only a-z, A-Z, 0-9 and {SPECIAL_CHARACTERS} are)"
            ),
        }
    }
}

/// Every part of the rule that `password` breaks; empty when it is acceptable.
pub fn check(password: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    let length = password.chars().count();
    if length < MIN_LENGTH {
        violations.push(Violation::TooShort);
    }
    if length > MAX_LENGTH {
        violations.push(Violation::TooLong);
    }
    let has = |pred: fn(char) -> bool| password.chars().any(pred);
    if !has(|c| c.is_ascii_lowercase()) {
        violations.push(Violation::NoLowercase);
    }
    if !has(|c| c.is_ascii_uppercase()) {
        violations.push(Violation::NoUppercase);
    }
    if !has(|c| c.is_ascii_digit()) {
        violations.push(Violation::NoDigit);
    }
    if !has(|c| SPECIAL_CHARACTERS.contains(c)) {
        violations.push(Violation::NoSpecial);
    }
    if has(|c| !(c.is_ascii_alphanumeric() || SPECIAL_CHARACTERS.contains(c))) {
        violations.push(Violation::ForbiddenCharacter);
    }
    violations
}

/// A one-line description of the whole rule, for error messages.
pub fn describe_rule() -> String {
    format!(
        "{MIN_LENGTH} to {MAX_LENGTH} characters, with at least one lower-case letter, one \
         upper-case letter, one digit and one special character from {SPECIAL_CHARACTERS}, and no \
         other characters"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_good_passwords() {
        for p in ["Abcdef1!", "Zz9(Zz9)Zz9^Zz9+", "aB3*aB3*", "Passw0rd#"] {
            assert_eq!(check(p), vec![], "{p}");
        }
    }

    #[test]
    fn names_each_broken_part() {
        assert_eq!(check("Ab1!"), vec![Violation::TooShort]);
        assert_eq!(check("Abcdefgh1!Abcdefgh"), vec![Violation::TooLong]);
        assert_eq!(check("ABCDEFG1!"), vec![Violation::NoLowercase]);
        assert_eq!(check("abcdefg1!"), vec![Violation::NoUppercase]);
        assert_eq!(check("Abcdefgh!"), vec![Violation::NoDigit]);
        assert_eq!(check("Abcdefgh1"), vec![Violation::NoSpecial]);
        assert_eq!(check("Abcdef1!~"), vec![Violation::ForbiddenCharacter]);
        assert_eq!(check("Abcdef1! "), vec![Violation::ForbiddenCharacter]);
        assert_eq!(check("Abcdéf1!"), vec![Violation::ForbiddenCharacter]);
        assert_eq!(
            check("Abcdef1&"),
            vec![Violation::NoSpecial, Violation::ForbiddenCharacter]
        );
        assert_eq!(check("").len(), 5);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 characters, 9 bytes: too-short must not fire; the é is still forbidden.
        assert_eq!(check("Abcdé1!x"), vec![Violation::ForbiddenCharacter]);
    }

    proptest! {
        #[test]
        fn messages_never_quote_the_password(p in "[ -~]{0,24}") {
            for v in check(&p) {
                let text = v.to_string();
                // Every message is fixed text; the password can only appear if it happens to be a
                // substring of that fixed text, which a 3+ character password with mixed classes
                // cannot be, and shorter ones say nothing about the password anyway.
                if p.chars().count() >= 4 {
                    prop_assert!(!text.contains(&p), "{} in {}", p, text);
                }
            }
        }

        #[test]
        fn generated_valid_passwords_pass(
            lower in "[a-z]{1,3}", upper in "[A-Z]{1,3}", digit in "[0-9]{1,3}",
            special in "[!@#$%^+*()]{1,3}", filler in "[a-zA-Z0-9!@#$%^+*()]{0,4}"
        ) {
            let p = format!("{lower}{upper}{digit}{special}{filler}");
            let expect_ok = (MIN_LENGTH..=MAX_LENGTH).contains(&p.len());
            prop_assert_eq!(check(&p).is_empty(), expect_ok);
        }

        #[test]
        fn verdict_is_consistent_with_each_part(p in "\\PC{0,20}") {
            let v = check(&p);
            let n = p.chars().count();
            prop_assert_eq!(v.contains(&Violation::TooShort), n < MIN_LENGTH);
            prop_assert_eq!(v.contains(&Violation::TooLong), n > MAX_LENGTH);
            prop_assert_eq!(v.contains(&Violation::NoDigit), !p.chars().any(|c| c.is_ascii_digit()));
        }
    }
}
