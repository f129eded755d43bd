//! twofold-authenticator integration tests: the vault on disk, every importer against its
//! fixtures, the exports (Aegis, the shared file writer), QR images, the real `twofold`
//! binary, the other apps' real exports, and activation and push against the real server in
//! process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod aegis_export;
mod cli;
mod cli_exit_codes;
mod cli_export;
mod common;
mod concurrent;
mod export_file;
mod icons;
mod import_encrypted;
mod importers;
mod interop;
mod push;
mod push_faults;
mod qr;
mod time_codes;
mod vault;
mod vault_crash;
