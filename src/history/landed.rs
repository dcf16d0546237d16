//! A run's rows read back in the transaction that wrote them, before it
//! commits: every result, step and input must be there as written, under
//! the run's own row with its status and count. Defence in depth for
//! probe21bv finding 1: a history in which SQLite silently drops rows (a
//! key made `ON CONFLICT IGNORE`, rows planted for a run not yet written)
//! must not turn tonight's failures into passes even where the schema
//! check ([`super::exact`]) did not see why; the write fails instead.

use super::RunData;
use rusqlite::Connection;

/// Why run `run`'s rows in `tx` are not `d`'s, or `Ok` when they are.
pub(super) fn check(
    tx: &Connection,
    run: i64,
    d: &RunData,
) -> rusqlite::Result<Result<(), String>> {
    let (status, count): (String, i64) = tx.query_row(
        "SELECT status, result_count FROM runs WHERE id = ?1",
        [run],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if status != d.status.as_str() || count != d.results.len() as i64 {
        return Ok(Err(format!(
            "its row says {status} with {count} results, not {} with {}",
            d.status.as_str(),
            d.results.len()
        )));
    }
    let written: Vec<(String, String, String, String)> = d
        .results
        .iter()
        .map(|r| {
            (
                r.kind.as_str().to_string(),
                r.variant.clone(),
                r.name.clone(),
                r.verdict.key().to_string(),
            )
        })
        .collect();
    let landed: Vec<(String, String, String, String)> = {
        let mut q = tx.prepare(
            "SELECT kind, variant, name, verdict FROM results WHERE run_id = ?1 ORDER BY seq",
        )?;
        q.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    if landed != written {
        let fails = |rows: &[(String, String, String, String)]| {
            rows.iter()
                .filter(|r| r.3 == "fail" || r.3 == "error")
                .count()
        };
        return Ok(Err(format!(
            "{} results ({} failing) were written, {} ({} failing) are there",
            written.len(),
            fails(&written),
            landed.len(),
            fails(&landed)
        )));
    }
    for (table, want) in [("steps", d.steps.len()), ("inputs", d.inputs.len())] {
        let n: i64 = tx.query_row(
            &format!("SELECT count(*) FROM {table} WHERE run_id = ?1"),
            [run],
            |r| r.get(0),
        )?;
        if n != want as i64 {
            return Ok(Err(format!("{want} {table} were written, {n} are there")));
        }
    }
    Ok(Ok(()))
}
