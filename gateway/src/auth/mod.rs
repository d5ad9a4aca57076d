//! Accounts and who is calling: password sign-in, signed expiring tokens,
//! API keys, and the [`Caller`] every handler checks ownership against.
//!
//! With auth off (single-user mode, `kiln serve`'s default) every request is
//! [`Caller::Anyone`] and nothing has an owner.

mod caller;
mod keys;
pub mod me;
mod password;
mod routes;
pub mod session;
mod token;

pub use caller::{Caller, authenticate};
pub use routes::{create_key, list_keys, login, revoke_key, signup};
pub use token::TokenSigner;

use serde::{Deserialize, Serialize};

/// Authentication settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Whether requests must be authenticated (and files have owners).
    pub enabled: bool,
    /// HMAC key signing access tokens. Every gateway replica needs the same
    /// one; when unset, a random key per process (tokens die with it).
    pub jwt_secret: Option<String>,
    /// Lifetime of an access token, in seconds (default 1 hour).
    pub token_ttl_secs: u64,
    /// Accounts that are operators whatever the store says
    /// (`KILN_ADMIN_EMAILS`), lowercased: how the first operator is made.
    pub operator_emails: Vec<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            enabled: false,
            jwt_secret: None,
            token_ttl_secs: 3600,
            operator_emails: Vec::new(),
        }
    }
}

// The secret never reaches a log line.
impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("enabled", &self.enabled)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("operator_emails", &self.operator_emails)
            .finish()
    }
}

/// The credentials of an `Authorization` header using `scheme`, which is
/// matched without regard to case (RFC 9110 §11.1: `bearer` and `BASIC` are
/// as valid as `Bearer` and `Basic`).
pub(crate) fn credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.trim_start().split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

#[cfg(test)]
mod scheme_tests {
    use super::credentials;

    #[test]
    fn schemes_match_in_any_case() {
        assert_eq!(credentials("Bearer abc", "Bearer"), Some("abc"));
        assert_eq!(credentials("bearer abc", "Bearer"), Some("abc"));
        assert_eq!(credentials("BASIC  YWI6Yw== ", "Basic"), Some("YWI6Yw=="));
        assert_eq!(credentials("Basic abc", "Bearer"), None);
        assert_eq!(credentials("Bearerabc", "Bearer"), None);
    }
}
