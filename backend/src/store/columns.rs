//! The one place where the server's values meet the database's column types. Both engines
//! store times (unix seconds), epochs and flags as BIGINT and states as TEXT; the rest of
//! the server sees `u64`, `bool` and enums. Rows decode through `#[derive(sqlx::FromRow)]`
//! with the `try_from` types below.

use std::num::TryFromIntError;

use ::sqlx::any::{AnyTypeInfo, AnyValueRef};
use ::sqlx::error::BoxDynError;
use ::sqlx::{Any, Decode, Type};

use crate::error::Error;

/// A time or epoch as the database stores it. Saturates: a value past `i64::MAX` seconds
/// is not a date this server will see.
pub fn to_db(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A time or epoch read as a single value (`query_scalar`); the store never writes one
/// below zero.
pub fn from_db(value: i64) -> Result<u64, Error> {
    u64::try_from(value)
        .map_err(|_| Error::Internal(format!("negative time or epoch {value} in the database")))
}

/// Flags are stored as 0/1 integers on both engines.
pub fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// A nullable time column: `#[sqlx(try_from = "NullableTime")] field: Option<u64>`.
pub struct NullableTime(Option<i64>);

/// A 0/1 flag column: `#[sqlx(try_from = "Flag")] field: bool`.
pub struct Flag(i64);

macro_rules! decodes_as {
    ($name:ident, $inner:ty) => {
        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                <$inner as Decode<'r, Any>>::decode(value).map(Self)
            }
        }
    };
}

decodes_as!(NullableTime, Option<i64>);
decodes_as!(Flag, i64);

impl TryFrom<NullableTime> for Option<u64> {
    type Error = TryFromIntError;

    fn try_from(value: NullableTime) -> Result<Self, Self::Error> {
        value.0.map(u64::try_from).transpose()
    }
}

impl From<Flag> for bool {
    fn from(value: Flag) -> Self {
        value.0 != 0
    }
}

/// A nullable TEXT column of a user's default method:
/// `#[sqlx(try_from = "NullableDefaultMethod")] field: Option<DefaultMethod>`.
pub struct NullableDefaultMethod(Option<String>);

impl Type<Any> for NullableDefaultMethod {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for NullableDefaultMethod {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        <Option<String> as Decode<'r, Any>>::decode(value).map(Self)
    }
}

impl TryFrom<NullableDefaultMethod> for Option<twofold_core::proto::admin::DefaultMethod> {
    type Error = UnknownValue;

    fn try_from(value: NullableDefaultMethod) -> Result<Self, Self::Error> {
        value
            .0
            .map(|text| {
                text.parse().map_err(|_| UnknownValue {
                    kind: "default method",
                    value: text,
                })
            })
            .transpose()
    }
}

/// A TEXT column that holds none of the values its enum knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} {value:?} in the database")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// `as_str`, `FromStr` and `TryFrom<String>` (for `#[sqlx(try_from = "String")]`) for a
/// state enum stored as text: one table of names per enum.
macro_rules! text_enum {
    ($name:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::store::columns::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::store::columns::UnknownValue {
                        kind: $kind,
                        value: text.to_owned(),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::store::columns::UnknownValue;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// What the row modules call `sqlx`: all of sqlx, plus the one macro its `FromRow` derive
/// needs for `#[sqlx(try_from = ...)]`. sqlx 0.8 defines `__spec_error!` only with its
/// `macros` feature (compile-time checked queries, which this server does not use and which
/// would build both database drivers again for the compiler). Row modules say
/// `use super::columns::sqlx;` and import from the real crate as `::sqlx`.
pub mod sqlx {
    pub use ::sqlx::*;

    /// The source of a `ColumnDecode` error: the conversion's own error, boxed.
    macro_rules! __spec_error {
        ($e:expr) => {
            ::std::boxed::Box::new($e)
        };
    }
    pub(crate) use __spec_error;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_saturate_on_the_way_in_and_refuse_negatives_on_the_way_out() {
        assert_eq!(to_db(1_700_000_000), 1_700_000_000);
        assert_eq!(to_db(u64::MAX), i64::MAX);
        assert_eq!(from_db(5).unwrap(), 5);
        assert!(from_db(-1).is_err());
        assert_eq!(
            Option::<u64>::try_from(NullableTime(Some(7))).unwrap(),
            Some(7)
        );
        assert_eq!(Option::<u64>::try_from(NullableTime(None)).unwrap(), None);
        assert!(Option::<u64>::try_from(NullableTime(Some(-3))).is_err());
        assert!(bool::from(Flag(1)) && !bool::from(Flag(0)));
    }
}
