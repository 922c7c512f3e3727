//! One module per subcommand.

pub mod doctor;
pub mod import;
pub mod init;
pub mod keys;
pub mod list;
pub mod sanitize;
pub mod show;
