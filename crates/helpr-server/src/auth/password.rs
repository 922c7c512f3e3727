//! Passwords: argon2id with the crate's defaults (OWASP's m = 19 MiB, t = 2, p = 1), stored as
//! PHC strings, hashed and verified on a blocking thread (each takes tens of milliseconds), at
//! most one per core at a time: more only queue on the blocking pool, each holding its 19 MiB
//! (a burst of 1,000 sign-ins in `cargo xtask bench server` left 1.5–2.3 GB resident).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::Failure;

/// The shortest password accepted.
pub const MIN_LEN: usize = 12;
/// The longest (argon2 takes any length; this keeps a request from costing more than others).
pub const MAX_LEN: usize = 1024;

/// Checks a new password's length, in characters.
pub fn check_new(password: &str) -> Result<(), Failure> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(Failure::invalid(format!(
            "the password must have {MIN_LEN} characters or more"
        )));
    }
    if n > MAX_LEN {
        return Err(Failure::invalid(format!(
            "the password must have {MAX_LEN} characters or fewer"
        )));
    }
    Ok(())
}

/// A turn to compute a hash (one per core).
async fn turn() -> Option<SemaphorePermit<'static>> {
    static TURNS: OnceLock<Semaphore> = OnceLock::new();
    TURNS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
        .acquire()
        .await
        .ok()
}

/// The PHC string of a new password.
pub async fn hash(password: String) -> Result<String, Failure> {
    let _turn = turn().await;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| Failure::internal())?
    .map_err(|e| {
        tracing::error!(error = %e, "hashing a password");
        Failure::internal()
    })
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub async fn verify(password: String, phc: String) -> bool {
    let _turn = turn().await;
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified against when the address is unknown, so that an
/// unknown address takes as long to refuse as a wrong password.
pub async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash(crate::auth::token::new_token())
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}
