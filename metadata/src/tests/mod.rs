//! Files built byte by byte, so each test shows the one layout it is about.

#![allow(clippy::unwrap_used)]

use crate::{Options, extract};

mod containers;
mod hostile;

/// A little-endian TIFF whose IFD0 holds `entries` (tag, type, count,
/// value bytes); values over 4 bytes go after the IFD. `exif` entries go in
/// an Exif sub-IFD.
fn tiff(ifd0: &[(u16, u16, &[u8])], exif: &[(u16, u16, &[u8])]) -> Vec<u8> {
    let mut out = b"II*\0\x08\0\0\0".to_vec();
    let n0 = ifd0.len() + usize::from(!exif.is_empty());
    let ifd0_len = 2 + 12 * n0 + 4;
    let exif_at = 8 + ifd0_len;
    let exif_len = if exif.is_empty() {
        0
    } else {
        2 + 12 * exif.len() + 4
    };
    let mut data_at = exif_at + exif_len;
    let mut data = Vec::new();
    let mut write_ifd = |out: &mut Vec<u8>, entries: &[(u16, u16, &[u8])], pointer: Option<u32>| {
        let mut all: Vec<(u16, u16, u32, Vec<u8>)> = entries
            .iter()
            .map(|(t, ty, v)| {
                let unit = if *ty == 3 {
                    2
                } else if *ty == 5 {
                    8
                } else if *ty == 4 {
                    4
                } else {
                    1
                };
                (*t, *ty, (v.len() / unit) as u32, v.to_vec())
            })
            .collect();
        if let Some(p) = pointer {
            all.push((0x8769, 4, 1, p.to_le_bytes().to_vec()));
        }
        all.sort_by_key(|e| e.0);
        out.extend_from_slice(&(all.len() as u16).to_le_bytes());
        for (t, ty, count, v) in all {
            out.extend_from_slice(&t.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if v.len() <= 4 {
                let mut v = v.clone();
                v.resize(4, 0);
                out.extend_from_slice(&v);
            } else {
                out.extend_from_slice(&(data_at as u32).to_le_bytes());
                data_at += v.len();
                data.extend_from_slice(&v);
            }
        }
        out.extend_from_slice(&0u32.to_le_bytes());
    };
    write_ifd(&mut out, ifd0, (!exif.is_empty()).then_some(exif_at as u32));
    if !exif.is_empty() {
        write_ifd(&mut out, exif, None);
    }
    out.extend_from_slice(&data);
    out
}

fn ascii(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
    s.extend_from_slice(body);
    s
}

fn exif_segment(tiff: &[u8]) -> Vec<u8> {
    segment(0xE1, &[b"Exif\0\0".as_slice(), tiff].concat())
}

fn xmp_segment(xml: &str) -> Vec<u8> {
    segment(
        0xE1,
        &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), xml.as_bytes()].concat(),
    )
}

fn camera_tiff() -> Vec<u8> {
    tiff(
        &[
            (0x010F, 2, &ascii("Canon")),
            (0x0110, 2, &ascii("Canon EOS R5")),
        ],
        &[
            (0x829D, 5, &[28, 0, 0, 0, 10, 0, 0, 0]),
            (0x8827, 3, &[100, 0]),
        ],
    )
}

const XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4">
<dc:subject><rdf:Bag><rdf:li>harbour</rdf:li><rdf:li>boats &amp; nets</rdf:li></rdf:Bag></dc:subject>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Morning</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>"#;

#[test]
fn exif_is_read_when_the_image_data_is_missing() {
    // What exiftool calls "Missing JPEG SOS": metadata intact, no scan.
    let jpeg = [
        vec![0xFF, 0xD8],
        exif_segment(&camera_tiff()),
        vec![0xFF, 0xD9],
    ]
    .concat();
    let e = extract(&jpeg, &Options::default());
    let cam = e.exif.unwrap();
    assert_eq!(cam.make.as_deref(), Some("Canon"));
    assert_eq!(cam.f_number, Some(2.8));
    assert_eq!(cam.iso, Some(100));
    assert!(
        e.warnings.iter().any(|w| w.contains("no SOS")),
        "{:?}",
        e.warnings
    );
}

#[test]
fn exif_after_xmp_and_fill_bytes_is_found() {
    let jpeg = [
        vec![0xFF, 0xD8],
        xmp_segment(XMP),
        vec![0xFF, 0xFF, 0xFF], // fill bytes before the next marker
        exif_segment(&camera_tiff()),
        segment(0xDA, &[0; 8]),
    ]
    .concat();
    let e = extract(&jpeg, &Options::default());
    assert_eq!(e.exif.unwrap().model.as_deref(), Some("Canon EOS R5"));
    assert_eq!(e.keywords, ["harbour", "boats & nets"]);
    assert_eq!(e.title.as_deref(), Some("Morning"));
    assert_eq!(e.rating, Some(4));
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}

#[test]
fn canon_makernote_lens_and_serial_only_when_asked() {
    // Canon's MakerNote is a bare IFD whose offsets count from the TIFF
    // header: 0x0095 LensModel, 0x000C serial. It is placed last, so its
    // offset is known: after the IFDs and the other values.
    let probe = tiff(&[(0x010F, 2, &ascii("Canon"))], &[(0x927C, 7, &[0; 64])]);
    let note_at = probe.len() - 64;
    let lens = ascii("RF24-70mm F2.8 L IS USM");
    let lens_at = (note_at + 2 + 2 * 12 + 4) as u32;
    let mut note = 2u16.to_le_bytes().to_vec();
    note.extend_from_slice(&[0x0C, 0, 4, 0, 1, 0, 0, 0]);
    note.extend_from_slice(&1_234_567u32.to_le_bytes());
    note.extend_from_slice(&[0x95, 0, 2, 0]);
    note.extend_from_slice(&(lens.len() as u32).to_le_bytes());
    note.extend_from_slice(&lens_at.to_le_bytes());
    note.extend_from_slice(&0u32.to_le_bytes());
    note.extend_from_slice(&lens);
    note.resize(64, 0);
    let mut file = probe.clone();
    file[note_at..].copy_from_slice(&note);
    let plain = extract(&file, &Options::default()).exif.unwrap();
    assert_eq!(plain.lens_model.as_deref(), Some("RF24-70mm F2.8 L IS USM"));
    assert_eq!(plain.serial_number, None, "serial numbers are opt-in");
    let opted = extract(
        &file,
        &Options {
            serial_number: true,
        },
    )
    .exif
    .unwrap();
    assert_eq!(opted.serial_number.as_deref(), Some("0001234567"));
}

#[test]
fn iptc_keywords_and_caption_from_photoshop_resources() {
    let mut iim = Vec::new();
    for (ds, v) in [(25u8, "sea"), (25, "Été"), (120, "A caption"), (90, "")] {
        let rec = if ds == 90 { 1 } else { 2 };
        let v: &[u8] = if ds == 90 { b"\x1b%G" } else { v.as_bytes() };
        iim.extend_from_slice(&[0x1C, rec, ds]);
        iim.extend_from_slice(&(v.len() as u16).to_be_bytes());
        iim.extend_from_slice(v);
    }
    let mut irb = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    irb.extend_from_slice(&(iim.len() as u32).to_be_bytes());
    irb.extend_from_slice(&iim);
    let jpeg = [
        vec![0xFF, 0xD8],
        segment(0xED, &irb),
        segment(0xDA, &[0; 8]),
    ]
    .concat();
    let e = extract(&jpeg, &Options::default());
    assert_eq!(e.keywords, ["sea", "Été"]);
    assert_eq!(e.description.as_deref(), Some("A caption"));
}

#[test]
fn gps_in_decimal_degrees_with_altitude_direction_and_time() {
    let r = |n: u32, d: u32| [n.to_le_bytes(), d.to_le_bytes()].concat();
    let lat = [r(48, 1), r(51, 1), r(2940, 100)].concat();
    let lon = [r(2, 1), r(17, 1), r(4020, 100)].concat();
    let gps_ifd: Vec<(u16, u16, Vec<u8>)> = vec![
        (1, 2, b"N\0".to_vec()),
        (2, 5, lat),
        (3, 2, b"W\0".to_vec()),
        (4, 5, lon),
        (5, 1, vec![1]),
        (6, 5, r(35, 1)),
        (7, 5, [r(17, 1), r(17, 1), r(5865, 100)].concat()),
        (0x10, 2, b"T\0".to_vec()),
        (0x11, 5, r(34205, 100)),
        (0x1D, 2, ascii("2016:09:28")),
    ];
    // The GPS IFD rides in the Exif slot of the builder, then is re-pointed.
    let borrowed: Vec<(u16, u16, &[u8])> = gps_ifd
        .iter()
        .map(|(t, ty, v)| (*t, *ty, v.as_slice()))
        .collect();
    let mut file = tiff(&[(0x010F, 2, &ascii("Apple"))], &borrowed);
    let at = file.windows(2).position(|w| w == [0x69, 0x87]).unwrap();
    file[at..at + 2].copy_from_slice(&0x8825u16.to_le_bytes());
    let g = extract(&file, &Options::default())
        .exif
        .unwrap()
        .gps
        .unwrap();
    assert_eq!(g.latitude, Some(48.8581667));
    assert_eq!(g.longitude, Some(-2.2945));
    assert_eq!(g.altitude_m, Some(-35.0));
    assert_eq!(g.direction_deg, Some(342.05));
    assert_eq!(g.direction_ref.as_deref(), Some("true"));
    assert_eq!(g.timestamp.as_deref(), Some("2016-09-28T17:17:58.65Z"));
}
