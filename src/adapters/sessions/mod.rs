//! `SessionBus` implementations: in-memory for one instance, Redis for several.

pub mod memory;
pub mod redis;

pub use self::redis::RedisSessionBus;
pub use memory::MemorySessionBus;
