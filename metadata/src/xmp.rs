//! XMP packets: the top-level properties of each `rdf:Description`, as
//! attributes or elements, with `rdf:Bag`/`Seq`/`Alt` lists. Structures
//! nested deeper are skipped: nothing Kiln records lives there.

use crate::limits::{MAX_XMP_BYTES, MAX_XMP_EVENTS};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use std::collections::HashMap;

pub(crate) const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(crate) const DC: &str = "http://purl.org/dc/elements/1.1/";
pub(crate) const XMP: &str = "http://ns.adobe.com/xap/1.0/";
pub(crate) const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
pub(crate) const TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
pub(crate) const EXIF: &str = "http://ns.adobe.com/exif/1.0/";
pub(crate) const EXIF_EX: &str = "http://cipa.jp/exif/1.0/";
pub(crate) const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
pub(crate) const AUX: &str = "http://ns.adobe.com/exif/1.0/aux/";

/// Property values by (namespace, name), in document order.
#[derive(Debug, Default)]
pub(crate) struct Xmp {
    props: HashMap<(String, String), Vec<String>>,
}

impl Xmp {
    /// The first value of a property.
    pub fn first(&self, ns: &str, name: &str) -> Option<&str> {
        self.all(ns, name).first().map(String::as_str)
    }

    /// Every value of a property (the items of a list).
    pub fn all(&self, ns: &str, name: &str) -> &[String] {
        self.props
            .get(&(ns.to_owned(), name.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Takes `other`'s properties that this packet lacks (the extended
    /// packet completes the main one, never overrides it).
    pub fn absorb(&mut self, other: Xmp) {
        for (k, v) in other.props {
            self.props.entry(k).or_insert(v);
        }
    }

    fn push(&mut self, key: (String, String), value: String) {
        let v = value.trim();
        if !v.is_empty() {
            self.props.entry(key).or_default().push(v.to_owned());
        }
    }
}

/// Parses `packet`. On malformed XML, what was read before the fault is
/// kept and the fault is returned beside it.
pub(crate) fn parse(packet: &[u8]) -> (Xmp, Option<String>) {
    if packet.len() > MAX_XMP_BYTES {
        return (
            Xmp::default(),
            Some("the XMP packet is too large to read".into()),
        );
    }
    let text = decode(packet);
    let mut xmp = Xmp::default();
    let fault = walk(&text, &mut xmp).err();
    (xmp, fault)
}

/// XMP is UTF-8 unless a BOM or the NUL pattern of "<" says UTF-16.
fn decode(packet: &[u8]) -> String {
    let utf16 =
        |units: &mut dyn Iterator<Item = u16>| String::from_utf16_lossy(&units.collect::<Vec<_>>());
    let be = packet.starts_with(&[0xFE, 0xFF]) || packet.starts_with(&[0, b'<']);
    let le = packet.starts_with(&[0xFF, 0xFE]) || packet.starts_with(&[b'<', 0]);
    if be || le {
        let mut units = packet.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        utf16(&mut units).trim_start_matches('\u{FEFF}').to_owned()
    } else {
        String::from_utf8_lossy(packet)
            .trim_start_matches('\u{FEFF}')
            .to_owned()
    }
}

/// Where the reader is, relative to the property being read.
struct State {
    /// Element names from the root, as (namespace, local name).
    stack: Vec<(String, String)>,
    /// The property being read and the depth of its element.
    prop: Option<((String, String), usize)>,
    /// Text of the current value, across text and entity events.
    buf: String,
}

fn walk(text: &str, xmp: &mut Xmp) -> Result<(), String> {
    let mut reader = NsReader::from_str(text);
    let mut st = State {
        stack: Vec::new(),
        prop: None,
        buf: String::new(),
    };
    for _ in 0..MAX_XMP_EVENTS {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("XMP: {e}"))?;
        let ns = match ns {
            ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(e) => start(&reader, &mut st, xmp, ns, &e),
            Event::Empty(e) => {
                start(&reader, &mut st, xmp, ns, &e);
                end(&mut st, xmp);
            }
            Event::End(_) => end(&mut st, xmp),
            Event::Text(t) if collecting(&st) => {
                st.buf
                    .push_str(&t.decode().map_err(|e| format!("XMP: {e}"))?);
            }
            Event::CData(t) if collecting(&st) => {
                st.buf.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) if collecting(&st) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    st.buf.push(c);
                } else if let Ok(name) = r.decode()
                    && let Some(s) = quick_xml::escape::resolve_predefined_entity(&name)
                {
                    st.buf.push_str(s);
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
    Err("the XMP packet has too many elements; the rest was not read".into())
}

fn is(name: &(String, String), ns: &str, local: &str) -> bool {
    name.0 == ns && name.1 == local
}

/// Whether text now belongs to the property: directly inside it, or in
/// an `rdf:li` of its list.
fn collecting(st: &State) -> bool {
    let Some((_, depth)) = &st.prop else {
        return false;
    };
    let d = st.stack.len();
    d == *depth
        || (d == depth + 2
            && is(&st.stack[d - 1], RDF, "li")
            && ["Bag", "Seq", "Alt"]
                .iter()
                .any(|l| is(&st.stack[d - 2], RDF, l)))
}

fn start(reader: &NsReader<&[u8]>, st: &mut State, xmp: &mut Xmp, ns: String, e: &BytesStart<'_>) {
    let name = (
        ns,
        String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
    );
    let parent_is_rdf = st.stack.last().is_some_and(|p| is(p, RDF, "RDF"));
    let parent_is_top_description = st.stack.len() >= 2
        && is(&st.stack[st.stack.len() - 1], RDF, "Description")
        && is(&st.stack[st.stack.len() - 2], RDF, "RDF");
    if is(&name, RDF, "Description") && parent_is_rdf {
        // Simple properties written as attributes.
        for attr in e.attributes().flatten() {
            let (ans, local) = reader.resolve_attribute(attr.key);
            let ResolveResult::Bound(ans) = ans else {
                continue;
            };
            let ans = String::from_utf8_lossy(ans.as_ref()).into_owned();
            if ans == RDF || ans.starts_with("http://www.w3.org/XML/") {
                continue;
            }
            if let Ok(v) = attr.decode_and_unescape_value(reader.decoder()) {
                xmp.push(
                    (ans, String::from_utf8_lossy(local.as_ref()).into_owned()),
                    v.into_owned(),
                );
            }
        }
    } else if parent_is_top_description {
        st.prop = Some((name.clone(), st.stack.len() + 1));
    }
    if collecting(st)
        || st
            .prop
            .as_ref()
            .is_some_and(|(_, d)| *d == st.stack.len() + 1)
    {
        st.buf.clear();
    }
    st.stack.push(name);
}

fn end(st: &mut State, xmp: &mut Xmp) {
    if collecting(st)
        && let Some((key, _)) = &st.prop
    {
        xmp.push(key.clone(), std::mem::take(&mut st.buf));
    }
    if st.prop.as_ref().is_some_and(|(_, d)| *d == st.stack.len()) {
        st.prop = None;
    }
    st.stack.pop();
}
