//! Phone numbers in E.164 form (ITU-T E.164 §6: a country code and a national number of at
//! most 15 digits in all), the form gateways expect: `+`, then 8 to 15 digits, the first
//! not 0 (no country code starts with 0). People write numbers with spaces, dashes, dots
//! and parentheses; those are ignored, nothing else is.

/// The rule, for error messages.
pub const RULE: &str = "must be in E.164 form: + then 8 to 15 digits, the first not 0 \
                        (e.g. +4915123456789; spaces, dashes, dots and parentheses are ignored)";

/// `text` as E.164 (`+4915123456789`), or None when it is not a number in that form.
pub fn e164(text: &str) -> Option<String> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !" -.()".contains(*c))
        .collect();
    let digits = compact.strip_prefix('+')?;
    let valid = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    valid.then_some(compact)
}

#[cfg(test)]
mod tests {
    use super::e164;

    #[test]
    fn numbers_in_e164_form_pass_with_their_separators_removed() {
        assert_eq!(e164("+4915123456789").as_deref(), Some("+4915123456789"));
        assert_eq!(e164(" +1 (555) 010-9999 ").as_deref(), Some("+15550109999"));
        assert_eq!(e164("+1.555.0100").as_deref(), Some("+15550100"));
        // Exactly 8 and 15 digits are the bounds.
        assert!(e164("+12345678").is_some());
        assert!(e164("+123456789012345").is_some());
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "4915123456789",     // no +
            "+1234567",          // 7 digits
            "+1234567890123456", // 16 digits
            "+0151234567",       // leading 0
            "+49 151 2345 678x", // a letter
            "++4915123456789",
            "+49/15123456789",
            "call me",
            "",
        ] {
            assert_eq!(e164(bad), None, "{bad:?}");
        }
    }
}
