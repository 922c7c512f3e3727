//! Organizations as event logs. Every change is a [`record::Record`] appended under the
//! organization's next sequence number, in the same transaction that takes the number; every
//! replica applies the log in order to its in-memory [`state::OrgState`], so all of them answer
//! the same for the same number, and the number a desktop last applied says exactly what it
//! missed.
//!
//! - [`record`]: what a change is.
//! - [`state`]: the organization after a prefix of its log; snapshots and views.
//! - [`hub`]: the registry of organizations, the write path (decide, append, apply) and the
//!   broadcast of applied changes to the socket fan-out.
//! - [`follow`]: catching up with what other servers append (a poll, PostgreSQL's wakes).

pub mod follow;
pub mod hub;
pub mod record;
pub mod state;
