//! One error type for the harness: what failed, in words a test failure can show.

use std::fmt;

pub struct Error(pub String);

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

macro_rules! from {
    ($($t:ty => $what:literal),* $(,)?) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error(format!(concat!($what, ": {}"), e))
            }
        }
    )*};
}

from! {
    std::io::Error => "I/O",
    reqwest::Error => "HTTP",
    serde_json::Error => "JSON",
    sqlx::Error => "database",
}
