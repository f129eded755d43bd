//! twofold-server handler tests: the router driven with `oneshot`, on SQLite and (when the
//! test command provides one) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod handlers;
mod harness;
mod malformed;
