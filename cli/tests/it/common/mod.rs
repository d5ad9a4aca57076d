//! Shared test set-up: a Kiln on port 0 with a fresh data directory, and
//! real image files made with real encoders.

#![allow(dead_code, clippy::unwrap_used, clippy::field_reassign_with_default)]

pub mod accounts;
pub mod brokers;
pub mod browser;
pub mod cluster;
pub mod media;
pub mod smtp;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{Rgb, RgbImage};
use kiln::{App, Config, Workers};
use std::path::Path;
use std::time::Duration;

/// A running Kiln with its own data directory.
pub struct TestApp {
    pub app: App,
    pub base: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

/// Config for tests: port 0, quick retries.
pub fn test_config(dir: &Path) -> Config {
    let mut c = Config::default();
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.data_dir = dir.to_path_buf();
    c.retry.base_delay_ms = 50;
    c.retry.max_delay_ms = 1_000;
    c.retry.max_attempts = 3;
    c.shutdown_grace_secs = 5;
    c
}

impl TestApp {
    /// Starts with workers driven by hand (`process_one`).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(dir.path());
        tweak(&mut config);
        Self::start_in(dir, &config, Workers::Manual).await
    }

    pub async fn start_in(dir: tempfile::TempDir, config: &Config, workers: Workers) -> TestApp {
        // Logs show in a failing test's output (RUST_LOG to change the level).
        kiln::telemetry::init();
        let app = kiln::start(config, workers).await.unwrap();
        let base = format!("http://{}", app.addr);
        TestApp {
            app,
            base,
            http: reqwest::Client::new(),
            dir,
            config: config.clone(),
        }
    }

    /// Processes exactly one queued job of `role`.
    pub async fn run_one(&self, role: kiln_proto::Role) -> kiln_workers::Outcome {
        self.app
            .worker(role)
            .process_one(Duration::from_secs(10))
            .await
            .unwrap()
            .expect("a job was queued")
    }

    /// Uploads raw bytes with a query string; returns status and JSON body.
    pub async fn upload_raw(
        &self,
        bytes: Vec<u8>,
        name: &str,
        query: &str,
    ) -> (u16, serde_json::Value) {
        // Each upload is a new file here, even of bytes uploaded before
        // (deduplication has its own tests in `library/dedupe.rs`).
        let query = no_dedupe(query);
        let r = self
            .http
            .post(format!("{}/v1/uploads?{query}", self.base))
            .header("content-type", "application/octet-stream")
            .header("x-filename", name)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// GET with a bearer credential; status and JSON.
    pub async fn get_json_auth(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.bytes().await.unwrap().to_vec()
    }

    /// Every file below the data directory's blob folders, for "nothing
    /// half-written" checks.
    pub fn blob_files(&self, bucket: &str) -> Vec<std::path::PathBuf> {
        walk(&self.dir.path().join("blobs").join(bucket))
    }
}

/// `query` with `dedupe=false` unless it says otherwise.
pub fn no_dedupe(query: &str) -> String {
    if query.contains("dedupe=") {
        query.to_owned()
    } else if query.is_empty() {
        "dedupe=false".to_owned()
    } else {
        format!("{query}&dedupe=false")
    }
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p))
            } else {
                out.push(p)
            }
        }
    }
    out
}

/// A `w`×`h` photo-like JPEG: left half red, right half blue, with a gradient.
pub fn plain_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        let g = (y * 60 / h.max(1)) as u8;
        if x < w / 2 {
            Rgb([220, g, 20])
        } else {
            Rgb([20, g, 220])
        }
    });
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 90)
        .encode_image(&img)
        .unwrap();
    buf
}

fn rational(n: u32, d: u32) -> Rational {
    Rational { num: n, denom: d }
}

/// [`plain_jpeg`] with a camera's EXIF: orientation, make/model, exposure, GPS.
pub fn camera_jpeg(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let fields = vec![
        Field {
            tag: Tag::Make,
            ifd_num: In::PRIMARY,
            value: ascii("Kiln Optics"),
        },
        Field {
            tag: Tag::Model,
            ifd_num: In::PRIMARY,
            value: ascii("KX-100"),
        },
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: ascii("2024:05:17 14:03:22"),
        },
        Field {
            tag: Tag::ExposureTime,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(1, 250)]),
        },
        Field {
            tag: Tag::FNumber,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(28, 10)]),
        },
        Field {
            tag: Tag::PhotographicSensitivity,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![400]),
        },
        Field {
            tag: Tag::FocalLength,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(35, 1)]),
        },
        Field {
            tag: Tag::LensModel,
            ifd_num: In::PRIMARY,
            value: ascii("Kiln 35mm F1.8"),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: ascii("N"),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(48, 1), rational(51, 1), rational(2964, 100)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: ascii("W"),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![rational(2, 1), rational(17, 1), rational(4008, 100)]),
        },
    ];
    jpeg_with_exif(w, h, &fields)
}

/// [`plain_jpeg`] carrying `fields` as its EXIF (an APP1 segment after SOI).
pub fn jpeg_with_exif(w: u32, h: u32, fields: &[Field]) -> Vec<u8> {
    let mut writer = Writer::new();
    for f in fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let jpeg = plain_jpeg(w, h);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG whose header claims `w`×`h` pixels, with almost no data behind it.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A tiny compressed stream, as a bomb would have (just far longer).
    for (kind, data) in [
        (
            &b"IDAT"[..],
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01][..],
        ),
        (b"IEND", &[]),
    ] {
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
