//! The one form of an email address accounts are keyed by.
//!
//! Addresses that look alike must not make separate accounts (or let one
//! person sign in as another): composed and decomposed `é`, fullwidth
//! `ａ`, Latin `a` beside Cyrillic `а`, a hidden zero-width space or a
//! right-to-left override. The rule, applied at sign-up, sign-in and in
//! every admin command:
//!
//! 1. Unicode NFKC (compatibility forms fold to their plain letters), then
//!    lower case, then NFKC again (lowercasing can un-normalise);
//! 2. every character is printable ASCII other than a space, or a letter or
//!    digit Unicode recommends for identifiers (UTS #39 "allowed"): no
//!    controls, format characters (zero-width, bidi), symbols or spaces;
//! 3. the local part and each domain label are each written in one script
//!    (UTS #39 single-script: `josé` yes, Latin and Cyrillic mixed no);
//! 4. one `@`, a non-empty local part, a domain of two or more non-empty
//!    labels, at most 254 bytes in all.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

/// Why an address was refused (the message names the rule, never echoes
/// more than an excerpt of the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EmailRejected(pub String);

/// The normal form of `raw`, or the rule it breaks.
pub fn normalize_email(raw: &str) -> Result<String, EmailRejected> {
    let shown = super::excerpt(raw);
    let bad = |why: &str| EmailRejected(format!("email: {shown:?} {why}"));
    let folded: String = raw.trim().nfkc().collect::<String>().to_lowercase();
    let email: String = folded.nfkc().collect();
    if email.len() > 254 {
        return Err(bad("is longer than 254 bytes"));
    }
    if let Some(c) = email
        .chars()
        .find(|c| !(c.is_ascii_graphic() || (!c.is_ascii() && c.identifier_allowed())))
    {
        return Err(bad(&format!(
            "contains U+{:04X}, which is not allowed in an address",
            c as u32
        )));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(bad("is not an email address"));
    };
    let labels: Vec<&str> = domain.split('.').collect();
    if local.is_empty()
        || domain.contains('@')
        || labels.len() < 2
        || labels.iter().any(|l| l.is_empty())
    {
        return Err(bad("is not an email address"));
    }
    if !local.is_single_script() || labels.iter().any(|l| !l.is_single_script()) {
        return Err(bad(
            "mixes writing systems (e.g. Latin and Cyrillic) in one part",
        ));
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_fold_to_one_address_or_are_refused() {
        let plain = normalize_email("José@Example.com").expect("plain");
        assert_eq!(plain, "josé@example.com");
        // Decomposed é (e + U+0301) and fullwidth letters fold to the same.
        assert_eq!(
            normalize_email("Jose\u{301}@example.com").expect("nfd"),
            plain
        );
        assert_eq!(
            normalize_email("ａｄａ@ｅｘａｍｐｌｅ.com").expect("fullwidth"),
            "ada@example.com"
        );
        for hostile in [
            "\u{430}da@example.com",   // Cyrillic а beside Latin da
            "ada@ex\u{430}mple.com",   // in the domain
            "a\u{200b}da@example.com", // zero-width space
            "ada\u{202e}@example.com", // right-to-left override
            "a da@example.com",
            "ada@example",
            "@example.com",
            "ada@@example.com",
        ] {
            assert!(normalize_email(hostile).is_err(), "{hostile:?} accepted");
        }
        // Whole words in one other script are addresses like any other.
        assert!(normalize_email("иван@пример.рф").is_ok());
    }

    #[test]
    fn a_huge_address_is_refused_with_a_short_message() {
        let e = normalize_email(&"a".repeat(1 << 20)).expect_err("too long");
        assert!(e.0.len() < 200, "{} bytes", e.0.len());
    }
}
