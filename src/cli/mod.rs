//! Binary-only glue (not part of the library): the `sandbox` subcommand, the one place where
//! the sandbox and the server meet.

pub(crate) mod check;
#[cfg(feature = "sandbox")]
pub(crate) mod sandbox;
pub(crate) mod token;
