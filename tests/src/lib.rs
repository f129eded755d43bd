//! twofold-testkit: the one test kit of Twofold. Every crate's tests start servers, devices
//! and databases through it, and nobody writes a second harness:
//!
//! - [`ServerProcess`]: the real `twofold-server` binary on `127.0.0.1:0` (SQLite in a
//!   temporary directory, or a fresh database on the test PostgreSQL, where it can also run
//!   a second node of the same cluster), its admin CLI, its logs and a dump of its database;
//! - [`InProcessServer`]: the server's state and router in the test's own process, on a
//!   manual clock, driven with `oneshot` or listening on 127.0.0.1 for HTTP and WebSocket
//!   clients;
//! - [`TestDevice`] and [`DeviceChannel`]: a simulated authenticator (activation over HTTP,
//!   P-256 signatures, the device channel's WebSocket);
//! - [`engines`] and [`fresh_postgres_database`]: the SQLite/PostgreSQL matrix, one
//!   convention (`TWOFOLD_TEST_POSTGRES_URL`; `TWOFOLD_REQUIRE_POSTGRES=1` makes a missing
//!   PostgreSQL a failure);
//! - [`oathtool`]: codes from the independent OATH Toolkit; [`temp_dir`]: temporary
//!   directories (`tempfile`).
//!
//! The crate also holds the end-to-end tests of the real binary (`tests/it`) and the
//! `twofold-load` tool. It is not a mock: what runs is the server's own code, and nothing here
//! sends traffic anywhere but 127.0.0.1. Errors are [`Error`]: a test unwraps them, so a
//! failure shows what went wrong.
//!
//! ```no_run
//! # async fn demo() -> Result<(), twofold_testkit::Error> {
//! use twofold_testkit::{Engine, ServerProcess, TestDevice};
//! let mut server = ServerProcess::start(Engine::Sqlite).await?;
//! server.cli(&["user", "add", "alice"])?;
//! let issued = server.create_activation("alice")?;
//! let mut device = TestDevice::new()?;
//! device.activate(&server.url, &issued.code).await?;
//! let code = twofold_testkit::oathtool(&device.secret_base32()?, twofold_testkit::now())?;
//! server.stop()?;
//! # Ok(()) }
//! ```

pub mod answering;
pub mod binary;
pub mod browser;
pub mod channel;
pub mod cluster;
pub mod device;
pub mod engine;
pub mod error;
pub mod faulty;
pub mod gateway;
pub mod haproxy;
pub mod http;
pub mod inprocess;
pub mod load;
pub mod oath;
pub mod private_postgres;
pub mod radius;
pub mod server;
pub mod slapd;
pub mod temp;
pub mod tool_main;
pub mod ws_raw;

pub use channel::DeviceChannel;
pub use device::TestDevice;
pub use engine::{engines, fresh_postgres_database, postgres_url, Engine};
pub use error::Error;
pub use http::{AdminClient, ApiResponse, RpClient};
pub use inprocess::InProcessServer;
pub use oath::{now, oathtool, oathtool_args, oathtool_hotp};
pub use server::{CliOutput, ServerProcess};
pub use slapd::Slapd;
pub use temp::temp_dir;

pub type Result<T, E = Error> = std::result::Result<T, E>;
