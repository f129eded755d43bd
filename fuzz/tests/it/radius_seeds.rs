//! The RADIUS target's seeds are Access-Requests the server's codec builds and signs
//! (`twofold_fuzz::radius::seeds`): the files in `fuzz/corpus/radius_packet/` must still be
//! exactly that, or the fuzzer would start from packets the front end now drops early.
//! `TWOFOLD_WRITE_FUZZ_SEEDS=1` writes them (after a deliberate change to the codec).

use std::path::Path;

use twofold_fuzz::radius::{seeds, SECRET};
use twofold_server::radius::packet::{check_message_authenticator, MessageAuth, Packet};

#[test]
fn radius_seeds_are_signed_access_requests_built_by_the_codec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/radius_packet");
    let built = seeds();
    assert_eq!(built.len(), 8, "a seed could not be built");
    if std::env::var_os("TWOFOLD_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &built {
            std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
        }
    }
    for (name, bytes) in &built {
        let path = dir.join(format!("seed-{name}"));
        let stored = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (TWOFOLD_WRITE_FUZZ_SEEDS=1 writes it)",
                path.display()
            )
        });
        assert_eq!(
            &stored,
            bytes,
            "{} is not what the codec builds",
            path.display()
        );
        let packet = Packet::parse(bytes).unwrap();
        assert_eq!(packet.code, 1, "{name}: not an Access-Request");
        let expected = if *name == "without-message-authenticator" {
            MessageAuth::Missing
        } else {
            MessageAuth::Valid
        };
        assert_eq!(
            check_message_authenticator(bytes, SECRET.as_bytes(), None),
            expected,
            "{name}"
        );
    }
}
