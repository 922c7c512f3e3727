//! What other benches reuse of this one: [`server`], the real `helpr-server` binary as a child
//! process (made, started, measured, stopped), and [`stats`]. `helpr-secure-bench` runs its
//! server with it.

pub mod server;
pub mod stats;
