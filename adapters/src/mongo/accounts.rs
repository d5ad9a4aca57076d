//! [`AccountStore`] on MongoDB, in the same database as the files and jobs:
//! collections `users`, `api_keys`, `history`, `transfers` and
//! `notifications`. Every write is a single-document operation, so no
//! transactions are needed; uniqueness (emails, key hashes, notification
//! keys) is left to unique indexes, which also settle races.

use super::account_docs::{
    day_id, history_from_doc, history_to_doc, key_from_doc, key_to_doc, long, quota_doc, sum,
    user_from_doc, user_to_doc,
};
use super::docs::{date, string};
use super::store::{MongoStore, index, is_duplicate, unavailable, unique};
use crate::accounts::{
    AccountError, AccountStore, ApiKey, Claim, Direction, HistoryEntry, QuotaOverride,
    StorageUsage, Transfer, User,
};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use futures::TryStreamExt;
use mongodb::Collection;
use mongodb::bson::{Bson, Document, doc};

impl MongoStore {
    fn coll(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// The account collections' indexes; part of [`MongoStore::create_indexes`].
    pub(super) async fn create_account_indexes(&self) -> Result<(), StoreError> {
        let users = unique(doc! { "email": 1 }, "email");
        self.coll("users")
            .create_index(users)
            .await
            .map_err(unavailable)?;
        let keys = vec![
            unique(doc! { "hash": 1 }, "hash"),
            index(doc! { "user_id": 1 }, "user_id"),
        ];
        let api_keys = self.coll("api_keys");
        api_keys.create_indexes(keys).await.map_err(unavailable)?;
        let history = index(doc! { "user_id": 1, "_id": -1 }, "user_id_id");
        self.coll("history")
            .create_index(history)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn find_all(
        &self,
        coll: &str,
        filter: Document,
        limit: Option<u32>,
    ) -> Result<Vec<Document>, StoreError> {
        let coll = self.coll(coll);
        let find = coll.find(filter).sort(doc! { "_id": -1 });
        let find = match limit {
            Some(n) => find.limit(i64::from(n)),
            None => find,
        };
        let cursor = find.await.map_err(unavailable)?;
        cursor.try_collect().await.map_err(unavailable)
    }

    /// The single result of a `$group` with `_id: null`, if anything matched.
    async fn aggregate_one(
        &self,
        coll: &str,
        pipeline: Vec<Document>,
    ) -> Result<Option<Document>, StoreError> {
        let cursor = self.coll(coll).aggregate(pipeline).await;
        let mut cursor = cursor.map_err(unavailable)?;
        cursor.try_next().await.map_err(unavailable)
    }

    async fn find_user(&self, filter: Document) -> Result<Option<User>, StoreError> {
        let found = self.coll("users").find_one(filter).await;
        found
            .map_err(unavailable)?
            .as_ref()
            .map(user_from_doc)
            .transpose()
    }

    async fn update_user(&self, id: &str, set: Document) -> Result<bool, StoreError> {
        let users = self.coll("users");
        let updated = users.update_one(doc! { "_id": id }, doc! { "$set": set });
        Ok(updated.await.map_err(unavailable)?.matched_count > 0)
    }
}

#[async_trait]
impl AccountStore for MongoStore {
    async fn create_user(&self, user: &User) -> Result<(), AccountError> {
        match self.coll("users").insert_one(user_to_doc(user)).await {
            Ok(_) => Ok(()),
            // The error names the index differently on every server; the
            // email's owner tells a taken email from a (buggy) reused id.
            Err(e) if is_duplicate(&e) && self.user_by_email(&user.email).await?.is_some() => {
                Err(AccountError::EmailTaken)
            }
            Err(e) => Err(unavailable(e).into()),
        }
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.find_user(doc! { "email": email }).await
    }

    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
        self.find_user(doc! { "_id": id }).await
    }

    async fn has_users(&self) -> Result<bool, StoreError> {
        let one = self.coll("users").find_one(doc! {}).await;
        Ok(one.map_err(unavailable)?.is_some())
    }

    async fn set_notify_email(&self, user_id: &str, on: bool) -> Result<bool, StoreError> {
        self.update_user(user_id, doc! { "notify_email": on }).await
    }

    async fn set_quota(&self, user_id: &str, quota: QuotaOverride) -> Result<bool, StoreError> {
        self.update_user(user_id, doc! { "quota": quota_doc(quota) })
            .await
    }

    async fn set_operator(&self, user_id: &str, on: bool) -> Result<bool, StoreError> {
        self.update_user(user_id, doc! { "operator": on }).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let inserted = self.coll("api_keys").insert_one(key_to_doc(key)).await;
        inserted.map(|_| ()).map_err(unavailable)
    }

    async fn api_keys(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError> {
        let docs = self.find_all("api_keys", doc! { "user_id": user_id }, None);
        docs.await?.iter().map(key_from_doc).collect()
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let found = self.coll("api_keys").find_one(doc! { "hash": hash }).await;
        found
            .map_err(unavailable)?
            .as_ref()
            .map(key_from_doc)
            .transpose()
    }

    async fn revoke_api_key(&self, user_id: &str, key_id: &str) -> Result<bool, StoreError> {
        let keys = self.coll("api_keys");
        let mine = doc! { "_id": key_id, "user_id": user_id };
        let Some(mut record) = keys.find_one(mine.clone()).await.map_err(unavailable)? else {
            return Ok(false);
        };
        if key_from_doc(&record)?.revoked_at.is_some() {
            return Ok(true);
        }
        // A replacement, not `$set`: some wire-compatible servers store a
        // date set by an update as a string. Conditional on the key being
        // unrevoked, so a concurrent revocation's time stays.
        record.insert("revoked_at", date(Utc::now()));
        let mut unrevoked = mine;
        unrevoked.insert("revoked_at", Bson::Null);
        let replace = keys.replace_one(unrevoked, record);
        replace.await.map_err(unavailable)?;
        Ok(true)
    }

    async fn add_history(&self, entry: &HistoryEntry) -> Result<(), StoreError> {
        let inserted = self.coll("history").insert_one(history_to_doc(entry)).await;
        inserted.map(|_| ()).map_err(unavailable)
    }

    async fn history(
        &self,
        user_id: &str,
        before: Option<&str>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        // MongoDB reads a limit of 0 as "no limit".
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut filter = doc! { "user_id": user_id };
        if let Some(b) = before {
            filter.insert("_id", doc! { "$lt": b });
        }
        let docs = self.find_all("history", filter, Some(limit)).await?;
        docs.iter().map(history_from_doc).collect()
    }

    async fn add_transfer(
        &self,
        user_id: &str,
        direction: Direction,
        bytes: u64,
        day: NaiveDate,
    ) -> Result<(), StoreError> {
        let (field, other) = match direction {
            Direction::Upload => ("uploaded", "downloaded"),
            Direction::Download => ("downloaded", "uploaded"),
        };
        let id = day_id(user_id, day);
        let day = day.format("%Y-%m-%d").to_string();
        let update = doc! {
            "$inc": { field: long(bytes) },
            "$setOnInsert": { "user_id": user_id, "day": day, other: 0_i64 },
        };
        let transfers = self.coll("transfers");
        // Two first adds of a day can race to insert; the loser's upsert
        // fails on `_id` (servers before 4.2 do not retry it) and, retried,
        // finds the document and increments it.
        for _ in 0..2 {
            let upsert = transfers.update_one(doc! { "_id": &id }, update.clone());
            match upsert.upsert(true).await {
                Err(e) if is_duplicate(&e) => continue,
                done => return done.map(|_| ()).map_err(unavailable),
            }
        }
        Err(StoreError::Unavailable(
            format!("transfer counter {id} kept clashing").into(),
        ))
    }

    async fn transfer(
        &self,
        user_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Transfer, StoreError> {
        let range = doc! { "$gte": day_id(user_id, from), "$lte": day_id(user_id, to) };
        let pipeline = vec![
            doc! { "$match": { "_id": range, "user_id": user_id } },
            doc! { "$group": { "_id": null,
            "uploaded": { "$sum": "$uploaded" }, "downloaded": { "$sum": "$downloaded" } } },
        ];
        let total = self.aggregate_one("transfers", pipeline).await?;
        Ok(Transfer {
            uploaded: sum(total.as_ref(), "uploaded")?,
            downloaded: sum(total.as_ref(), "downloaded")?,
        })
    }

    async fn storage_usage(&self, user_id: &str) -> Result<StorageUsage, StoreError> {
        // `$ifNull` also counts a file without the field as an original.
        let original = doc! { "$eq": [{ "$ifNull": ["$job_id", null] }, null] };
        let pipeline = vec![
            doc! { "$match": { "owner": user_id } },
            doc! { "$group": {
                "_id": null,
                "original_bytes": { "$sum": { "$cond": [&original, "$bytes", 0] } },
                "output_bytes": { "$sum": { "$cond": [&original, 0, "$bytes"] } },
                "files": { "$sum": { "$cond": [&original, 1, 0] } },
            } },
        ];
        let totals = self.aggregate_one("files", pipeline).await?;
        let jobs = self.jobs.count_documents(doc! { "owner": user_id });
        Ok(StorageUsage {
            original_bytes: sum(totals.as_ref(), "original_bytes")?,
            output_bytes: sum(totals.as_ref(), "output_bytes")?,
            files: sum(totals.as_ref(), "files")?,
            jobs: jobs.await.map_err(unavailable)?,
        })
    }

    async fn claim_notification(&self, key: &str) -> Result<Claim, StoreError> {
        let notifications = self.coll("notifications");
        let claim = doc! { "_id": key, "state": "pending", "claimed_at": date(Utc::now()) };
        match notifications.insert_one(claim).await {
            Ok(_) => return Ok(Claim::New),
            Err(e) if is_duplicate(&e) => {}
            Err(e) => return Err(unavailable(e)),
        }
        // Claims are never deleted, so the duplicate is there to be read.
        let found = notifications.find_one(doc! { "_id": key }).await;
        let state = match found.map_err(unavailable)? {
            Some(d) => string(&d, "state")?,
            None => return Err(StoreError::Corrupt(format!("claim {key} vanished").into())),
        };
        Ok(if state == "sent" {
            Claim::Sent
        } else {
            Claim::Pending
        })
    }

    async fn notification_sent(&self, key: &str) -> Result<(), StoreError> {
        let update = doc! {
            "$set": { "state": "sent" },
            "$setOnInsert": { "claimed_at": date(Utc::now()) },
        };
        let notifications = self.coll("notifications");
        let sent = notifications.update_one(doc! { "_id": key }, update);
        sent.upsert(true).await.map(|_| ()).map_err(unavailable)
    }
}
