//! Pure: filling in a gateway's `message` and `body` templates. A placeholder is `{name}`
//! for one of the known names; any other brace is text (so a JSON body's own braces need
//! no escaping). Every value is escaped for where it lands: inside a JSON string (RFC 8259
//! §7), or percent-encoded in a form body or query string (RFC 3986 §2.1; only ASCII
//! letters and digits stay as they are, which is safe in both). The templates themselves
//! are the administrator's and are not escaped.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use zeroize::Zeroizing;

/// Placeholders of `body`.
pub const BODY_FIELDS: &[&str] = &["phone", "code", "message", "username"];
/// Placeholders of `message`.
pub const MESSAGE_FIELDS: &[&str] = &["code", "server_name", "username"];

/// What the rendered body is, and so how its values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json` or any `+json` type: JSON string escapes.
    Json,
    /// `application/x-www-form-urlencoded`: percent-encoded.
    Form,
    /// GET: the query string, percent-encoded.
    Query,
}

impl BodyKind {
    /// The kind for a POST body of `content_type` (parameters such as `charset` ignored).
    pub fn for_content_type(content_type: &str) -> Result<Self, String> {
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if media == "application/json" || media.ends_with("+json") {
            Ok(Self::Json)
        } else if media == "application/x-www-form-urlencoded" {
            Ok(Self::Form)
        } else {
            Err(format!(
                "Content-Type {content_type:?}: the body can be rendered for application/json \
                 (or a +json type) or application/x-www-form-urlencoded"
            ))
        }
    }

    /// `value` escaped for this kind of body.
    pub fn escape(self, value: &str) -> Zeroizing<String> {
        match self {
            Self::Json => {
                // A JSON string's content: serde_json's quoting without the quotes.
                let quoted = Zeroizing::new(serde_json::Value::from(value).to_string());
                Zeroizing::new(quoted[1..quoted.len() - 1].to_owned())
            }
            Self::Form | Self::Query => {
                Zeroizing::new(utf8_percent_encode(value, NON_ALPHANUMERIC).to_string())
            }
        }
    }
}

/// `template` with each `{name}` of `values` replaced by `escape(value)`.
pub fn render(
    template: &str,
    values: &[(&str, &str)],
    escape: impl Fn(&str) -> Zeroizing<String>,
) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(template.len() + 64));
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let placeholder = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (close, *value))
        });
        match placeholder {
            Some((close, value)) => {
                out.push_str(&escape(value));
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders in `template` (a name is lower-case letters and `_`).
fn placeholders(template: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                found.push(name);
            }
        }
    }
    found
}

fn check_names(template: &str, known: &[&str], required: &[&str]) -> Result<(), String> {
    let used = placeholders(template);
    if let Some(unknown) = used.iter().find(|n| !known.contains(n)) {
        return Err(format!(
            "{{{unknown}}} is not a placeholder; use {}",
            known
                .iter()
                .map(|k| format!("{{{k}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(missing) = required.iter().find(|r| !used.contains(r)) {
        return Err(format!("must contain {{{missing}}}"));
    }
    Ok(())
}

/// A `message` template: known placeholders, `{code}` among them.
pub fn check_message(message: &str) -> Result<(), String> {
    check_names(message, MESSAGE_FIELDS, &["code"])
}

/// A `body` template: known placeholders, `{phone}` and the code (in `{code}` or
/// `{message}`); a JSON body must render to JSON whatever the values hold.
pub fn check_body(body: &str, kind: BodyKind) -> Result<(), String> {
    check_names(body, BODY_FIELDS, &["phone"])?;
    let used = placeholders(body);
    if !used.contains(&"code") && !used.contains(&"message") {
        return Err("must contain {code} or {message}".into());
    }
    if kind == BodyKind::Json {
        let sample = [
            ("phone", "+4915123456789"),
            ("code", "123456"),
            ("message", "a \"quoted\" & \\ message\n"),
            ("username", "o'brien \"x\" & y"),
        ];
        let rendered = render(body, &sample, |v| kind.escape(v));
        serde_json::from_str::<serde_json::Value>(&rendered).map_err(|e| {
            format!(
                "does not render to JSON ({e}); put each placeholder inside a JSON string, \
                 e.g. {{\"to\": \"{{phone}}\"}}"
            )
        })?;
    }
    Ok(())
}

/// A configured header: a valid HTTP name and value.
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| format!("{name:?} is not a header name"))?;
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the value of {name} is not a valid header value"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_are_escaped_inside_their_string_and_literal_braces_stay() {
        let body = r#"{"to": "{phone}", "text": "{message}", "who": "{username}", "x": {}}"#;
        let out = render(
            body,
            &[
                ("phone", "+49151"),
                ("message", "a\"b\\c\nd"),
                ("username", "o\"k&{code}"),
            ],
            |v| BodyKind::Json.escape(v),
        );
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["text"], "a\"b\\c\nd");
        // A value that looks like a placeholder is not expanded again.
        assert_eq!(parsed["who"], "o\"k&{code}");
        assert_eq!(parsed["x"], serde_json::json!({}));
    }

    #[test]
    fn form_and_query_values_are_percent_encoded() {
        let out = render(
            "to={phone}&text={message}",
            &[("phone", "+49 1"), ("message", "a&b=c d")],
            |v| BodyKind::Form.escape(v),
        );
        assert_eq!(&*out, "to=%2B49%201&text=a%26b%3Dc%20d");
    }

    #[test]
    fn content_types_choose_the_escaping() {
        assert_eq!(
            BodyKind::for_content_type("application/json; charset=utf-8"),
            Ok(BodyKind::Json)
        );
        assert_eq!(
            BodyKind::for_content_type("application/vnd.api+json"),
            Ok(BodyKind::Json)
        );
        assert_eq!(
            BodyKind::for_content_type("Application/X-WWW-Form-Urlencoded"),
            Ok(BodyKind::Form)
        );
        assert!(BodyKind::for_content_type("text/plain").is_err());
    }

    #[test]
    fn templates_are_checked_for_their_placeholders_and_json_shape() {
        assert!(check_message("Your code is {code}").is_ok());
        assert!(check_message("Your code").unwrap_err().contains("{code}"));
        assert!(check_message("{code} {phone}")
            .unwrap_err()
            .contains("{phone}"));
        assert!(check_body(r#"{"to":"{phone}","text":"{message}"}"#, BodyKind::Json).is_ok());
        assert!(
            check_body(r#"{"to":{phone},"text":"{message}"}"#, BodyKind::Json)
                .unwrap_err()
                .contains("JSON")
        );
        assert!(check_body("to={phone}", BodyKind::Query)
            .unwrap_err()
            .contains("{code}"));
        assert!(check_body("text={code}", BodyKind::Form)
            .unwrap_err()
            .contains("{phone}"));
    }
}
