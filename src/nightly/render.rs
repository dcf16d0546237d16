//! A night's outputs from the history: `summary.md`, `index.html` and
//! `junit.xml` (the records' own results), and `suggestion.patch` when a
//! book block newly drifts, for `lab nightly`, `report` and `merge` alike.

use super::{dashboard, summary};
use crate::error::{LabError, Result};
use crate::history::analysis::Analysis;
use crate::history::{History, ResultKind, RunStatus, Verdict};
use crate::report::CheckResult;
use std::path::Path;
use std::time::Duration;

/// Render the last night of `h` into `out`: `summary.md`, `index.html`,
/// `junit.xml`. Returns the analysis they were made from.
pub fn render_outputs(h: &History, out: &Path) -> Result<Analysis> {
    let a = Analysis::of(&h.load()?);
    std::fs::create_dir_all(out)
        .map_err(|e| LabError::io(format!("creating {}", out.display()), e))?;
    super::folders::mark(out)?;
    crate::state::write_atomic(&out.join("summary.md"), summary::render(&a).as_bytes())?;
    crate::state::write_atomic(
        &out.join("index.html"),
        dashboard::render(&a, out).as_bytes(),
    )?;
    crate::state::write_atomic(&out.join("junit.xml"), junit(&a).as_bytes())?;
    // When a book block newly drifts: the chapters' rewrite beside them.
    super::suggestion::write(&a, out)?;
    Ok(a)
}

/// The last night as JUnit: a suite per lab, provider and variant, from
/// each run's own record (its `CheckResult`s); a run that failed as a whole
/// is one error, one not run is one skip. Runs stored without a record
/// (before history schema 2) give their rows.
pub fn junit(a: &Analysis) -> String {
    let n = a.nights.len();
    let mut runs: Vec<(String, Vec<CheckResult>)> = Vec::new();
    let as_check = |variant: &str, name: &str, v: Verdict, observed: &str| CheckResult {
        name: name.into(),
        variant: variant.into(),
        path: String::new(),
        expected: String::new(),
        observed: observed.into(),
        verdict: v,
        elapsed: Duration::ZERO,
        output: String::new(),
        artifacts: Vec::new(),
    };
    for line in &a.lines {
        let Some(Some(r)) = a.runs[line].get(n.wrapping_sub(1)) else {
            continue;
        };
        let prefix = format!("{}.{}", line.lab, line.provider);
        let mut results = Vec::new();
        match r.data.status {
            RunStatus::NotRun => results.push(as_check(
                "run",
                "(not run here)",
                Verdict::Skip,
                r.data.reason.as_deref().unwrap_or(""),
            )),
            RunStatus::Error | RunStatus::Interrupted | RunStatus::Running => {
                results.push(as_check(
                    "run",
                    "(the run)",
                    Verdict::Error,
                    r.data.reason.as_deref().unwrap_or("did not finish"),
                ))
            }
            _ => {}
        }
        match &r.data.record {
            Some(rec) => results.extend(rec.results.iter().map(|c| {
                let mut c = c.clone();
                c.artifacts = c.artifacts.iter().map(|p| rec.evidence_path(p)).collect();
                c
            })),
            None => {
                results.extend(
                    r.data.results.iter().map(|x| CheckResult {
                        name: x.name.clone(),
                        variant: if x.kind == ResultKind::Block {
                            crate::book::report::BOOK_VARIANT.into()
                        } else {
                            x.variant.clone()
                        },
                        path: x.path.clone().unwrap_or_default(),
                        expected: x.expected.clone().unwrap_or_default(),
                        observed: x.observed.clone().unwrap_or_default(),
                        verdict: x.verdict,
                        elapsed: Duration::try_from_secs_f64(x.duration_s.unwrap_or(0.0))
                            .unwrap_or_default(),
                        output: String::new(),
                        artifacts: Vec::new(),
                    }),
                )
            }
        }
        runs.push((prefix, results));
    }
    let name = a
        .tonight()
        .map(|t| format!("nightly {}", t.name))
        .unwrap_or_else(|| "nightly".into());
    crate::report::junit::render_runs(&name, &runs)
}

#[cfg(test)]
mod tests {
    use super::super::run_dir;
    use super::*;
    use crate::history::ingest::{run_data, tests::record_with_book};
    use crate::history::{Night, Snapshot};

    /// One night whose chapter4 run replayed the chapter: a block drifts.
    fn night_with_a_drifting_block() -> Analysis {
        let mut d = run_data(record_with_book());
        d.status = RunStatus::Failed;
        Analysis::of(&Snapshot {
            nights: vec![Night::chapter4_netns(
                "2026-12-04T03:17:00Z",
                "2026-12-04T03:17:00Z",
                d,
            )],
        })
    }

    #[test]
    fn book_blocks_sort_by_their_line_in_the_chapter() {
        let a = night_with_a_drifting_block();
        let blocks: Vec<&str> = a
            .items
            .iter()
            .filter(|i| i.key.kind == ResultKind::Block)
            .map(|i| i.key.name.as_str())
            .collect();
        assert_eq!(
            blocks,
            ["line 18: ip route", "line 103: kubectl get pods -o wide"]
        );
    }

    #[test]
    fn the_drift_sentence_reaches_the_dashboard_and_the_summary() {
        let a = night_with_a_drifting_block();
        let sentence = "the book shows 10.244.1.2, the lab shows 10.244.1.9";
        let md = summary::render(&a);
        let newly = md.split("## Newly failing").nth(1).expect("a section");
        assert!(newly.contains(sentence), "{md}");
        assert!(newly.contains("line 103: kubectl get pods -o wide"), "{md}");
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(
            html.contains(sentence),
            "the cell's detail says what differs"
        );
        assert!(
            html.contains("class=\"cell v-fail"),
            "verdict classes are the record's words"
        );
        assert!(!html.contains("{&quot;"), "no raw JSON in names");
    }

    /// A block that passed the night before and is skipped tonight is no
    /// failure, but the headline and the summary say it (silent, a lab
    /// change that stopped comparing a block went unseen: the seventeenth
    /// probe of issue 21).
    #[test]
    fn a_result_that_passed_and_is_skipped_now_is_said() {
        let night = |name: &str, block: Verdict| night_of(name, block, RunStatus::Passed);
        let a = Analysis::of(&Snapshot {
            nights: vec![
                night("2026-12-03T03:17:00Z", Verdict::Pass),
                night("2026-12-04T03:17:00Z", Verdict::Skip),
            ],
        });
        let md = summary::render(&a);
        assert!(
            md.starts_with("# Nightly 2026-12-04T03:17:00Z: 0 failing (0 new), 0 recovered, 2 passed before and skipped now\n"),
            "{md}"
        );
        let section = md
            .split("## Passed before, skipped now")
            .nth(1)
            .expect("a section");
        assert!(
            section.contains("line 103: kubectl get pods -o wide"),
            "{md}"
        );
        assert!(!a.anything_fails());
    }

    #[test]
    fn the_headline_says_tonights_state_whatever_fail_on_decides() {
        let a = night_with_a_drifting_block();
        let md = summary::render(&a);
        assert!(
            md.starts_with("# Nightly 2026-12-04T03:17:00Z: 2 failing (2 new), 0 recovered\n"),
            "{md}"
        );
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(
            html.contains("<div class=\"headline bad\">2 failing (2 new), 0 recovered</div>"),
            "{html}"
        );
    }

    #[test]
    fn each_nights_cell_links_to_that_runs_files() {
        let a = night_with_a_drifting_block();
        let dir = tempfile::tempdir().unwrap();
        let run = dir
            .path()
            .join(run_dir("2026-12-04T03:17:00Z", "chapter4", "netns"));
        std::fs::create_dir_all(&run).unwrap();
        for f in ["test.log", "junit.xml", "book.html"] {
            std::fs::write(run.join(f), "x").unwrap();
        }
        let html = dashboard::render(&a, dir.path());
        let rel = "nights/2026-12-04T03-17-00Z/chapter4.netns";
        assert!(
            html.contains(&format!(
                "<a href=\"{rel}/test.log\" class=\"cell r-failed\""
            )),
            "{html}"
        );
        for f in ["junit.xml", "book.html"] {
            assert!(
                html.contains(&format!("<a href=\"{rel}/{f}\">{f}</a>")),
                "{f}"
            );
        }
        assert!(html.contains(">2026-12-04 03:17<"), "full dates");
    }

    #[test]
    fn the_nightlys_junit_is_the_records_results() {
        let a = night_with_a_drifting_block();
        let xml = junit(&a);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert_eq!(
            names,
            [
                "pod to pod",
                "line 103: kubectl get pods -o wide",
                "line 18: ip route"
            ]
        );
        assert!(xml.contains("chapter4.netns.book"), "{xml}");
    }

    /// Nights of chapter4 on netns; on each, block 103 (`line 103: kubectl
    /// get pods -o wide`) observes what `observed` says (None: as recorded).
    fn nights_of_block_103(observed: &[Option<&str>]) -> Analysis {
        let nights = observed
            .iter()
            .enumerate()
            .map(|(k, o)| {
                let mut d = run_data(record_with_book());
                d.status = RunStatus::Failed;
                if let Some(o) = o {
                    let r = d
                        .results
                        .iter_mut()
                        .find(|r| r.name.starts_with("line 103"));
                    r.expect("block 103").observed = Some(o.to_string());
                }
                Night::chapter4_netns(
                    &format!("night-{}", k + 1),
                    &format!("2026-12-0{}T03:17:00Z", k + 1),
                    d,
                )
            })
            .collect();
        Analysis::of(&Snapshot { nights })
    }

    /// A block (named `line N: FIRST COMMAND`) that fails tonight for
    /// another reason than the same-named block the night before is new,
    /// and says so in the summary and the dashboard; failing the same way
    /// again, it is still failing since that night. Before, it was "still
    /// failing" and `--fail-on new` passed (nineteenth probe, finding 1).
    /// The first night says it is the first, not that nothing changed.
    #[test]
    fn a_block_that_fails_differently_is_new() {
        let other = "the book shows ICMP echo reply, the lab shows ICMP echo request";
        let a = nights_of_block_103(&[None]);
        let md = summary::render(&a);
        assert!(md.contains("The first night recorded"), "{md}");
        assert!(!md.contains("Nothing recorded changed"), "{md}");

        let a = nights_of_block_103(&[None, Some(other)]);
        assert!(a.anything_new_fails());
        let md = summary::render(&a);
        assert!(
            md.starts_with("# Nightly night-2: 2 failing (1 new), 0 recovered\n"),
            "{md}"
        );
        let newly = md.split("## Newly failing").nth(1).expect("a section");
        let newly = newly.split("## Still failing").next().unwrap();
        assert!(newly.contains("line 103: kubectl get pods -o wide"), "{md}");
        assert!(
            newly.contains("Fails differently from the night before"),
            "{md}"
        );
        assert!(
            newly.contains("10.244.1.9"),
            "last night's observation: {md}"
        );
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(
            html.contains("fails differently from the night before"),
            "{html}"
        );
        assert!(html.contains("2 failing (1 new), 0 recovered"), "{html}");

        // Only its numbers differ (a time, a count): the same failure, not a
        // new one each night (a false red the twentieth probe saw).
        let a = nights_of_block_103(&[
            None,
            Some("3 packets transmitted, 0 received, time 2031ms rtt 0.41 ms"),
            Some("3 packets transmitted, 0 received, time 2046ms rtt 0.38 ms"),
        ]);
        assert!(!a.anything_new_fails(), "{}", summary::render(&a));
        // Words that differ still do.
        let a = nights_of_block_103(&[
            None,
            Some("3 packets transmitted, 0 received"),
            Some("3 packets transmitted, 3 received, ttl mismatch"),
        ]);
        assert!(a.anything_new_fails());
        let a = nights_of_block_103(&[None, Some(other), Some(other)]);
        assert!(!a.anything_new_fails());
        let md = summary::render(&a);
        assert!(
            md.contains("line 103: kubectl get pods -o wide: failing since night-2 (2 nights)"),
            "{md}"
        );
    }

    /// probe21aq finding 6: a block that failed and is skipped tonight
    /// vanished from the news ("Every check held.", exit 0). It has its own
    /// section, the headline says it, and the night it turns skipped it
    /// fails `--fail-on new` (and `any`); a second night skipped is no news.
    #[test]
    fn a_result_that_failed_and_is_skipped_now_is_no_recovery() {
        let night = |name: &str, block: Verdict| {
            let status = if block == Verdict::Fail {
                RunStatus::Failed
            } else {
                RunStatus::Passed
            };
            night_of(name, block, status)
        };
        let nights = vec![night("n4", Verdict::Fail), night("n5", Verdict::Skip)];
        let a = Analysis::of(&Snapshot {
            nights: nights.clone(),
        });
        assert!(a.anything_new_fails() && a.anything_fails());
        let md = summary::render(&a);
        assert!(
            md.starts_with("# Nightly n5: 0 failing (0 new), 0 recovered, 2 failed before and not compared tonight\n"),
            "{md}"
        );
        let section = md
            .split("## Failed before, not compared tonight (not resolved)")
            .nth(1)
            .expect("a section");
        assert!(
            section.contains("line 103: kubectl get pods -o wide"),
            "{md}"
        );
        let dir = tempfile::tempdir().unwrap();
        let html = dashboard::render(&a, dir.path());
        assert!(!html.contains("Every check held."), "{html}");
        assert!(html.contains("NOT COMPARED"), "{html}");
        assert!(html.contains("<div class=\"headline bad\">"), "{html}");
        // Skipped again the next night: said once, then no news.
        let mut three = nights;
        three.push(night("n6", Verdict::Skip));
        let a = Analysis::of(&Snapshot { nights: three });
        assert!(!a.anything_new_fails());
    }

    /// probe21aq finding 6: a failure whose addresses changed (another
    /// route row) was "still failing" (numbers aside erased addresses):
    /// it fails differently, and `--fail-on new` exits 1.
    #[test]
    fn a_failure_whose_addresses_changed_is_new() {
        let row = |net: &str| {
            format!(
                "drift: route -n: the book has the row `{net} 10.244.1.0 255.255.255.0 UG 0 0 0 cni0`; the lab has it through flannel.1"
            )
        };
        let a = nights_of_block_103(&[Some(&row("10.244.2.0")), Some(&row("10.244.3.0"))]);
        assert!(a.anything_new_fails(), "{}", summary::render(&a));
        assert!(summary::render(&a).contains("Fails differently"));
        let a = nights_of_block_103(&[Some(&row("10.244.2.0")), Some(&row("10.244.2.0"))]);
        assert!(!a.anything_new_fails());
    }

    /// A complete night `name` of chapter4 on netns whose run ended
    /// `status`, every book block `block`, every other result passing.
    fn night_of(name: &str, block: Verdict, status: RunStatus) -> Night {
        let mut d = run_data(record_with_book());
        d.status = status;
        for r in &mut d.results {
            r.verdict = if r.kind == ResultKind::Block {
                block
            } else {
                Verdict::Pass
            };
        }
        Night::chapter4_netns(name, name, d)
    }
}
