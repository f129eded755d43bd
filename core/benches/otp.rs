//! Generate and verify throughput: `cargo bench -p twofold-core`.
#![allow(clippy::unwrap_used)] // benchmark set-up: a panic is the report

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use twofold_core::otp::{Hotp, Totp, Window};
use twofold_core::{Algorithm, OtpAccount, SecretBytes};

fn secret() -> SecretBytes {
    SecretBytes::from(b"12345678901234567890".as_slice())
}

fn generate(c: &mut Criterion) {
    let hotp = Hotp::new(secret(), Algorithm::Sha1, 6).unwrap();
    c.bench_function("hotp_generate_sha1", |b| {
        b.iter(|| hotp.generate(black_box(42)))
    });
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let totp = Totp::new(secret(), algorithm, 6, 30).unwrap();
        c.bench_function(&format!("totp_generate_{algorithm}"), |b| {
            b.iter(|| totp.generate(black_box(1_700_000_000)))
        });
    }
}

fn verify(c: &mut Criterion) {
    let totp = Totp::new(secret(), Algorithm::Sha1, 6, 30).unwrap();
    let now = 1_700_000_000;
    let valid = totp.generate(now);
    let window = Window::default();
    c.bench_function("totp_verify_valid_window1", |b| {
        b.iter(|| totp.verify(black_box(&valid), now, window, 0, None))
    });
    c.bench_function("totp_verify_invalid_window1", |b| {
        b.iter(|| totp.verify(black_box("000000"), now, window, 0, None))
    });
}

fn parse(c: &mut Criterion) {
    let uri = "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30";
    c.bench_function("otpauth_uri_parse", |b| {
        b.iter(|| OtpAccount::from_uri(black_box(uri)))
    });
}

criterion_group!(benches, generate, verify, parse);
criterion_main!(benches);
