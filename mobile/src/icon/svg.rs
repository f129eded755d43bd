//! An allow-list SVG sanitiser on a real XML parser (quick-xml).
//!
//! An SVG is a document that can run scripts (`<script>`, `on*` handlers, `javascript:` URLs),
//! load other resources (`href`, `url(...)` in styles, `<image>`, `@import`) and embed HTML
//! (`<foreignObject>`). An icon needs none of that: shapes, paths, gradients, clip paths and
//! masks. So only those elements and their painting attributes are kept; every other element
//! is dropped with all it contains, every other attribute is dropped, references may only point
//! inside the document (`#id`), text, comments, processing instructions and the DOCTYPE (its
//! entities) are dropped, and the output is written anew by the XML writer (so it is
//! well-formed whatever the input's quirks). The root must be `<svg>`.

use std::borrow::Cow;

use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use super::IconError;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
/// Deeper nesting than an icon needs is refused rather than followed.
const MAX_DEPTH: usize = 64;

/// The elements an icon may use (SVG 1.1 §8-§14: shapes, structure, gradients, clipping).
const ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
];

/// The attributes kept: geometry and painting (SVG 1.1 appendix N's presentation attributes
/// an icon uses). Anything else, `on*` handlers first of all, is dropped.
const ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "version",
    "viewBox",
    "preserveAspectRatio",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "d",
    "points",
    "pathLength",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-opacity",
    "opacity",
    "color",
    "display",
    "visibility",
    "style",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "clip-path",
    "clip-rule",
    "clipPathUnits",
    "mask",
    "maskUnits",
    "maskContentUnits",
    "role",
    "aria-label",
    "href",
    "xlink:href",
    "xmlns",
    "xmlns:xlink",
];

fn bad(reason: impl Into<String>) -> IconError {
    IconError::BadSvg(reason.into())
}

/// Whether an attribute value may stay: no script URL, no CSS escape or import, and every
/// `url(...)` pointing inside the document.
fn safe_value(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains("javascript:")
        || lower.contains("expression(")
        || lower.contains('@')
        || lower.contains('\\')
        || lower.contains("data:")
    {
        return false;
    }
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'');
        if !target.starts_with('#') {
            return false;
        }
    }
    true
}

/// The element with only the allowed attributes, or `None` when it is not allowed at all.
fn cleaned(element: &BytesStart<'_>) -> Result<Option<BytesStart<'static>>, IconError> {
    let name = element.name().as_ref().to_owned();
    if !ELEMENTS.contains(&name.as_str()) {
        return Ok(None);
    }
    let mut out = BytesStart::new(name);
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| bad(e.to_string()))?;
        let key: &str = attribute.key.as_ref();
        if !ATTRIBUTES.contains(&key) {
            continue;
        }
        let value: Cow<'_, str> = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| bad(e.to_string()))?;
        let keep = match key {
            "href" | "xlink:href" => value.starts_with('#') && safe_value(&value),
            "xmlns" => value == SVG_NS,
            "xmlns:xlink" => value == XLINK_NS,
            _ => safe_value(&value),
        };
        if keep {
            out.push_attribute((key, value.as_ref()));
        }
    }
    Ok(Some(out))
}

/// The SVG rewritten with only what an icon needs; refused when it is not well-formed XML,
/// not UTF-8, or its root is not `<svg>`.
pub fn sanitise(data: &[u8]) -> Result<Vec<u8>, IconError> {
    let text = std::str::from_utf8(data).map_err(|_| bad("the file is not UTF-8 text"))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut writer = Writer::new(Vec::with_capacity(data.len()));
    // Open allowed elements (their names, to close them), and the depth inside a dropped one.
    let mut open: Vec<String> = Vec::new();
    let mut skipping = 0usize;
    let mut seen_root = false;
    let write = |writer: &mut Writer<Vec<u8>>, event: Event<'_>| {
        writer
            .write_event(event)
            .map_err(|e| bad(format!("cannot write: {e}")))
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| bad(format!("not well-formed XML: {e}")))?;
        match event {
            Event::Start(element) => {
                if open.len() + skipping >= MAX_DEPTH {
                    return Err(bad("the elements are nested too deeply for an icon"));
                }
                if skipping > 0 {
                    skipping += 1;
                    continue;
                }
                check_root(&element, &mut seen_root, open.is_empty())?;
                match cleaned(&element)? {
                    Some(kept) => {
                        open.push(kept.name().as_ref().to_owned());
                        write(&mut writer, Event::Start(kept))?;
                    }
                    None => skipping = 1,
                }
            }
            Event::Empty(element) => {
                if skipping > 0 {
                    continue;
                }
                check_root(&element, &mut seen_root, open.is_empty())?;
                if let Some(kept) = cleaned(&element)? {
                    write(&mut writer, Event::Empty(kept))?;
                }
            }
            Event::End(_) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                let name = open
                    .pop()
                    .ok_or_else(|| bad("an end tag without a start"))?;
                write(&mut writer, Event::End(BytesEnd::new(name)))?;
            }
            // Text, entity references and CDATA: an icon's shapes need none (no <text>, no
            // <style>); comments, processing instructions and the DOCTYPE (with its entities)
            // go too.
            Event::Text(_)
            | Event::GeneralRef(_)
            | Event::CData(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !seen_root {
        return Err(bad("there is no <svg> element"));
    }
    Ok(writer.into_inner())
}

/// The first element must be `<svg>`, and there is only one root.
fn check_root(
    element: &BytesStart<'_>,
    seen_root: &mut bool,
    at_top: bool,
) -> Result<(), IconError> {
    if !at_top {
        return Ok(());
    }
    if *seen_root {
        return Err(bad("more than one root element"));
    }
    if element.name().as_ref() != "svg" {
        return Err(bad("the root element is not <svg>"));
    }
    *seen_root = true;
    Ok(())
}
