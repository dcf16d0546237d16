//! The seventh adversarial probe of issue 21 (`docs/security-probe.md`,
//! "seventh probe"): each test is a finding, seen failing on the code
//! before its fix (the unit tests named there too).

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, fixture, require_root, unique_name};

/// False greens on netns (broken variant): a curl whose output the book
/// cut (`...`) compared nothing; `curl -sv`'s `* Failed to connect ...`
/// lines were read as a page, so node1's own pod answering matched a book
/// claiming a timeout; ping's statistics `1 received` were read as "no
/// reply", so a ping across nodes that gets none matched. All three were
/// `match` (exit 0); now skipped, drift, drift.
#[test]
fn a_claim_in_other_words_is_compared_and_a_cut_curl_is_never_a_match() {
    require_root();
    let name = unique_name("p7");
    let lab = copy_lab("chapter4", &name);
    let chapter = fixture("book/probe7-claims.md");
    let (code, stdout, v, ..) = book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(
        verdicts(&v),
        [
            (9, "skipped".to_string()),
            (16, "drift".into()),
            (26, "drift".into()),
        ],
        "{stdout}"
    );
    assert_eq!(code, 1, "{stdout}");
    let diffs = |i: usize| v["blocks"][i]["commands"][0]["differences"].to_string();
    assert!(
        diffs(1).contains("the book shows no answer (timed out)"),
        "{}",
        diffs(1)
    );
    assert!(diffs(2).contains("the book shows a reply"), "{}", diffs(2));
}

/// A lab left that `destroy` refused: `lab verify L --json /run/lab/L.json`
/// (a report path in the folder of the host-wide claims) wrote the report
/// over the lab's claim, exit 0; `lab destroy L` then refused ("records PID
/// ..., which does not run in lab's namespaces ... nothing was changed",
/// exit 2) and the lab's 7 namespaces stayed (by hand on the code before
/// the fix; another lab's verify could do the same to it). Now a report
/// path there is refused before anything runs, exit 2, the claim as it was.
#[test]
fn a_report_never_replaces_a_labs_claim() {
    require_root();
    let (name, lab, state) = up_copy("p7");
    let claim = std::path::Path::new("/run/lab").join(format!("{name}.json"));
    let link = lab.path().join("report.json");
    std::os::unix::fs::symlink(&claim, &link).unwrap();
    assert_refused_untouched(
        state.path(),
        &name,
        &["verify", &name, "--json"],
        &[&claim, &link],
        &[&claim],
        Some("claims on lab names"),
    );
}

/// `lab graph L --out FILE` wrote its picture over the lab's claim in
/// `/run/lab` and over its `state.json` (exit 0, by hand on the code
/// before the fix: `destroy` then refused, the lab stayed). Now both are
/// refused as a report's path is, exit 2, nothing written.
#[test]
fn a_picture_never_replaces_a_labs_claim_or_state() {
    require_root();
    let (name, _lab, state) = up_copy("p7g");
    let claim = std::path::Path::new("/run/lab").join(format!("{name}.json"));
    let state_file = state.path().join(&name).join("state.json");
    assert_refused_untouched(
        state.path(),
        &name,
        &["graph", &name, "--out"],
        &[&claim, &state_file],
        &[&claim, &state_file],
        None,
    );
}

/// A copy of chapter4 named `prefix…`, up in a state folder of its own:
/// its name, its folder and its state folder.
fn up_copy(prefix: &str) -> (String, tempfile::TempDir, tempfile::TempDir) {
    let name = unique_name(prefix);
    let lab = copy_lab("chapter4", &name);
    let (mut up, state) = crate::harness::lab_cmd();
    let o = up.arg("up").arg(lab.path()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (name, lab, state)
}

/// `lab ARGS TARGET` for each of `targets` on the lab `name` (up in
/// `state`), with the files `kept` read before and after; what a run
/// replaced is put back and the lab destroyed. Asserts each exit is 2
/// (and says `why`, when given), every kept file as it was, the destroy
/// clean.
fn assert_refused_untouched(
    state: &std::path::Path,
    name: &str,
    args: &[&str],
    targets: &[&std::path::Path],
    kept: &[&std::path::Path],
    why: Option<&str>,
) {
    let read = || -> Vec<Vec<u8>> {
        kept.iter()
            .map(|f| std::fs::read(f).unwrap_or_default())
            .collect()
    };
    let before = read();
    let said = each_exit(state, args, targets);
    let after = read();
    // Put back what a failing run replaced, so that `destroy` cleans up.
    for (f, b) in kept.iter().zip(&before) {
        std::fs::write(f, b).unwrap();
    }
    let d = crate::harness::lab_cmd_in(state)
        .args(["destroy", name])
        .output()
        .unwrap();
    crate::book::no_namespaces_of(name);
    for (code, err) in &said {
        assert_eq!(*code, Some(2), "{err}");
        assert!(why.is_none_or(|w| err.contains(w)), "{err}");
    }
    assert!(after == before, "a file was replaced: {kept:?}");
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
}

/// `lab ARGS TARGET` for each of `targets`: its exit code and stderr.
fn each_exit(
    state: &std::path::Path,
    args: &[&str],
    targets: &[&std::path::Path],
) -> Vec<(Option<i32>, String)> {
    targets
        .iter()
        .map(|target| {
            let o = crate::harness::lab_cmd_in(state)
                .args(args)
                .arg(target)
                .output()
                .unwrap();
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .collect()
}

/// probe21p, lesser: a report path in `/run/lab-ids` (the host's record of
/// every lab's uid range) was written over, exit 0, as one in `/run/lab`
/// was before. Now it is refused the same way, exit 2, the record as it
/// was.
#[test]
fn a_report_never_replaces_a_labs_uid_range_record() {
    require_root();
    let (name, _lab, state) = up_copy("p7i");
    let claim = format!("/run/lab/{name}.json");
    let record = std::fs::read_dir("/run/lab-ids")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&claim)))
        .expect("the lab's range record");
    assert_refused_untouched(
        state.path(),
        &name,
        &["verify", &name, "--json"],
        &[&record],
        &[&record],
        Some("uid ranges"),
    );
}
