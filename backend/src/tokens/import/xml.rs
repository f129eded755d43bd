//! A small element tree read with quick-xml, for the PSKC reader.
//!
//! PSKC files are a few kilobytes per thousand keys and the reader needs to look back and
//! forth (the MAC key is declared before the keys it protects), so a tree is simpler than a
//! streaming walk. Elements are matched by local name: vendors disagree on prefixes and even
//! on namespace URIs (drafts of RFC 6030 used several), and no PSKC element name is reused
//! across the namespaces a file mixes (pskc, xmldsig, xmlenc, xmlenc11, pkcs5).

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// An element: its local name, attributes (local names), text and children in order.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    attributes: Vec<(String, String)>,
    text: String,
    pub children: Vec<Element>,
}

// A PlainValue's text is a secret in base64: overwritten when the tree is dropped.
impl Drop for Element {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

/// Files nest a handful of levels; this bounds the work a hostile file can ask for.
const MAX_DEPTH: usize = 64;

impl Element {
    /// Parses a whole document and returns its root element.
    pub fn parse(text: &str) -> Result<Element, String> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<Element> = Vec::new();
        let mut root: Option<Element> = None;
        loop {
            let position = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|e| format!("not well-formed XML near byte {position}: {e}"))?;
            match event {
                Event::Start(start) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(format!("elements nest deeper than {MAX_DEPTH} levels"));
                    }
                    stack.push(Self::open(&start)?);
                }
                Event::Empty(start) => {
                    let element = Self::open(&start)?;
                    Self::close(&mut stack, &mut root, element)?;
                }
                Event::End(_) => {
                    let element = stack
                        .pop()
                        .ok_or_else(|| "a closing tag without an opening one".to_string())?;
                    Self::close(&mut stack, &mut root, element)?;
                }
                Event::Text(text) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&text.xml10_content());
                    }
                }
                Event::CData(data) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&data.xml10_content());
                    }
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(ch)) => ch.to_string(),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(&reference)
                            .map(str::to_string)
                            .ok_or_else(|| format!("unknown entity &{};", &*reference))?,
                        Err(e) => return Err(format!("bad character reference: {e}")),
                    };
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&resolved);
                    }
                }
                Event::DocType(_) => {
                    // Entity declarations are how "billion laughs" files work; PSKC has none.
                    return Err("a DOCTYPE declaration is not allowed in a PSKC file".into());
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
        if let Some(open) = stack.last() {
            return Err(format!("the file ends inside <{}>", open.name));
        }
        root.ok_or_else(|| "the file holds no XML element".to_string())
    }

    fn open(start: &BytesStart<'_>) -> Result<Element, String> {
        let name = start.local_name().as_ref().to_string();
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| format!("bad attribute in <{name}>: {e}"))?;
            let key = attribute.key;
            if key.as_ref().starts_with("xmlns") {
                continue;
            }
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| format!("bad attribute value in <{name}>: {e}"))?;
            attributes.push((key.local_name().as_ref().to_string(), value.into_owned()));
        }
        Ok(Element {
            name,
            attributes,
            text: String::new(),
            children: Vec::new(),
        })
    }

    fn close(
        stack: &mut [Element],
        root: &mut Option<Element>,
        element: Element,
    ) -> Result<(), String> {
        match stack.last_mut() {
            Some(parent) => parent.children.push(element),
            None if root.is_none() => *root = Some(element),
            None => return Err("the file holds more than one root element".into()),
        }
        Ok(())
    }

    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// A descendant reached through a path of local names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names
            .iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// An attribute by local name.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The element's text with surrounding white space removed.
    pub fn text(&self) -> &str {
        self.text.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::Element;

    #[test]
    fn reads_nested_elements_by_local_name() {
        let root = Element::parse(
            r#"<?xml version="1.0"?><p:A xmlns:p="urn:x" V="1"><p:B>x &amp; y</p:B><C/></p:A>"#,
        )
        .unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.attribute("V"), Some("1"));
        assert_eq!(root.child("B").unwrap().text(), "x & y");
        assert!(root.child("C").is_some());
    }

    #[test]
    fn refuses_broken_documents() {
        for (text, want) in [
            ("<A></B>", "not well-formed"),
            ("<A><B></B>", "ends inside <A>"),
            ("", "no XML element"),
            ("<!DOCTYPE x [<!ENTITY a 'b'>]><A/>", "DOCTYPE"),
            ("<A/><B/>", "more than one root"),
        ] {
            let err = Element::parse(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
