//! The WebSocket (`GET /api/v1/socket`): live changes, each told to exactly the sessions the
//! policy lets see it, numbered so that a reconnecting desktop loses nothing.
//!
//! - [`fanout`]: what one user is told of one applied record, decided by [`helpr_policy::can`]
//!   (the same call the API makes), and when their socket must close.
//! - [`presence`]: who is viewing and who is writing in each conversation, on every replica.
//! - [`relay`]: presence between replicas, through PostgreSQL's notifications.
//! - [`connection`]: one socket: hello, snapshot, replay from the log, then live events,
//!   access changes as new snapshots, presence; closed when its session ends.

pub mod connection;
pub mod fanout;
pub mod presence;
pub mod relay;
