//! Signed download links: a URL that opens one file until it expires,
//! without credentials, so that an email client or a browser can follow it.
//!
//! The signature is HMAC-SHA256 over the file id and the expiry, with a
//! key derived from the server's secret for this one purpose, so it can
//! never be confused with an access token signed by the same secret.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signed link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The signature does not match (tampered, or another server's key).
    #[error("the link's signature is not valid")]
    BadSignature,
    /// The link was valid and has expired.
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks download links with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(***)")
    }
}

impl LinkSigner {
    /// A signer whose key is derived from `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"kiln download links v1");
        LinkSigner {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, file_id: &str, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(file_id.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The path (with query) that downloads `file_id` until `expires`.
    pub fn path(&self, file_id: &str, expires: DateTime<Utc>) -> String {
        let at = expires.timestamp();
        let sig = hex::encode(self.mac(file_id, at).finalize().into_bytes());
        format!("/d/{file_id}?expires={at}&sig={sig}")
    }

    /// Whether `sig` signs `file_id` until `expires` (Unix seconds), and
    /// the link has not expired at `now`. The comparison takes constant time.
    pub fn check(
        &self,
        file_id: &str,
        expires: i64,
        sig: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkError> {
        let sig = hex::decode(sig).map_err(|_| LinkError::BadSignature)?;
        self.mac(file_id, expires)
            .verify_slice(&sig)
            .map_err(|_| LinkError::BadSignature)?;
        if expires <= now.timestamp() {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(path: &str) -> (String, i64, String) {
        let (p, q) = path.split_once('?').unwrap_or_default();
        let id = p.trim_start_matches("/d/").to_owned();
        let mut exp = 0;
        let mut sig = String::new();
        for kv in q.split('&') {
            match kv.split_once('=') {
                Some(("expires", v)) => exp = v.parse().unwrap_or_default(),
                Some(("sig", v)) => sig = v.to_owned(),
                _ => {}
            }
        }
        (id, exp, sig)
    }

    #[test]
    fn links_open_until_they_expire_and_only_unchanged() {
        let s = LinkSigner::new(b"secret one");
        let now = Utc::now();
        let (id, exp, sig) = parts(&s.path("file-1", now + chrono::Duration::hours(1)));
        assert_eq!(id, "file-1");
        assert_eq!(s.check(&id, exp, &sig, now), Ok(()));
        assert_eq!(
            s.check("file-2", exp, &sig, now),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            s.check(&id, exp + 3600, &sig, now),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            LinkSigner::new(b"secret two").check(&id, exp, &sig, now),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            s.check(&id, exp, &sig, now + chrono::Duration::hours(2)),
            Err(LinkError::Expired)
        );
        assert_eq!(s.check(&id, exp, "zz", now), Err(LinkError::BadSignature));
    }
}
