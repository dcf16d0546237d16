//! JUnit XML for CI dashboards, rendered from the run record's own types by
//! `quick-junit`: one test suite per variant, one test case per check,
//! carrying what was observed, the probe's output and the diagnostics files
//! (absolute paths). `lab nightly`'s JUnit is the same, one prefix per run.

use super::run::RunReport;
use super::{CheckResult, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

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
    let mut report = Report::new(name);
    let mut total = Duration::ZERO;
    for (prefix, results) in runs {
        for suite in suites(prefix, results) {
            total += suite.time.unwrap_or_default();
            report.add_test_suite(suite);
        }
    }
    report.set_time(total);
    report.to_string().expect("JUnit XML serializes")
}

fn suites(prefix: &str, results: &[CheckResult]) -> Vec<TestSuite> {
    let mut variants: Vec<&str> = Vec::new();
    for r in results {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    variants
        .into_iter()
        .map(|v| {
            let mut suite = TestSuite::new(format!("{prefix}.{v}"));
            let mut time = Duration::ZERO;
            for r in results.iter().filter(|r| r.variant == v) {
                time += r.elapsed;
                suite.add_test_case(case(&format!("{prefix}.{v}"), r));
            }
            suite.set_time(time);
            suite
        })
        .collect()
}

fn case(classname: &str, r: &CheckResult) -> TestCase {
    let message = format!("expected {}, observed {}", r.expected, r.observed);
    let status = match r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail | Verdict::Error => {
            let kind = if r.verdict == Verdict::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(message);
            if !r.output.is_empty() {
                s.set_description(r.output.as_str());
            }
            s
        }
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(r.observed.as_str());
            s
        }
    };
    let mut case = TestCase::new(r.name.as_str(), status);
    case.set_classname(classname);
    case.set_time(r.elapsed);
    let mut out = format!(
        "{}\nexpected: {}\nobserved: {}\n",
        r.path, r.expected, r.observed
    );
    for a in &r.artifacts {
        let _ = writeln!(out, "artifact: {}", a.display());
    }
    out.push_str(&r.output);
    case.set_system_out(out);
    case
}
