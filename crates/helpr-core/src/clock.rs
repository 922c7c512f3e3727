//! The time every lifecycle decision uses (soft delete stamps, grace periods, audit entries).
//! With the `test-clock` feature, `HELPR_TEST_NOW` (seconds since the epoch) replaces the system
//! clock, so tests can cross a 60-day grace period; without the feature the variable is ignored.

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    #[cfg(feature = "test-clock")]
    if let Some(now) = std::env::var("HELPR_TEST_NOW")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        return now;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The actor this process acts as in the audit trail: `local:<OS user>`.
pub(crate) fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("local:{user}")
}
