//! twofold-authenticator integration tests: the vault on disk, every importer against its
//! fixtures, QR images, the real `twofold` binary, and the other apps' real exports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod cli;
mod common;
mod importers;
mod interop;
mod qr;
mod vault;
