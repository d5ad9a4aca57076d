//! File names as clients send them, made safe to store, list and put in a
//! `Content-Disposition` header.

/// Longest name kept, in bytes (most file systems' limit).
const MAX_BYTES: usize = 255;

/// Characters that print nothing but change what a person reads: bidi
/// controls (a right-to-left override turns `gpj.exe` into what reads as
/// `exe.jpg`), zero-width and joiner characters, invisible fillers and tag
/// characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// The last path component, without control or invisible characters, at
/// most 255 bytes (cut on a character boundary).
pub fn clean(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let mut s: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .collect();
    let trimmed = s.trim();
    if trimmed.len() != s.len() {
        s = trimmed.to_owned();
    }
    while s.len() > MAX_BYTES {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_nothing_from_the_reader() {
        assert_eq!(clean("photo\u{202E}gpj.exe"), "photogpj.exe");
        assert_eq!(clean("a\u{200B}b\u{2066}c\u{FEFF}.jpg"), "abc.jpg");
        assert_eq!(clean("../../etc/passwd"), "passwd");
        assert_eq!(clean("C:\\Users\\ada\\café.png"), "café.png");
        assert_eq!(clean("line\r\nbreak.jpg"), "linebreak.jpg");
        assert_eq!(clean(&"é".repeat(200)).len(), 254);
        // Emoji with their joiners-free forms and other scripts survive.
        assert_eq!(clean("日本語 🎉.jpg"), "日本語 🎉.jpg");
    }
}
