//! `lab book`: the chapter replayed against the lab, block by block.

use crate::harness::{copy_lab, fixture, lab_cmd, netns_list, require_root, root, unique_name};
use serde_json::Value;
use std::path::PathBuf;

/// The book author's chapter, the input `lab book` exists for: its SHA-256
/// as the book has it (`shared/seed/000_ffddfef9adb6f271.txt` of the
/// steering repository, 10,035 bytes). Where that file is beside a checkout
/// it is compared byte for byte too; a clean clone has only the digest.
const SEED_SHA256: &str = "14857e120acf66c1fd16a5b672098b696c7ff79da418c0a029bbddd9131e67ec";

fn seed() -> Option<PathBuf> {
    let name = "shared/seed/000_ffddfef9adb6f271.txt";
    root()
        .ancestors()
        .map(|a| a.join(name))
        .find(|p| p.is_file())
}

#[test]
fn the_chapter_is_the_books_byte_for_byte() {
    use sha2::{Digest, Sha256};
    let ours = std::fs::read(root().join("labs/chapter4/chapter.md")).unwrap();
    let digest: String = Sha256::digest(&ours)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest, SEED_SHA256,
        "labs/chapter4/chapter.md is not the book's chapter"
    );
    assert_eq!(ours.len(), 10_035);
    if let Some(seed) = seed() {
        assert!(
            ours == std::fs::read(&seed).unwrap(),
            "labs/chapter4/chapter.md differs from {}",
            seed.display()
        );
    }
    let lab = std::fs::read_to_string(root().join("labs/chapter4/lab.yaml")).unwrap();
    assert!(lab.lines().any(|l| l == "book: chapter.md"));
}

pub(crate) fn verdicts(json: &Value) -> Vec<(u64, String)> {
    json["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["line"].as_u64().unwrap(),
                b["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub(crate) fn no_namespaces_of(lab: &str) {
    let left: Vec<String> = netns_list()
        .into_iter()
        .filter(|n| n.starts_with(&format!("{lab}.")))
        .collect();
    assert!(left.is_empty(), "namespaces left: {left:?}");
}

/// What [`book_in`] gives back: the exit code, stdout, the JSON report, the
/// folder of the reports (`book.json`, `book.xml`, `book.html`) and the lab.
pub(crate) type Booked = (i32, String, Value, tempfile::TempDir, tempfile::TempDir);

/// Run `lab book` on a throw-away copy of chapter4.
fn book(extra: &[&str]) -> Booked {
    let name = unique_name("bk");
    let lab = copy_lab("chapter4", &name);
    book_in(&name, lab, extra)
}

/// Run `lab book` on `lab`, a copy of a lab named `name` (the caller may
/// `lab book` of a copy of chapter 4 (its lab named from `prefix`) with
/// the chapter `fixture` (a path under tests/fixtures): its terminal
/// output and its JSON report.
pub(crate) fn chapter4_with(prefix: &str, fixture: &str) -> (String, serde_json::Value) {
    let name = crate::harness::unique_name(prefix);
    let lab = crate::harness::copy_lab("chapter4", &name);
    let chapter = crate::harness::fixture(fixture);
    let (_, stdout, v, ..) = book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    (stdout, v)
}

/// have edited it).
pub(crate) fn book_in(name: &str, lab: tempfile::TempDir, extra: &[&str]) -> Booked {
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("book.json");
    let (mut cmd, state) = lab_cmd();
    let o = cmd
        .current_dir(lab.path())
        .arg("book")
        .arg(lab.path())
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(out.path().join("book.xml"))
        .arg("--html")
        .arg(out.path().join("book.html"))
        .args(extra)
        .output()
        .unwrap();
    no_namespaces_of(name);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let v: Value = serde_json::from_slice(&std::fs::read(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stdout {stdout}\nstderr {stderr}"));
    drop(state);
    (o.status.code().unwrap_or(-1), stdout, v, out, lab)
}

/// `lab book` of a copy of chapter 4's lab (named from `prefix`) with its
/// chapter as `change` makes it from `chapter.md`, judged with chapter 4's
/// own known drift: its exit code, its terminal and its JSON report.
pub(crate) fn book_chapter4_changed(
    prefix: &str,
    change: impl FnOnce(&str) -> String,
) -> (i32, String, Value) {
    let name = crate::harness::unique_name(prefix);
    let lab = crate::harness::copy_lab("chapter4", &name);
    let text = std::fs::read_to_string(lab.path().join("chapter.md")).unwrap();
    let chapter = lab.path().join("changed.md");
    std::fs::write(&chapter, change(&text)).unwrap();
    chapter4_known(&name, lab, &chapter)
}

/// [`book_chapter4_changed`] with each `(from, to)` of `edits` replaced
/// (its first occurrence, which must be there).
pub(crate) fn book_chapter4_replaced(
    prefix: &str,
    edits: &'static [(&'static str, &'static str)],
) -> (i32, String, Value) {
    book_chapter4_changed(prefix, move |text| {
        let mut text = text.to_string();
        for (from, to) in edits {
            assert!(text.contains(from), "no {from}");
            text = text.replacen(from, to, 1);
        }
        text
    })
}

/// `lab book` of a copy of chapter 4's lab (named from `prefix`) with the
/// chapter `fixture` (under `tests/fixtures/`), judged with chapter 4's own
/// known drift (so that a fixture that starts as chapter 4 passes there):
/// its exit code, its terminal and its JSON report.
pub(crate) fn book_with_chapter4_known(prefix: &str, fixture: &str) -> (i32, String, Value) {
    let name = crate::harness::unique_name(prefix);
    let lab = crate::harness::copy_lab("chapter4", &name);
    chapter4_known(&name, lab, &crate::harness::fixture(fixture))
}

/// `lab book` of `chapter` on `lab` (a copy of chapter 4's lab named
/// `name`), judged with that copy's known drift: exit code, terminal, JSON.
fn chapter4_known(
    name: &str,
    lab: tempfile::TempDir,
    chapter: &std::path::Path,
) -> (i32, String, Value) {
    let known = lab.path().join("chapter.drift.yaml");
    let (code, stdout, v, ..) = book_in(
        name,
        lab,
        &[
            "--chapter",
            chapter.to_str().unwrap(),
            "--known",
            known.to_str().unwrap(),
        ],
    );
    (code, stdout, v)
}

/// chapter4 on netns with its shipped known drift (issue 16): every kubectl
/// line goes to the real kubectl 1.32, which refuses the book's `exec POD
/// CMD` (blocks 103, 116, 247: known drift, blessed with the line to type
/// instead); the nodes table is 1.10's (ROLES master, VERSION v1.10.0:
/// known drift); kubectl lines it accepts did not run (no API server), so
/// their blocks are skipped where their meaning agreed, never match.
pub(crate) const CHAPTER4: &[(u64, &str)] = &[
    (18, "skipped"),
    (31, "skipped"),
    (37, "skipped"),
    (48, "known_drift"),
    (61, "skipped"),
    (69, "skipped"),
    (81, "match"),
    (103, "known_drift"),
    (116, "known_drift"),
    (139, "known_drift"),
    (154, "match"),
    (169, "skipped"),
    (184, "skipped"),
    (194, "skipped"),
    (224, "match"),
    (247, "known_drift"),
    (261, "skipped"),
];

/// The same, blessed from nothing into a file of its own.
const CHAPTER4_BLESSED: &[(u64, &str)] = CHAPTER4;

/// kubectl 1.32's refusal of the book's `exec POD CMD`, as the report says it.
const EXEC_REFUSED: &str = "kubectl 1.32 refuses the book's line: error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";

#[test]
fn chapter4_replays_with_its_known_drift() {
    require_root();
    let (code, stdout, v, out, _lab) = book(&[]);
    let want: Vec<(u64, String)> = CHAPTER4.iter().map(|(l, s)| (*l, s.to_string())).collect();
    assert_eq!(verdicts(&v), want, "{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("17 blocks: 3 match, 0 drift, 5 known drift, 9 skipped"),
        "{stdout}"
    );
    // kubectl's rejection, in its words, at the blocks at 103, 116, 247.
    for b in v["blocks"].as_array().unwrap() {
        let refused = b["commands"].as_array().unwrap().iter().any(|c| {
            c["differences"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d == EXEC_REFUSED)
        });
        assert_eq!(
            refused,
            [103, 116, 247].contains(&b["line"].as_u64().unwrap()),
            "{b}"
        );
    }
    // What kubectl accepted did not run, and is said so.
    assert!(
        stdout.contains("line 70: accepted by kubectl v1.32."),
        "{stdout}"
    );
    assert!(
        stdout.contains("not run: no API server on netns"),
        "{stdout}"
    );
    // Bound, not compared: the book's node2 pod is the lab's.
    let text = v.to_string();
    assert!(
        text.contains("10.244.3.3 (book) = nginx pod on node2 = 10.244.2.2 (lab)"),
        "{text}"
    );
    // Nothing is match that did not run.
    for b in v["blocks"].as_array().unwrap() {
        for c in b["commands"].as_array().unwrap() {
            if c["verdict"] == "match" {
                assert!(c["ran_on"].is_string(), "{c}");
            }
        }
    }
    let xml = std::fs::read_to_string(out.path().join("book.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        17
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );
    let html = std::fs::read_to_string(out.path().join("book.html")).unwrap();
    assert!(html.contains("Setup Network Using Flannel") && html.contains("known drift:"));
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    // A real browser reads it: every block is a section with its verdict,
    // the two known drifts among them.
    let chromium = which::which("chromium").expect("chromium: `bash .ci/install` installs it");
    let dom =
        crate::harness::chromium_run(&chromium, &["--dump-dom"], &out.path().join("book.html"));
    assert_eq!(
        dom.matches("<section class=\"block v-").count(),
        17,
        "{dom}"
    );
    assert_eq!(
        dom.matches("<section class=\"block v-known_drift").count(),
        5,
        "{dom}"
    );
    assert!(dom.contains("id=\"line-103\""), "{dom}");
}

#[test]
fn without_its_known_drift_the_chapter_drifts() {
    require_root();
    let none = tempfile::tempdir().unwrap();
    let known = none.path().join("none.drift.yaml");
    let (code, stdout, v, ..) = book(&["--known", known.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let got = verdicts(&v);
    assert!(
        got.contains(&(103, "drift".into())) && got.contains(&(139, "drift".into())),
        "{got:?}"
    );
    assert!(stdout.contains("DRIFT: ping: the book shows no reply: Destination Net Unreachable from 10.244.1.1; the lab shows no reply: Time to live exceeded from 10.244.1.1"), "{stdout}");
    assert!(
        !known.exists(),
        "a run without --bless wrote the known-drift file"
    );
}

#[test]
fn bless_writes_the_drift_and_a_later_run_knows_it() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("chapter.drift.yaml");
    let k = known.to_str().unwrap();
    // --bless writes today's differences, each waiting for its reason:
    // drift until a person writes one (the seventeenth probe).
    let (code, stdout, v, ..) = book(&["--known", k, "--bless"]);
    assert_eq!(code, 1, "{stdout}");
    let want: Vec<(u64, String)> = CHAPTER4_BLESSED
        .iter()
        .map(|(l, s)| (*l, s.replace("known_drift", "drift")))
        .collect();
    assert_eq!(verdicts(&v), want, "{stdout}");
    assert!(
        stdout.contains("blessed without a reason (drift)"),
        "{stdout}"
    );
    let file = std::fs::read_to_string(&known).expect("--bless wrote the known-drift file");
    // Keyed by the command; `line` (the command's own) is a hint.
    assert!(file.contains("version: 2\n"), "{file}");
    assert!(
        file.contains("- command: kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 ping 10.244.3.3\n  line: 104\n")
            && file.contains("  line: 140\n"),
        "{file}"
    );
    assert!(file.contains("Destination Net Unreachable"), "{file}");
    assert!(file.contains("reason:"), "{file}");
    let (code, stdout, ..) = book(&["--known", k]);
    assert_eq!(code, 1, "a bless alone is no reason: {stdout}");
    // Reasons written, a later run without --bless finds them known.
    let file = file.replace(lab::book::known::TODO, "explained by a person");
    std::fs::write(&known, &file).unwrap();
    let (code, stdout, v, ..) = book(&["--known", k]);
    assert_eq!(code, 0, "{stdout}");
    let want: Vec<(u64, String)> = CHAPTER4_BLESSED
        .iter()
        .map(|(l, s)| (*l, s.to_string()))
        .collect();
    assert_eq!(verdicts(&v), want, "{stdout}");
    // A difference that changed is drift again: the book's entry for 139
    // now names another difference, and explains nothing (stale).
    let edited = file.replacen("docker0", "docker9", 1);
    assert_ne!(edited, file, "{file}");
    std::fs::write(&known, edited).unwrap();
    let (code, stdout, v, ..) = book(&["--known", k]);
    assert_eq!(code, 1, "{stdout}");
    assert!(verdicts(&v).contains(&(139, "drift".into())), "{stdout}");
    assert!(
        v["stale"][0]["difference"]
            .as_str()
            .unwrap()
            .contains("docker9"),
        "{stdout}"
    );
    assert!(
        verdicts(&v).contains(&(103, "known_drift".into())),
        "{stdout}"
    );
}

#[test]
fn reachable_and_unreachable_each_fail_when_the_lab_says_otherwise() {
    require_root();
    let chapter = fixture("book/wrong-outcomes.md");
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        verdicts(&v),
        [
            // The table binds the book's addresses (not run: no API
            // server); a ping to an address no table binds claims nothing.
            (5, "skipped".to_string()),
            (14, "drift".into()),
            // kubectl accepted the apply (not run: no API server); the
            // variant switch it means ran and compares nothing: skipped.
            (25, "skipped".into()),
            (31, "drift".into())
        ],
        "{stdout}"
    );
    // Each sentence names who answered (the key of a known-drift entry
    // holds what the book shows: probe21by, finding 2).
    assert!(
        stdout.contains("the book shows a reply with ttl 63 from ")
            && stdout.contains("; the lab shows no reply and no ICMP error"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "the book shows no reply and no ICMP error; the lab shows a reply with ttl 63 from "
        ),
        "{stdout}"
    );
}

#[test]
fn a_block_with_a_command_not_understood_runs_not_at_all() {
    require_root();
    let chapter = fixture("book/rm-rf.md");
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    // The first block ends inside node1 (no `exit`): the second block's
    // ping is typed there, after `rm -rf /`, which lab never saw.
    assert_eq!(
        verdicts(&v),
        [(3, "not_understood".to_string()), (9, "skipped".into())],
        "{stdout}"
    );
    for b in v["blocks"].as_array().unwrap() {
        for c in b["commands"].as_array().unwrap() {
            assert!(
                c.get("ran").is_none() && c.get("ran_on").is_none(),
                "ran: {c}"
            );
        }
    }
    let b = &v["blocks"][0]["commands"];
    assert_eq!(b[2]["verdict"], "not_understood");
    assert!(
        b[2]["reason"]
            .as_str()
            .unwrap()
            .contains("`rm` is not a command lab replays")
    );
    assert!(b[1]["reason"].as_str().unwrap().contains("not run"));
    // Typed in node1's session, which the first block left open, after
    // `rm -rf /`, which lab never saw: not compared, saying so.
    assert!(
        v["blocks"][1]["commands"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("line 6 (`rm -rf /`), which lab does not understand"),
        "{stdout}"
    );
}

/// Bad chapters are refused before anything is made: exit 2, the file and
/// line named, no state, no namespace.
#[test]
fn bad_chapters_are_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many.md");
    std::fs::write(
        &many,
        "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2\nexit\n```\n".repeat(10_000),
    )
    .unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            fixture("book/unterminated-fence.md"),
            "unterminated-fence.md:3: the fence ````bash` is never closed",
        ),
        (
            fixture("book/crlf.md"),
            "crlf.md:1: a carriage return (CRLF line endings)",
        ),
        (
            fixture("book/not-utf8.md"),
            "not-utf8.md:5: bytes that are not UTF-8",
        ),
        (
            fixture("book/binary.md"),
            "binary.md:1: a NUL byte: this is a binary file",
        ),
        (
            dir.path().join("missing.md"),
            "missing.md: cannot read the chapter",
        ),
        (many, "many.md:5001: more than 1000 fenced blocks"),
    ];
    for (chapter, want) in cases {
        let (mut cmd, state) = lab_cmd();
        let o = cmd
            .arg("book")
            .arg(root().join("labs/chapter4"))
            .arg("--chapter")
            .arg(&chapter)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", chapter.display());
        assert!(
            err.contains(want),
            "{}: wanted {want:?} in {err}",
            chapter.display()
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read_dir(state.path()).unwrap().count(),
            0,
            "{}: state made",
            chapter.display()
        );
    }
}

#[test]
fn the_lab_files_book_is_validated_like_the_rest() {
    for (value, want) in [
        ("missing.md", "book: chapter 'missing.md' does not exist"),
        (
            "../chapter.md",
            "book: '../chapter.md' is not a valid manifest path",
        ),
        (
            "flannel.yml",
            "book: 'flannel.yml' is not a Markdown chapter",
        ),
    ] {
        let lab = copy_lab("chapter4", &unique_name("bv"));
        crate::harness::edit(
            &lab.path().join("lab.yaml"),
            "book: chapter.md",
            &format!("book: {value}"),
        );
        let (mut cmd, state) = lab_cmd();
        let o = cmd.arg("book").arg(lab.path()).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(want) && err.contains("lab.yaml:"),
            "wanted {want:?}: {err}"
        );
        assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
    }
}

/// `lab test` of a lab with `book:` replays the chapter too: without its
/// known drift the chapter's two differences fail the story (exit 1),
/// counted in the same summary as the checks, and the lab is gone.
#[test]
fn lab_test_fails_on_the_books_new_drift() {
    require_root();
    let name = unique_name("bt");
    let lab = copy_lab("chapter4", &name);
    std::fs::remove_file(lab.path().join("chapter.drift.yaml")).unwrap();
    let (mut cmd, state) = lab_cmd();
    let json = state.path().join("run.json");
    let o = cmd
        .arg("test")
        .arg(lab.path())
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("19 passed, 5 failed, 15 skipped in ")),
        "{stdout}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["outcome"], "failed");
    let failed: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "fail")
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        [
            "chapter.md:48 (broken)",
            "chapter.md:103 (broken)",
            "chapter.md:116 (broken)",
            "chapter.md:139 (broken)",
            "chapter.md:247 (fixed)"
        ]
    );
    no_namespaces_of(&name);
}

/// A chapter `lab test` cannot read is refused before anything is made,
/// like a bad lab file: exit 2, the file and line named, no state, no run.
#[test]
fn lab_test_refuses_a_bad_chapter_before_anything_is_made() {
    let lab = copy_lab("chapter4", &unique_name("bc"));
    std::fs::copy(
        fixture("book/unterminated-fence.md"),
        lab.path().join("chapter.md"),
    )
    .unwrap();
    let (mut cmd, state) = lab_cmd();
    let o = cmd.arg("test").arg(lab.path()).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("chapter.md:3: the fence ````bash` is never closed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(state.path()).unwrap().count(),
        0,
        "state made"
    );
}

/// `lab book` of a lab that is up replays against it as it is and leaves
/// it up (a second provider is refused); `lab destroy` removes it.
#[test]
fn a_lab_that_is_up_is_used_and_left_up() {
    require_root();
    let lab = crate::labs::TestLab::chapter4("bu");
    lab.up(&[]);
    let file = lab.file();
    let path = file.to_str().unwrap();
    let other = lab.lab(&["book", path, "--provider", "vagrant"]);
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{err}");
    assert!(err.contains("is up with provider netns"), "{err}");
    let o = lab.lab(&["book", path]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    // kubectl's refusals of `exec POD CMD` are known drift (issue 16).
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{err}");
    assert!(
        stdout.contains("17 blocks: 3 match, 0 drift, 5 known drift, 9 skipped"),
        "{stdout}"
    );
    assert!(err.contains(&format!("lab {} stays up", lab.name)), "{err}");
    let st = lab.lab(&["status", &lab.name]);
    assert!(
        st.status.success(),
        "still up: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    let d = lab.lab(&["destroy", &lab.name]);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    no_namespaces_of(&lab.name);
}

/// The chapter with `exec POD -- CMD` (as kubectl 1.31+ wants it): the real
/// kubectl refuses none of its lines; block 247 agrees as far as netns can
/// tell (its kubectl accepted, not run: no API server; the ping it means
/// ran in the lab's pod and agrees), and is not counted as a match. The
/// same copy with `--all-namespace` gets kubectl's own message at 194.
#[test]
fn with_dashes_kubectl_refuses_nothing_and_an_unknown_flag_is_kubectls_drift() {
    require_root();
    let text = std::fs::read_to_string(root().join("labs/chapter4/chapter.md")).unwrap();
    let dashed: String = text
        .lines()
        .map(|l| {
            if l.contains(" exec ") && !l.contains(" -- ") {
                let w: Vec<&str> = l.split(' ').collect();
                let at = w.iter().position(|x| *x == "ping" || *x == "cat").unwrap();
                format!("{} -- {}\n", w[..at].join(" "), w[at..].join(" "))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let chapter = dir.path().join("dashed.md");
    std::fs::write(&chapter, &dashed).unwrap();
    let (_, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    for b in v["blocks"].as_array().unwrap() {
        for c in b["commands"].as_array().unwrap() {
            assert_ne!(c["kubectl"]["outcome"], "refused", "{c}\n{stdout}");
        }
    }
    let b247 = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["line"] == 247)
        .unwrap();
    assert_eq!(b247["verdict"], "skipped", "{b247}");
    let c = &b247["commands"][0];
    assert_eq!(c["kubectl"]["outcome"], "accepted", "{c}");
    assert!(
        c["kubectl"]["note"]
            .as_str()
            .unwrap()
            .contains("not run: no API server on netns"),
        "{c}"
    );
    assert_eq!(c["differences"].as_array().unwrap().len(), 0, "{c}");
    assert!(c["ran_on"].as_str().unwrap().starts_with("pod "), "{c}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("kubectl itself did not run it"),
        "{c}"
    );
    // One flag changed: kubectl's own message, at the block where it stands.
    let typo = dashed.replace(
        "get pods --all-namespaces -l app=flannel",
        "get pods --all-namespace -l app=flannel",
    );
    assert_ne!(typo, dashed);
    std::fs::write(&chapter, typo).unwrap();
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let b194 = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["line"] == 194)
        .unwrap();
    assert_eq!(b194["verdict"], "drift", "{b194}");
    assert!(
        b194.to_string()
            .contains("kubectl 1.32 refuses the book's line: error: unknown flag: --all-namespace"),
        "{b194}"
    );
    // The rest of the block ran: the fix was applied and the pods after it
    // answer as the book says.
    assert!(verdicts(&v).contains(&(224, "match".into())), "{stdout}");
}

/// A `cat` of an endless device is a file of the host's, not the reader's:
/// nothing of it runs (it was cut at the output's cap before the nodes'
/// files were told apart: [`a_nodes_endless_output_is_cut_and_says_so`]).
#[test]
fn an_endless_device_is_not_the_readers_and_nothing_of_it_runs() {
    require_root();
    let chapter = fixture("book/endless.md");
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    // Nothing compared: no pass either (probe21l).
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(verdicts(&v), [(3, "skipped".to_string())], "{stdout}");
    let cat = &v["blocks"][0]["commands"][1];
    assert!(cat["ran"].is_null(), "{cat}");
    assert!(
        cat["reason"]
            .as_str()
            .is_some_and(|r| r.contains("/dev/zero on node1 is not the reader's")),
        "{cat}"
    );
}

/// A node command whose output never ends is cut (bytes and lines) and
/// stopped, saying so: `lab` keeps at most the cap.
#[test]
fn a_nodes_endless_output_is_cut_and_says_so() {
    use lab::session::Session;
    require_root();
    let lab = crate::labs::TestLab::chapter4("endless");
    lab.up(&[]);
    let session = lab.node1_session();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let said = match rt.block_on(session.output("node1", "cat /dev/zero", None)) {
        Ok(o) => panic!("an endless output ended: {} bytes", o.stdout.len()),
        Err(e) => e.to_string(),
    };
    assert!(
        said.contains("was cut at") && said.contains("the command stopped"),
        "{said}"
    );
}

/// `kubectl exec POD cat /etc/shadow` reads nothing of the host's: the
/// pod's `/etc` is the lab's own (its node's root made by lab), not the
/// reader's, so nothing runs and the host's /etc/shadow is in no report
/// (that a pod's root is its own is held at the session: `probe8`,
/// `probe13`, `isolation`).
#[test]
fn a_pods_cat_reads_the_pods_files_not_the_hosts() {
    require_root();
    let host_root = std::fs::read_to_string("/etc/shadow")
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let chapter = fixture("book/pod-cat.md");
    let (_, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    let json = v.to_string();
    assert!(
        json.contains("/etc/shadow on pod nginx-deployment-node1-0 is not the reader's"),
        "the pod's /etc/shadow was compared: {stdout}\n{json}"
    );
    assert!(
        !json.contains(&host_root),
        "the host's /etc/shadow is in the report: {json}"
    );
}

/// probe21p, finding 1: `--bless` wrote the known-drift file with a plain
/// write, through a link planted in its place (one to a file not there
/// yet passed the folder check), so root made or overwrote the file the
/// link named. Now the file is replaced (a new file renamed over it): the
/// link goes, what it named is untouched.
#[test]
fn bless_replaces_a_link_planted_as_the_known_drift_file_never_writes_through_it() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.conf");
    let known = dir.path().join("chapter.drift.yaml");
    std::os::unix::fs::symlink(&victim, &known).unwrap();
    let (_, stdout, ..) = book(&["--known", known.to_str().unwrap(), "--bless"]);
    assert!(!victim.exists(), "root wrote through the link: {stdout}");
    let meta = std::fs::symlink_metadata(&known).unwrap();
    assert!(meta.file_type().is_file(), "{stdout}");
    assert!(
        std::fs::read_to_string(&known)
            .unwrap()
            .contains("version: 2")
    );
}

/// `lab book` of a copy of chapter4 (a lab named from `prefix`) with the
/// chapter `tests/fixtures/book/{dir}/{name}` and `extra` arguments: its
/// exit code, terminal and JSON report (the probes' book tests share it).
pub fn book_fixture(prefix: &str, dir: &str, name: &str, extra: &[&str]) -> (i32, String, Value) {
    crate::harness::require_root();
    let lab_name = crate::harness::unique_name(prefix);
    let lab = crate::harness::copy_lab("chapter4", &lab_name);
    let chapter = crate::harness::fixture(&format!("book/{dir}/{name}"));
    let mut args = vec!["--chapter", chapter.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, stdout, v, ..) = book_in(&lab_name, lab, &args);
    (code, stdout, v)
}

/// `lab book` of a copy of chapter4 (a lab named from `prefix`) with the
/// chapter `tests/fixtures/book/{dir}/{name}`, one refused before anything
/// is made (so with no report): what the command gave; no namespace of the
/// lab is left.
pub fn book_refused(prefix: &str, dir: &str, name: &str) -> std::process::Output {
    crate::harness::require_root();
    let lab_name = crate::harness::unique_name(prefix);
    let lab = crate::harness::copy_lab("chapter4", &lab_name);
    let chapter = crate::harness::fixture(&format!("book/{dir}/{name}"));
    let (mut cmd, state) = lab_cmd();
    let o = cmd
        .current_dir(lab.path())
        .arg("book")
        .arg(lab.path())
        .arg("--chapter")
        .arg(&chapter)
        .output()
        .unwrap();
    no_namespaces_of(&lab_name);
    drop(state);
    o
}

/// The block opening at `line` of a `lab book` report.
pub fn block(v: &Value, line: u64) -> Value {
    v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["line"].as_u64() == Some(line))
        .cloned()
        .unwrap_or_else(|| panic!("no block at line {line}: {v}"))
}

/// A command's field `key` of a `lab book` report, as text ("" if none).
pub fn said(c: &Value, key: &str) -> String {
    c[key].as_str().unwrap_or("").to_string()
}

/// The command at `line` of a `lab book` report.
pub fn command(v: &Value, line: u64) -> Value {
    report_commands(v)
        .into_iter()
        .find(|c| c["line"].as_u64() == Some(line))
        .unwrap_or_else(|| panic!("no command at line {line}: {v}"))
}

/// The only command of the block opening at `line` of a `lab book` report.
pub fn only_command_of_block(v: &Value, line: u64) -> Value {
    let b = block(v, line);
    let c = b["commands"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{b}");
    c[0].clone()
}

/// A command's first difference of a `lab book` report ("" if none).
pub fn first_difference(c: &Value) -> &str {
    c["differences"][0].as_str().unwrap_or("")
}

/// Every command of a `lab book` report.
pub fn report_commands(v: &Value) -> Vec<Value> {
    v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["commands"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Each command of a `lab book` report as its line, verdict and reason.
pub fn command_lines(v: &Value) -> Vec<(u64, String, String)> {
    report_commands(v)
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["verdict"].as_str().unwrap_or("").to_string(),
                c["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Each chapter `book` replays fails (rc 1), the command at `line` with
/// the verdict `verdict` and a difference or reason starting `first`.
pub(crate) fn fails_at(
    book: impl Fn(&str) -> (i32, String, serde_json::Value),
    cases: &[(&str, u64, &str, &str)],
) {
    for (name, line, verdict, first) in cases {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let c = command(&v, *line);
        assert_eq!(said(&c, "verdict"), *verdict, "{name}: {stdout}");
        let said_first = match *verdict {
            "drift" => c["differences"][0].as_str().unwrap_or("").to_string(),
            _ => said(&c, "reason"),
        };
        assert!(said_first.starts_with(first), "{name}: {c}");
    }
}
