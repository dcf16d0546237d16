//! The book page's kubectl version matrix (`--kubectl-matrix`; the
//! nightly's `book.html` always has one): its one-line summary, then a
//! table of a row a kubectl line and a column a kubectl minor (`ok`,
//! `dep`, `REF`, `--`, kubectl's words as the cell's title), and a last
//! row with each minor's result as `lab test` and the run's verdict count
//! it ([`crate::book::report::matrix_as_checks`]). The JSON had it; the page did
//! not (probe21aq finding 5).

use crate::book::BookReport;
use crate::kubectl::Verdict as K;
use serde_json::{Value, json};

/// The template's view of the matrix; null when the run had none.
pub fn section(r: &BookReport) -> Value {
    let Some(m) = &r.kubectl_matrix else {
        return Value::Null;
    };
    let results = crate::book::report::matrix_as_checks(r);
    let minors: Vec<Value> = m
        .kubectls
        .iter()
        .map(|k| {
            let minor = k.version.minor_str();
            let name = format!("kubectl {minor}: ");
            let res = results.iter().find(|c| c.name.starts_with(&name));
            let verdict = match res {
                Some(c) if c.observed.starts_with(crate::report::KNOWN_DRIFT) => {
                    "known_drift".into()
                }
                Some(c) => c.verdict.as_str().to_ascii_lowercase(),
                None => "skip".into(),
            };
            json!({
                "minor": minor,
                "version": k.version.to_string(),
                "result": verdict,
                "observed": res.map(|c| c.observed.clone()).unwrap_or_default(),
            })
        })
        .collect();
    let lines: Vec<Value> = m
        .lines
        .iter()
        .map(|l| {
            let cells: Vec<Value> = l
                .cells
                .iter()
                .map(|c| {
                    let (short, class) = match c.verdict {
                        K::Accepted => ("ok", "ok"),
                        K::Deprecated => ("dep", "dep"),
                        K::Refused => ("REF", "ref"),
                        K::NotRun => ("--", "notrun"),
                    };
                    json!({ "short": short, "class": class, "message": c.message })
                })
                .collect();
            json!({ "line": l.line, "args": without_kubeconfig(&l.args), "cells": cells })
        })
        .collect();
    // No kubectl or no line: one skipped result says why.
    let skipped = (m.kubectls.is_empty() || m.lines.is_empty())
        .then(|| results.first().map(|c| c.observed.clone()))
        .flatten();
    json!({
        "summary": m.summary(),
        "minors": minors,
        "lines": lines,
        "skipped": skipped,
    })
}

/// The words after `kubectl`, its `--kubeconfig` left out (as the
/// terminal's table shows them).
fn without_kubeconfig(args: &[String]) -> String {
    let mut words: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if w == "--kubeconfig" {
            skip = true;
        } else if !w.starts_with("--kubeconfig=") {
            words.push(w);
        }
    }
    words.join(" ")
}
