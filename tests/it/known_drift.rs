//! The known-drift file keyed by content: a blessed drift stays known when
//! lines are added above it, an entry that explains nothing is stale (listed,
//! not a failure; `--bless` drops it), version 1 files still load and
//! `--bless` migrates them, and bad files are refused before anything is made.

use crate::book::{CHAPTER4, book_in, verdicts};
use crate::harness::{copy_lab, lab_cmd, require_root, root, unique_name};
use std::path::Path;

/// CHAPTER4's verdicts with every block `by` lines further down.
fn shifted(by: u64) -> Vec<(u64, String)> {
    CHAPTER4
        .iter()
        .map(|(l, v)| (l + by, v.to_string()))
        .collect()
}

/// The shipped chapter's known drift as a version 1 file would have it:
/// each entry keyed by the line of its block's opening fence (the fence
/// above the command), with its command unless `by_line_only`.
fn as_version_1(by_line_only: bool) -> String {
    let shipped = lab::book::known::load(&root().join("labs/chapter4/chapter.drift.yaml")).unwrap();
    let chapter = std::fs::read_to_string(root().join("labs/chapter4/chapter.md")).unwrap();
    let lines: Vec<&str> = chapter.lines().collect();
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut y = String::from("version: 1\ndrift:\n");
    for e in &shipped.drift {
        let at = e.line.expect("the shipped entries say where they stood");
        let fence = (1..at)
            .rev()
            .find(|&l| lines[l - 1].starts_with("```"))
            .expect("a block above the command");
        y.push_str(&format!("- line: {fence}\n"));
        if !by_line_only {
            y.push_str(&format!("  command: {}\n", quoted(&e.command)));
        }
        y.push_str(&format!("  difference: {}\n", quoted(&e.difference)));
        y.push_str(&format!("  reason: {}\n", quoted(&e.reason)));
    }
    y
}

/// Two lines added after the chapter's title (no block among them).
fn add_two_lines_near_the_top(chapter: &Path) {
    let text = std::fs::read_to_string(chapter).unwrap();
    let (title, rest) = text.split_once('\n').unwrap();
    std::fs::write(
        chapter,
        format!("{title}\nTwo lines a later edition added\nnear the top of the chapter.\n{rest}"),
    )
    .unwrap();
}

#[test]
fn lines_added_above_blessed_drift_leave_it_known() {
    require_root();
    let name = unique_name("kd");
    let lab = copy_lab("chapter4", &name);
    add_two_lines_near_the_top(&lab.path().join("chapter.md"));
    let (code, stdout, v, ..) = book_in(&name, lab, &[]);
    assert_eq!(verdicts(&v), shifted(2), "{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(v["stale"], serde_json::json!([]), "{stdout}");
    assert!(!stdout.contains("stale"), "{stdout}");
    // Keyed by line (a version 1 file whose entries name no command), the
    // same edit turns the blessed drift into new drift, and both entries
    // are stale: the assertion above can fail.
    let name = unique_name("kd");
    let lab = copy_lab("chapter4", &name);
    add_two_lines_near_the_top(&lab.path().join("chapter.md"));
    let known = lab.path().join("by-line.drift.yaml");
    std::fs::write(&known, as_version_1(true)).unwrap();
    let (code, stdout, v, ..) = book_in(&name, lab, &["--known", known.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    let got = verdicts(&v);
    let known_at: Vec<u64> = CHAPTER4
        .iter()
        .filter(|(_, v)| *v == "known_drift")
        .map(|(l, _)| l + 2)
        .collect();
    assert!(!known_at.is_empty());
    for l in &known_at {
        assert!(got.contains(&(*l, "drift".into())), "{l}: {got:?}");
    }
    assert!(!v["stale"].as_array().unwrap().is_empty(), "{stdout}");
}

#[test]
fn an_entry_whose_command_changed_is_stale_and_bless_drops_it() {
    require_root();
    let name = unique_name("kc");
    let lab = copy_lab("chapter4", &name);
    let known = lab.path().join("chapter.drift.yaml");
    crate::harness::edit(
        &known,
        "kube-flannel-ds-zzkf7 -- route -n\n",
        "kube-flannel-ds-zzkf7 -- route -nv\n",
    );
    let k = known.to_str().unwrap().to_string();
    let (code, stdout, v, out, lab) = book_in(&name, lab, &[]);
    assert_eq!(code, 1, "{stdout}");
    let got = verdicts(&v);
    assert!(
        got.contains(&(139, "drift".into())) && got.contains(&(103, "known_drift".into())),
        "{got:?}"
    );
    let stale = v["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{stdout}");
    assert!(
        stale[0]["command"]
            .as_str()
            .unwrap()
            .ends_with("-- route -nv")
            && stale[0]["reason"].as_str().unwrap().contains("Docker"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "stale known drift in {k} (not a failure):\n1 entry explained no difference of this run;"
        )) && stdout.contains("; 1 stale known-drift entry"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(out.path().join("book.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite_out = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .flat_map(|s| s.children().filter(|n| n.has_tag_name("system-out")))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect::<Vec<_>>();
    assert!(
        suite_out.len() == 1 && suite_out[0].contains("-- route -nv"),
        "{xml}"
    );
    let html = std::fs::read_to_string(out.path().join("book.html")).unwrap();
    assert!(
        html.contains("<section class=\"stale\"") && html.contains("-- route -nv"),
        "{html}"
    );
    // --bless drops it (saying so), keeps the reason still current, and
    // writes the new drift with a TODO for a person: drift until one
    // writes why (the seventeenth probe), so the bless run exits 1.
    let name = unique_name("kc");
    let (code, stdout, ..) = book_in(
        &name,
        copy_lab("chapter4", &name),
        &["--known", &k, "--bless"],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("; 1 blessed without a reason (drift)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "stale known drift dropped from {k} by --bless:\n1 entry"
        )),
        "{stdout}"
    );
    let blessed = lab::book::known::load(&known).unwrap();
    assert!(blessed.drift.iter().all(|e| !e.command.ends_with("-nv")));
    let route = blessed
        .drift
        .iter()
        .find(|e| e.command.ends_with("-- route -n"))
        .unwrap();
    assert_eq!(route.reason, lab::book::known::TODO);
    // Every other shipped entry keeps its reason.
    let shipped = lab::book::known::load(&root().join("labs/chapter4/chapter.drift.yaml")).unwrap();
    for e in shipped
        .drift
        .iter()
        .filter(|e| !e.command.ends_with("-- route -n"))
    {
        let kept = blessed
            .drift
            .iter()
            .find(|b| b.command == e.command && b.difference == e.difference)
            .unwrap_or_else(|| panic!("{e:?} not kept: {stdout}"));
        assert_eq!(kept.reason, e.reason);
    }
    drop(lab);
}

/// Version 1 files (keyed by the block's line) still load and judge as
/// before; `--bless` rewrites them as version 2, reasons kept.
#[test]
fn version_1_files_still_load_and_bless_migrates_them() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("old.drift.yaml");
    std::fs::write(&known, as_version_1(false)).unwrap();
    let k = known.to_str().unwrap();
    let name = unique_name("km");
    let (code, stdout, v, ..) = book_in(&name, copy_lab("chapter4", &name), &["--known", k]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(verdicts(&v), shifted(0), "{stdout}");
    let old = lab::book::known::load(&known).unwrap();
    assert_eq!(old.version, 1);
    let name = unique_name("km");
    let (code, stdout, v, ..) = book_in(
        &name,
        copy_lab("chapter4", &name),
        &["--known", k, "--bless"],
    );
    assert_eq!(code, 0, "{stdout}");
    let new = lab::book::known::load(&known).unwrap();
    assert_eq!(new.version, 2);
    // Every version 1 entry that still explains a difference keeps its
    // reason, now keyed by its command; the others were dropped, and said.
    let dropped = v["stale"].as_array().unwrap();
    for e in &old.drift {
        let kept = new
            .drift
            .iter()
            .find(|n| n.command == e.command && n.difference == e.difference);
        match kept {
            Some(n) => assert_eq!(n.reason, e.reason),
            None => assert!(
                dropped
                    .iter()
                    .any(|d| d["difference"] == e.difference.as_str()),
                "{stdout}"
            ),
        }
    }
    assert!(dropped.is_empty(), "all still match: {stdout}");
    assert_eq!(new.drift.len(), old.drift.len());
    // As a person would write it: reasons folded over lines.
    let text = std::fs::read_to_string(&known).unwrap();
    assert!(text.contains("  reason: >-\n    "), "{text}");
}

/// A known-drift file that cannot be read is refused before anything is
/// made, by `lab book` and `lab test` alike: exit 2, the file (and line and
/// field, where there are ones) named, no state. A FIFO or a device is
/// refused by its type, never opened for reading (which would block or
/// never end).
#[test]
fn bad_known_files_are_refused_before_anything_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let fifo = dir.path().join("fifo.drift.yaml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let big = dir.path().join("big.drift.yaml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let cases = [
        (
            write(
                "open.drift.yaml",
                "version: 2\ndrift:\n- command: 'route -n\n  difference: d\n",
            ),
            "open.drift.yaml:5: found unexpected end of stream, while scanning a quoted scalar at line 3 column 12".to_string(),
        ),
        (
            write(
                "extra.drift.yaml",
                "version: 2\ndrift:\n- command: route -n\n  difference: d\n  reason: r\n  because: x\n",
            ),
            "extra.drift.yaml:6: drift[0]: unknown field `because`".into(),
        ),
        (
            write(
                "empty.drift.yaml",
                "version: 2\ndrift:\n- command: route -n\n  difference: d\n  reason: ''\n",
            ),
            "empty.drift.yaml:5: drift[0].reason: empty".into(),
        ),
        (
            // probe21by, lesser 5: a placeholder a person typed.
            write(
                "na.drift.yaml",
                "version: 2\ndrift:\n- command: route -n\n  difference: d\n  reason: N/A\n",
            ),
            "na.drift.yaml:5: drift[0].reason: `N/A` is a placeholder, not a reason".into(),
        ),
        (
            write("v9.drift.yaml", "version: 9\n"),
            "v9.drift.yaml:1: version: 9 is not one lab reads (1 or 2)".into(),
        ),
        (fifo.clone(), "fifo.drift.yaml: is a FIFO".into()),
        (
            "/dev/zero".into(),
            "/dev/zero: is a character device".into(),
        ),
        (
            big.clone(),
            "big.drift.yaml: the known-drift file is 104857600 bytes; at most 1048576".into(),
        ),
    ];
    for (known, want) in &cases {
        let (mut cmd, state) = lab_cmd();
        let o = cmd
            .arg("book")
            .arg(root().join("labs/chapter4"))
            .arg("--known")
            .arg(known)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", known.display());
        assert!(err.contains(want.as_str()), "wanted {want:?} in {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read_dir(state.path()).unwrap().count(),
            0,
            "{}: state made",
            known.display()
        );
    }
    // Nothing was changed either.
    assert_eq!(std::fs::metadata(&big).unwrap().len(), 100 << 20);
    // `lab test` reads the chapter's own known-drift file first: a FIFO there
    // is refused the same way, before the lab is brought up.
    let lab = copy_lab("chapter4", &unique_name("kb"));
    let own = lab.path().join("chapter.drift.yaml");
    std::fs::remove_file(&own).unwrap();
    nix::unistd::mkfifo(&own, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let (mut cmd, state) = lab_cmd();
    let o = cmd
        .arg("test")
        .arg(lab.path())
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("chapter.drift.yaml: is a FIFO"), "{err}");
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}
