//! The handful of descriptive tags we carry from input to output.

use std::collections::BTreeMap;

use symphonia::core::formats::FormatReader;
use symphonia::core::meta::{MetadataRevision, RawTag, RawValue, StandardTag, Tag};

/// Descriptive tags, normalised across ID3, Vorbis comments, MP4 `ilst` and
/// Matroska tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TagSet {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u64>,
    pub track_total: Option<u64>,
    pub date: Option<String>,
    pub genre: Option<String>,
    pub composer: Option<String>,
    pub comment: Option<String>,
}

impl TagSet {
    /// Reads every metadata revision the demuxer (and the probe, for ID3 or
    /// APE tags around the container) collected, keeping the latest value of
    /// each field: the log runs trailing tags, leading tags, container tags,
    /// so ID3v2 beats its truncated ID3v1 copy and the container has the
    /// last word.
    pub fn collect(reader: &mut dyn FormatReader, track_id: Option<u32>) -> Self {
        let mut set = TagSet::default();
        let mut metadata = reader.metadata();
        loop {
            if let Some(rev) = metadata.current() {
                set.apply_revision(rev, track_id);
            }
            if metadata.pop().is_none() {
                break;
            }
        }
        set
    }

    fn apply_revision(&mut self, rev: &MetadataRevision, track_id: Option<u32>) {
        self.apply(&rev.media.tags);
        let track = track_id.map(u64::from);
        for per_track in rev.per_track.iter().filter(|t| Some(t.track_id) == track) {
            self.apply(&per_track.metadata.tags);
        }
    }

    fn apply(&mut self, tags: &[Tag]) {
        for tag in tags {
            // Matroska keys come as "TARGET@NAME". ffmpeg writes file-wide
            // tags without a target, which reads as album level (50), so
            // symphonia would turn ARTIST into album artist and drop TITLE;
            // interpret the name the way ffmpeg's demuxer does instead.
            match (&tag.std, tag.raw.key.contains('@')) {
                // ffmpeg writes `comment` as a Vorbis `DESCRIPTION` and
                // reads it back as `comment`; MP4's `desc` stays apart.
                (Some(StandardTag::Description(s)), false)
                    if tag.raw.key.eq_ignore_ascii_case("description") =>
                {
                    if self.comment.is_none() {
                        self.comment = clean(s);
                    }
                }
                // ID3v2 `TXXX` frames are named by their description, as
                // ffmpeg writes (and reads) the tags ID3 has no frame for.
                (None, false) if tag.raw.key == "TXXX" => {
                    if let Some(desc) = txxx_description(&tag.raw) {
                        self.apply_raw(&desc, &tag.raw.value);
                    }
                }
                (Some(std), false) => self.apply_std(std),
                _ => self.apply_raw(&tag.raw.key, &tag.raw.value),
            }
        }
    }

    fn apply_std(&mut self, tag: &StandardTag) {
        let text = |s: &str| clean(s);
        match tag {
            StandardTag::TrackTitle(s) => set(&mut self.title, text(s)),
            StandardTag::Artist(s) => set(&mut self.artist, text(s)),
            StandardTag::Album(s) => set(&mut self.album, text(s)),
            StandardTag::AlbumArtist(s) => set(&mut self.album_artist, text(s)),
            StandardTag::Genre(s) => set(&mut self.genre, text(s)),
            // MP4 `©wrt`, which ffmpeg reads (and writes) as the composer.
            StandardTag::Composer(s) | StandardTag::Writer(s) => set(&mut self.composer, text(s)),
            StandardTag::Comment(s) => set(&mut self.comment, text(s)),
            StandardTag::TrackNumber(n) if *n > 0 => self.track_number = Some(*n),
            StandardTag::TrackTotal(n) if *n > 0 => self.track_total = Some(*n),
            StandardTag::RecordingDate(s)
            | StandardTag::ReleaseDate(s)
            | StandardTag::RecordingTime(s) => set(&mut self.date, text(s)),
            // A full date from another field is more precise; keep it.
            StandardTag::RecordingYear(y) | StandardTag::ReleaseYear(y)
                if *y > 0 && self.date.as_deref().is_none_or(|d| d.len() <= 4) =>
            {
                self.date = Some(y.to_string());
            }
            _ => {}
        }
    }

    /// Maps a tag by its raw name: Matroska tags, and any format's tag that
    /// symphonia did not map to a standard key.
    fn apply_raw(&mut self, key: &str, value: &RawValue) {
        let s = match value {
            RawValue::String(s) => s.as_str(),
            RawValue::StringList(list) => match list.first() {
                Some(s) => s.as_str(),
                None => return,
            },
            _ => return,
        };
        let name = key.rsplit('@').next().unwrap_or(key).to_ascii_lowercase();
        let field = match name.as_str() {
            "title" => &mut self.title,
            "artist" | "performer" => &mut self.artist,
            "album" => &mut self.album,
            "album_artist" | "albumartist" => &mut self.album_artist,
            "genre" => &mut self.genre,
            "composer" => &mut self.composer,
            "comment" => &mut self.comment,
            "date" | "year" | "date_released" | "date_recorded" => &mut self.date,
            "part_number" | "track" | "tracknumber" => {
                let mut parts = s.split('/').map(|p| p.trim().parse::<u64>().ok());
                if let Some(Some(n)) = parts.next().filter(|n| n.is_some_and(|n| n > 0)) {
                    self.track_number = Some(n);
                }
                if let Some(Some(total)) = parts.next().filter(|t| t.is_some_and(|t| t > 0)) {
                    self.track_total = Some(total);
                }
                return;
            }
            _ => return,
        };
        set(field, clean(s));
    }

    /// Fills fields still empty from tags the side readers found (Matroska
    /// `Info/Title`, WAV INFO), by field name.
    pub fn with_fallbacks(mut self, tags: &[(&'static str, String)]) -> Self {
        let mut extra = TagSet::default();
        for (name, value) in tags {
            extra.apply_raw(name, &RawValue::String(value.clone().into()));
        }
        let fill = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.is_none() {
                *mine = theirs;
            }
        };
        fill(&mut self.title, extra.title);
        fill(&mut self.artist, extra.artist);
        fill(&mut self.album, extra.album);
        fill(&mut self.album_artist, extra.album_artist);
        fill(&mut self.date, extra.date);
        fill(&mut self.genre, extra.genre);
        fill(&mut self.composer, extra.composer);
        fill(&mut self.comment, extra.comment);
        self.track_number = self.track_number.or(extra.track_number);
        self.track_total = self.track_total.or(extra.track_total);
        self
    }

    /// Field name and value for every tag present, in a stable order; the
    /// names double as the keys of [`MediaInfo::tags`](crate::MediaInfo).
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let track = self.track_number.map(|n| match self.track_total {
            Some(total) => format!("{n}/{total}"),
            None => n.to_string(),
        });
        [
            ("title", self.title.clone()),
            ("artist", self.artist.clone()),
            ("album", self.album.clone()),
            ("album_artist", self.album_artist.clone()),
            ("track", track),
            ("date", self.date.clone()),
            ("genre", self.genre.clone()),
            ("composer", self.composer.clone()),
            ("comment", self.comment.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// The tags as a map, for probe output.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }
}

/// The description of an ID3v2 `TXXX` frame (its name), if it has one.
fn txxx_description(raw: &RawTag) -> Option<String> {
    raw.sub_fields
        .as_deref()?
        .iter()
        .find(|f| f.field == "DESCRIPTION")
        .and_then(|f| match &f.value {
            RawValue::String(s) => Some(s.to_string()),
            _ => None,
        })
}

/// Trims and drops empty values and stray NULs (ID3 terminators).
fn clean(s: &str) -> Option<String> {
    let trimmed = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn set(field: &mut Option<String>, value: Option<String>) {
    if value.is_some() {
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn later_values_win_and_blanks_are_ignored() {
        let mut set = TagSet::default();
        set.apply_std(&StandardTag::TrackTitle(Arc::new("Short".into())));
        set.apply_std(&StandardTag::TrackTitle(Arc::new("Café – ☕".into())));
        set.apply_std(&StandardTag::Artist(Arc::new("  ".into())));
        set.apply_std(&StandardTag::TrackNumber(3));
        set.apply_std(&StandardTag::TrackTotal(12));
        set.apply_std(&StandardTag::ReleaseDate(Arc::new("2024-05-01".into())));
        set.apply_std(&StandardTag::ReleaseYear(2024));
        assert_eq!(set.title.as_deref(), Some("Café – ☕"));
        assert_eq!(set.artist, None);
        let map = set.to_map();
        assert_eq!(map.get("track").map(String::as_str), Some("3/12"));
        assert_eq!(map.get("date").map(String::as_str), Some("2024-05-01"));
    }
}
