//! probe21bz's lesser finding on the claims' folder: `LAB_RUN_DIR` is
//! trusted only as the state root is.

use crate::harness::{lab_cmd_in, netns_list, root};
use crate::labs::text;

/// A claims' folder of another user's, open to every user, was taken
/// (probe21bz: `up` wrote its claim into a `nobody` 0777 folder), where a
/// state root like it is refused. Now `up` refuses it (exit 2, naming the
/// folder and why), and nothing is made; the same folder made root's and
/// private is used. Seen failing before: `up` exited 0 and claimed the name
/// there.
#[test]
fn a_claims_folder_another_user_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let state = tempfile::tempdir().unwrap();
    let run = tempfile::tempdir().unwrap();
    let open = run.path().join("claims");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::os::unix::fs::chown(&open, Some(65534), Some(65534)).unwrap();
    let up = |lab: &str| {
        lab_cmd_in(state.path())
            .env("LAB_RUN_DIR", &open)
            .current_dir(root())
            .args(["up", "chapter4", "--name", lab])
            .output()
            .unwrap()
    };
    let out = up("tbzrun");
    if out.status.success() {
        // Taken (the fault): the lab is removed before the test fails.
        let _ = lab_cmd_in(state.path())
            .env("LAB_RUN_DIR", &open)
            .args(["destroy", "tbzrun"])
            .output();
    }
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&format!("the claims' folder {}", open.display()))
            && said.contains("nothing was made"),
        "{said}"
    );
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);
    assert!(netns_list().iter().all(|n| !n.starts_with("tbzrun.")));
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}
