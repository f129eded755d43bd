//! twofold-server: the Twofold MFA server as a library.
//!
//! [`router`] builds the HTTP application from an [`AppState`] (tests drive it with
//! `tower::ServiceExt::oneshot`); [`serve`] opens the store, creates keys on first start and
//! listens until SIGTERM or Ctrl-C. The binary's `main.rs` only parses arguments ([`cli`]).
//!
//! It is not the authenticator: devices are `twofold-authenticator`'s business, and they
//! speak to this server only through the wire types of `twofold_core::proto`.

pub mod api;
pub mod auth;
pub mod cache;
pub mod channel;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod directory;
pub mod error;
pub mod gateway;
pub mod identity;
pub mod listener;
pub mod metrics;
pub mod nodes;
pub mod qr;
pub mod radius;
pub mod ratelimit;
pub mod server;
pub mod signin;
pub mod state;
pub mod store;
pub mod tokens;
pub mod web;

pub use api::router;
pub use config::Config;
pub use error::Error;
pub use server::{build_state, serve};
pub use state::AppState;
