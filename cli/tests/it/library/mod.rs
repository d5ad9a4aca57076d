//! The library: file lists and search, albums, share links, signed links
//! and deduplication, over HTTP against a running Kiln, on the embedded
//! store and on MongoDB.

#![allow(clippy::unwrap_used)]

mod albums;
mod client;
mod dedupe;
mod files;
mod shares;

use crate::common::TestApp;
use exif::{Field, In, Rational, Tag, Value as ExifValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A client of one Kiln as one caller (or as anyone, with auth off).
pub struct As<'a> {
    pub t: &'a TestApp,
    pub token: Option<String>,
}

impl As<'_> {
    /// A request with a JSON body (or none); status and JSON answer.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self
            .t
            .http
            .request(method, format!("{}{path}", self.t.base));
        if let Some(tok) = &self.token {
            r = r.bearer_auth(tok);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// Uploads `bytes` as `name` with `query`; asserts 202, answers the body.
    pub async fn upload(&self, bytes: Vec<u8>, name: &str, query: &str) -> Value {
        let mut r = self
            .t
            .http
            .post(format!("{}/v1/uploads?{query}", self.t.base))
            .header("x-filename", name)
            .body(bytes);
        if let Some(tok) = &self.token {
            r = r.bearer_auth(tok);
        }
        let resp = r.send().await.unwrap();
        assert_eq!(resp.status(), 202);
        resp.json().await.unwrap()
    }

    /// The ids of `GET /v1/files?{query}` (one page).
    pub async fn ids(&self, query: &str) -> Vec<String> {
        let (code, body) = self.get(&format!("/v1/files?{query}")).await;
        assert_eq!(code, StatusCode::OK, "{query}: {body}");
        ids_of(&body["files"])
    }
}

/// The `id`s of a JSON array of objects.
pub fn ids_of(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

/// What a test photo says about itself.
pub struct Shot<'a> {
    pub make: &'a str,
    pub model: &'a str,
    pub lens: Option<&'a str>,
    /// EXIF `DateTimeOriginal` (`2024:05:17 14:03:22`) and its offset.
    pub taken: &'a str,
    pub offset: Option<&'a str>,
    /// Decimal degrees, north and east positive.
    pub gps: Option<(f64, f64)>,
}

fn dms(v: f64) -> Vec<Rational> {
    let v = v.abs();
    let d = v.trunc();
    let m = ((v - d) * 60.0).trunc();
    let s = ((v - d) * 60.0 - m) * 60.0;
    vec![
        Rational {
            num: d as u32,
            denom: 1,
        },
        Rational {
            num: m as u32,
            denom: 1,
        },
        Rational {
            num: (s * 1000.0).round() as u32,
            denom: 1000,
        },
    ]
}

/// A `w`×`h` JPEG carrying `shot` as EXIF.
pub fn photo(w: u32, h: u32, shot: &Shot) -> Vec<u8> {
    let ascii = |s: &str| ExifValue::Ascii(vec![s.as_bytes().to_vec()]);
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let mut fields = vec![
        field(Tag::Make, ascii(shot.make)),
        field(Tag::Model, ascii(shot.model)),
        field(Tag::DateTimeOriginal, ascii(shot.taken)),
    ];
    if let Some(l) = shot.lens {
        fields.push(field(Tag::LensModel, ascii(l)));
    }
    if let Some(o) = shot.offset {
        fields.push(field(Tag::OffsetTimeOriginal, ascii(o)));
    }
    if let Some((lat, lon)) = shot.gps {
        fields.push(field(
            Tag::GPSLatitudeRef,
            ascii(if lat < 0.0 { "S" } else { "N" }),
        ));
        fields.push(field(Tag::GPSLatitude, ExifValue::Rational(dms(lat))));
        fields.push(field(
            Tag::GPSLongitudeRef,
            ascii(if lon < 0.0 { "W" } else { "E" }),
        ));
        fields.push(field(Tag::GPSLongitude, ExifValue::Rational(dms(lon))));
    }
    crate::common::jpeg_with_exif(w, h, &fields)
}

/// Runs every queued job of `role` (manual workers), `n` of them.
pub async fn run(t: &TestApp, role: kiln_proto::Role, n: usize) {
    for _ in 0..n {
        let outcome = t.run_one(role).await;
        assert!(
            matches!(outcome, kiln_workers::Outcome::Succeeded { .. }),
            "{outcome:?}"
        );
    }
}
