//! Whether a history is exactly what lab's migrations make of its
//! version, and whether its rows hang together: checked on every open, by
//! writers and readers alike, before anything is read or changed.
//!
//! Why (probe21bv finding 1): the tables' columns alone (`PRAGMA
//! table_info`) let a crafted database keep lab's columns and change what
//! they do: `results`' key made `ON CONFLICT IGNORE` (SQLite then silently
//! drops every row of tonight's run where a row planted for a run id not
//! yet written holds the key), its foreign key dropped (so those planted
//! rows survive), a `CHECK` or `DEFAULT` of its own, an index of its own.
//! Tonight's failures vanished and the nightly exited 0. So the SQL of
//! every table and index (`sqlite_master`, whitespace and comments aside)
//! is compared with what the migrations make on an empty in-memory
//! database ([`schema::made_by_migrations`], the one owner of the schema
//! text), and so are `PRAGMA foreign_key_list` and `index_list`; rows that
//! name no run (or night), and runs whose `result_count` is not the number
//! of their results, are refused as well.

use super::schema;
use rusqlite::Connection;
use std::collections::{BTreeMap, BTreeSet};

/// A schema's objects by type and name: the table an object belongs to
/// and its SQL, normalised ([`normalised`]); SQLite's automatic indexes
/// have none.
type Objects = BTreeMap<(String, String), (String, Option<String>)>;

/// Whether `conn` has any table, index, view or trigger of its own
/// (SQLite's `sqlite_*` left out).
pub fn has_objects(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The objects of `conn`. The statistics `ANALYZE` keeps (`sqlite_stat1`
/// to `sqlite_stat4`) are left out: they choose how SQLite finds rows,
/// never which rows there are.
fn objects(conn: &Connection) -> rusqlite::Result<Objects> {
    let mut q = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\'",
    )?;
    let rows = q.query_map([], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            (
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?.map(|s| normalised(&s)),
            ),
        ))
    })?;
    rows.collect()
}

/// `sql` as one line: outside quotes, comments dropped, each run of
/// whitespace one space, and none beside `(`, `)` or `,`. SQLite keeps a
/// `CREATE` statement's text as it was typed (less `IF NOT EXISTS`), so
/// two texts that differ only there make the same object; any other
/// difference (a word, a clause, a quoted name or value) stays one.
pub(super) fn normalised(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut space = false;
    while let Some(ch) = chars.next() {
        match ch {
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                space = true;
                continue;
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
                continue;
            }
            c if c.is_whitespace() => {
                space = true;
                continue;
            }
            _ => {}
        }
        if space && !out.is_empty() && !"(),".contains(ch) && !out.ends_with(['(', ')', ',']) {
            out.push(' ');
        }
        space = false;
        out.push(ch);
        let close = match ch {
            '\'' | '"' | '`' => ch,
            '[' => ']',
            _ => continue,
        };
        // A quoted name or value is kept as it is (a doubled quote inside
        // ends it and opens the next, the same text either way).
        for c in chars.by_ref() {
            out.push(c);
            if c == close {
                break;
            }
        }
    }
    out
}

/// How the schema of `conn` differs from what the migrations make of
/// version `v`, in words (the first difference), or `None`.
pub fn schema_difference(conn: &Connection, v: i64) -> rusqlite::Result<Option<String>> {
    let want_db = schema::made_by_migrations(v);
    let want = objects(&want_db)?;
    let have = objects(conn)?;
    // Tables first: a table made again loses its indexes too.
    let tables_first = want
        .iter()
        .filter(|((k, _), _)| k == "table")
        .chain(want.iter().filter(|((k, _), _)| k != "table"));
    for ((kind, name), (table, sql)) in tables_first {
        match have.get(&(kind.clone(), name.clone())) {
            None => return Ok(Some(format!("it has no {kind} `{name}`"))),
            Some((t, _)) if t != table => {
                return Ok(Some(format!(
                    "its {kind} `{name}` is on table `{t}`, not `{table}`"
                )));
            }
            Some((_, s)) if s != sql => {
                return Ok(Some(format!(
                    "its {kind} `{name}` is not as lab's migrations make it: {}",
                    where_they_differ(s.as_deref(), sql.as_deref())
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(((kind, name), (table, _))) = have.iter().find(|(k, _)| !want.contains_key(*k)) {
        let on = if kind == "table" || table == name {
            String::new()
        } else {
            format!(" on `{table}`")
        };
        return Ok(Some(format!(
            "it has {} {kind} `{name}`{on} that a lab history does not",
            if kind == "index" { "an" } else { "a" }
        )));
    }
    for ((kind, table), _) in want.iter().filter(|((k, _), _)| k == "table") {
        for (what, list) in [
            ("foreign keys", foreign_keys as Lister),
            ("indexes", indexes as Lister),
        ] {
            let (h, w) = (list(conn, table)?, list(&want_db, table)?);
            if h != w {
                let extra: Vec<_> = h.difference(&w).cloned().collect();
                let missing: Vec<_> = w.difference(&h).cloned().collect();
                return Ok(Some(format!(
                    "its {kind} `{table}`'s {what} are not lab's (it has [{}], lacks [{}])",
                    extra.join("; "),
                    missing.join("; ")
                )));
            }
        }
    }
    Ok(None)
}

type Lister = fn(&Connection, &str) -> rusqlite::Result<BTreeSet<String>>;

/// `PRAGMA foreign_key_list` of `table`, each key in words.
fn foreign_keys(conn: &Connection, table: &str) -> rusqlite::Result<BTreeSet<String>> {
    let mut q = conn.prepare(
        "SELECT \"from\", \"table\", coalesce(\"to\", 'rowid'), on_update, on_delete, \"match\"
         FROM pragma_foreign_key_list(?1)",
    )?;
    let rows = q.query_map([table], |r| {
        Ok(format!(
            "{} → {}({}) on update {} on delete {} match {}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?
        ))
    })?;
    rows.collect()
}

/// `PRAGMA index_list` of `table` (its place in the list aside), each
/// index in words.
fn indexes(conn: &Connection, table: &str) -> rusqlite::Result<BTreeSet<String>> {
    let mut q =
        conn.prepare("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1)")?;
    let rows = q.query_map([table], |r| {
        Ok(format!(
            "{} unique {} origin {} partial {}",
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?
        ))
    })?;
    rows.collect()
}

/// Where two normalised texts part: a stretch of each around the first
/// character that differs.
fn where_they_differ(have: Option<&str>, want: Option<&str>) -> String {
    let (h, w) = (have.unwrap_or(""), want.unwrap_or(""));
    let at = h
        .char_indices()
        .zip(w.chars())
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(h.len().min(w.len()));
    let around = |s: &str| {
        let start = s[..at.min(s.len())]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let text: String = s[start..].chars().take(80).collect();
        let more = s[start..].chars().count() > 80;
        format!(
            "`{}{text}{}`",
            if start > 0 { "…" } else { "" },
            if more { "…" } else { "" }
        )
    };
    format!("it has {} where lab's has {}", around(h), around(w))
}

/// Rows that do not hang together, in words (the first found), or
/// `None`: a row whose key names no row of the table it refers to (a
/// result of no run, a run of no night: lab's foreign keys cascade, so it
/// never leaves one), and a run whose `result_count` is not the number of
/// its results (a run's rows are written with their count in one
/// transaction). The schema is checked first: these are lab's own keys.
pub fn row_problem(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let tables: Vec<String> = {
        let mut q = conn.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?;
        q.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for table in &tables {
        let keys: Vec<(String, String, String)> = {
            let mut q = conn.prepare(
                "SELECT \"from\", \"table\", coalesce(\"to\", 'rowid') FROM pragma_foreign_key_list(?1)",
            )?;
            q.query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (from, parent, to) in keys {
            let (n, low, high): (i64, Option<i64>, Option<i64>) = conn.query_row(
                &format!(
                    "SELECT count(*), min({f}), max({f}) FROM {t} WHERE {f} NOT IN (SELECT {to} FROM {p})",
                    f = quoted(&from),
                    t = quoted(table),
                    to = quoted(&to),
                    p = quoted(&parent)
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            if n == 0 {
                continue;
            }
            let top: Option<i64> = conn.query_row(
                &format!("SELECT max({}) FROM {}", quoted(&to), quoted(&parent)),
                [],
                |r| r.get(0),
            )?;
            let ids = match (low, high) {
                (Some(l), Some(h)) if l == h => format!("{from} {l}"),
                (Some(l), Some(h)) => format!("{from} {l} to {h}"),
                _ => format!("{from} not a number"),
            };
            let above = match (low, top) {
                (Some(l), Some(t)) if l > t => {
                    format!(
                        ", above its highest {to}, {t}: rows waiting for a {parent} row not yet written"
                    )
                }
                (Some(_), None) => format!(", and it has no {parent} row at all"),
                _ => String::new(),
            };
            return Ok(Some(format!(
                "its table `{table}` has {n} row{} whose {from} names no row of `{parent}` ({ids}{above}), which a lab history never has",
                if n == 1 { "" } else { "s" }
            )));
        }
    }
    if tables.iter().any(|t| t == "runs") && tables.iter().any(|t| t == "results") {
        use rusqlite::OptionalExtension;
        let off: Option<(i64, i64, i64)> = conn
            .query_row(
                "SELECT id, result_count, n FROM (
                    SELECT id, result_count, (SELECT count(*) FROM results WHERE results.run_id = runs.id) AS n
                    FROM runs)
                 WHERE n != result_count ORDER BY id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, count, n)) = off {
            return Ok(Some(format!(
                "its run {id} says it has {count} result{} but `results` holds {n} of it \
                 (lab writes a run's results with their count, in one transaction)",
                if count == 1 { "" } else { "s" }
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
#[path = "exact_tests.rs"]
mod tests;
