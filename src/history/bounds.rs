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

/// What reading a row of each table costs in memory, in bytes, measured
/// (`/usr/bin/time -v lab nightly report`, release build, 50,000 and
/// 100,000 rows more of one table): a night 8.7 KB, a run 2.2 KB (its
/// record apart: counted by its bytes), a result 2.9 KB, a step 1.3 KB,
/// an input 0.5 KB; rounded up here. A history of many small rows is read
/// at far more than its bytes: 400,000 nights without runs, 35 MB, took
/// 1.9 GB (probe21cf F4), under [`MAX_TOTAL`].
pub const ROW_COSTS: [(&str, &str, i64); 5] = [
    ("nights", "nights", 9 << 10),
    ("runs", "runs", 5 << 9),
    ("results", "results", 3 << 10),
    ("steps", "steps", 3 << 9),
    ("inputs", "inputs", 1 << 9),
];

/// The most memory a history's rows may take once read ([`ROW_COSTS`]):
/// some 700 nights of chapter4 on two providers (about 370 KiB of rows a
/// night, its records apart), or 29,000 nights without runs.
pub const MAX_ROWS_MEMORY: i64 = 256 << 20;

/// Refuse `conn` (the history at `path`) when it is past the bounds; the
/// bytes its pages in use take when it is not.
pub(super) fn check(conn: &Connection, path: &Path) -> Result<i64> {
    let used = check_within(conn, path, MAX_VALUE, MAX_TOTAL)?;
    check_rows(conn, path, MAX_ROWS_MEMORY)?;
    Ok(used)
}

/// Refuse `conn` (the history at `path`) when its rows, counted with SQL
/// (`count(*)` reads no row's values), would take more than `max` bytes of
/// memory once read ([`ROW_COSTS`]): exit 2, naming the database, how
/// many rows of each table it holds and which is the most costly.
pub(super) fn check_rows(conn: &Connection, path: &Path, max: i64) -> Result<()> {
    let (total, counts) = rows_cost(conn, path)?;
    if total <= max {
        return Ok(());
    }
    let held: Vec<String> = counts
        .iter()
        .map(|&(n, w, _)| match n {
            1 => format!("1 {}", w.trim_end_matches('s')),
            n => format!("{n} {w}"),
        })
        .collect();
    let (n, word, _) = counts.iter().max_by_key(|c| c.2).expect("five tables");
    Err(bad(
        path,
        format!(
            "it holds {}: too many {word} ({n}) to read, about {} MiB of memory, more than a \
             history lab reads ({} MiB); nothing was changed (start a new history with --db, \
             or keep fewer nights)",
            held.join(", "),
            total >> 20,
            max >> 20
        ),
    ))
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

/// A table's rows: how many, its word, what they take once read.
pub(super) type Counted = (i64, &'static str, i64);

/// What the rows of `conn` (the history at `path`) take once read
/// ([`ROW_COSTS`]), with each table's count, word and part of it.
pub(super) fn rows_cost(conn: &Connection, path: &Path) -> Result<(i64, Vec<Counted>)> {
    let mut counts = Vec::new();
    let mut total: i64 = 0;
    for (table, word, cost) in ROW_COSTS {
        // A target a killed merge made before its schema (version 0) has
        // no tables yet, hence no rows.
        let exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(|e| bad(path, e))?;
        let n: i64 = match exists {
            true => conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .map_err(|e| bad(path, e))?,
            false => 0,
        };
        total = total.saturating_add(n.saturating_mul(cost));
        counts.push((n, word, n.saturating_mul(cost)));
    }
    Ok((total, counts))
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

    /// probe21cf F4: a history of many small nights (400,000 nights, 35
    /// MB, under the bound on bytes) took 1.9 GB to read. Seen failing
    /// before the fix (read). Now its rows are counted before a row is
    /// read, and a history whose rows are past the bound (given small) is
    /// refused, naming it and what is too many.
    #[test]
    fn a_history_of_too_many_rows_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.db");
        let h = super::super::History::open(&path).unwrap();
        h.conn
            .execute_batch(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000)
                 INSERT INTO nights (name, started_at, finished_at, status, host)
                 SELECT 'n' || x, '2026-12-01T10:00:00Z', '2026-12-01T10:01:00Z', 'complete', 'vm'
                 FROM c",
            )
            .unwrap();
        // Small in bytes: within the bound on bytes given the same size.
        let used = check_within(&h.conn, &path, MAX_VALUE, MAX_TOTAL).unwrap();
        assert!(used < 1 << 20, "{used}");
        let e = check_rows(&h.conn, &path, 16 << 20).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        let m = e.to_string();
        for want in ["many.db", "2000 nights", "too many nights (2000)", "16 MiB"] {
            assert!(m.contains(want), "{want} not in: {m}");
        }
        // Under the bound it is read.
        check_rows(&h.conn, &path, 32 << 20).unwrap();
        // A database without the tables yet (a target killed before its
        // schema was made) has no rows.
        let empty = Connection::open_in_memory().unwrap();
        assert_eq!(rows_cost(&empty, &path).unwrap().0, 0);
        drop(h);
        // Every reader checks it: with the real bound, 30,000 nights.
        let h = super::super::History::open(&path).unwrap();
        h.conn
            .execute_batch(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 28000)
                 INSERT INTO nights (name, started_at, finished_at, status, host)
                 SELECT 'm' || x, '2026-12-01T10:00:00Z', '2026-12-01T10:01:00Z', 'complete', 'vm'
                 FROM c",
            )
            .unwrap();
        let e = h.load().expect_err("30,000 nights were read");
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(e.to_string().contains("30000 nights"), "{e}");
    }

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
