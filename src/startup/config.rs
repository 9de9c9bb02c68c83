//! Configuration (docs/design.md §8), loaded once from the environment (and `.env`) or the
//! equivalent `--flags`, validated as a whole so that startup reports every problem at once.
//!
//! - [`flags`]: the clap [`Settings`] of `serve`/`check`, raw text only;
//! - `validate`: [`Settings::validate`], text → typed values and cross-field rules;
//! - [`settings`]: the typed [`Config`] wiring builds the adapters from.
//!
//! Adding a setting: a field in [`Settings`] (`flags.rs`), a typed field in [`Config`] or one of
//! its sub-settings (`settings.rs`), and its reading in `Settings::check` (`validate.rs`, or the
//! `validate/` submodule of its concern) with the helpers of `raw.rs`, which report errors.

mod aws_iam;
pub mod flags;
mod hosts;
mod raw;
pub mod settings;
mod validate;

pub use aws_iam::AwsIamSettings;
pub use flags::Settings;
pub use hosts::HostCheck;
pub use settings::{
    AuthSettings, ClientAuth, ClientSettings, Config, ConfigErrors, LogFormat, RateLimitScope,
    UserSourceSettings,
};

#[cfg(test)]
mod tests;
