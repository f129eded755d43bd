//! twofold-authenticator integration tests: the vault on disk, every importer against its
//! fixtures, QR images, the real `twofold` binary, the other apps' real exports, and
//! activation and push against the real server in process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod cli;
mod common;
mod concurrent;
mod importers;
mod interop;
mod push;
mod qr;
mod vault;
