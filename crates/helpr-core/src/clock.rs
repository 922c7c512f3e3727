//! The time every lifecycle decision uses (soft delete stamps, grace periods, audit entries).
//! With the `test-clock` feature, `HELPR_TEST_NOW` replaces the system clock, so tests can cross
//! a 60-day grace period: seconds since the epoch, or `@PATH`, a file holding them, read at every
//! call (so a test can move the clock of a process that keeps running, such as `sync --watch`).
//! Without the feature the variable is ignored.

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    #[cfg(feature = "test-clock")]
    if let Some(now) = test_now() {
        return now;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(feature = "test-clock")]
fn test_now() -> Option<i64> {
    let value = std::env::var("HELPR_TEST_NOW").ok()?;
    let text = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).ok()?,
        None => value,
    };
    text.trim().parse().ok()
}

/// The actor this process acts as in the audit trail: `local:<OS user>`.
pub(crate) fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("local:{user}")
}
