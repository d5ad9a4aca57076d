//! `kiln-search [--sizes 10000,100000] [--iterations 200] [--dir DIR] [--keep]`
//!
//! The library's search on the embedded store, as shipped (SQLite in WAL
//! mode, `synchronous = FULL`, the product's schema and indexes): for each
//! size N, a fresh database gets N files of one owner with realistic,
//! deterministic metadata (plus other owners' files as noise), written
//! through `MetaStore::insert_upload` and `put_metadata` as the gateway and
//! the metadata worker write them. Then a fixed mix of queries, shaped as
//! `GET /v1/files` sends them (owner set, limit 51, newest first), is timed
//! through `Library::list_files`: p50/p99/max per query and over the mix.
//! The 50 ms p99 goal of issue 16 is reported, never asserted.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use kiln_adapters::embedded::SqliteStore;
use kiln_core::{
    Album, FileChange, FileOrder, FileQuery, FileRecord, Library, MediaKind, MetaStore, Orientation,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Command line.
#[derive(Parser)]
#[command(about = "Times the library search on the embedded SQLite store")]
struct Args {
    /// Files of the searching owner, one fresh database per size.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000])]
    sizes: Vec<usize>,
    /// Timed runs of each query (after the warm-up).
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Stop timing a query after this many seconds of its own runs (at
    /// least 20 runs are kept), so that a slow query cannot stall the run.
    #[arg(long, default_value_t = 20.0)]
    budget_secs: f64,
    /// Untimed runs of each query first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Files of other owners per 100 of the owner's (at least 2,000).
    #[arg(long, default_value_t = 5)]
    noise_percent: usize,
    /// Where the databases go (default: /dev/shm when present, so the
    /// per-commit fsync of `synchronous = FULL` costs nothing while loading).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Writes in flight while loading.
    #[arg(long, default_value_t = 8)]
    load_concurrency: usize,
    /// Leaves the databases in place (for `EXPLAIN QUERY PLAN`).
    #[arg(long)]
    keep: bool,
    /// The p99 goal, milliseconds.
    #[arg(long, default_value_t = 50.0)]
    goal_ms: f64,
}

/// xorshift64*: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// An item of `items` chosen by `weight`.
    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> f64) -> &'a T {
        let total: f64 = items.iter().map(&weight).sum();
        let mut x = self.unit() * total;
        for item in items {
            x -= weight(item);
            if x < 0.0 {
                return item;
            }
        }
        &items[items.len() - 1]
    }
    /// Roughly normal, mean 0, standard deviation `sd` (sum of uniforms).
    fn spread(&mut self, sd: f64) -> f64 {
        let s: f64 = (0..4).map(|_| self.unit()).sum::<f64>() - 2.0;
        s * sd * (3.0f64).sqrt()
    }
    fn hex(&mut self, chars: usize) -> String {
        let mut s = String::with_capacity(chars + 16);
        while s.len() < chars {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(chars);
        s
    }
}

/// How a camera names its files.
#[derive(Clone, Copy)]
enum Naming {
    /// `IMG_1234.JPG` (Apple, Canon).
    Img,
    /// `20230517_140322.jpg` (Samsung).
    Stamp,
    /// `PXL_20230517_140322123.jpg` (Pixel).
    Pxl,
    /// `DSC_1234.JPG` (Nikon).
    DscUnderscore,
    /// `DSC01234.JPG` (Sony).
    Dsc,
    /// `DSCF1234.JPG` (Fujifilm).
    Dscf,
    /// `P5170123.JPG` (Olympus, Panasonic).
    P,
}

struct Camera {
    make: &'static str,
    model: &'static str,
    /// Share of the photos, percent.
    weight: f64,
    phone: bool,
    lenses: &'static [&'static str],
    /// Sensor size, landscape.
    size: (u32, u32),
    naming: Naming,
    /// Whether it records its time zone (older cameras do not).
    offset: bool,
}

const CAMERAS: &[Camera] = &[
    Camera {
        make: "Apple",
        model: "iPhone 8",
        weight: 7.0,
        phone: true,
        lenses: &["iPhone 8 back camera 3.99mm f/1.8"],
        size: (4032, 3024),
        naming: Naming::Img,
        offset: true,
    },
    Camera {
        make: "Apple",
        model: "iPhone 12",
        weight: 11.0,
        phone: true,
        lenses: &[
            "iPhone 12 back dual wide camera 4.2mm f/1.6",
            "iPhone 12 back dual wide camera 1.55mm f/2.4",
            "iPhone 12 front camera 2.71mm f/2.2",
        ],
        size: (4032, 3024),
        naming: Naming::Img,
        offset: true,
    },
    Camera {
        make: "Apple",
        model: "iPhone 13 Pro",
        weight: 14.0,
        phone: true,
        lenses: &[
            "iPhone 13 Pro back triple camera 5.7mm f/1.5",
            "iPhone 13 Pro back triple camera 1.57mm f/1.8",
            "iPhone 13 Pro back triple camera 9mm f/2.8",
        ],
        size: (4032, 3024),
        naming: Naming::Img,
        offset: true,
    },
    Camera {
        make: "Apple",
        model: "iPhone 15 Pro",
        weight: 10.0,
        phone: true,
        lenses: &[
            "iPhone 15 Pro back triple camera 6.765mm f/1.78",
            "iPhone 15 Pro back triple camera 2.22mm f/2.2",
        ],
        size: (5712, 4284),
        naming: Naming::Img,
        offset: true,
    },
    Camera {
        make: "samsung",
        model: "SM-G991B",
        weight: 8.0,
        phone: true,
        lenses: &[],
        size: (4000, 3000),
        naming: Naming::Stamp,
        offset: true,
    },
    Camera {
        make: "samsung",
        model: "SM-S918B",
        weight: 6.0,
        phone: true,
        lenses: &[],
        size: (4000, 3000),
        naming: Naming::Stamp,
        offset: true,
    },
    Camera {
        make: "Google",
        model: "Pixel 7",
        weight: 6.0,
        phone: true,
        lenses: &[],
        size: (4080, 3072),
        naming: Naming::Pxl,
        offset: true,
    },
    Camera {
        make: "Google",
        model: "Pixel 8 Pro",
        weight: 5.0,
        phone: true,
        lenses: &[],
        size: (4080, 3072),
        naming: Naming::Pxl,
        offset: true,
    },
    Camera {
        make: "Canon",
        model: "Canon EOS R5",
        weight: 5.0,
        phone: false,
        lenses: &[
            "RF24-70mm F2.8 L IS USM",
            "RF100-500mm F4.5-7.1 L IS USM",
            "RF50mm F1.8 STM",
        ],
        size: (8192, 5464),
        naming: Naming::Img,
        offset: true,
    },
    Camera {
        make: "Canon",
        model: "Canon EOS 5D Mark IV",
        weight: 4.0,
        phone: false,
        lenses: &["EF24-105mm f/4L IS II USM", "EF50mm f/1.8 STM"],
        size: (6720, 4480),
        naming: Naming::Img,
        offset: false,
    },
    Camera {
        make: "NIKON CORPORATION",
        model: "NIKON Z 6_2",
        weight: 4.0,
        phone: false,
        lenses: &["NIKKOR Z 24-70mm f/4 S", "NIKKOR Z 50mm f/1.8 S"],
        size: (6048, 4024),
        naming: Naming::DscUnderscore,
        offset: true,
    },
    Camera {
        make: "NIKON CORPORATION",
        model: "NIKON D750",
        weight: 3.0,
        phone: false,
        lenses: &["AF-S NIKKOR 24-120mm f/4G ED VR", "AF-S NIKKOR 50mm f/1.8G"],
        size: (6016, 4016),
        naming: Naming::DscUnderscore,
        offset: false,
    },
    Camera {
        make: "SONY",
        model: "ILCE-7M3",
        weight: 5.0,
        phone: false,
        lenses: &["FE 24-105mm F4 G OSS", "FE 85mm F1.8", "FE 35mm F1.8"],
        size: (6000, 4000),
        naming: Naming::Dsc,
        offset: true,
    },
    Camera {
        make: "FUJIFILM",
        model: "X-T4",
        weight: 4.0,
        phone: false,
        lenses: &["XF23mmF2 R WR", "XF16-80mmF4 R OIS WR"],
        size: (6240, 4160),
        naming: Naming::Dscf,
        offset: true,
    },
    Camera {
        make: "OLYMPUS CORPORATION",
        model: "E-M10MarkIII",
        weight: 2.0,
        phone: false,
        lenses: &["OLYMPUS M.14-42mm F3.5-5.6 EZ"],
        size: (4608, 3456),
        naming: Naming::P,
        offset: false,
    },
    // Rare: the "few matches" query looks for it.
    Camera {
        make: "Panasonic",
        model: "DMC-LX100",
        weight: 0.2,
        phone: false,
        lenses: &["LEICA DC VARIO-SUMMILUX 10.9-34mm F1.7-2.8"],
        size: (4112, 3088),
        naming: Naming::P,
        offset: false,
    },
];

/// Where pictures are taken: (place, lat, lon, UTC offset in hours, weight).
const PLACES: &[(&str, f64, f64, i32, f64)] = &[
    ("Berlin", 52.52, 13.405, 1, 40.0),
    ("Hamburg", 53.55, 9.99, 1, 5.0),
    ("Paris", 48.857, 2.352, 1, 5.0),
    ("Rome", 41.9, 12.5, 1, 4.0),
    ("Barcelona", 41.39, 2.17, 1, 4.0),
    ("London", 51.507, -0.128, 0, 4.0),
    ("Lisbon", 38.72, -9.14, 0, 3.0),
    ("Reykjavik", 64.15, -21.94, 0, 2.0),
    ("New York", 40.71, -74.0, -5, 4.0),
    ("San Francisco", 37.77, -122.42, -8, 3.0),
    ("Mexico City", 19.43, -99.13, -6, 2.0),
    ("Rio de Janeiro", -22.9, -43.2, -3, 2.0),
    ("Cape Town", -33.92, 18.42, 2, 2.0),
    ("Nairobi", -1.29, 36.82, 3, 1.0),
    ("Tokyo", 35.68, 139.69, 9, 3.0),
    ("Bangkok", 13.75, 100.5, 7, 2.0),
    ("Sydney", -33.87, 151.21, 10, 2.0),
    ("Auckland", -36.85, 174.76, 12, 1.0),
    ("Suva", -18.14, 178.44, 12, 1.0),
    ("Nuku'alofa", -21.14, -175.2, 13, 1.0),
    ("Apia", -13.83, -171.76, 13, 0.5),
];

/// Words in names people give, tags and descriptions.
const WORDS: &[&str] = &[
    "beach",
    "sunset",
    "birthday",
    "wedding",
    "hiking",
    "grandma",
    "party",
    "garden",
    "snow",
    "kids",
    "dog",
    "cat",
    "holiday",
    "christmas",
    "concert",
    "museum",
    "breakfast",
    "mountains",
    "lake",
    "city",
];
const TAGS: &[&str] = &[
    "family",
    "holiday",
    "beach",
    "birthday",
    "hiking",
    "work",
    "kids",
    "food",
    "wedding",
    "favourites",
    "to print",
    "Japan 2019",
];
const SONGS: &[&str] = &[
    "Morning Light",
    "Blue Hour",
    "Northern Lines",
    "Paper Boats",
    "Slow River",
    "Glass Houses",
    "Tidal",
    "Afterglow",
];

/// The searching owner.
const OWNER: &str = "0192c4f1-8e2a-7b3c-9d4e-5f60718293a4";
/// Uploads span these ten years.
const FIRST_UPLOAD: i64 = 1_479_859_200; // 2016-11-23
const LAST_UPLOAD: i64 = 1_795_219_200; // 2026-11-20

/// One upload with what the metadata worker and the owner add to it.
struct Upload {
    file: FileRecord,
    metadata: Value,
    change: Option<FileChange>,
}

/// A UUIDv7, as `kiln_core::new_id` makes, for an upload at `at`.
fn id_at(at: DateTime<Utc>, rng: &mut Rng) -> String {
    let ms = at.timestamp_millis() as u64 & 0xFFFF_FFFF_FFFF;
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        ms >> 16,
        ms & 0xFFFF,
        rng.below(0x1000),
        0x8000 | rng.below(0x4000),
        rng.next() & 0xFFFF_FFFF_FFFF
    )
}

/// RFC 3339 with the offset as EXIF records it, or none (read as UTC).
fn local_time(at: DateTime<Utc>, offset_hours: Option<i32>) -> String {
    match offset_hours {
        Some(h) => {
            let local = at + Duration::hours(h.into());
            let sign = if h < 0 { '-' } else { '+' };
            format!(
                "{}{sign}{:02}:00",
                local.format("%Y-%m-%dT%H:%M:%S"),
                h.abs()
            )
        }
        None => (at + Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    }
}

/// When something uploaded at `upload` was taken: mostly just before
/// (phones upload as they go), sometimes years before (imports).
fn taken_before(upload: DateTime<Utc>, phone: bool, rng: &mut Rng) -> DateTime<Utc> {
    let secs = if rng.chance(if phone { 0.8 } else { 0.6 }) {
        // Minutes to weeks.
        (-rng.unit().max(1e-9).ln() * if phone { 6.0 * 3600.0 } else { 10.0 * 86400.0 }) as i64
    } else {
        rng.below(8 * 365 * 86400) as i64
    };
    upload - Duration::seconds(secs.max(30))
}

fn counter_name(naming: Naming, n: u64, taken: DateTime<Utc>, ext: &str) -> String {
    let stamp = taken.format("%Y%m%d_%H%M%S");
    match naming {
        Naming::Img => format!("IMG_{:04}.{}", n % 10_000, ext.to_uppercase()),
        Naming::Stamp => format!("{stamp}.{ext}"),
        Naming::Pxl => format!("PXL_{stamp}{:03}.{ext}", n % 1000),
        Naming::DscUnderscore => format!("DSC_{:04}.{}", n % 10_000, ext.to_uppercase()),
        Naming::Dsc => format!("DSC{:05}.{}", n % 100_000, ext.to_uppercase()),
        Naming::Dscf => format!("DSCF{:04}.{}", n % 10_000, ext.to_uppercase()),
        Naming::P => format!(
            "P{}{:04}.{}",
            taken.format("%m%d"),
            n % 10_000,
            ext.to_uppercase()
        ),
    }
}

/// A name someone typed: "beach sunset 3.jpg".
fn given_name(rng: &mut Rng, ext: &str) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    match rng.below(3) {
        0 => format!("{a} {b}.{ext}"),
        1 => format!("{a}-{b}-{:03}.{ext}", rng.below(200)),
        _ => format!("{a} {}.{ext}", 2012 + rng.below(15)),
    }
}

/// Makes the uploads of one database, deterministic for a size.
struct Generator {
    rng: Rng,
    counter: u64,
}

impl Generator {
    fn upload(&mut self, owner: &str, at: DateTime<Utc>) -> Upload {
        let rng = &mut self.rng;
        self.counter += 1;
        let n = self.counter;
        let id = id_at(at, rng);
        let roll = rng.unit();
        let (name, content_type, bytes, metadata) = if roll < 0.70 {
            image(rng, n, at)
        } else if roll < 0.90 {
            video(rng, n, at)
        } else {
            audio(rng, n, at)
        };
        let change = if rng.chance(0.12) {
            let tags: Vec<String> = (0..1 + rng.below(3))
                .map(|_| (*rng.pick(TAGS)).to_owned())
                .collect();
            let description = rng
                .chance(0.25)
                .then(|| format!("{} with the {}", rng.pick(WORDS), rng.pick(WORDS)));
            Some(FileChange {
                tags: Some(tags),
                description: description.map(Some),
                ..FileChange::default()
            })
        } else {
            None
        };
        let mut metadata = metadata;
        if let Value::Object(m) = &mut metadata {
            m.insert("content_type".into(), json!(content_type));
            m.insert("bytes".into(), json!(bytes));
        }
        Upload {
            file: FileRecord {
                id,
                owner: Some(owner.to_owned()),
                filename: Some(name),
                content_type: content_type.to_owned(),
                bytes,
                sha256: rng.hex(64),
                parent_id: None,
                job_id: None,
                width: None,
                height: None,
                created_at: at,
            },
            metadata,
            change,
        }
    }
}

/// A photo or a screenshot: name, type, size, metadata document.
fn image(rng: &mut Rng, n: u64, upload: DateTime<Utc>) -> (String, &'static str, u64, Value) {
    if rng.chance(0.08) {
        // Screenshots and saved pictures: no EXIF.
        let (w, h) = *rng.pick(&[(1170u32, 2532u32), (1080, 2400), (2560, 1440), (1920, 1080)]);
        let at = upload - Duration::seconds(rng.below(600) as i64);
        let name = if rng.chance(0.5) {
            format!("Screenshot_{}.png", at.format("%Y%m%d-%H%M%S"))
        } else {
            format!("Screenshot {}.png", at.format("%Y-%m-%d at %H.%M.%S"))
        };
        let doc = json!({"format": "png", "width": w, "height": h});
        return (name, "image/png", rng.range(2e5, 3e6) as u64, doc);
    }
    let cam = rng.weighted(CAMERAS, |c| c.weight);
    let taken = taken_before(upload, cam.phone, rng);
    let heic = cam.make == "Apple" && cam.model != "iPhone 8" && rng.chance(0.3);
    let ext = if heic { "heic" } else { "jpg" };
    let name = if rng.chance(0.06) {
        given_name(rng, ext)
    } else {
        counter_name(cam.naming, n, taken, ext)
    };
    let (w, h) = cam.size;
    let portrait = rng.chance(if cam.phone { 0.35 } else { 0.15 });
    let mut exif = serde_json::Map::new();
    exif.insert("make".into(), json!(cam.make));
    exif.insert("model".into(), json!(cam.model));
    if !cam.lenses.is_empty() {
        exif.insert("lens_model".into(), json!(rng.pick(cam.lenses)));
    }
    exif.insert(
        "f_number".into(),
        json!(rng.pick(&[1.8, 2.8, 4.0, 5.6, 8.0])),
    );
    exif.insert(
        "iso".into(),
        json!(rng.pick(&[50, 100, 200, 400, 800, 3200])),
    );
    exif.insert(
        "exposure_time_display".into(),
        json!(rng.pick(&["1/60", "1/125", "1/250", "1/1000"])),
    );
    exif.insert("orientation".into(), json!(if portrait { 6 } else { 1 }));
    let gps = rng.chance(if cam.phone { 0.62 } else { 0.08 });
    let place = rng.weighted(PLACES, |p| p.4);
    let (_, lat, lon, offset, _) = *place;
    if gps {
        let sd = if place.0 == "Berlin" { 0.15 } else { 0.05 };
        let mut lon = lon + rng.spread(sd);
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        exif.insert(
            "gps".into(),
            json!({"latitude": round7(lat + rng.spread(sd)), "longitude": round7(lon),
                   "altitude": (rng.range(0.0, 400.0) * 10.0).round() / 10.0}),
        );
    }
    let zone = if gps { offset } else { 1 };
    exif.insert(
        "datetime_original".into(),
        json!(local_time(taken, cam.offset.then_some(zone))),
    );
    let (dw, dh) = if portrait { (h, w) } else { (w, h) };
    let doc = json!({"format": if heic { "heif" } else { "jpeg" }, "width": w, "height": h,
                     "display_width": dw, "display_height": dh, "exif": exif});
    let mime = if heic { "image/heic" } else { "image/jpeg" };
    (name, mime, rng.range(1.5e6, 1.2e7) as u64, doc)
}

fn round7(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// A phone or camera video.
fn video(rng: &mut Rng, n: u64, upload: DateTime<Utc>) -> (String, &'static str, u64, Value) {
    let taken = taken_before(upload, true, rng);
    let style = rng.below(10);
    let (name, mime, container) = match style {
        0..=3 => (
            format!("IMG_{:04}.MOV", n % 10_000),
            "video/quicktime",
            "mov",
        ),
        4..=5 => (
            format!("{}.mp4", taken.format("%Y%m%d_%H%M%S")),
            "video/mp4",
            "mp4",
        ),
        6..=7 => (
            format!("PXL_{}{:03}.mp4", taken.format("%Y%m%d_%H%M%S"), n % 1000),
            "video/mp4",
            "mp4",
        ),
        8 => (
            format!("VID_{}.mp4", taken.format("%Y%m%d_%H%M%S")),
            "video/mp4",
            "mp4",
        ),
        _ => (format!("GX01{:04}.MP4", n % 10_000), "video/mp4", "mp4"),
    };
    let name = if rng.chance(0.05) {
        given_name(rng, "mp4")
    } else {
        name
    };
    let secs = match rng.below(20) {
        0 => rng.range(300.0, 600.0),
        1..=5 => rng.range(60.0, 300.0),
        _ => rng.range(1.0, 60.0),
    };
    let secs = (secs * 1000.0).round() / 1000.0;
    let (w, h) = *rng.pick(&[
        (1920u32, 1080u32),
        (1920, 1080),
        (3840, 2160),
        (1280, 720),
        (1080, 1920),
    ]);
    let mut doc = json!({"container": container, "duration_secs": secs,
    "bit_rate": 12_000_000,
    "tracks": [
        {"id": 1, "kind": "video", "codec": "h264", "default": true, "width": w, "height": h,
         "frame_rate": 30.0, "duration_secs": secs},
        {"id": 2, "kind": "audio", "codec": "aac", "default": true, "sample_rate": 48000,
         "channels": 2, "duration_secs": secs}
    ]});
    if !rng.chance(0.1)
        && let Value::Object(m) = &mut doc
    {
        m.insert(
            "creation_time".into(),
            json!(taken.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
        );
    }
    let bytes = (secs * 1.5e6) as u64 + rng.below(1 << 20);
    (name, mime, bytes, doc)
}

/// Music and voice memos.
fn audio(rng: &mut Rng, n: u64, upload: DateTime<Utc>) -> (String, &'static str, u64, Value) {
    if rng.chance(0.6) {
        let secs = (rng.range(120.0, 420.0) * 1000.0).round() / 1000.0;
        let title = rng.pick(SONGS);
        let name = format!("{:02} - {title}.mp3", 1 + n % 14);
        let doc = json!({"container": "mp3", "duration_secs": secs,
            "tracks": [{"id": 0, "kind": "audio", "codec": "mp3", "default": true,
                        "sample_rate": 44100, "channels": 2}],
            "tags": {"title": title, "artist": "The Benchmarks", "track": (1 + n % 14).to_string()}});
        (name, "audio/mpeg", (secs * 40_000.0) as u64, doc)
    } else {
        let secs = (rng.range(1.0, 600.0) * 1000.0).round() / 1000.0;
        let at = upload - Duration::seconds(rng.below(3600) as i64);
        let name = format!("New Recording {}.m4a", 1 + n % 400);
        let doc = json!({"container": "m4a", "duration_secs": secs,
            "creation_time": at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            "tracks": [{"id": 1, "kind": "audio", "codec": "aac", "default": true,
                        "sample_rate": 48000, "channels": 1}]});
        (name, "audio/mp4", (secs * 16_000.0) as u64, doc)
    }
}

/// The owner's files in upload order, and what loading took.
struct Loaded {
    owner_ids: Vec<String>,
    secs: f64,
    edits: usize,
    total: usize,
}

async fn load(store: &SqliteStore, n: usize, noise: usize, concurrency: usize) -> Result<Loaded> {
    let total = n + noise;
    let others: Vec<String> = {
        let mut r = Rng::new(7);
        (0..20)
            .map(|_| {
                id_at(
                    DateTime::from_timestamp(FIRST_UPLOAD, 0).unwrap_or_default(),
                    &mut r,
                )
            })
            .collect()
    };
    let mut generator = Generator {
        rng: Rng::new(n as u64),
        counter: first_counter(n),
    };
    let step = (LAST_UPLOAD - FIRST_UPLOAD) as f64 / total as f64;
    let (mut owner_left, mut noise_left) = (n, noise);
    let mut owner_ids = Vec::with_capacity(n);
    let mut edits = 0;
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    for i in 0..total {
        let t = FIRST_UPLOAD as f64 + (i as f64 + generator.rng.unit()) * step;
        let at = DateTime::from_timestamp_millis((t * 1000.0) as i64).unwrap_or_default();
        let mine = noise_left == 0
            || (owner_left > 0
                && generator
                    .rng
                    .chance(owner_left as f64 / (owner_left + noise_left) as f64));
        let owner = if mine {
            owner_left -= 1;
            OWNER.to_owned()
        } else {
            noise_left -= 1;
            generator.rng.pick(&others).clone()
        };
        let upload = generator.upload(&owner, at);
        if mine {
            owner_ids.push(upload.file.id.clone());
            edits += usize::from(upload.change.is_some());
        }
        if tasks.len() >= concurrency.max(1)
            && let Some(done) = tasks.join_next().await
        {
            done??;
        }
        let store = store.clone();
        tasks.spawn(async move {
            store.insert_upload(&upload.file, &[]).await?;
            store
                .put_metadata(&upload.file.id, &upload.metadata)
                .await?;
            if let Some(change) = &upload.change {
                store.update_file(&upload.file.id, change).await?;
            }
            anyhow::Ok(())
        });
        if (i + 1).is_multiple_of(20_000) {
            eprintln!("  loaded {} of {total}", i + 1);
        }
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(Loaded {
        owner_ids,
        secs: start.elapsed().as_secs_f64(),
        edits,
        total,
    })
}

/// Where file counters start (cameras are rarely at 0001).
fn first_counter(n: usize) -> u64 {
    Rng::new(n as u64 ^ 0xABCD).below(5000)
}

/// One query of the mix.
struct Case {
    name: &'static str,
    query: FileQuery,
}

fn utc(y: i32) -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(y, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

fn mix(owner_ids: &[String], album: &str) -> Vec<Case> {
    let base = FileQuery {
        owner: Some(OWNER.to_owned()),
        limit: 51,
        ..FileQuery::default()
    };
    let q = |f: &dyn Fn(&mut FileQuery)| {
        let mut q = base.clone();
        f(&mut q);
        q
    };
    let middle = owner_ids[owner_ids.len() / 2].clone();
    let europe = [-25.0, 34.0, 45.0, 72.0];
    let pacific = [170.0, -25.0, -170.0, -10.0];
    let album = album.to_owned();
    vec![
        Case {
            name: "all, first page",
            query: q(&|_| {}),
        },
        Case {
            name: "all, deep page (cursor)",
            query: q(&|q| q.after = Some(middle.clone())),
        },
        Case {
            name: "type=video",
            query: q(&|q| q.kind = Some(MediaKind::Video)),
        },
        Case {
            name: "camera_make=canon",
            query: q(&|q| q.camera_make = Some("canon".into())),
        },
        Case {
            name: "make=Apple model=iPhone 13 Pro",
            query: q(&|q| {
                q.camera_make = Some("Apple".into());
                q.camera_model = Some("iPhone 13 Pro".into());
            }),
        },
        Case {
            name: "lens=FE 85mm F1.8",
            query: q(&|q| q.lens = Some("FE 85mm F1.8".into())),
        },
        Case {
            name: "taken in 2021",
            query: q(&|q| {
                q.taken_after = Some(utc(2021));
                q.taken_before = Some(utc(2022));
            }),
        },
        Case {
            name: "taken in 2021 + make=SONY",
            query: q(&|q| {
                q.taken_after = Some(utc(2021));
                q.taken_before = Some(utc(2022));
                q.camera_make = Some("SONY".into());
            }),
        },
        Case {
            name: "has_gps=true",
            query: q(&|q| q.has_gps = Some(true)),
        },
        Case {
            name: "bbox Europe",
            query: q(&|q| q.bbox = Some(europe)),
        },
        Case {
            name: "bbox across the antimeridian",
            query: q(&|q| q.bbox = Some(pacific)),
        },
        Case {
            name: "orientation=portrait",
            query: q(&|q| q.orientation = Some(Orientation::Portrait)),
        },
        Case {
            name: "min_width=6000",
            query: q(&|q| q.min_width = Some(6000)),
        },
        Case {
            name: "type=video 60-300 s",
            query: q(&|q| {
                q.kind = Some(MediaKind::Video);
                q.min_duration = Some(60.0);
                q.max_duration = Some(300.0);
            }),
        },
        Case {
            name: "q=beach",
            query: q(&|q| q.text = Some("beach".into())),
        },
        Case {
            name: "q=img_12",
            query: q(&|q| q.text = Some("img_12".into())),
        },
        Case {
            name: "q=zzz (no match)",
            query: q(&|q| q.text = Some("zzz".into())),
        },
        Case {
            name: "model=DMC-LX100 has_gps=false",
            query: q(&|q| {
                q.camera_model = Some("DMC-LX100".into());
                q.has_gps = Some(false);
            }),
        },
        Case {
            name: "album (1,000), album order",
            query: q(&|q| {
                q.album = Some(album.clone());
                q.order = FileOrder::Album;
            }),
        },
        Case {
            name: "album, album order, after 500",
            query: q(&|q| {
                q.album = Some(album.clone());
                q.order = FileOrder::Album;
                q.after = Some("500".into());
            }),
        },
        Case {
            name: "album, newest first",
            query: q(&|q| q.album = Some(album.clone())),
        },
    ]
}

/// An album of 1,000 of the owner's files: most of one stretch of
/// uploads (a trip), added in upload order as a person picks them.
async fn make_album(store: &SqliteStore, owner_ids: &[String]) -> Result<String> {
    let now = Utc::now();
    let album = Album {
        id: kiln_core::new_id(),
        owner: Some(OWNER.to_owned()),
        name: "Best of".into(),
        description: None,
        cover_file_id: None,
        file_count: 0,
        created_at: now,
        updated_at: now,
    };
    store.create_album(&album).await?;
    let want = 1000.min(owner_ids.len());
    let stride = (owner_ids.len() / want).clamp(1, 3);
    let start = owner_ids.len() / 3;
    let picked: Vec<String> = owner_ids
        .iter()
        .cycle()
        .skip(start)
        .step_by(stride)
        .take(want)
        .cloned()
        .collect();
    for chunk in picked.chunks(100) {
        store.add_to_album(&album.id, chunk).await?;
    }
    Ok(album.id)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// The p99 over the mix at one size.
struct SizeResult {
    n: usize,
    p50: f64,
    p99: f64,
}

async fn run_size(args: &Args, root: &Path, n: usize) -> Result<SizeResult> {
    let noise = (n * args.noise_percent / 100).max(2000);
    let dir = tempfile::Builder::new()
        .prefix(&format!("kiln-search-{n}-"))
        .tempdir_in(root)
        .context("making the database directory")?;
    let db = dir.path().join("kiln.db");
    println!();
    println!(
        "== {} files of one owner (+ {} of 20 other owners) ==",
        thousands(n),
        thousands(noise)
    );
    println!("database: {}", db.display());
    let store = SqliteStore::open(&db)?;
    let loaded = load(&store, n, noise, args.load_concurrency).await?;
    let album_start = Instant::now();
    let album = make_album(&store, &loaded.owner_ids).await?;
    let album_secs = album_start.elapsed().as_secs_f64();
    println!(
        "load: {} uploads (insert_upload + put_metadata), {} tag edits (update_file) in {:.1} s \
         ({:.0} files/s, {} in flight); album of 1,000 in {:.2} s; database {:.1} MB",
        thousands(loaded.total),
        thousands(loaded.edits),
        loaded.secs,
        loaded.total as f64 / loaded.secs,
        args.load_concurrency,
        album_secs,
        dir_bytes(dir.path()) as f64 / 1e6
    );

    let cases = mix(&loaded.owner_ids, &album);
    // How many files each query matches in all (untimed).
    let mut matches = Vec::with_capacity(cases.len());
    for c in &cases {
        let mut all = c.query.clone();
        all.limit = u32::MAX;
        matches.push(store.list_files(&all).await?.len());
    }
    for _ in 0..args.warmup {
        for c in &cases {
            store.list_files(&c.query).await?;
        }
    }
    // Round-robin, so each query runs after the others as on a server.
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(args.iterations); cases.len()];
    let mut spent = vec![0.0f64; cases.len()];
    let mut rows = vec![0usize; cases.len()];
    for _ in 0..args.iterations {
        for (i, c) in cases.iter().enumerate() {
            if spent[i] > args.budget_secs && samples[i].len() >= 20 {
                continue;
            }
            let t = Instant::now();
            let page = store.list_files(&c.query).await?;
            let secs = t.elapsed().as_secs_f64();
            rows[i] = page.len();
            spent[i] += secs;
            samples[i].push(secs * 1000.0);
        }
    }
    println!();
    println!(
        "{:<34} {:>8} {:>5} {:>8} {:>8} {:>8} {:>5}",
        "query", "matches", "rows", "p50 ms", "p99 ms", "max ms", "runs"
    );
    let mut pooled = Vec::new();
    let mut slow = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let mut s = samples[i].clone();
        s.sort_by(f64::total_cmp);
        let p99 = percentile(&s, 99.0);
        println!(
            "{:<34} {:>8} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>5}",
            c.name,
            thousands(matches[i]),
            rows[i],
            percentile(&s, 50.0),
            p99,
            s.last().copied().unwrap_or(f64::NAN),
            s.len()
        );
        if p99 > args.goal_ms {
            slow.push(c.name);
        }
        pooled.extend(s);
    }
    pooled.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&pooled, 50.0), percentile(&pooled, 99.0));
    println!(
        "{:<34} {:>8} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>5}",
        "overall (the mix)",
        "",
        "",
        p50,
        p99,
        pooled.last().copied().unwrap_or(f64::NAN),
        pooled.len()
    );
    println!("load average (1 min) after timing: {}", load_average());
    if !slow.is_empty() {
        println!(
            "queries with p99 over the {} ms goal: {}",
            args.goal_ms,
            slow.join("; ")
        );
    }
    drop(store);
    if args.keep {
        let kept = dir.keep();
        println!("kept: {}", kept.display());
    }
    Ok(SizeResult { n, p50, p99 })
}

/// The 1-minute load average: above the CPU count, other processes
/// were competing with the timed queries.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let root = match &args.dir {
        Some(d) => d.clone(),
        None if Path::new("/dev/shm").is_dir() => PathBuf::from("/dev/shm"),
        None => std::env::temp_dir(),
    };
    std::fs::create_dir_all(&root)?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("kiln-search: the library search on the embedded store (SqliteStore)");
    println!(
        "machine: {cpus} CPUs, {}; SQLite {} (bundled), WAL, synchronous=FULL (product pragmas)",
        cpu_model(),
        rusqlite::version()
    );
    println!("load average (1 min) at start: {}", load_average());
    println!(
        "databases under {} ({})",
        root.display(),
        if root.starts_with("/dev/shm") {
            "tmpfs: fsync is free while loading; queries read the OS page cache either way"
        } else {
            "as chosen"
        }
    );
    println!(
        "queries: Library::list_files as GET /v1/files sends them (owner set, limit 51, newest \
         first unless said); {} warm-up rounds, then up to {} timed runs of each, round-robin \
         (a query stops after {} s of its own runs); goal: p99 under {} ms",
        args.warmup, args.iterations, args.budget_secs, args.goal_ms
    );
    let mut results = Vec::new();
    for &n in &args.sizes {
        results.push(run_size(&args, &root, n).await?);
    }
    println!();
    println!("summary (the whole mix, pooled):");
    for r in &results {
        println!(
            "  {:>9} files: p50 {:.2} ms, p99 {:.2} ms{}",
            thousands(r.n),
            r.p50,
            r.p99,
            if r.p99 > args.goal_ms {
                format!("  <- p99 over the {} ms goal", args.goal_ms)
            } else {
                format!("  (within the {} ms goal)", args.goal_ms)
            }
        );
    }
    Ok(())
}
