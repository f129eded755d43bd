//! Checks on the [`AuthContext`] a relying party sends with `/v1/auth` (issue 13, item 4).
//!
//! Every field ends up on the user's phone (inside the signed challenge), in the audit log, in
//! log lines and in CSV exports. A field is therefore refused (never trimmed or silently
//! cleaned) when it is longer than its limit or holds a character that can forge what a
//! reader sees: C0/C1 control characters (a `\n` starts a fake log line), and the Unicode
//! bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069, "Trojan Source",
//! CVE-2021-42574) that reorder what the phone displays.

use super::rp::AuthContext;

/// Longest `context.application` (the limit of registered application names).
pub const MAX_APPLICATION: usize = 128;
/// Longest `context.client_ip`: an IPv6 address with a zone fits easily.
pub const MAX_CLIENT_IP: usize = 64;
/// Longest `context.location`.
pub const MAX_LOCATION: usize = 128;
/// Longest `context.user_agent`.
pub const MAX_USER_AGENT: usize = 512;

/// A context field the server refuses: which one and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("context.{field}: {problem}")]
pub struct ContextError {
    /// The field's wire name (`application`, `client_ip`, `location`, `user_agent`).
    pub field: &'static str,
    pub problem: String,
}

impl ContextError {
    /// The stable wire code for this field: `context.invalid_<field>`.
    pub fn code(&self) -> &'static str {
        match self.field {
            "application" => "context.invalid_application",
            "client_ip" => "context.invalid_client_ip",
            "location" => "context.invalid_location",
            _ => "context.invalid_user_agent",
        }
    }
}

impl AuthContext {
    /// Checks every field against its limit and for characters that forge text.
    pub fn validate(&self) -> Result<(), ContextError> {
        check("application", self.application.as_deref(), MAX_APPLICATION)?;
        check("client_ip", self.client_ip.as_deref(), MAX_CLIENT_IP)?;
        check("location", self.location.as_deref(), MAX_LOCATION)?;
        check("user_agent", self.user_agent.as_deref(), MAX_USER_AGENT)
    }
}

/// True for characters no context field may hold (see the module comment).
pub fn is_forging_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn check(field: &'static str, value: Option<&str>, max: usize) -> Result<(), ContextError> {
    let Some(value) = value else {
        return Ok(());
    };
    let length = value.chars().count();
    if length > max {
        return Err(ContextError {
            field,
            problem: format!("must be at most {max} characters (got {length})"),
        });
    }
    if let Some(c) = value.chars().find(|c| is_forging_char(*c)) {
        return Err(ContextError {
            field,
            problem: format!(
                "must not contain control or bidirectional-override characters (found U+{:04X})",
                u32::from(c)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(field: &str, value: &str) -> AuthContext {
        let mut c = AuthContext::default();
        let v = Some(value.to_owned());
        match field {
            "application" => c.application = v,
            "client_ip" => c.client_ip = v,
            "location" => c.location = v,
            _ => c.user_agent = v,
        }
        c
    }

    #[test]
    fn every_field_refuses_control_and_bidi_characters_and_overlong_values() {
        for (field, max) in [
            ("application", MAX_APPLICATION),
            ("client_ip", MAX_CLIENT_IP),
            ("location", MAX_LOCATION),
            ("user_agent", MAX_USER_AGENT),
        ] {
            assert_eq!(context(field, "fine, ünïcode").validate(), Ok(()));
            assert_eq!(context(field, &"é".repeat(max)).validate(), Ok(()));
            for bad in [
                "a\nb".to_owned(),
                "a\rb".to_owned(),
                "\u{1b}[31m".to_owned(),
                "\u{85}".to_owned(),
                "x\u{202E}y".to_owned(),
                "\u{2066}".to_owned(),
                "x".repeat(max + 1),
            ] {
                let err = context(field, &bad).validate().unwrap_err();
                assert_eq!(err.field, field);
                assert_eq!(err.code(), format!("context.invalid_{field}"));
                assert!(err.to_string().starts_with(&format!("context.{field}: ")));
            }
        }
        assert_eq!(AuthContext::default().validate(), Ok(()));
    }
}
