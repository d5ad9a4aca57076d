//! Access tokens: HS256 JWTs naming the account, with an expiry, verified
//! on every request.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "kiln";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    iss: String,
}

/// Signs and verifies access tokens with one HMAC key.
#[derive(Clone)]
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: chrono::Duration,
}

impl TokenSigner {
    /// A signer with `secret` (random when `None`), issuing tokens valid for `ttl_secs`.
    pub fn new(secret: Option<&str>, ttl_secs: u64) -> Self {
        let random;
        let key: &[u8] = match secret {
            Some(s) => s.as_bytes(),
            None => {
                random = format!("{}{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
                random.as_bytes()
            }
        };
        TokenSigner {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            ttl: chrono::Duration::seconds(i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2)),
        }
    }

    /// A token for `user_id` and when it expires.
    pub fn issue(&self, user_id: &str) -> Result<(String, DateTime<Utc>), String> {
        self.issue_for(user_id, self.ttl)
    }

    /// A token for `user_id` living `ttl` (a browser session's, which
    /// outlives a script's access token).
    pub fn issue_for(
        &self,
        user_id: &str,
        ttl: chrono::Duration,
    ) -> Result<(String, DateTime<Utc>), String> {
        let now = Utc::now();
        let expires = now + ttl;
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
            iss: ISSUER.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map(|t| (t, expires))
            .map_err(|e| e.to_string())
    }

    /// The account a valid, unexpired token names.
    pub fn verify(&self, token: &str) -> Option<String> {
        self.verify_with_expiry(token).map(|(id, _)| id)
    }

    /// The account a valid, unexpired token names, and when it expires.
    pub fn verify_with_expiry(&self, token: &str) -> Option<(String, DateTime<Utc>)> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.leeway = 0;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .ok()?
            .claims;
        Some((claims.sub, DateTime::from_timestamp(claims.exp, 0)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_until_they_expire_and_only_with_their_key() {
        let s = TokenSigner::new(Some("k1"), 60);
        let (t, exp) = s.issue("user-1").expect("issue");
        assert!(exp > Utc::now());
        assert_eq!(s.verify(&t).as_deref(), Some("user-1"));
        assert_eq!(TokenSigner::new(Some("k2"), 60).verify(&t), None);
        let expired = TokenSigner {
            ttl: chrono::Duration::seconds(-10),
            ..TokenSigner::new(Some("k1"), 60)
        };
        let (old, _) = expired.issue("user-1").expect("issue");
        assert_eq!(s.verify(&old), None);
        assert_eq!(s.verify("garbage"), None);
    }
}
