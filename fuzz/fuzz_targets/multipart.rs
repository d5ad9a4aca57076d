//! Any `Content-Type` and body through multer, the multipart parser behind
//! axum's `Multipart`, driven the way the gateway's upload handler drives it
//! (`gateway/src/upload.rs`): the boundary from the header, no size
//! constraints (the upload route disables axum's body limit and counts the
//! file's bytes itself), every field's name and file name read, the `file`
//! field streamed chunk by chunk, every other field read as text.
//!
//! Input: a chunk size byte, the Content-Type up to the first newline, then
//! the body, delivered in chunks of that size so boundaries split across
//! network reads are covered.
#![no_main]

use bytes::Bytes;
use futures::executor::block_on;
use futures::stream;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let Ok(content_type) = std::str::from_utf8(&rest[..split]) else {
        return;
    };
    let body = rest.get(split + 1..).unwrap_or_default();
    // What axum does before it hands the body to multer; a Content-Type
    // without a boundary is the gateway's 400 before any parsing.
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return;
    };
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut mp = multer::Multipart::new(stream::iter(chunks), boundary);
    block_on(async {
        let mut fields = 0usize;
        while let Ok(Some(mut field)) = mp.next_field().await {
            fields += 1;
            let name = field.name().unwrap_or_default().to_owned();
            let _ = field.file_name();
            let _ = field.content_type();
            if name == "file" {
                let mut seen = 0usize;
                while let Ok(Some(bytes)) = field.chunk().await {
                    seen += bytes.len();
                }
                assert!(seen <= body.len(), "a field cannot hold more than the body");
            } else if let Ok(text) = field.text().await {
                assert!(
                    text.len() <= body.len() * 3,
                    "text is at most the body, lossily decoded"
                );
            }
        }
        // Each field costs at least its delimiter: no field comes from nothing.
        assert!(fields <= body.len() / 2 + 1);
    });
});
