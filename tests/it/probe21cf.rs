//! Findings of probe21cf (`docs/security-probe.md`, "probe21cf"), seen
//! failing first.

use crate::harness::lab_cmd;
use crate::labs::text;

/// Lesser: `lab man --out DIR` wrote its pages into a lab's state folder
/// (beside `state.json`), where every report is refused. Now refused the
/// same way, exit 2, nothing written. Seen failing without the check in
/// `cli/man.rs`: exit 0, 22 pages in the state folder.
#[test]
fn man_pages_are_refused_in_a_labs_state_folder() {
    let (mut cmd, state) = lab_cmd();
    let lab_dir = state.path().join("somelab");
    std::fs::create_dir_all(&lab_dir).unwrap();
    std::fs::write(lab_dir.join("lock"), "").unwrap();
    let out = cmd.args(["man", "--out"]).arg(&lab_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("inside the state folder")
            && text(&out).contains("nothing was written"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_dir(&lab_dir).unwrap().count(), 1);
}
