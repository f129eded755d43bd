use super::*;

fn entry(id: &str, username: &str, email: &str) -> DirectoryUser {
    DirectoryUser {
        dn: format!("uid={username},ou=people,dc=example,dc=test"),
        id: id.into(),
        username: username.into(),
        first_name: Some("First".into()),
        last_name: Some("Last".into()),
        email: Some(email.into()),
        phone: None,
    }
}

fn linked(e: &DirectoryUser, disabled: bool) -> LinkedUser {
    LinkedUser {
        id: format!("usr_{}", e.username),
        username: e.username.clone(),
        first_name: e.first_name.clone(),
        last_name: e.last_name.clone(),
        email: e.email.clone(),
        phone: e.phone.clone(),
        source: SOURCE_DIRECTORY.into(),
        directory_id: Some(e.id.clone()),
        directory_dn: Some(e.dn.clone()),
        directory_disabled: disabled,
    }
}

fn local(username: &str) -> LinkedUser {
    LinkedUser {
        id: format!("usr_{username}"),
        username: username.into(),
        first_name: None,
        last_name: None,
        email: None,
        phone: None,
        source: "local".into(),
        directory_id: None,
        directory_dn: None,
        directory_disabled: false,
    }
}

#[test]
fn new_entries_are_added_and_matching_users_unchanged() {
    let alice = entry("1", "alice", "alice@example.test");
    let bob = entry("2", "bob", "bob@example.test");
    let p = plan(
        vec![alice.clone(), bob.clone()],
        vec![],
        &[linked(&alice, false)],
    );
    assert_eq!(p.changes, vec![Change::Add(bob)]);
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.entries, 2);
}

#[test]
fn a_changed_attribute_or_a_rename_is_an_update_naming_the_fields() {
    let alice = entry("1", "alice", "alice@example.test");
    let mut renamed = entry("1", "alice2", "new@example.test");
    renamed.dn = alice.dn.clone();
    let p = plan(vec![renamed.clone()], vec![], &[linked(&alice, false)]);
    assert_eq!(
        p.changes,
        vec![Change::Update {
            id: "usr_alice".into(),
            user: renamed,
            fields: vec!["username", "email"],
            enable: false,
        }]
    );
}

#[test]
fn a_directory_user_gone_is_disabled_once_and_enabled_when_back() {
    let alice = entry("1", "alice", "a@example.test");
    let p = plan(vec![], vec![], &[linked(&alice, false)]);
    assert_eq!(
        p.changes,
        vec![Change::Disable {
            id: "usr_alice".into(),
            username: "alice".into()
        }]
    );
    assert!(plan(vec![], vec![], &[linked(&alice, true)])
        .changes
        .is_empty());
    let back = plan(vec![alice.clone()], vec![], &[linked(&alice, true)]);
    assert_eq!(back.report(false).enabled, vec!["alice".to_owned()]);
    assert!(back.report(false).updated.is_empty());
}

#[test]
fn local_users_are_never_changed_or_disabled_and_their_names_never_taken() {
    let carol = entry("3", "carol", "c@example.test");
    let p = plan(vec![carol], vec![], &[local("carol"), local("dave")]);
    assert!(p.changes.is_empty());
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].reason, "a local user has this username");
}

#[test]
fn an_entry_recreated_with_a_new_identifier_does_not_inherit_the_old_user() {
    let old = entry("1", "erin", "e@example.test");
    let new = entry("9", "erin", "e@example.test");
    let p = plan(vec![new], vec![], &[linked(&old, false)]);
    assert_eq!(p.skipped.len(), 1);
    assert!(matches!(p.changes.as_slice(), [Change::Disable { .. }]));
}

#[test]
fn duplicate_usernames_in_the_directory_are_skipped_not_guessed() {
    let a = entry("1", "frank", "f@example.test");
    let b = entry("2", "frank", "f2@example.test");
    let p = plan(vec![a.clone(), b], vec![], &[]);
    assert_eq!(p.changes, vec![Change::Add(a)]);
    assert_eq!(p.skipped.len(), 1);
}
