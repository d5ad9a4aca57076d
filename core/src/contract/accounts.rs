//! The account store contract.

use super::account_usage::{notifications, storage, transfers};
use crate::accounts::{AccountError, AccountStore, ApiKey, HistoryEntry, QuotaOverride, User};
use crate::store::MetaStore;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// Now, to the millisecond: what every store keeps of a timestamp.
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

fn user(email: &str) -> User {
    User {
        id: crate::new_id(),
        email: email.to_owned(),
        name: "Ada".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
        notify_email: false,
        quota: QuotaOverride::default(),
        operator: false,
    }
}

fn key(user_id: &str, name: &str) -> ApiKey {
    let id = crate::new_id();
    ApiKey {
        prefix: format!("kiln_{}", &id[..4]),
        hash: format!("{:0>64}", id.replace('-', "")),
        id,
        user_id: user_id.to_owned(),
        name: name.to_owned(),
        created_at: now(),
        revoked_at: None,
    }
}

fn entry(user_id: &str, n: u32) -> HistoryEntry {
    HistoryEntry {
        id: crate::new_id(),
        user_id: user_id.to_owned(),
        action: crate::HistoryAction::Upload,
        subject: n.is_multiple_of(2).then(crate::new_id),
        detail: serde_json::json!({ "n": n, "name": "a.jpg", "ratio": 1.5 }),
        at: now(),
    }
}

/// Account store contract. `store` and `meta` are the same store, whose
/// files and jobs `storage_usage` sums over.
pub async fn account_store(store: &dyn AccountStore, meta: &dyn MetaStore) {
    let ada = user(&format!("ada-{}@example.com", crate::new_id()));
    let bob = user(&format!("bob-{}@example.com", crate::new_id()));
    users(store, &ada, &bob).await;
    api_keys(store, &ada, &bob).await;
    history(store, &ada, &bob).await;
    transfers(store, &ada, &bob).await;
    storage(store, meta, &ada, &bob).await;
    notifications(store).await;
}

async fn users(store: &dyn AccountStore, ada: &User, bob: &User) {
    store.create_user(ada).await.unwrap();
    store.create_user(bob).await.unwrap();
    assert!(store.has_users().await.unwrap());
    assert_eq!(
        store.user_by_email(&ada.email).await.unwrap().as_ref(),
        Some(ada)
    );
    assert_eq!(store.user_by_id(&bob.id).await.unwrap().as_ref(), Some(bob));
    assert_eq!(
        store.user_by_email("nobody@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.user_by_id(&crate::new_id()).await.unwrap(), None);

    // The email is unique, whoever asks and however fast.
    let again = user(&ada.email);
    assert!(matches!(
        store.create_user(&again).await,
        Err(AccountError::EmailTaken)
    ));
    assert_eq!(store.user_by_id(&again.id).await.unwrap(), None);
    let email = format!("race-{}@example.com", crate::new_id());
    let (a, b) = (user(&email), user(&email));
    let (ra, rb) = tokio::join!(store.create_user(&a), store.create_user(&b));
    let results = [ra, rb];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(AccountError::EmailTaken)))
    );
    let winner = store.user_by_email(&email).await.unwrap().unwrap();
    assert!(winner.id == a.id || winner.id == b.id);

    // Preferences and quotas round-trip; unknown users are reported.
    assert!(store.set_notify_email(&ada.id, true).await.unwrap());
    let quota = QuotaOverride {
        storage_bytes: Some(5 << 30),
        monthly_transfer_bytes: None,
    };
    assert!(store.set_quota(&ada.id, quota).await.unwrap());
    let read = store.user_by_id(&ada.id).await.unwrap().unwrap();
    assert_eq!((read.notify_email, read.quota), (true, quota));
    assert!(store.set_notify_email(&ada.id, false).await.unwrap());
    assert!(
        !store
            .user_by_id(&ada.id)
            .await
            .unwrap()
            .unwrap()
            .notify_email
    );
    assert!(!store.set_notify_email("no-such-user", true).await.unwrap());
    assert!(!store.set_quota("no-such-user", quota).await.unwrap());
    // The operator role, granted and revoked.
    assert!(!ada.operator);
    assert!(store.set_operator(&ada.id, true).await.unwrap());
    assert!(
        store
            .user_by_email(&ada.email)
            .await
            .unwrap()
            .unwrap()
            .operator
    );
    assert!(store.set_operator(&ada.id, false).await.unwrap());
    assert!(!store.user_by_id(&ada.id).await.unwrap().unwrap().operator);
    assert!(!store.set_operator("no-such-user", true).await.unwrap());
    // Others are untouched.
    assert_eq!(store.user_by_id(&bob.id).await.unwrap().as_ref(), Some(bob));
}

async fn api_keys(store: &dyn AccountStore, ada: &User, bob: &User) {
    let (k1, k2, theirs) = (
        key(&ada.id, "ci"),
        key(&ada.id, "laptop"),
        key(&bob.id, "x"),
    );
    for k in [&k1, &k2, &theirs] {
        store.insert_api_key(k).await.unwrap();
    }
    // The hash is unique.
    let mut clash = key(&ada.id, "clash");
    clash.hash = k1.hash.clone();
    assert!(store.insert_api_key(&clash).await.is_err());

    assert_eq!(
        store.api_keys(&ada.id).await.unwrap(),
        vec![k2.clone(), k1.clone()]
    );
    assert_eq!(
        store.api_key_by_hash(&k1.hash).await.unwrap(),
        Some(k1.clone())
    );
    assert_eq!(store.api_key_by_hash(&"f".repeat(64)).await.unwrap(), None);

    // Only the owner revokes; another user's attempt changes nothing.
    assert!(!store.revoke_api_key(&bob.id, &k1.id).await.unwrap());
    let k1_read = store.api_key_by_hash(&k1.hash).await.unwrap().unwrap();
    assert_eq!(k1_read.revoked_at, None);
    assert!(
        !store
            .revoke_api_key(&ada.id, &crate::new_id())
            .await
            .unwrap()
    );
    assert!(store.revoke_api_key(&ada.id, &k1.id).await.unwrap());
    let revoked = store.api_key_by_hash(&k1.hash).await.unwrap().unwrap();
    let at = revoked.revoked_at.expect("revoked");
    assert!(at >= k1.created_at - TimeDelta::seconds(1));
    // Twice is fine, and keeps the first time.
    assert!(store.revoke_api_key(&ada.id, &k1.id).await.unwrap());
    let again = store.api_key_by_hash(&k1.hash).await.unwrap().unwrap();
    assert_eq!(again.revoked_at, Some(at));
    // Revoked keys are still listed, in the same place.
    let listed = store.api_keys(&ada.id).await.unwrap();
    assert_eq!(listed, vec![k2, revoked]);
    assert_eq!(store.api_keys(&bob.id).await.unwrap(), vec![theirs]);
}

async fn history(store: &dyn AccountStore, ada: &User, bob: &User) {
    let mut mine = Vec::new();
    for n in 0..5 {
        let e = entry(&ada.id, n);
        store.add_history(&e).await.unwrap();
        store.add_history(&entry(&bob.id, n)).await.unwrap();
        mine.push(e);
    }
    mine.reverse(); // newest first
    let first = store.history(&ada.id, None, 3).await.unwrap();
    assert_eq!(first, mine[..3]);
    let rest = store.history(&ada.id, Some(&first[2].id), 3).await.unwrap();
    assert_eq!(rest, mine[3..]);
    let none = store.history(&ada.id, Some(&mine[4].id), 3).await.unwrap();
    assert!(none.is_empty());
    let all = store.history(&ada.id, None, 100).await.unwrap();
    assert_eq!(all, mine);
    let theirs = store.history(&bob.id, None, 100).await.unwrap();
    assert_eq!(theirs.len(), 5);
    assert!(theirs.iter().all(|e| e.user_id == bob.id));
    assert!(store.history("nobody", None, 10).await.unwrap().is_empty());
}
