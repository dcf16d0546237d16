//! `lab book --suggest FILE` (issue 17): the patch is applied to a copy of
//! the chapter (`git apply -p0 --check`, then `patch -p0`) and the copy is
//! replayed: no new drift, and no known drift where the patch rewrote.

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, edit, is_root, unique_name};
use std::path::Path;

/// Apply `patch` in `dir` as a reader would: git's check, then patch.
pub(crate) fn apply(dir: &Path, patch: &Path) {
    let check = std::process::Command::new("git")
        .current_dir(dir)
        .args(["apply", "-p0", "--check"])
        .arg(patch)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "git apply refuses the patch: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let o = std::process::Command::new("patch")
        .current_dir(dir)
        .arg("-p0")
        .stdin(std::fs::File::open(patch).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn the_shipped_chapter_patched_with_suggest_known_replays_without_drift() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let name = unique_name("sg");
    let lab = copy_lab("chapter4", &name);
    let dir = lab.path().to_path_buf();
    let patch = tempfile::NamedTempFile::new().unwrap();
    let p = patch.path().to_str().unwrap();
    let (code, stdout, _, _, lab) = book_in(&name, lab, &["--suggest", p, "--suggest-known"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("suggest: 5 blocks rewritten (lines 48, 103, 116, 139, 247)"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(patch.path()).unwrap();
    assert!(
        text.starts_with("--- chapter.md\n+++ chapter.md\n"),
        "{text}"
    );
    apply(&dir, patch.path());
    let (code, stdout, v, _, _lab) = book_in(&name, lab, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(v["summary"]["drift"], 0, "{stdout}");
    assert_eq!(v["summary"]["known_drift"], 0, "{stdout}");
    // The entries the patch made true are stale now: said, not a failure.
    assert!(!v["stale"].as_array().unwrap().is_empty(), "{stdout}");
}

#[test]
fn a_drifted_copy_is_patched_back_to_no_new_drift() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let name = unique_name("sd");
    let lab = copy_lab("chapter4", &name);
    let dir = lab.path().to_path_buf();
    let chapter = dir.join("chapter.md");
    // Three drifts an author could make: a TTL, the interface in flannel's
    // log, a route row left out.
    edit(
        &chapter,
        "icmp_seq=1 ttl=63 time=0.403 ms",
        "icmp_seq=1 ttl=61 time=0.403 ms",
    );
    edit(
        &chapter,
        "Using interface with name enp0s3 and address 10.0.2.15",
        "Using interface with name eth9 and address 10.0.2.15",
    );
    edit(
        &chapter,
        "10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1\n",
        "",
    );
    let patch = tempfile::NamedTempFile::new().unwrap();
    let p = patch.path().to_str().unwrap();
    let (code, stdout, v, _, lab) = book_in(&name, lab, &["--suggest", p]);
    assert_eq!(code, 1, "{stdout}");
    let drifted: Vec<u64> = verdicts(&v)
        .into_iter()
        .filter(|(_, s)| s == "drift")
        .map(|(l, _)| l)
        .collect();
    // One line fewer from the route block on.
    assert_eq!(drifted, [139, 168, 223], "{stdout}");
    assert!(
        stdout.contains("suggest: 3 blocks rewritten (lines 139, 168, 223)"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(patch.path()).unwrap();
    for want in [
        "+64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms",
        "+Using interface with name enp0s3 and address 10.0.2.15",
        "+10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    // Known drift is left alone: the exec lines keep the book's form.
    assert!(!text.contains(" -- ping"), "{text}");
    apply(&dir, patch.path());
    let (code, stdout, v, _, _lab) = book_in(&name, lab, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(v["summary"]["drift"], 0, "{stdout}");
    assert_eq!(v["summary"]["known_drift"], 5, "{stdout}");
}

/// A chapter of another voice (a terse cheat sheet, `$ ` prompts, its own
/// pod names and addresses) replayed against chapter4's lab: a refused
/// `exec`, a TTL, flannel's interface and route rows drift; the patch keeps
/// its names and addresses and makes it replay with no drift at all.
#[test]
fn a_cheat_sheet_of_its_own_voice_is_patched_to_no_drift() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let name = unique_name("sc");
    let lab = copy_lab("chapter4", &name);
    let dir = lab.path().to_path_buf();
    std::fs::copy(
        crate::harness::fixture("suggest/cheatsheet.md"),
        dir.join("cheatsheet.md"),
    )
    .unwrap();
    let patch = tempfile::NamedTempFile::new().unwrap();
    let p = patch.path().to_str().unwrap();
    let args = ["--chapter", "cheatsheet.md"];
    let (code, stdout, v, _, lab) = book_in(&name, lab, &[&args[..], &["--suggest", p]].concat());
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(v["summary"]["drift"], 2, "{stdout}");
    let text = std::fs::read_to_string(patch.path()).unwrap();
    for want in [
        "+$ kubectl --kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-m4q7x -- cat /run/flannel/subnet.env",
        "+Using interface with name enp0s8 and address 10.100.198.201",
        "+64 bytes from 10.244.2.7: icmp_seq=1 ttl=63 time=0.310 ms",
        "+10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1",
    ] {
        assert!(text.contains(want), "no {want:?} in\n{text}");
    }
    // The lab's own names and node2's lab address never enter the book.
    assert!(
        !text.contains("10.244.2.2") && !text.contains("node1-0"),
        "{text}"
    );
    apply(&dir, patch.path());
    let (code, stdout, v, _, _lab) = book_in(&name, lab, &args);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(v["summary"]["drift"], 0, "{stdout}");
    assert_eq!(v["summary"]["known_drift"], 0, "{stdout}");
}
