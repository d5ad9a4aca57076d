//! Every API document survives a JSON round trip, and a sample of each pins
//! the wire form (field names, order, `null` versus absent) the gateway has
//! always answered and clients rely on.

use super::*;
use crate::{JobKind, JobStatus};
use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("valid time")
}

/// Serialises, reads back, and checks nothing changed; returns the JSON.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("serialise");
    let back: T = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(&back, value, "{json}");
    assert_eq!(serde_json::to_string(&back).expect("serialise"), json);
    json
}

fn sample_job(status: JobStatus, done: bool) -> JobView {
    JobView {
        id: "j1".into(),
        kind: JobKind::Thumbnail,
        file_id: "f1".into(),
        status,
        attempts: 1,
        priority: crate::Priority::Interactive,
        error: None,
        created_at: at(0),
        updated_at: at(2),
        history: vec![JobAttempt {
            attempt: 1,
            started_at: at(1),
            finished_at: done.then(|| at(2)),
            outcome: done.then_some(JobStatus::Succeeded),
            error: None,
        }],
        outputs: vec![JobOutput {
            file_id: "o1".into(),
            url: file_url("o1"),
            content_type: "image/jpeg".into(),
            bytes: 1234,
            width: Some(256),
            height: Some(171),
            filename: None,
        }],
    }
}

#[test]
fn jobs_keep_their_wire_form() {
    let job = sample_job(JobStatus::Succeeded, true);
    assert_eq!(
        round_trip(&job),
        r#"{"id":"j1","kind":"thumbnail","file_id":"f1","status":"succeeded","attempts":1,"priority":"interactive","error":null,"created_at":"2023-11-14T22:13:20Z","updated_at":"2023-11-14T22:13:22Z","history":[{"attempt":1,"started_at":"2023-11-14T22:13:21Z","finished_at":"2023-11-14T22:13:22Z","outcome":"succeeded"}],"outputs":[{"file_id":"o1","url":"/v1/files/o1","content_type":"image/jpeg","bytes":1234,"width":256,"height":171,"filename":null}]}"#
    );
    // A running attempt has no end, outcome or error at all (not `null`).
    let running = round_trip(&sample_job(JobStatus::Running, false));
    assert!(running.contains(r#""history":[{"attempt":1,"started_at":"2023-11-14T22:13:21Z"}]"#));
    let list = JobList {
        jobs: vec![job],
        next_cursor: None,
    };
    assert!(round_trip(&list).ends_with(r#"]}],"next_cursor":null}"#));
    round_trip(&JobList {
        jobs: Vec::new(),
        next_cursor: Some("j0".into()),
    });
}

#[test]
fn an_unknown_job_kind_reads_back_verbatim() {
    let mut job = sample_job(JobStatus::Queued, false);
    job.kind = JobKind::Unknown("sharpen".into());
    assert!(round_trip(&job).contains(r#""kind":"sharpen""#));
}

#[test]
fn uploads_keep_their_wire_form() {
    let up = UploadAccepted {
        file_id: "f1".into(),
        url: file_url("f1"),
        filename: Some("cat.jpg".into()),
        sha256: "ab".into(),
        bytes: 10,
        content_type: "image/jpeg".into(),
        jobs: vec![QueuedJob {
            id: "j1".into(),
            kind: JobKind::Metadata,
            status: JobStatus::Queued,
            url: job_url("j1"),
        }],
        duplicate_of: None,
    };
    assert_eq!(
        round_trip(&up),
        r#"{"file_id":"f1","url":"/v1/files/f1","filename":"cat.jpg","sha256":"ab","bytes":10,"content_type":"image/jpeg","jobs":[{"id":"j1","kind":"metadata","status":"queued","url":"/v1/jobs/j1"}]}"#
    );
    let nameless = UploadAccepted {
        filename: None,
        jobs: Vec::new(),
        ..up
    };
    assert!(round_trip(&nameless).contains(r#""filename":null"#));
    // `duplicate_of` appears only on a duplicate.
    let dup = UploadAccepted {
        duplicate_of: Some("f0".into()),
        ..nameless
    };
    assert!(round_trip(&dup).ends_with(r#""jobs":[],"duplicate_of":"f0"}"#));
}

#[test]
fn query_types_leave_out_what_is_unset() {
    let q = UploadQuery {
        thumbnails: Some("64,128".into()),
        metadata: Some(false),
        bitrate: Some(192),
        ..UploadQuery::default()
    };
    assert_eq!(
        round_trip(&q),
        r#"{"thumbnails":"64,128","metadata":false,"bitrate":192}"#
    );
    assert_eq!(round_trip(&UploadQuery::default()), "{}");
    round_trip(&JobListQuery {
        status: Some("dead".into()),
        kind: None,
        file_id: Some("f1".into()),
        limit: Some("10".into()),
        cursor: None,
    });
    assert_eq!(
        round_trip(&PageQuery {
            limit: None,
            cursor: Some("c".into())
        }),
        r#"{"cursor":"c"}"#
    );
}

#[test]
fn file_metadata_is_the_stored_document_verbatim() {
    let doc = FileMetadata(serde_json::json!({"format": "jpeg"}));
    assert_eq!(round_trip(&doc), r#"{"format":"jpeg"}"#);
}

#[test]
fn accounts_and_tokens_keep_their_wire_form() {
    let account = Account {
        id: "u1".into(),
        email: "a@b.c".into(),
        name: "Ann".into(),
        created_at: at(0),
    };
    assert_eq!(
        round_trip(&account),
        r#"{"id":"u1","email":"a@b.c","name":"Ann","created_at":"2023-11-14T22:13:20Z"}"#
    );
    let token = AccessToken {
        access_token: "t".into(),
        token_type: TokenType::Bearer,
        expires_at: at(3600),
    };
    assert_eq!(
        round_trip(&token),
        r#"{"access_token":"t","token_type":"Bearer","expires_at":"2023-11-14T23:13:20Z"}"#
    );
    let signup = SignUp {
        email: "a@b.c".into(),
        password: "secret password".into(),
        name: "Ann".into(),
    };
    round_trip(&signup);
    assert!(!format!("{signup:?}").contains("secret"));
    let creds = Credentials {
        email: "a@b.c".into(),
        password: "secret password".into(),
    };
    round_trip(&creds);
    assert!(!format!("{creds:?}").contains("secret"));
}

#[test]
fn api_keys_keep_their_wire_form() {
    let created = CreatedApiKey {
        id: "k1".into(),
        name: "ci".into(),
        prefix: "kiln_abcdef".into(),
        key: "kiln_abcdefSECRET".into(),
        created_at: at(0),
    };
    assert_eq!(
        round_trip(&created),
        r#"{"id":"k1","name":"ci","prefix":"kiln_abcdef","key":"kiln_abcdefSECRET","created_at":"2023-11-14T22:13:20Z"}"#
    );
    assert!(!format!("{created:?}").contains("SECRET"));
    let list = ApiKeyList {
        keys: vec![ApiKeyInfo {
            id: "k1".into(),
            name: "ci".into(),
            prefix: "kiln_abcdef".into(),
            created_at: at(0),
            revoked_at: None,
        }],
    };
    assert_eq!(
        round_trip(&list),
        r#"{"keys":[{"id":"k1","name":"ci","prefix":"kiln_abcdef","created_at":"2023-11-14T22:13:20Z","revoked_at":null}]}"#
    );
    assert_eq!(round_trip(&NewApiKey::default()), r#"{"name":""}"#);
    let unnamed: NewApiKey = serde_json::from_str("{}").expect("name is optional");
    assert_eq!(unnamed, NewApiKey::default());
}

#[test]
fn me_keeps_its_wire_form_and_preferences_refuse_unknown_fields() {
    let me = Me {
        id: "u1".into(),
        email: "a@b.c".into(),
        name: "Ann".into(),
        created_at: at(0),
        notify_email: true,
        quota: QuotaOverrides {
            storage_bytes: Some(1000),
            monthly_transfer_bytes: None,
        },
    };
    assert_eq!(
        round_trip(&me),
        r#"{"id":"u1","email":"a@b.c","name":"Ann","created_at":"2023-11-14T22:13:20Z","notify_email":true,"quota":{"storage_bytes":1000,"monthly_transfer_bytes":null}}"#
    );
    assert_eq!(
        round_trip(&Preferences {
            notify_email: Some(true)
        }),
        r#"{"notify_email":true}"#
    );
    assert!(serde_json::from_str::<Preferences>(r#"{"notify_emial":true}"#).is_err());
}

#[test]
fn history_keeps_its_wire_form_and_unknown_actions() {
    let page = HistoryPage {
        entries: vec![HistoryItem {
            id: "h1".into(),
            action: HistoryAction::SignIn,
            subject: None,
            detail: serde_json::json!({"method": "password"}),
            at: at(0),
        }],
        next_cursor: Some("h1".into()),
    };
    assert_eq!(
        round_trip(&page),
        r#"{"entries":[{"id":"h1","action":"sign_in","subject":null,"detail":{"method":"password"},"at":"2023-11-14T22:13:20Z"}],"next_cursor":"h1"}"#
    );
    for action in HistoryAction::KNOWN {
        let wire = serde_json::to_string(&action).expect("serialise");
        assert_eq!(wire, format!("\"{action}\""));
        assert_eq!(HistoryAction::from(action.to_string()), action);
    }
    let later: HistoryAction = serde_json::from_str(r#""password_changed""#).expect("any string");
    assert_eq!(later, HistoryAction::Other("password_changed".into()));
    assert_eq!(round_trip(&later), r#""password_changed""#);
}

#[test]
fn usage_keeps_its_wire_form() {
    let usage = Usage {
        storage: StorageUsage {
            original_bytes: 10,
            output_bytes: 5,
            total_bytes: 15,
            files: 1,
            jobs: 2,
        },
        transfer: TransferUsage {
            today: TransferTotals {
                uploaded: 10,
                downloaded: 0,
            },
            month: TransferTotals {
                uploaded: 10,
                downloaded: 7,
            },
        },
        quota: Quotas {
            storage_bytes: None,
            monthly_transfer_bytes: Some(100),
        },
    };
    assert_eq!(
        round_trip(&usage),
        r#"{"storage":{"original_bytes":10,"output_bytes":5,"total_bytes":15,"files":1,"jobs":2},"transfer":{"today":{"uploaded":10,"downloaded":0},"month":{"uploaded":10,"downloaded":7}},"quota":{"storage_bytes":null,"monthly_transfer_bytes":100}}"#
    );
}

#[test]
fn probes_keep_their_wire_form() {
    assert_eq!(round_trip(&Liveness::default()), r#"{"status":"ok"}"#);
    let ready = Readiness {
        status: ReadinessStatus::Unavailable,
        checks: CheckResults {
            store: CheckResults::OK.into(),
            blobs: CheckResults::OK.into(),
            broker: "connection refused".into(),
        },
    };
    assert_eq!(
        round_trip(&ready),
        r#"{"status":"unavailable","checks":{"store":"ok","blobs":"ok","broker":"connection refused"}}"#
    );
    assert!(
        round_trip(&Readiness {
            status: ReadinessStatus::Ready,
            ..ready
        })
        .starts_with(r#"{"status":"ready","#)
    );
}

#[test]
fn errors_keep_their_wire_form() {
    let body = ErrorBody::new(ErrorCode::TooLarge, "upload exceeds the limit of 10 bytes");
    assert_eq!(
        round_trip(&body),
        r#"{"error":{"code":"too_large","message":"upload exceeds the limit of 10 bytes"}}"#
    );
}

/// The error table of the API documentation: `(status, code)` per row.
fn documented_codes() -> Vec<(u16, String)> {
    let doc = include_str!("../../../docs/http-api.md");
    let section = doc
        .split("\n## ")
        .find(|s| s.starts_with("Errors"))
        .expect("docs/http-api.md has an Errors section");
    section
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(|c| c.trim().trim_matches('`'));
            let status = cells.nth(1)?.parse().ok()?;
            Some((status, cells.next()?.to_owned()))
        })
        .collect()
}

/// Every code is in the documentation's error table under its wire name
/// and status, and the table names no code the API does not have. The
/// codes are never renamed: clients match on them.
#[test]
fn every_error_code_is_documented_with_its_name_and_status() {
    let documented = documented_codes();
    for code in ErrorCode::ALL {
        assert_eq!(round_trip(&code), format!("\"{code}\""));
        assert!(
            documented.contains(&(code.http_status(), code.as_str().to_owned())),
            "docs/http-api.md lacks `{}` `{code}`",
            code.http_status()
        );
    }
    for (status, name) in &documented {
        let code: ErrorCode = serde_json::from_value(serde_json::Value::String(name.clone()))
            .unwrap_or_else(|_| panic!("docs/http-api.md names an unknown code {name}"));
        assert_eq!(code.http_status(), *status, "{name}");
    }
    assert_eq!(documented.len(), ErrorCode::ALL.len());
    let mut names: Vec<&str> = ErrorCode::ALL.into_iter().map(ErrorCode::as_str).collect();
    assert!(names.is_sorted(), "ALL is alphabetical");
    names.dedup();
    assert_eq!(names.len(), ErrorCode::ALL.len(), "ALL repeats a code");
}

/// `ALL` lists every variant: the match has no wildcard, so a new code does
/// not compile until it is counted here, and the count must match `ALL`.
#[test]
fn all_lists_every_error_code() {
    let index = |code: ErrorCode| match code {
        ErrorCode::AuthDisabled => 0,
        ErrorCode::BadMultipart => 1,
        ErrorCode::EmailTaken => 2,
        ErrorCode::Forbidden => 3,
        ErrorCode::Gone => 4,
        ErrorCode::InsufficientStorage => 5,
        ErrorCode::InvalidParameter => 6,
        ErrorCode::JobNotDead => 7,
        ErrorCode::MetadataNotAvailable => 8,
        ErrorCode::MethodNotAllowed => 9,
        ErrorCode::NoRoute => 10,
        ErrorCode::NotFound => 11,
        ErrorCode::OperatorOnly => 12,
        ErrorCode::RangeNotSatisfiable => 13,
        ErrorCode::RateLimited => 14,
        ErrorCode::StorageQuotaExceeded => 15,
        ErrorCode::TooLarge => 16,
        ErrorCode::TransferQuotaExceeded => 17,
        ErrorCode::Unauthorized => 18,
        ErrorCode::Unavailable => 19,
        ErrorCode::UnsupportedMediaType => 20,
        ErrorCode::UploadInterrupted => 21,
    };
    for (i, code) in ErrorCode::ALL.into_iter().enumerate() {
        assert_eq!(index(code), i, "{code}");
    }
}
