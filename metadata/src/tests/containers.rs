//! PNG, WebP and GIF blocks, and XMP split across JPEG segments.

#![allow(clippy::unwrap_used)]

use super::{XMP, camera_tiff, segment, xmp_segment};
use crate::{Options, extract};

#[test]
fn png_exif_and_utf16_free_xmp() {
    let chunk = |kind: &[u8], body: &[u8]| {
        let mut c = (body.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(body);
        c.extend_from_slice(&[0; 4]); // CRC: not checked for metadata
        c
    };
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend_from_slice(XMP.as_bytes());
    let png = [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"eXIf", &camera_tiff()),
        chunk(b"iTXt", &itxt),
        chunk(b"IEND", &[]),
    ]
    .concat();
    let e = extract(&png, &Options::default());
    assert_eq!(e.exif.unwrap().make.as_deref(), Some("Canon"));
    assert_eq!(e.rating, Some(4));
}

#[test]
fn extended_xmp_is_joined_from_its_pieces_in_any_order() {
    let packet = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">A long caption</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let guid = b"04B9E48040A30A6308713BD1E4223B41";
    let piece = |at: usize, bytes: &[u8]| {
        let mut b = b"http://ns.adobe.com/xmp/extension/\0".to_vec();
        b.extend_from_slice(guid);
        b.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        b.extend_from_slice(&(at as u32).to_be_bytes());
        b.extend_from_slice(bytes);
        segment(0xE1, &b)
    };
    let half = packet.len() / 2;
    let jpeg = [
        vec![0xFF, 0xD8],
        piece(half, &packet.as_bytes()[half..]),
        xmp_segment(XMP),
        piece(0, &packet.as_bytes()[..half]),
        segment(0xDA, &[0; 8]),
    ]
    .concat();
    let e = extract(&jpeg, &Options::default());
    assert_eq!(e.description.as_deref(), Some("A long caption"));
    assert_eq!(
        e.title.as_deref(),
        Some("Morning"),
        "the main packet still counts"
    );
}

#[test]
fn webp_chunks_and_gif_blocks() {
    let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
    for (kind, body) in [
        (&b"EXIF"[..], camera_tiff()),
        (b"XMP ", XMP.as_bytes().to_vec()),
    ] {
        webp.extend_from_slice(kind);
        webp.extend_from_slice(&(body.len() as u32).to_le_bytes());
        webp.extend_from_slice(&body);
        if body.len() % 2 == 1 {
            webp.push(0);
        }
    }
    let e = extract(&webp, &Options::default());
    assert_eq!(e.exif.unwrap().iso, Some(100));
    assert_eq!(e.keywords.len(), 2);

    // GIF: header, screen (no colour table), a comment, XMP written raw
    // with its magic trailer, the trailer.
    let mut gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
    gif.extend_from_slice(b"\x21\xFE\x05hello\x00");
    gif.extend_from_slice(b"\x21\xFF\x0BXMP DataXMP");
    gif.extend_from_slice(XMP.as_bytes());
    gif.push(0x01);
    gif.extend((0..=0xFFu8).rev());
    gif.push(0x00);
    gif.push(0x3B);
    let e = extract(&gif, &Options::default());
    assert_eq!(e.comment.as_deref(), Some("hello"));
    assert_eq!(e.title.as_deref(), Some("Morning"));
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
}
