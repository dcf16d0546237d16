//! The results table printed after a run: check, from → to, expected,
//! observed, verdict, time. Cells show control characters as escapes
//! ([`visible`]): what a node printed must not drive the terminal.

use super::run::RunReport;
use super::terminal::visible;

/// The first line of `s`, at most `n` characters (clipped before control
/// characters are spelled out, so an escape is never cut in half).
pub fn clip(s: &str, n: usize) -> String {
    let one_line = s.lines().next().unwrap_or("");
    let clipped = if one_line.chars().count() <= n {
        one_line.to_string()
    } else {
        one_line.chars().take(n - 1).collect::<String>() + "…"
    };
    visible(&clipped).into_owned()
}

/// Render a run's results as a plain-text table, then the diagnostics
/// files of each failed check (where they are on disk).
pub fn render(report: &RunReport) -> String {
    let results = &report.results;
    let header = [
        "variant",
        "check",
        "from → to",
        "expected",
        "observed",
        "verdict",
        "time",
    ];
    let rows: Vec<[String; 7]> = results
        .iter()
        .map(|r| {
            [
                visible(&r.variant).into_owned(),
                clip(&r.name, 44),
                clip(&r.path, 48),
                clip(&r.expected, 36),
                clip(&r.observed, 40),
                r.verdict.as_str().to_string(),
                format!("{:.2}s", r.elapsed.as_secs_f64()),
            ]
        })
        .collect();
    let mut width = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(width).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - c.chars().count()));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }
    for r in results.iter().filter(|r| !r.artifacts.is_empty()) {
        out.push_str(&visible(&format!(
            "diagnostics for '{}' ({}):\n",
            r.name, r.variant
        )));
        for a in &r.artifacts {
            out.push_str(&visible(&format!(
                "  {}\n",
                report.evidence_path(a).display()
            )));
        }
    }
    out
}
