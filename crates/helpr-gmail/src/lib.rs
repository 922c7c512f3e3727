//! helpr-gmail: helpr's Gmail side. This slice holds push verification (`push`), the
//! library function the team server will call on every Pub/Sub push; OAuth, sync and send
//! come next (issue 5).

pub mod push;

pub use push::{
    BodyError, Clock, JwksError, Notification, Outcome, PushConfig, PushError, PushVerifier,
    SystemClock,
};
