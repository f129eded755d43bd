//! End-to-end tests of the real `twofold-server` binary on 127.0.0.1:0: every test runs once
//! on SQLite and once on PostgreSQL (when the test command provides one; required when
//! `TWOFOLD_REQUIRE_POSTGRES` is set), except the cluster tests of `nodes`, PostgreSQL only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is the report

/// For each `async fn NAME(engine: Engine)`, tests `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_each_engine {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(twofold_testkit::Engine::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if twofold_testkit::engine::postgres_url().unwrap().is_some() {
                    super::$name(twofold_testkit::Engine::Postgres).await
                } else {
                    eprintln!("no TWOFOLD_TEST_POSTGRES_URL: PostgreSQL not tested");
                }
            }
        }
    )*};
}

mod activation;
mod activation_limits;
mod admin_bootstrap;
mod admin_tokens;
mod audit;
mod cache_nodes;
mod cluster;
mod codes;
mod common;
mod flow;
mod limits;
mod lockout;
mod lockout_race;
mod malformed;
mod nodes;
mod replay;
mod schema_fuzz;
mod secrets;
mod sms;
mod tokens;
mod web_admin;
mod web_admin_cli;
mod web_browser;
mod web_console_pages;
mod web_portal;
mod web_portal_browser;
mod web_portal_cli;
mod web_portal_codes;
mod web_portal_link;
mod web_portal_pages;
mod web_portal_push;
mod web_portal_settings;
mod web_portal_settings_browser;
mod web_portal_signin;
mod web_portal_test_push;
mod web_server_nodes;
