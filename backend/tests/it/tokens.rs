//! Hardware tokens (issue 14): the seed-file readers against real vendor and RFC files, the
//! store, the admin API and sign-in with a token's codes.

mod interop;
pub(crate) mod signin;
