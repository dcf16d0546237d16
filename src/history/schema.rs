//! The history database's schema, as an ordered list of migrations.
//!
//! The schema version is the number of migrations applied; it is kept both
//! in SQLite's `user_version` (read before anything else, so a database
//! written by a newer `lab` is refused untouched) and in `schema_migrations`
//! (when and what each step did). A migration runs in the transaction that
//! records it: a kill in the middle leaves the previous version.

/// One step of the schema.
pub struct Migration {
    pub description: &'static str,
    pub sql: &'static str,
}

/// Every migration, oldest first. Append only: never edit one that shipped.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        description: "nights, runs (night x lab x provider), results, steps, inputs",
        sql: r#"
CREATE TABLE nights (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete', 'interrupted')),
    host        TEXT
);
CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    night_id     INTEGER NOT NULL REFERENCES nights(id) ON DELETE CASCADE,
    lab          TEXT NOT NULL,
    provider     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'error', 'interrupted', 'not_run')),
    reason       TEXT,
    run_id       TEXT,
    started_at   TEXT,
    finished_at  TEXT,
    duration_s   REAL,
    host         TEXT,
    kernel       TEXT,
    -- Written with the results in one transaction: a reader can tell that
    -- a run's rows are all there.
    result_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (night_id, lab, provider)
);
CREATE TABLE results (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('check', 'block')),
    variant    TEXT NOT NULL,
    name       TEXT NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'error', 'skip')),
    detail     TEXT,
    path       TEXT,
    expected   TEXT,
    observed   TEXT,
    duration_s REAL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE steps (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL,
    phase      TEXT NOT NULL,
    variant    TEXT NOT NULL,
    ok         INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE inputs (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX runs_by_night ON runs(night_id);
"#,
    },
    Migration {
        description: "runs keep their run record whole; the input flannel_image is named cni_image (run record v2)",
        sql: r#"
ALTER TABLE runs ADD COLUMN record TEXT;
UPDATE inputs SET key = 'cni_image' WHERE key = 'flannel_image'
    AND NOT EXISTS (SELECT 1 FROM inputs i WHERE i.run_id = inputs.run_id AND i.key = 'cni_image');
"#,
    },
];

/// The schema version this `lab` writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The table of the migrations applied, made (`IF NOT EXISTS`) before
/// each: by a writer migrating a history and by [`made_by_migrations`]
/// alike, so that its text is one.
pub const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)";

/// An empty in-memory database with what lab's migrations make of
/// version `v`: the schema every history of that version is compared with
/// ([`super::exact`]).
pub fn made_by_migrations(v: i64) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database");
    c.execute_batch(MIGRATIONS_TABLE)
        .expect("the migrations table");
    for m in MIGRATIONS.iter().take(v.max(0) as usize) {
        c.execute_batch(m.sql).expect("a shipped migration applies");
    }
    c
}

/// What `conn` holds that runs code of its own (a trigger on a write, a
/// view on a read): a lab history has none, so one there was planted (a
/// trigger can turn every failing result it is given into a pass).
pub fn code(conn: &rusqlite::Connection) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT type || ' `' || name || '`' FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}
