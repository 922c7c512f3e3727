//! One module per subcommand.

pub mod connect;
pub mod disconnect;
pub mod doctor;
pub mod import;
pub mod index;
pub mod init;
pub mod keys;
pub mod lifecycle;
pub mod list;
pub mod reprocess;
pub mod sanitize;
pub mod search;
pub mod secure;
pub mod send;
pub mod show;
pub mod status;
pub mod sync;
pub mod team;
