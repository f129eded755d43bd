//! Loading, overrides and validation of the configuration.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn defaults_need_no_file() {
    let c = Config::load(None, no_env).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.policy.lockout_threshold, 10);
    // NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts.
    assert_eq!(c.policy.lockout_permanent_after, 100);
    assert_eq!(c.policy.max_drift_steps, 10);
    assert_eq!(c.policy.no_method, NoMethodPolicy::Enroll);
    assert!(c.database_url().starts_with("sqlite://"));
    assert_eq!(c.server.header_timeout_seconds, 10);
    assert_eq!(c.server.body_timeout_seconds, 30);
    assert_eq!(c.server.max_connections, 1024);
    assert!(c.metrics.token.is_empty());
}

#[test]
fn the_example_file_is_valid_and_documents_every_key() {
    let dir = std::env::temp_dir().join(format!("twofold-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("example.toml");
    let example = include_str!("../twofold.example.toml");
    std::fs::write(&path, example).unwrap();
    Config::load(Some(&path), no_env).unwrap();
    for (_, key_path) in ENV_KEYS {
        let key = key_path.last().unwrap();
        assert!(example.contains(&format!("{key} =")), "example lacks {key}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn environment_overrides_the_file() {
    let env = |var: &str| match var {
        "TWOFOLD_LISTEN" => Some("127.0.0.1:9999".to_owned()),
        "TWOFOLD_POLICY_LOCKOUT_THRESHOLD" => Some("3".to_owned()),
        "TWOFOLD_POLICY_NO_METHOD" => Some("deny".to_owned()),
        "TWOFOLD_AUDIT_RECORD_EMAIL" => Some("false".to_owned()),
        _ => None,
    };
    let c = Config::load(None, env).unwrap();
    assert_eq!(c.listen.port(), 9999);
    assert_eq!(c.policy.lockout_threshold, 3);
    assert_eq!(c.policy.no_method, NoMethodPolicy::Deny);
    assert!(!c.audit.record_email);
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = std::env::temp_dir().join(format!("twofold-cfg-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    for (text, needle) in [
        ("listen = \"0.0.0.0:443\"", "listen"),
        ("lisen = \"127.0.0.1:1\"", "lisen"),
        (
            "[policy]\nlockout_threshold = 0",
            "policy.lockout_threshold",
        ),
        ("[policy]\nno_method = \"maybe\"", "maybe"),
        ("[tls]\ncert_file = \"/x.pem\"", "tls"),
        ("database_url = \"mysql://x\"", "database_url"),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = Config::load(Some(&path), no_env).unwrap_err().to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn non_loopback_without_tls_needs_an_explicit_yes() {
    let env = |var: &str| match var {
        "TWOFOLD_LISTEN" => Some("0.0.0.0:8080".to_owned()),
        "TWOFOLD_ALLOW_INSECURE_LISTEN" => Some("true".to_owned()),
        _ => None,
    };
    assert!(Config::load(None, env).is_ok());
}

#[test]
fn app_passwords_are_off_unless_enabled() {
    assert!(!Config::load(None, no_env).unwrap().app_passwords.enabled);
    let env = |var: &str| (var == "TWOFOLD_APP_PASSWORDS_ENABLED").then(|| "true".to_owned());
    assert!(Config::load(None, env).unwrap().app_passwords.enabled);
}
