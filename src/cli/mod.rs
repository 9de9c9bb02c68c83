//! Binary-only glue (not part of the library): the `sandbox` subcommand, the one place where
//! the sandbox and the server meet.

pub mod check;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod token;
