//! Decoding a search result entry without trusting the directory. ldap3's
//! `SearchEntry::construct` panics on an entry that does not have the shape RFC 4511 gives
//! it; a directory (or anything answering on its address) must not be able to crash a sign-in
//! or a sync, so entries are decoded here and a malformed one is an error.
//!
//! RFC 4511 §4.5.2:
//! ```text
//! SearchResultEntry ::= [APPLICATION 4] SEQUENCE {
//!      objectName      LDAPDN,
//!      attributes      PartialAttributeList }
//! PartialAttributeList ::= SEQUENCE OF partialAttribute PartialAttribute
//! PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF value AttributeValue }
//! ```

use std::collections::HashMap;

use ldap3::asn1::StructureTag;
use ldap3::{ResultEntry, SearchEntry};

/// The `[APPLICATION 4]` tag number of a SearchResultEntry.
const SEARCH_RESULT_ENTRY: u64 = 4;

/// What is wrong with an entry: which part of RFC 4511 §4.5.2 it does not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the directory sent a malformed search result entry (RFC 4511 §4.5.2): {0}")]
pub struct MalformedEntry(&'static str);

/// The entry as ldap3's [`SearchEntry`] (text values in `attrs`, values that are not UTF-8 in
/// `bin_attrs`, as ldap3 itself sorts them).
pub fn decode(entry: ResultEntry) -> Result<SearchEntry, MalformedEntry> {
    let mut parts = entry
        .0
        .match_id(SEARCH_RESULT_ENTRY)
        .and_then(StructureTag::expect_constructed)
        .ok_or(MalformedEntry("not a constructed [APPLICATION 4]"))?
        .into_iter();
    let dn = text(parts.next(), "objectName")?;
    let list = parts
        .next()
        .and_then(StructureTag::expect_constructed)
        .ok_or(MalformedEntry("attributes is not a SEQUENCE"))?;
    let mut attrs: HashMap<String, Vec<String>> = HashMap::new();
    let mut bin_attrs: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for attribute in list {
        let mut fields = attribute
            .expect_constructed()
            .ok_or(MalformedEntry("a PartialAttribute is not a SEQUENCE"))?
            .into_iter();
        let name = text(fields.next(), "AttributeDescription")?;
        let values = fields
            .next()
            .and_then(StructureTag::expect_constructed)
            .ok_or(MalformedEntry("vals is not a SET"))?
            .into_iter()
            .map(|value| {
                value
                    .expect_primitive()
                    .ok_or(MalformedEntry("an AttributeValue is not an OCTET STRING"))
            })
            .collect::<Result<Vec<Vec<u8>>, _>>()?;
        match values
            .iter()
            .map(|v| std::str::from_utf8(v).map(str::to_owned))
            .collect::<Result<Vec<String>, _>>()
        {
            Ok(texts) => attrs.entry(name).or_default().extend(texts),
            Err(_) => bin_attrs.entry(name).or_default().extend(values),
        }
    }
    Ok(SearchEntry {
        dn,
        attrs,
        bin_attrs,
    })
}

/// An OCTET STRING holding UTF-8 (an LDAPDN or an AttributeDescription, RFC 4511 §4.1.1).
fn text(tag: Option<StructureTag>, what: &'static str) -> Result<String, MalformedEntry> {
    let bytes = tag
        .and_then(StructureTag::expect_primitive)
        .ok_or(MalformedEntry(what))?;
    String::from_utf8(bytes).map_err(|_| MalformedEntry(what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3::asn1::{TagClass, PL};

    fn octets(text: &[u8]) -> StructureTag {
        StructureTag {
            class: TagClass::Universal,
            id: 4,
            payload: PL::P(text.to_vec()),
        }
    }

    fn seq(id: u64, class: TagClass, inner: Vec<StructureTag>) -> StructureTag {
        StructureTag {
            class,
            id,
            payload: PL::C(inner),
        }
    }

    fn attribute(name: &str, values: &[&[u8]]) -> StructureTag {
        seq(
            16,
            TagClass::Universal,
            vec![
                octets(name.as_bytes()),
                seq(
                    17,
                    TagClass::Universal,
                    values.iter().map(|v| octets(v)).collect(),
                ),
            ],
        )
    }

    fn entry(parts: Vec<StructureTag>) -> ResultEntry {
        ResultEntry::new(seq(4, TagClass::Application, parts))
    }

    #[test]
    fn a_well_formed_entry_keeps_text_and_binary_values_apart() {
        let decoded = decode(entry(vec![
            octets(b"uid=alice,ou=people,dc=example,dc=org"),
            seq(
                16,
                TagClass::Universal,
                vec![
                    attribute("uid", &[b"alice"]),
                    attribute("mail", &[b"alice@example.org", b"a@example.org"]),
                    attribute("objectGUID", &[&[0xff, 0x00, 0x10]]),
                ],
            ),
        ]))
        .unwrap();
        assert_eq!(decoded.dn, "uid=alice,ou=people,dc=example,dc=org");
        assert_eq!(decoded.attrs["uid"], ["alice"]);
        assert_eq!(
            decoded.attrs["mail"],
            ["alice@example.org", "a@example.org"]
        );
        assert_eq!(decoded.bin_attrs["objectGUID"], [vec![0xff, 0x00, 0x10]]);
        assert!(!decoded.attrs.contains_key("objectGUID"));
    }

    #[test]
    fn every_malformed_shape_is_an_error_not_a_panic() {
        let dn = || octets(b"uid=x");
        let cases: Vec<(ResultEntry, &str)> = vec![
            (
                ResultEntry::new(seq(5, TagClass::Application, vec![])),
                "[APPLICATION 4]",
            ),
            (ResultEntry::new(octets(b"x")), "[APPLICATION 4]"),
            (entry(vec![]), "objectName"),
            (
                entry(vec![seq(16, TagClass::Universal, vec![])]),
                "objectName",
            ),
            (entry(vec![octets(&[0xc3, 0x28])]), "objectName"),
            (entry(vec![dn()]), "attributes"),
            (entry(vec![dn(), octets(b"")]), "attributes"),
            (
                entry(vec![dn(), seq(16, TagClass::Universal, vec![octets(b"")])]),
                "PartialAttribute",
            ),
            (
                entry(vec![
                    dn(),
                    seq(
                        16,
                        TagClass::Universal,
                        vec![seq(16, TagClass::Universal, vec![])],
                    ),
                ]),
                "AttributeDescription",
            ),
            (
                entry(vec![
                    dn(),
                    seq(
                        16,
                        TagClass::Universal,
                        vec![seq(16, TagClass::Universal, vec![octets(b"uid")])],
                    ),
                ]),
                "vals",
            ),
            (
                entry(vec![
                    dn(),
                    seq(
                        16,
                        TagClass::Universal,
                        vec![seq(
                            16,
                            TagClass::Universal,
                            vec![
                                octets(b"uid"),
                                seq(
                                    17,
                                    TagClass::Universal,
                                    vec![seq(16, TagClass::Universal, vec![])],
                                ),
                            ],
                        )],
                    ),
                ]),
                "AttributeValue",
            ),
        ];
        for (input, part) in cases {
            let err = decode(input).unwrap_err();
            assert!(err.to_string().contains(part), "{err} should name {part}");
        }
    }
}
