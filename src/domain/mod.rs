//! The pure core: tools, auth policies, pagination and planning arithmetic.
//!
//! Invariant: nothing here performs I/O or names a framework (salvo, reqwest, jsonwebtoken,
//! mini-moka, tokio). Everything is unit-tested without sockets or a runtime.

pub mod arguments;
pub mod error;
pub mod pagination;
pub mod planning;
pub mod policy;
pub mod principal;
pub mod records;
pub mod resource;
pub mod secret;
pub mod tools;
pub mod upstream;
