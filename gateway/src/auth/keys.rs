//! API keys: `kiln_` and 40 random base-62 characters (238 bits), stored
//! as a SHA-256 hash, listed by prefix.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// What every key starts with, so a leaked one is easy to recognise.
pub const PREFIX: &str = "kiln_";

/// A new key.
pub fn generate() -> String {
    let body: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("{PREFIX}{body}")
}

/// The stored form of a key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The part of a key shown in lists.
pub fn display_prefix(key: &str) -> String {
    key.chars().take(PREFIX.len() + 6).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hashed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 40);
        assert_eq!(hash(&a).len(), 64);
        assert_eq!(display_prefix(&a).len(), 11);
    }
}
