//! The pure core: tools, auth policies, pagination and planning arithmetic.
//!
//! Invariant: nothing here performs I/O or names a framework (salvo, reqwest, jsonwebtoken,
//! mini-moka, tokio). Everything is unit-tested without sockets or a runtime.

pub(crate) mod arguments;
pub mod aws_iam;
pub(crate) mod challenge;
pub mod error;
pub mod pagination;
pub(crate) mod planning;
pub mod policy;
pub mod principal;
pub mod proof;
pub mod records;
pub(crate) mod resource;
pub mod secret;
pub mod tools;
pub mod upstream;
