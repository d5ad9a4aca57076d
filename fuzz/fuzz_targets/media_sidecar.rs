//! Any bytes through our own MP4, EBML and RIFF header readers (the side
//! readers symphonia's demuxers are topped up with). Seeds that open with a
//! box, the EBML magic or `RIFF…WAVE` reach the matching reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // An in-memory source never fails, so the readers may not either: any
    // malformed header must come back as "nothing learned".
    if let Err(e) = kiln_media::fuzzing::sidecar(data) {
        panic!("side readers failed on an in-memory source: {e}");
    }
});
