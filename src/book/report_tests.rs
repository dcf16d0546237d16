//! The book's renderings held to what they must show.

use super::*;
use crate::book::known::{Entry, KnownFile};

/// A report of one block whose entry no longer matches: the stale entry
/// is listed in every rendering, and fails nothing.
fn stale_report() -> BookReport {
    let mut r = BookReport {
        version: 1,
        chapter: "c.md".into(),
        lab: "l".into(),
        provider: "netns".into(),
        known_file: "c.drift.yaml".into(),
        blocks: vec![],
        summary: Default::default(),
        stale: vec![],
        blessed: false,
        kubectl_matrix: None,
        verdict: None,
        text: "```bash\nroute -n\n```\n".into(),
    };
    r.blocks.push(super::super::BlockReport {
        line: 1,
        end: 3,
        fence: "```bash".into(),
        verdict: Verdict::Match,
        commands: vec![super::super::CommandReport {
            line: 2,
            command: "route -n".into(),
            verdict: Verdict::Match,
            ran_on: Some("node1".into()),
            ran: Some("route -n".into()),
            variant: "broken".into(),
            book: vec![],
            lab: vec![],
            bindings: vec![],
            differences: vec![],
            known: vec![],
            reason: None,
            kubectl: None,
            why: vec![],
        }],
        prose: vec![],
        duration_s: 0.0,
    });
    let known = KnownFile {
        version: 2,
        drift: vec![Entry {
            command: "route -n".into(),
            line: Some(2),
            occurrence: None,
            difference: "route -n: the book has the row `docker0` & <more>".into(),
            reason: "no Docker".into(),
        }],
    };
    crate::book::judge::judge(&mut r, &known);
    r
}

#[test]
fn stale_entries_are_listed_everywhere_and_fail_nothing() {
    let mut r = stale_report();
    assert!(r.ok());
    assert_eq!(r.blocks[0].verdict, Verdict::Match);
    assert_eq!(r.stale.len(), 1);
    let t = terminal(&r);
    assert!(
        t.contains("stale known drift in c.drift.yaml (not a failure):\n1 entry explained no difference of this run; `lab book --bless` drops it.\n")
            && t.contains("  line 2: route -n\n    difference: route -n: the book has the row")
            && t.contains("; 1 stale known-drift entry"),
        "{t}"
    );
    let x = junit(&r);
    let doc = roxmltree::Document::parse(&x).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let out = suite
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .expect("the suite's own system-out");
    assert!(
        out.text().unwrap().contains("the row `docker0` & <more>"),
        "{x}"
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
    let h = super::super::html::page(&r, None);
    assert!(
        h.contains("<section class=\"stale\"") && h.contains("`docker0` &amp; &lt;more&gt;"),
        "{h}"
    );
    let j: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(j["stale"][0]["reason"], "no Docker");
    // Dropped by --bless: said so.
    r.blessed = true;
    assert!(
        terminal(&r)
            .contains("stale known drift dropped from c.drift.yaml by --bless:\n1 entry explained")
    );
    // Nothing stale, nothing said.
    r.stale.clear();
    assert!(!terminal(&r).contains("stale") && !junit(&r).contains("<system-out>stale"));
    assert!(!super::super::html::page(&r, None).contains("class=\"stale\""));
}

/// A replay read back from a record (no chapter text) still shows the
/// chapter's prose and its figure with the lab's declared graph.
#[test]
fn a_page_from_a_record_shows_the_prose_the_figure_and_the_graph() {
    let dir = tempfile::tempdir().unwrap();
    let chapter = dir.path().join("chapter.md");
    std::fs::write(
        &chapter,
        "Some *prose*.\n\n![Figure : Pod Network](images/x.png)\n\n```bash\nroute -n\n```\n",
    )
    .unwrap();
    let mut r = stale_report();
    r.chapter = chapter.display().to_string();
    r.text = String::new();
    r.blocks[0].line = 5;
    r.blocks[0].end = 7;
    let lab = crate::spec::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/labs/chapter4"),
        crate::spec::LoadOptions::default(),
    )
    .unwrap();
    let page = html(&r, &lab);
    assert!(page.contains("<em>prose</em>"), "{page}");
    assert!(page.contains("id=\"figure-1\""), "{page}");
    assert!(page.contains("VTEP 10.0.2.15"), "{page}");
}

/// probe21l's lesser finding: a chapter with no block (or whose every
/// block was skipped: nothing lab could replay) reported "0 blocks" and
/// passed. A replay that compared nothing fails: `lab book` says so and
/// exits 1, and `lab test` gets a failing result.
#[test]
fn a_replay_that_compared_nothing_fails() {
    use crate::report::Verdict as V;
    let mut r = stale_report();
    r.stale.clear();
    assert!(r.ok() && r.nothing_compared().is_none());
    assert!(!terminal(&r).contains("FAILED"));
    assert!(as_checks(&r).iter().all(|c| c.verdict != V::Fail));
    // Every block skipped.
    r.blocks[0].verdict = Verdict::Skipped;
    r.blocks[0].commands[0].verdict = Verdict::Skipped;
    assert!(!r.ok());
    assert!(
        terminal(&r)
            .contains("FAILED: none of the 1 block(s) of c.md holds a command lab could compare"),
        "{}",
        terminal(&r)
    );
    // No block at all.
    r.blocks.clear();
    assert!(!r.ok());
    let t = terminal(&r);
    assert!(
        t.contains("0 blocks: ")
            && t.contains(
                "FAILED: c.md has no code block: the replay compared nothing, which is no pass"
            ),
        "{t}"
    );
    let checks = as_checks(&r);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].verdict, V::Fail);
    assert!(
        checks[0].observed.contains("no code block"),
        "{:?}",
        checks[0]
    );
}

/// probe21ad, lesser: a block skipped whole (`not rendered: inside <div
/// hidden>`) read `16  skipped` with nothing after it; its reason is on
/// its line.
#[test]
fn a_skipped_block_says_why_on_its_line() {
    let mut r = stale_report();
    r.blocks[0].verdict = Verdict::Skipped;
    r.blocks[0].commands.clear();
    r.blocks[0].prose = vec!["not rendered: inside <div hidden>".into()];
    let t = terminal(&r);
    let line = t.lines().nth(1).unwrap_or("");
    assert!(
        line.contains("skipped") && line.ends_with("(not rendered: inside <div hidden>)"),
        "{t}"
    );
}
