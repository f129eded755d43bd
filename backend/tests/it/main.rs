//! twofold-server tests: handlers driven with `oneshot`, and push sign-in over a real socket
//! with a test device; on SQLite and (when the test command provides one) PostgreSQL. The
//! server, the device and the engine matrix come from `twofold-testkit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

mod alice_device;
mod cache_invalidation;
mod cli_exit_codes;
mod codes;
mod default_method;
mod directory;
mod group_commit;
mod handlers;
mod item_admin;
mod item_cli_time;
mod item_context;
mod item_limits;
mod item_metrics;
mod item_push;
mod lockout;
mod malformed;
mod push;
mod push_perf_waiters;
mod radius;
mod sign_in_rows;
mod sms;
mod sqlite_busy;
mod tls;
mod tokens;
mod user_patch_race;
