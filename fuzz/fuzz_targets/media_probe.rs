//! Any bytes through the media probe: symphonia's format detection and
//! demuxer headers, plus our side readers, as the metadata worker runs it.
#![no_main]

use std::io::Cursor;

use kiln_media::{Hint, probe};
use libfuzzer_sys::fuzz_target;

/// Extensions the worker passes from the upload's name; the first byte picks
/// one so every demuxer's probe path sees the input, not only the sniffer's
/// first match.
const EXTENSIONS: &[&str] = &[
    "", "mp4", "m4a", "mov", "mkv", "webm", "wav", "mp3", "flac", "ogg",
];

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's panic hook aborts on every panic, even one the probe
    // catches and turns into a `Corrupt` error (as it does for panics in
    // symphonia's demuxers). Only a panic escaping `probe` is a crash, and
    // libfuzzer-sys still aborts on that one when it reaches its own guard.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let ext = EXTENSIONS[usize::from(pick) % EXTENSIONS.len()];
    let hint = if ext.is_empty() {
        Hint::new()
    } else {
        Hint::new().with_extension(ext)
    };
    let _ = probe(Box::new(Cursor::new(body.to_vec())), &hint);
});
