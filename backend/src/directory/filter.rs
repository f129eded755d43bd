//! Search filters (RFC 4515). A username is untrusted input: every character that has a
//! meaning in a filter is escaped before it goes into one, so `*)(uid=*` is a name, not
//! a filter.

/// The placeholder in `user_filter`.
pub const PLACEHOLDER: &str = "{username}";

/// RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as a
/// backslash and two hex digits (`\2a`, `\28`, `\29`, `\5c`, `\00`). Everything else
/// (UTF-8 included) may stand as it is.
pub fn escape(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// The filter that finds the user named `username`.
pub fn one_user(template: &str, username: &str, group: Option<&str>) -> String {
    with_group(template.replace(PLACEHOLDER, &escape(username)), group)
}

/// The filter that lists every user: the placeholder becomes `*`, a presence filter
/// (RFC 4515 §3 `present`), so `(uid={username})` becomes `(uid=*)`.
pub fn all_users(template: &str, group: Option<&str>) -> String {
    with_group(template.replace(PLACEHOLDER, "*"), group)
}

/// How group membership is asked: `memberOf` equality (OpenLDAP's memberof overlay, Active
/// Directory), or AD's LDAP_MATCHING_RULE_IN_CHAIN (OID 1.2.840.113556.1.4.1941, an
/// extensible match, RFC 4515 §3 `extensible`) that follows nested groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Direct,
    Nested,
}

/// The group part of a filter for `group_dn`.
pub fn member_of(group_dn: &str, membership: Membership) -> String {
    let dn = escape(group_dn);
    match membership {
        Membership::Direct => format!("(memberOf={dn})"),
        Membership::Nested => format!("(memberOf:1.2.840.113556.1.4.1941:={dn})"),
    }
}

fn with_group(filter: String, group: Option<&str>) -> String {
    match group {
        Some(group) => format!("(&{filter}{group})"),
        None => filter,
    }
}

/// Checks a configured `user_filter`: it must hold the placeholder and parse as a filter.
pub fn check_template(template: &str) -> Result<(), String> {
    if !template.contains(PLACEHOLDER) {
        return Err(format!("must contain {PLACEHOLDER}"));
    }
    if ldap3::parse_filter(one_user(template, "x", None)).is_err()
        || ldap3::parse_filter(all_users(template, None)).is_err()
    {
        return Err(format!(
            "{template:?} is not an LDAP filter (RFC 4515), e.g. (&(objectClass=person)(uid={PLACEHOLDER}))"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_of_rfc4515_is_escaped_as_hex() {
        assert_eq!(escape("a*b"), "a\\2ab");
        assert_eq!(escape("(x)"), "\\28x\\29");
        assert_eq!(escape("back\\slash"), "back\\5cslash");
        assert_eq!(escape("nul\0"), "nul\\00");
        assert_eq!(escape("plain.name-1_é"), "plain.name-1_é");
    }

    #[test]
    fn an_injection_attempt_stays_one_assertion_value() {
        let filter = one_user("(&(objectClass=person)(uid={username}))", "*)(uid=*", None);
        assert_eq!(filter, "(&(objectClass=person)(uid=\\2a\\29\\28uid=\\2a))");
        assert!(ldap3::parse_filter(&filter).is_ok());
    }

    #[test]
    fn listing_every_user_turns_the_placeholder_into_a_presence_filter() {
        assert_eq!(
            all_users("(&(objectClass=person)(uid={username}))", None),
            "(&(objectClass=person)(uid=*))"
        );
    }

    #[test]
    fn a_group_is_anded_and_its_dn_escaped() {
        let group = member_of(
            "cn=MFA (VPN),ou=groups,dc=example,dc=test",
            Membership::Direct,
        );
        assert_eq!(
            one_user("(uid={username})", "alice", Some(&group)),
            "(&(uid=alice)(memberOf=cn=MFA \\28VPN\\29,ou=groups,dc=example,dc=test))"
        );
        let nested = member_of("cn=mfa,dc=corp", Membership::Nested);
        assert_eq!(nested, "(memberOf:1.2.840.113556.1.4.1941:=cn=mfa,dc=corp)");
        assert!(ldap3::parse_filter(all_users("(uid={username})", Some(&nested))).is_ok());
    }

    #[test]
    fn a_template_without_the_placeholder_or_not_a_filter_is_refused() {
        assert!(check_template("(uid=alice)").is_err());
        assert!(check_template("(uid={username}").is_err());
        assert!(check_template("(&(objectClass=user)(sAMAccountName={username}))").is_ok());
    }
}
