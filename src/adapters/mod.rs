//! Adapters: the frameworks and protocols at the edge, implementing the ports.

pub mod outbound;
