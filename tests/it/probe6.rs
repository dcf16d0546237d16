//! The sixth adversarial probe of issue 21 (`docs/security-probe.md`,
//! "sixth probe"): each test is a finding, seen failing on the code before
//! its fix.

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, fixture, require_root, unique_name};

/// `lab book` of a throw-away copy of chapter4 with the chapter `name`
/// of `tests/fixtures/book/`.
fn book_of(chapter: &str) -> crate::book::Booked {
    let name = unique_name("p6");
    let lab = copy_lab("chapter4", &name);
    let chapter = fixture(&format!("book/{chapter}"));
    book_in(&name, lab, &["--chapter", chapter.to_str().unwrap()])
}

/// False green: a block whose output the author cut down to nothing (`...`,
/// `[...]`, `<snip>`, `…`, or ping's header then a cut), or replaced by
/// words of their own (`[output omitted]`), claims nothing, yet each was
/// `match`: a ping's was read as "no reply" (and node1 gets none from
/// node2's pod in the broken variant), a capture, a route table and a file
/// compared no line at all. Now each is `skipped` and says that the book
/// shows nothing to compare.
#[test]
fn output_cut_down_to_nothing_is_never_a_match() {
    require_root();
    let (code, stdout, v, ..) = book_of("probe6-cut.md");
    // Nothing compared at all: no pass either (probe21l).
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("the replay compared nothing"), "{stdout}");
    assert_eq!(
        verdicts(&v),
        [
            (7, "skipped".to_string()),
            (12, "skipped".into()),
            (18, "skipped".into()),
            (23, "skipped".into()),
            (28, "skipped".into()),
            (33, "skipped".into()),
            (38, "skipped".into()),
        ],
        "{stdout}"
    );
    // They ran (the lab's output is kept), and say why nothing matched.
    for b in v["blocks"].as_array().unwrap() {
        let c = &b["commands"][0];
        assert_eq!(c["ran_on"], "node1", "{c}");
        let reason = c["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("nothing to compare"), "{c}");
    }
}

/// Wrong node, and a false green: inside `vagrant ssh node2`, a line at
/// node1's prompt (`vagrant@node1:~$ ping ...`) ran on node2, so node2's
/// reply from its own pod was a `match` of a page that shows node1
/// reaching node2's pod (which the broken variant does not do). A prompt
/// that names another node than the session's is a contradiction lab
/// cannot replay: the block is not understood and runs nothing; a prompt
/// that names the session's node is replayed as before.
#[test]
fn a_prompt_naming_another_node_than_the_session_runs_nowhere() {
    require_root();
    let (code, stdout, v, ..) = book_of("probe6-prompt.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        verdicts(&v),
        [
            (3, "not_understood".to_string()),
            (11, "match".into()),
            (19, "not_understood".into()),
        ],
        "{stdout}"
    );
    let first = &v["blocks"][0]["commands"][1];
    assert!(first["ran_on"].is_null(), "{first}");
    assert!(
        first["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("node1"),
        "{first}"
    );
}

/// False green: in a block that shows prompts, `exit` and `vagrant ssh
/// node2` typed without one were read as the output of the ping above
/// them, so the last ping, which the page shows on node2 (reaching node1's
/// pod: the broken variant does not), ran on node1 and was a `match`; the
/// same with a plain `ssh node2`. A line that moves the reader to another
/// machine is always a command (`ssh node2` is one lab does not replay, so
/// its block runs nothing).
#[test]
fn an_unprompted_exit_and_vagrant_ssh_still_move_the_session() {
    require_root();
    let (code, stdout, v, ..) = book_of("probe6-session.md");
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        verdicts(&v),
        [(3, "drift".to_string()), (13, "not_understood".into())],
        "{stdout}"
    );
    let ran: Vec<(u64, String, String)> = v["blocks"][0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["command"].as_str().unwrap().to_string(),
                c["ran_on"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        ran,
        [
            (4, "vagrant ssh node1".to_string(), "node1".to_string()),
            (5, "ping -c 1 10.244.1.2".into(), "node1".into()),
            (7, "exit".into(), "".into()),
            (8, "vagrant ssh node2".into(), "node2".into()),
            (9, "ping -c 1 10.244.1.2".into(), "node2".into()),
        ],
        "{stdout}"
    );
}

/// A state folder under `/usr` (`LAB_STATE_DIR` there, or `.lab` of a
/// project in `/usr/src`), which every node sees read-only: `up` made the
/// lab's keys and state there, then failed with exit 3 ("nginx.conf ... No
/// such file or directory": the pods' folders are hidden under the bind)
/// and left the folder. Now it is a usage error naming `LAB_STATE_DIR`,
/// exit 2, with nothing made.
#[test]
fn a_state_folder_that_nodes_see_is_refused_before_anything_is_made() {
    require_root();
    let name = unique_name("p6");
    let lab = copy_lab("chapter4", &name);
    let root = tempfile::Builder::new()
        .prefix("lab-p6-")
        .tempdir_in("/usr/local")
        .expect("a folder in /usr/local");
    let out = crate::harness::lab_cmd_in(root.path())
        .args(["up"])
        .arg(lab.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Whatever it said, nothing of it may stay.
    let _ = crate::harness::lab_cmd_in(root.path())
        .args(["destroy", &name, "--purge"])
        .output();
    crate::book::no_namespaces_of(&name);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("LAB_STATE_DIR") && err.contains("every node sees"),
        "{err}"
    );
    assert!(!root.path().join(&name).exists(), "{err}");
}

/// Host processes killed and a host cgroup changed: a cgroup named like
/// one of the lab's (`lab-<lab>.node1`) that lab did not make, with a
/// process of the host in it, was adopted by `up` (its `pids.max` 50
/// became 1024) and `destroy` stopped that process and removed the cgroup.
/// Now `up` refuses, as it refuses namespaces of the lab's names that it
/// did not make: exit 2, the cgroup and its process untouched.
#[test]
fn a_cgroup_named_like_the_labs_that_lab_did_not_make_is_refused_untouched() {
    use lab::provider::netns::cgroups::{Support, support};
    require_root();
    let Support::Limits(hs) = support() else {
        eprintln!("skipped: nodes run without cgroup limits here");
        return;
    };
    let name = unique_name("p6");
    let lab = copy_lab("chapter4", &name);
    let dirs: Vec<std::path::PathBuf> = hs
        .iter()
        .map(|h| h.dir.join(format!("lab-{name}.node1")))
        .collect();
    let mut host = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    let pids = hs.iter().position(|h| h.pids).unwrap();
    for d in &dirs {
        std::fs::create_dir(d).unwrap();
        std::fs::write(d.join("cgroup.procs"), host.id().to_string()).unwrap();
    }
    std::fs::write(dirs[pids].join("pids.max"), "50").unwrap();
    let (mut cmd, state) = crate::harness::lab_cmd();
    let out = cmd.arg("up").arg(lab.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let _ = crate::harness::lab_cmd_in(state.path())
        .args(["destroy", &name, "--purge"])
        .output();
    let alive = host.try_wait().unwrap().is_none();
    let max = std::fs::read_to_string(dirs[pids].join("pids.max")).unwrap_or_default();
    let _ = host.kill();
    let _ = host.wait();
    let kept: Vec<bool> = dirs.iter().map(|d| d.is_dir()).collect();
    for d in &dirs {
        let _ = std::fs::remove_dir(d);
    }
    crate::book::no_namespaces_of(&name);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cgroups named like"), "{err}");
    assert!(alive, "lab stopped a process it did not start: {err}");
    assert_eq!(max.trim(), "50", "lab changed a cgroup it did not make");
    assert!(
        kept.iter().all(|k| *k),
        "lab removed a cgroup it did not make"
    );
}
