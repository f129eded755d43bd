//! twofold-tests: the end-to-end harness. It runs the real `twofold-server` binary on
//! `127.0.0.1:0` (SQLite in a temporary directory, or a fresh database on the test
//! PostgreSQL, where it can also run a second node of the same cluster), drives it as an
//! admin (its CLI and HTTP API), as a relying party and as a simulated device (activation
//! over HTTP, push over the device channel's WebSocket), and reads back what it left behind:
//! its logs and a dump of its database.
//!
//! It is not a mock: nothing here runs the server in-process (that is what the handler tests
//! in `backend/tests/it` do). Nothing here sends traffic anywhere but 127.0.0.1.
//!
//! ```no_run
//! # async fn demo() -> Result<(), twofold_tests::Error> {
//! use twofold_tests::{Engine, ServerProcess, TestDevice};
//! let mut server = ServerProcess::start(Engine::Sqlite).await?;
//! server.cli(&["user", "add", "alice"])?;
//! let issued = server.create_activation("alice")?;
//! let mut device = TestDevice::new()?;
//! device.activate(&server.url, &issued.code).await?;
//! let code = twofold_tests::oathtool(&device.secret_base32()?, twofold_tests::now())?;
//! server.stop()?;
//! # Ok(()) }
//! ```

pub mod binary;
pub mod channel;
pub mod device;
pub mod engine;
pub mod error;
pub mod http;
pub mod oath;
pub mod server;

pub use channel::DeviceChannel;
pub use device::TestDevice;
pub use engine::{engines, Engine};
pub use error::Error;
pub use http::{AdminClient, ApiResponse, RpClient};
pub use oath::{now, oathtool};
pub use server::{CliOutput, ServerProcess};

pub type Result<T, E = Error> = std::result::Result<T, E>;
