//! Prepared statements reused on the write path. Import runs the same dozen statements for
//! every message; parsing their SQL each time cost more than the inserts themselves (measured),
//! so the writer keeps them in rusqlite's statement cache, keyed by the SQL text.

use rusqlite::{Connection, Params, Row};

/// `execute`, through the statement cache.
pub(crate) fn execute<P: Params>(c: &Connection, sql: &str, params: P) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(params)
}

/// `query_row`, through the statement cache.
pub(crate) fn query_row<T, P, F>(c: &Connection, sql: &str, params: P, f: F) -> rusqlite::Result<T>
where
    P: Params,
    F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
{
    c.prepare_cached(sql)?.query_row(params, f)
}
