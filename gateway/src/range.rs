//! What a download answers to its `Range` header: the whole file, one part
//! of it, or 416. Pure, so it can be unit-tested and fuzzed without a server.

use std::ops::RangeInclusive;

/// How to answer a download, given its `Range` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeDecision {
    /// 200 with the whole file: no `Range`, one Kiln ignores, or several.
    Whole,
    /// 206 with these bytes (inclusive, within the file).
    Partial(RangeInclusive<u64>),
    /// 416: a well-formed `bytes` range that no byte of the file satisfies.
    Unsatisfiable,
}

/// Decides how to answer a `Range` header (already filtered by `If-Range`)
/// for a file of `len` bytes.
///
/// RFC 9110 §14.2 lets a server ignore a Range it does not understand, and
/// that is the only safe reading of one in another unit (`items=0-5`) or
/// with a syntax error: answering 416 would tell the client its request was
/// understood and out of bounds. Only a `bytes=` range that parses and
/// misses the file is unsatisfiable. Several ranges get the whole file too
/// (also a valid answer), which spares us multipart/byteranges.
pub fn decide(header: Option<&str>, len: u64) -> RangeDecision {
    let Some(header) = header else {
        return RangeDecision::Whole;
    };
    // The parser checks the `bytes=` unit (case-insensitively) first, so any
    // other unit lands among its syntax errors, which are all ignored.
    let Ok(parsed) = http_range_header::parse_range_header(header) else {
        return RangeDecision::Whole;
    };
    match parsed.validate(len) {
        Ok(ranges) => match <[_; 1]>::try_from(ranges) {
            Ok([one]) => RangeDecision::Partial(one),
            // None usable (an empty file asked for a suffix) or several.
            Err(_) => RangeDecision::Whole,
        },
        Err(http_range_header::RangeUnsatisfiableError::Unsatisfiable) => {
            RangeDecision::Unsatisfiable
        }
        // Overlapping ranges: refused by the parser's policy, not by the
        // file's length, so the whole file is the honest answer.
        Err(_) => RangeDecision::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_is_the_whole_file() {
        assert_eq!(decide(None, 10), RangeDecision::Whole);
    }

    #[test]
    fn one_bytes_range_is_partial() {
        assert_eq!(decide(Some("bytes=0-5"), 10), RangeDecision::Partial(0..=5));
        assert_eq!(decide(Some("bytes=4-"), 10), RangeDecision::Partial(4..=9));
        assert_eq!(decide(Some("bytes=-3"), 10), RangeDecision::Partial(7..=9));
        // The end is clipped to the file; a suffix longer than it is all of it.
        assert_eq!(
            decide(Some("bytes=2-99"), 10),
            RangeDecision::Partial(2..=9)
        );
        assert_eq!(decide(Some("bytes=-99"), 10), RangeDecision::Partial(0..=9));
        // Units are case-insensitive (RFC 9110 §14.1).
        assert_eq!(decide(Some("Bytes=0-0"), 10), RangeDecision::Partial(0..=0));
    }

    #[test]
    fn other_units_and_bad_syntax_are_ignored() {
        for header in [
            "items=0-5",
            "bytes 0-5",
            "bytes=",
            "bytes=abc",
            "bytes=5-2",
            "bytes=0-5 ",
            "bytes=+1-2",
            "",
            "=",
            "bytes=00-000000000000000000000000000000000000000000000000000001",
        ] {
            assert_eq!(decide(Some(header), 10), RangeDecision::Whole, "{header:?}");
        }
    }

    #[test]
    fn several_ranges_are_the_whole_file() {
        assert_eq!(decide(Some("bytes=0-1,4-5"), 10), RangeDecision::Whole);
        assert_eq!(decide(Some("bytes=0-5,2-8,3-4"), 10), RangeDecision::Whole);
    }

    #[test]
    fn well_formed_ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(decide(Some("bytes=10-"), 10), RangeDecision::Unsatisfiable);
        assert_eq!(
            decide(Some("bytes=20-30"), 10),
            RangeDecision::Unsatisfiable
        );
        assert_eq!(decide(Some("bytes=-0"), 10), RangeDecision::Unsatisfiable);
        assert_eq!(decide(Some("bytes=0-0"), 0), RangeDecision::Unsatisfiable);
        // An empty file's only satisfiable range is a suffix, which selects
        // nothing: the (empty) whole file.
        assert_eq!(decide(Some("bytes=-5"), 0), RangeDecision::Whole);
    }

    #[test]
    fn partial_ranges_stay_inside_the_file() {
        for len in [1u64, 2, 7, u64::MAX] {
            for header in ["bytes=0-", "bytes=-1", "bytes=0-18446744073709551615"] {
                if let RangeDecision::Partial(r) = decide(Some(header), len) {
                    assert!(r.start() <= r.end() && *r.end() < len, "{header} on {len}");
                }
            }
        }
    }

    /// Headers kept in `tests/fuzz-regressions/range/` (fuzz finds and
    /// hand-made hostile ones): no panic, and a partial answer always lies
    /// inside the file, whatever its length.
    #[test]
    fn fuzz_regressions_stay_inside_the_file() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/range");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let header = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for len in [0, 1, 2, 10, 1 << 40, u64::MAX] {
                if let RangeDecision::Partial(r) = decide(Some(&header), len) {
                    assert!(r.start() <= r.end() && *r.end() < len, "{}", path.display());
                }
            }
            seen += 1;
        }
        assert!(
            seen >= 5,
            "regression inputs missing from {}",
            dir.display()
        );
    }
}
