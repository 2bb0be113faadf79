//! Idempotency: one execution per logical event, however often it is
//! delivered.

mod memory;
mod store;

pub use async_trait::async_trait;
pub use memory::MemoryStore;
pub use store::{Claim, Claimed, Completion, IdempotencyStore, Record, Status, StoreError};
