//! Strings from inside a file (EXIF, container tags) before they are stored.
//!
//! They are attacker-chosen: a camera make can be 65 KB, a title can carry
//! escape sequences or bidi controls aimed at whoever reads the document. We
//! keep what a person would type there, no more.

/// Longest string kept, in chars: far above any real make, model, lens or
/// title, and small enough that a hostile file cannot bloat its document.
pub const MAX_CHARS: usize = 256;

/// `raw` without control characters (C0, DEL, C1) or invisible format
/// characters (bidi overrides, zero-width), trimmed, cut to [`MAX_CHARS`]
/// chars (so never inside a UTF-8 sequence); `None` if nothing is left.
pub fn clean(raw: &str) -> Option<String> {
    clean_to(raw, MAX_CHARS)
}

/// Longest caption or description kept, in chars.
pub const MAX_LONG_CHARS: usize = 2000;

/// [`clean`] with a different cap, for captions. Line breaks and tabs
/// become spaces rather than vanishing, so words stay apart.
pub fn clean_to(raw: &str, max_chars: usize) -> Option<String> {
    let kept: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .filter(|&c| !c.is_control() && !is_invisible_format(c))
        .collect();
    let capped: String = kept.trim().chars().take(max_chars).collect();
    // Cutting may leave trailing whitespace behind.
    let capped = capped.trim_end();
    (!capped.is_empty()).then(|| capped.to_owned())
}

/// Unicode format characters that change how surrounding text displays
/// without showing themselves (they are not `char::is_control`).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_on_a_char_boundary() {
        let long = "é".repeat(70_000);
        let c = clean(&long).unwrap();
        assert_eq!(c.chars().count(), MAX_CHARS);
        assert!(c.chars().all(|ch| ch == 'é'));
    }

    #[test]
    fn drops_controls_and_invisible_characters() {
        assert_eq!(
            clean("  Can\u{1b}[31mon\u{0}\u{202E}gpj.exe\u{200B} ").as_deref(),
            Some("Can[31mongpj.exe")
        );
        assert_eq!(clean("\u{0}\u{7f}\u{85} \t"), None);
        assert_eq!(clean("Café – ☕").as_deref(), Some("Café – ☕"));
    }
}
