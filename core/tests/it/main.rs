//! twofold-core integration tests: independent cross-checks and corpora.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod migration;
mod oathtool;
mod uri_corpus;
