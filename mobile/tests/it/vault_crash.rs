//! Issue 18, the device: the real `twofold` process killed (`SIGKILL`) at random points of
//! many saves leaves a vault that opens with the old content or the new, never neither; a
//! truncated or bit-flipped vault is refused with a clear message and left byte-identical.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::cli::Cli;

const SAVES: usize = 50;

fn twofold(vault: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_twofold"));
    cmd.env("TWOFOLD_VAULT", vault)
        .env("TWOFOLD_VAULT_PASSWORD", "pw")
        .env("TWOFOLD_KDF", "8,1,1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The number of accounts in the vault: it must open.
fn accounts(vault: &Path) -> usize {
    let out = twofold(vault)
        .args(["list", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the vault does not open: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array().unwrap().len()
}

/// A distinct valid TOTP account: the secret's base32 digits spell `n`.
fn account_uri(n: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut secret = String::from("JBSWY3DPEHPK3PXP");
    let mut rest = n;
    for _ in 0..4 {
        secret.push(alphabet[rest % 32] as char);
        rest /= 32;
    }
    format!("otpauth://totp/Kill:user{n}?secret={secret}&issuer=Kill")
}

/// xorshift64*: the delays need no quality, only spread; the seed is printed to replay a run.
struct Delays(u64);

impl Delays {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound.max(1)
    }
}

#[test]
fn a_vault_killed_mid_save_opens_with_the_old_or_the_new_content() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    let vault = cli.root.join("vault.twofold");
    // How long one add takes here, start to exit: the kills land anywhere in that span.
    let started = Instant::now();
    assert!(twofold(&vault)
        .args(["add", &account_uri(0)])
        .status()
        .unwrap()
        .success());
    let took = started.elapsed();
    let span = u64::try_from(took.as_micros()).unwrap() * 12 / 10;
    // The first add's duration in nanoseconds and this process's id vary from run to run.
    let seed = (took.as_nanos() as u64 ^ (u64::from(std::process::id()) << 32)) | 1;
    eprintln!("kill delays up to {span} µs, seed {seed}");
    let mut delays = Delays(seed);
    let mut expected = 1;
    let (mut killed, mut finished) = (0, 0);
    for n in 1..=SAVES {
        let mut child = twofold(&vault)
            .args(["add", &account_uri(n)])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delays.next_below(span)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            finished += 1;
        } else {
            killed += 1;
        }
        let now = accounts(&vault);
        assert!(
            now == expected || now == expected + 1,
            "after save {n} (seed {seed}): {now} accounts, expected {expected} or {}",
            expected + 1
        );
        if status.success() {
            assert_eq!(now, expected + 1, "a finished add must have saved");
        }
        expected = now;
    }
    eprintln!("{killed} adds killed, {finished} finished, {expected} accounts");
    assert!(killed > 0, "no add was killed: the delays are too long");
}

fn refused_untouched(cli: &Cli, name: &str, bytes: &[u8], what: &str) {
    let path = cli.write(name, bytes);
    let vault = path.to_str().unwrap();
    for args in [
        &["--vault", vault, "list"][..],
        &[
            "--vault",
            vault,
            "add",
            "otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP",
        ],
        &["--vault", vault, "passwd"],
    ] {
        let err = cli.fails(args);
        assert!(
            err.contains("damaged") || err.contains("not a Twofold vault"),
            "{what}, {args:?}: {err}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{what}: {args:?} changed the file"
        );
    }
}

#[test]
fn a_truncated_or_bit_flipped_vault_is_refused_and_left_untouched() {
    let cli = Cli::new();
    cli.ok(&["init"]);
    cli.ok(&["add", &account_uri(1)]);
    cli.ok(&["add", &account_uri(2)]);
    let good = std::fs::read(cli.root.join("vault.twofold")).unwrap();
    let len = good.len();
    for cut in [0, 1, 8, 14, 64, len / 2, len - 33, len - 1] {
        refused_untouched(&cli, "cut.twofold", &good[..cut], &format!("cut to {cut}"));
    }
    // One bit in every region: magic, version, header length, header, ciphertext, tag, checksum.
    let mut positions: Vec<usize> = (0..16).collect();
    positions.extend((16..len).step_by(len / 40 + 1));
    positions.extend(len - 48..len);
    for at in positions {
        let mut bad = good.clone();
        bad[at] ^= 1 << (at % 8);
        refused_untouched(&cli, "flip.twofold", &bad, &format!("bit flip at {at}"));
    }
}
