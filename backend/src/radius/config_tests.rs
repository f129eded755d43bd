//! `[radius]`: what start-up refuses, with a message naming the key.

use super::*;

fn parse(text: &str) -> Result<RadiusConfig, String> {
    let config: RadiusConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

const UPSTREAM: &str = "[upstream]\naddress = \"127.0.0.1:1812\"\nsecret = \"up\"\n";

#[test]
fn a_complete_section_loads_with_its_defaults() {
    let config = parse(&format!(
        "listen = \"127.0.0.1:1812\"\n[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.0/8\"\nsecret = \"s\"\n\
         mode = \"password_then_challenge\"\n{UPSTREAM}"
    ))
    .unwrap();
    let client = &config.clients[0];
    assert!(client.require_message_authenticator);
    assert_eq!((client.primary.as_str(), client.digits), ("upstream", 6));
    assert_eq!(config.state_ttl(), DEFAULT_STATE_TTL_SECONDS);
    // Secrets never show in Debug.
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("\"s\"") && !debug.contains("\"up\""),
        "{debug}"
    );
}

#[test]
fn the_directory_primary_needs_no_upstream_and_an_unknown_primary_is_refused() {
    let client = "[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\nmode = \"password_and_code\"\n";
    // The directory checks the password: no [radius.upstream] needed ([directory] itself is
    // checked at start-up, where the directory is built).
    parse(&format!("{client}primary = \"directory\"\n")).unwrap();
    let err = parse(&format!("{client}primary = \"kerberos\"\n{UPSTREAM}")).unwrap_err();
    assert!(
        err.contains("radius.clients.primary") && err.contains("\"kerberos\" is not a primary"),
        "{err}"
    );
}

#[test]
fn bad_clients_are_refused_with_the_key() {
    let cases = [
        ("[[clients]]\nname = \"vpn\"\naddress = \"not-an-ip\"\nsecret = \"s\"\n", "radius.clients.address"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\n", "radius.clients.secret"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\nsecret_file = \"/x\"\n", "radius.clients.secret"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\nmode = \"password_then_challenge\"\n", "radius.upstream"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\n[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.2\"\nsecret = \"t\"\n", "configured twice"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\ndigits = 0\n", "radius.clients.digits"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\nmode = \"chap\"\n", "unknown variant"),
        ("[[clients]]\nname = \"vpn\"\naddress = \"10.0.0.1\"\nsecret = \"s\"\nsecrt = \"t\"\n", "unknown field"),
        ("state_ttl_seconds = 0\n", "radius.state_ttl_seconds"),
    ];
    for (text, expected) in cases {
        let err = parse(text).unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn the_listen_address_has_an_environment_override() {
    let config = crate::config::Config::load(None, |var| {
        (var == "TWOFOLD_RADIUS_LISTEN").then(|| "127.0.0.1:1812".to_owned())
    })
    .unwrap();
    assert_eq!(
        config.radius.listen,
        Some(SocketAddr::from(([127, 0, 0, 1], 1812)))
    );
}

#[test]
fn secrets_come_from_files_without_their_newline() {
    let path = std::env::temp_dir().join(format!("twofold-radius-secret-{}", std::process::id()));
    std::fs::write(&path, "from-a-file\n").unwrap();
    let secret = load_secret(&Zeroizing::new(String::new()), Some(&path), "k").unwrap();
    assert_eq!(secret.as_slice(), b"from-a-file");
    std::fs::write(&path, "\n").unwrap();
    assert!(
        load_secret(&Zeroizing::new(String::new()), Some(&path), "k")
            .unwrap_err()
            .contains("empty")
    );
    let _ = std::fs::remove_file(&path);
    let missing = load_secret(
        &Zeroizing::new(String::new()),
        Some(&path),
        "radius.upstream",
    )
    .unwrap_err();
    assert!(
        missing.contains("radius.upstream") && missing.contains("cannot read"),
        "{missing}"
    );
}
