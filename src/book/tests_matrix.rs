//! The version matrix of the shipped chapter and of mutated copies, with
//! the real kubectl 1.30 and 1.32 (google-cloud-cli's `kubectl.1.30` and
//! `kubectl.1.32`, on every machine lab is developed and tested on), and
//! its results for `lab test` ([`super::report::matrix_as_checks`]).

use super::report::{as_checks, matrix_as_checks};
use super::*;
use crate::kubectl::{Kubectl, Matrix, Verdict as K};
use crate::report::{KNOWN_DRIFT, Verdict as V};

const REFUSED_FROM_131: [usize; 5] = [104, 124, 128, 132, 248];

fn chapter4() -> (Lab, parse::Chapter) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lab =
        crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap();
    let chapter = parse::read(&root.join("labs/chapter4/chapter.md")).unwrap();
    (lab, chapter)
}

/// A copy of the chapter with each of its lines changed by `change`.
fn copy(chapter: &parse::Chapter, change: impl Fn(&str) -> String) -> parse::Chapter {
    let text: String = chapter.text.lines().map(|l| change(l) + "\n").collect();
    parse::parse(&chapter.path, text.as_bytes()).unwrap()
}

/// kubectl 1.30 and 1.32, found on this machine (they must be: the
/// google-cloud-cli `kubectl` package ships them).
fn k130_k132() -> Vec<Kubectl> {
    let all: Vec<Kubectl> = crate::kubectl::discover()
        .into_iter()
        .filter(|k| k.version.major == 1 && [30, 32].contains(&k.version.minor))
        .collect();
    assert_eq!(
        all.len(),
        2,
        "kubectl 1.30 and 1.32 are needed (google-cloud-cli's kubectl package): {all:?}"
    );
    all
}

async fn matrix_of(chapter: &parse::Chapter, lab: &Lab) -> Matrix {
    let dir = tempfile::tempdir().unwrap();
    kubectl_matrix_with(&k130_k132(), chapter, lab, dir.path())
        .await
        .unwrap()
}

fn cells(m: &Matrix, minor: u32, verdict: K) -> Vec<usize> {
    let j = m
        .kubectls
        .iter()
        .position(|k| k.version.minor == minor)
        .unwrap();
    m.lines
        .iter()
        .filter(|l| l.cells[j].verdict == verdict)
        .map(|l| l.line)
        .collect()
}

/// A report of the chapter whose commands are the pinned (1.32) kubectl's
/// refusals of `m`, each blessed as known drift when `blessed`.
fn report_with(m: &Matrix, blessed: bool) -> BookReport {
    let j = m
        .kubectls
        .iter()
        .position(|k| k.version.minor == 32)
        .unwrap();
    let commands = m
        .lines
        .iter()
        .filter(|l| l.cells[j].verdict == K::Refused)
        .map(|l| {
            let msg = l.cells[j].message.clone();
            CommandReport {
                line: l.line,
                command: format!("kubectl {}", l.args.join(" ")),
                verdict: Verdict::Match,
                ran_on: Some("kubectl".into()),
                ran: None,
                variant: "broken".into(),
                book: vec![],
                lab: vec![],
                bindings: vec![],
                differences: vec![format!("kubectl 1.32 refuses the book's line: {msg}")],
                known: vec![if blessed {
                    "removed in 1.31".into()
                } else {
                    String::new()
                }],
                reason: None,
                why: vec![],
                kubectl: Some(KubectlReport {
                    version: m.kubectls[j].version.to_string(),
                    outcome: KubectlOutcome::Refused,
                    said: vec![msg],
                    note: String::new(),
                    skew: None,
                }),
            }
        })
        .collect();
    let mut r = BookReport {
        version: 1,
        chapter: "labs/chapter4/chapter.md".into(),
        lab: "chapter4".into(),
        provider: "netns".into(),
        known_file: String::new(),
        blocks: vec![BlockReport {
            line: 1,
            end: 2,
            fence: "```".into(),
            verdict: if blessed {
                Verdict::KnownDrift
            } else {
                Verdict::Drift
            },
            commands,
            prose: vec![],
            duration_s: 0.0,
        }],
        summary: Summary::default(),
        stale: vec![],
        blessed: false,
        kubectl_matrix: Some(m.clone()),
        verdict: None,
        text: String::new(),
    };
    // A block that matched beside it: known drift alone compares nothing
    // that agrees (probe21by, finding 4), and this test is the matrix's.
    r.blocks.push(BlockReport {
        line: 3,
        end: 4,
        fence: "```".into(),
        verdict: Verdict::Match,
        commands: vec![],
        prose: vec![],
        duration_s: 0.0,
    });
    r.summarize();
    r
}

fn result<'a>(
    checks: &'a [crate::report::CheckResult],
    minor: &str,
) -> &'a crate::report::CheckResult {
    let name = format!("kubectl {minor}: the chapter's kubectl lines");
    checks.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn the_matrix_runs_the_lines_the_replay_gives_to_kubectl() {
    let (_, chapter) = chapter4();
    let lines = replay::chapter_lines(&chapter);
    let at: Vec<usize> = lines.iter().map(|(l, _)| *l).collect();
    for l in [
        32, 38, 49, 62, 70, 104, 117, 124, 128, 132, 140, 170, 185, 189, 195, 197, 204, 208, 248,
    ] {
        assert!(at.contains(&l), "line {l} in {at:?}");
    }
    let (_, args) = lines.iter().find(|(l, _)| *l == 248).unwrap();
    assert_eq!(
        args.join(" "),
        "--kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-rq75g ping 10.244.3.4",
        "as the book types it, unbound"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_chapter_is_refused_from_132_and_deprecated_at_130() {
    let (lab, chapter) = chapter4();
    let m = matrix_of(&chapter, &lab).await;
    assert_eq!(cells(&m, 32, K::Refused), REFUSED_FROM_131, "{m:#?}");
    assert_eq!(cells(&m, 30, K::Deprecated), REFUSED_FROM_131, "{m:#?}");
    assert!(cells(&m, 30, K::Refused).is_empty() && cells(&m, 32, K::NotRun).is_empty());
    let j = m
        .kubectls
        .iter()
        .position(|k| k.version.minor == 32)
        .unwrap();
    let refused = &m.lines.iter().find(|l| l.line == 104).unwrap().cells[j];
    assert!(
        refused
            .message
            .contains("exec [POD] [COMMAND] is not supported anymore"),
        "{refused:?}"
    );
    assert_eq!(
        m.summary(),
        "the chapter's kubectl lines work with kubectl 1.30; lines 104, 124, 128, 132, 248 are refused from 1.32 (error: exec [POD] [COMMAND] is not supported anymore…)"
    );
    // The terminal's table: the summary, a header, a line a kubectl line,
    // 80 columns at most.
    let t = m.table();
    assert!(
        t.starts_with("kubectl matrix: the chapter's kubectl lines work"),
        "{t}"
    );
    assert!(
        t.contains("\n  104   dep  REF  exec -it nginx-deployment-75675f5897-4dm42 ping"),
        "{t}"
    );
    for l in t.lines().skip(1) {
        assert!(l.chars().count() <= 80, "{l:?} is wider than 80 columns");
    }

    // Its results: the refusals blessed for the pinned minor are known
    // drift at 1.32; 1.30 accepts every line.
    let checks = matrix_as_checks(&report_with(&m, true));
    assert_eq!(checks.len(), 2);
    let r132 = result(&checks, "1.32");
    assert_eq!(r132.verdict, V::Pass, "{r132:?}");
    assert!(r132.observed.starts_with(KNOWN_DRIFT), "{}", r132.observed);
    assert!(
        r132.observed.contains("line 248: error: exec [POD]"),
        "{}",
        r132.observed
    );
    let r130 = result(&checks, "1.30");
    assert_eq!(r130.verdict, V::Pass);
    assert!(r130.observed.starts_with("all ") && r130.observed.contains("(5 with a warning)"));
    assert_eq!(r132.variant, "book");
    // `lab book`'s JUnit and exit code see them.
    assert_eq!(as_checks(&report_with(&m, true)).len(), 2 + 2);
    assert!(report_with(&m, true).ok());

    // The opposite: the same refusals, not blessed, fail at 1.32 in
    // kubectl's words.
    let checks = matrix_as_checks(&report_with(&m, false));
    let r132 = result(&checks, "1.32");
    assert_eq!(r132.verdict, V::Fail);
    assert!(
        r132.observed
            .starts_with("refused: line 104: error: exec [POD]"),
        "{}",
        r132.observed
    );
    assert_eq!(result(&checks, "1.30").verdict, V::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_with_exec_dash_dash_has_no_refused_cell() {
    let (lab, chapter) = chapter4();
    let fixed = copy(&chapter, |l| {
        if l.contains("kubectl") && l.contains(" exec ") && !l.contains(" -- ") {
            l.replace(" ping ", " -- ping ")
                .replace(" cat ", " -- cat ")
        } else {
            l.to_string()
        }
    });
    let m = matrix_of(&fixed, &lab).await;
    assert!(
        m.lines
            .iter()
            .all(|l| l.cells.iter().all(|c| c.verdict == K::Accepted)),
        "{m:#?}"
    );
    assert_eq!(
        m.summary(),
        "every kubectl line is accepted by kubectl 1.30, 1.32"
    );
    let checks = matrix_as_checks(&report_with(&m, false));
    assert!(
        checks
            .iter()
            .all(|c| c.verdict == V::Pass && c.observed.contains("(0 with a warning)"))
    );
}

/// A line refused that the pinned minor's blessed drift does not cover
/// fails, at every minor that refuses it, even beside known drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_refused_line_fails() {
    let (lab, chapter) = chapter4();
    let shipped = matrix_of(&chapter, &lab).await;
    let typo = copy(&chapter, |l| {
        l.replace("--all-namespaces", "--all-namespace")
    });
    let m = matrix_of(&typo, &lab).await;
    assert_eq!(cells(&m, 30, K::Refused), [197]);
    // Blessed: the shipped refusals only (the report of the shipped
    // chapter, with the typo's matrix).
    let mut r = report_with(&shipped, true);
    r.kubectl_matrix = Some(m);
    let checks = matrix_as_checks(&r);
    for minor in ["1.30", "1.32"] {
        let c = result(&checks, minor);
        assert_eq!(c.verdict, V::Fail, "{c:?}");
        assert_eq!(
            c.observed, "refused: line 197: error: unknown flag: --all-namespace",
            "{minor}"
        );
        assert!(
            c.output
                .contains("kubectl --kubeconfig ./admin.conf get pods --all-namespace")
        );
    }
    assert!(!r.ok(), "a failing matrix result fails `lab book`");
}

/// No kubectl line, or no kubectl: one skipped result, never a pass.
#[test]
fn nothing_judged_is_skipped() {
    let m = Matrix {
        kubectls: vec![],
        lines: vec![],
    };
    let mut r = report_with(
        &Matrix {
            kubectls: k130_k132(),
            lines: vec![],
        },
        true,
    );
    r.kubectl_matrix = Some(m);
    let checks = matrix_as_checks(&r);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].verdict, V::Skip);
    assert!(
        checks[0].observed.contains("no kubectl found"),
        "{:?}",
        checks[0]
    );
}
