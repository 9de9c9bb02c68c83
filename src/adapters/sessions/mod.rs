//! `SessionBus` implementations: in-memory for one instance.

pub mod memory;

pub use memory::MemorySessionBus;
