//! Checks on what people type into the library: names, tags, descriptions.
//! Each error names the field and the limit (`422`).

use crate::ApiError;
use kiln_proto::api::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_TAG_CHARS, MAX_TAGS};

/// A file or album name: cleaned like an uploaded file name (no path, no
/// control or invisible characters), 1 to 255 characters.
pub fn name(field: &str, raw: &str) -> Result<String, ApiError> {
    let clean = crate::filename::clean(raw);
    if clean.is_empty() {
        return Err(ApiError::invalid(format!(
            "{field}: must have at least one visible character"
        )));
    }
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(format!(
            "{field}: at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(clean)
}

/// An album name: like a file name, but a `/` is allowed in it.
pub fn album_name(raw: &str) -> Result<String, ApiError> {
    let text = raw.replace(['/', '\\'], "\u{2215}");
    name("name", &text).map(|n| n.replace('\u{2215}', "/"))
}

/// Tags: at most 32, each 1 to 64 characters once trimmed, without control
/// characters; repeats (case-insensitively) are dropped, order kept.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ApiError> {
    if raw.len() > MAX_TAGS {
        return Err(ApiError::invalid(format!(
            "tags: {} given; at most {MAX_TAGS}",
            raw.len()
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let clean: String = t.chars().filter(|c| !c.is_control()).collect();
        let clean = clean.trim();
        let n = clean.chars().count();
        if n == 0 || n > MAX_TAG_CHARS {
            return Err(ApiError::invalid(format!(
                "tags: {:?} must have 1 to {MAX_TAG_CHARS} characters",
                kiln_proto::api::excerpt(t)
            )));
        }
        let folded = kiln_core::library::fold(clean);
        if !out.iter().any(|o| kiln_core::library::fold(o) == folded) {
            out.push(clean.to_owned());
        }
    }
    Ok(out)
}

/// A description: at most 2000 characters; control characters other than
/// line breaks and tabs are dropped; blank means none.
pub fn description(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::invalid(format!(
            "description: at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let clean = clean.trim();
    Ok((!clean.is_empty()).then(|| clean.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_descriptions_are_bounded_and_cleaned() {
        assert_eq!(
            name("filename", " a/b\u{202E}c.jpg ").ok().as_deref(),
            Some("bc.jpg")
        );
        assert!(name("filename", "\u{200B}").is_err());
        assert!(name("filename", &"x".repeat(256)).is_err());
        assert_eq!(
            album_name("2024/05 Trip").ok().as_deref(),
            Some("2024/05 Trip")
        );
        let t = tags(&["Beach".into(), "beach".into(), " sun ".into()]).unwrap_or_default();
        assert_eq!(t, vec!["Beach", "sun"]);
        assert!(tags(&vec!["a".to_owned(); 33]).is_err());
        assert!(tags(&["".into()]).is_err());
        assert!(tags(&["x".repeat(65)]).is_err());
        assert_eq!(description(Some("  ")).ok(), Some(None));
        assert!(description(Some(&"d".repeat(2001))).is_err());
    }
}
