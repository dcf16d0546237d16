//! Bounds on what a history may hold, checked with SQL before a row of it
//! is read: every nightly command reads the whole history into memory
//! ([`super::History::load`], several copies, about 7 bytes a byte), so a
//! history that is exactly lab's schema with one 450 MB `record` made `lab
//! nightly report` use 3.2 GB (probe21bz finding 3). A value past
//! [`MAX_VALUE`] or a history past [`MAX_TOTAL`] is not lab's: refused
//! (exit 2), naming the database, the table, the row and the bound; so a
//! merge never copies such a value into its target either. A writer keeps
//! under the same bound ([`fit`], [`fits`]).
//!
//! What lab writes: a run's record holds each command's output, and an
//! output is cut at 8 MiB when read (`session::MAX_OUTPUT_BYTES`); a
//! chapter is at most 4 MiB (`book::parse::MAX_BYTES`). A record of the
//! book's chapters is a few hundred KiB (chapter4: about 200 KiB).

use super::bad;
use crate::error::Result;
use rusqlite::Connection;
use std::path::Path;

/// The largest value (TEXT or BLOB, in bytes) a history may hold.
pub const MAX_VALUE: i64 = 16 << 20;

/// The largest history (its pages in use) that is read, about 3.5 GiB of
/// memory once loaded: some 1,300 nights of chapter4 on two providers.
pub const MAX_TOTAL: i64 = 512 << 20;

/// Refuse `conn` (the history at `path`) when it is past the bounds; the
/// bytes its pages in use take when it is not.
pub(super) fn check(conn: &Connection, path: &Path) -> Result<i64> {
    check_within(conn, path, MAX_VALUE, MAX_TOTAL)
}

/// [`check`] with the bounds given.
pub(super) fn check_within(
    conn: &Connection,
    path: &Path,
    max_value: i64,
    max_total: i64,
) -> Result<i64> {
    let e = |e: rusqlite::Error| bad(path, e);
    let used = used(conn, path)?;
    if used > max_total {
        return Err(bad(
            path,
            format!(
                "it holds {} MiB, more than a history lab reads ({} MiB); nothing was changed \
                 (start a new history with --db, or keep fewer nights)",
                used >> 20,
                max_total >> 20
            ),
        ));
    }
    let tables: Vec<String> = {
        let mut q = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .map_err(e)?;
        q.query_map([], |r| r.get(0))
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?
    };
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for t in tables {
        let columns: Vec<String> = {
            let mut q = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .map_err(e)?;
            q.query_map([&t], |r| r.get(0))
                .map_err(e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(e)?
        };
        // octet_length() is a value's size in bytes, read from its header:
        // the value itself is not loaded.
        let sizes: Vec<String> = columns
            .iter()
            .map(|c| format!("coalesce(octet_length({}), 0)", quote(c)))
            .collect();
        let sql = format!(
            "SELECT rowid, m FROM (SELECT rowid, max(0, {}) AS m FROM {}) WHERE m > ?1 LIMIT 1",
            sizes.join(", "),
            quote(&t)
        );
        let over: Option<(i64, i64)> = conn
            .query_row(&sql, [max_value], |r| Ok((r.get(0)?, r.get(1)?)))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(e)?;
        if let Some((row, size)) = over {
            return Err(bad(
                path,
                format!(
                    "table {t}, row {row}: a value of {size} bytes, more than lab writes or reads \
                     ({} MiB); it is not lab's history; nothing was changed",
                    max_value >> 20
                ),
            ));
        }
    }
    Ok(used)
}

/// The bytes the pages in use of `conn` (the history at `path`) take.
pub(super) fn used(conn: &Connection, path: &Path) -> Result<i64> {
    let pragma = |p: &str| {
        conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, i64>(0))
            .map_err(|e| bad(path, e))
    };
    Ok((pragma("page_count")? - pragma("freelist_count")?).saturating_mul(pragma("page_size")?))
}

/// A text to write, cut to [`MAX_VALUE`] bytes (at a character, with a
/// mark) when past it, so that lab never writes what it refuses to read.
pub(super) fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    fit_within(s, MAX_VALUE as usize)
}

/// [`fit`] to `max` bytes.
fn fit_within(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    const MARK: &str = " … (cut: past what a history keeps)";
    if s.len() <= max {
        return s.into();
    }
    let mut end = max.saturating_sub(MARK.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &s[..end]).into()
}

/// Whether a record (as JSON) is within [`MAX_VALUE`]: one past it is not
/// kept (the run's rows still say what it did, as for a record this lab
/// cannot read).
pub(super) fn fits(json: &str) -> bool {
    json.len() <= MAX_VALUE as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_past_the_bound_is_cut_at_a_character_with_a_mark() {
        assert_eq!(fit_within("short", 100), "short");
        let long = "é".repeat(100);
        let cut = fit_within(&long, 100);
        assert!(cut.len() <= 100, "{}", cut.len());
        assert!(cut.ends_with("(cut: past what a history keeps)"), "{cut}");
    }

    /// The total bound, given small: a history past it is refused naming it.
    #[test]
    fn a_history_past_the_total_bound_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let h = super::super::History::open(&path).unwrap();
        let used = check(&h.conn, &path).unwrap();
        assert!(used > 0);
        let e = check_within(&h.conn, &path, MAX_VALUE, used - 1).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(e.to_string().contains("h.db"), "{e}");
    }
}
