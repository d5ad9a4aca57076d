//! Passwords: argon2id hashes in PHC form, and what a password must be.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted, in bytes (hashing cost is bounded by it).
pub const MAX_LEN: usize = 1024;

/// An argon2id hash (default parameters: 19 MiB, 2 passes) with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored hash. A malformed hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of nothing anyone knows, verified against when the email is
/// unknown so that a wrong email costs as much time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password never valid").unwrap_or_default())
}

/// Why a password is refused, or `None` if it is acceptable.
pub fn weakness(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Some(format!("password: use at least {MIN_LEN} characters"));
    }
    if password.len() > MAX_LEN {
        return Some(format!("password: use at most {MAX_LEN} bytes"));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Some("password: too repetitive; use more different characters".into());
    }
    if password.eq_ignore_ascii_case(email)
        || email
            .split('@')
            .next()
            .is_some_and(|local| password.eq_ignore_ascii_case(local))
    {
        return Some("password: must not be your email address".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_weak_passwords_are_named() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
        for weak in ["short", "aaaaaaaaaaaa", "ababababab12"] {
            assert!(weakness(weak, "a@b.c").is_some(), "{weak}");
        }
        assert!(weakness("ana.lovelace", "ana.lovelace@example.com").is_some());
        assert!(weakness("correct horse battery", "a@b.c").is_none());
    }
}
