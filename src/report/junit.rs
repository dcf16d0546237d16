//! JUnit XML for CI dashboards, rendered from the run record: one test suite
//! per variant, one test case per check, carrying what was observed, the
//! probe's output and the diagnostics files (absolute paths).

use super::run::RunReport;
use super::{CheckResult, Verdict, escape as esc};
use std::fmt::Write;
use std::path::Path;

/// Render a run as JUnit XML, suites in the order variants first appear;
/// artifacts are named where they are on disk.
pub fn render(report: &RunReport) -> String {
    render_results(&report.lab.name, &report.results, &report.artifacts_root)
}

/// Render `results` of `lab` as JUnit XML, one suite per variant in the
/// order variants first appear; evidence paths are relative to
/// `artifacts_root`. `lab book`'s JUnit is its blocks as results.
pub fn render_results(lab: &str, results: &[CheckResult], artifacts_root: &Path) -> String {
    let results = results
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.artifacts = r.artifacts.iter().map(|a| artifacts_root.join(a)).collect();
            r
        })
        .collect();
    render_runs(lab, &[(lab.to_string(), results)])
}

/// Several runs in one document (a night of the nightly): each run's
/// suites are named `<prefix>.<variant>`.
pub fn render_runs(name: &str, runs: &[(String, Vec<CheckResult>)]) -> String {
    let all: Vec<&CheckResult> = runs.iter().flat_map(|(_, r)| r.iter()).collect();
    let count = |rs: &[&CheckResult], v: Verdict| rs.iter().filter(|r| r.verdict == v).count();
    let total_time: f64 = all.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{total_time:.3}\">",
        esc(name),
        all.len(),
        count(&all, Verdict::Fail),
        count(&all, Verdict::Error),
        count(&all, Verdict::Skip)
    );
    for (lab, results) in runs {
        suites(&mut x, lab, results);
    }
    x.push_str("</testsuites>\n");
    x
}

fn suites(x: &mut String, lab: &str, results: &[CheckResult]) {
    let mut variants: Vec<&str> = Vec::new();
    for r in results {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    let count = |rs: &[&CheckResult], v: Verdict| rs.iter().filter(|r| r.verdict == v).count();
    for v in variants {
        let rs: Vec<&CheckResult> = results.iter().filter(|r| r.variant == v).collect();
        let time: f64 = rs.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
            esc(lab),
            esc(v),
            rs.len(),
            count(&rs, Verdict::Fail),
            count(&rs, Verdict::Error),
            count(&rs, Verdict::Skip)
        );
        for r in rs {
            let _ = writeln!(
                x,
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">",
                esc(lab),
                esc(v),
                esc(&r.name),
                r.elapsed.as_secs_f64()
            );
            let msg = format!("expected {}, observed {}", r.expected, r.observed);
            match r.verdict {
                Verdict::Pass => {}
                Verdict::Fail => {
                    let _ = writeln!(
                        x,
                        "      <failure message=\"{}\">{}</failure>",
                        esc(&msg),
                        esc(&r.output)
                    );
                }
                Verdict::Error => {
                    let _ = writeln!(
                        x,
                        "      <error message=\"{}\">{}</error>",
                        esc(&msg),
                        esc(&r.output)
                    );
                }
                Verdict::Skip => {
                    let _ = writeln!(x, "      <skipped message=\"{}\"/>", esc(&r.observed));
                }
            }
            let mut out = format!(
                "{}\nexpected: {}\nobserved: {}\n",
                r.path, r.expected, r.observed
            );
            for a in &r.artifacts {
                let _ = writeln!(out, "artifact: {}", a.display());
            }
            out.push_str(&r.output);
            let _ = writeln!(x, "      <system-out>{}</system-out>", esc(&out));
            x.push_str("    </testcase>\n");
        }
        x.push_str("  </testsuite>\n");
    }
}
