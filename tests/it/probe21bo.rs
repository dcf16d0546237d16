//! probe21bo: a `state.json` edited to name a process of the host's (its
//! PID and start time) as a pod's nginx or as the guard. `destroy` refused
//! it, but `apply` (and `book`, which applies) signalled the process: a
//! `sleep` lab never started was killed by SIGTERM (as an nginx) or told
//! SIGUSR2 (as the guard).

use crate::labs::{TestLab, text};
use std::process::Command;

/// The start time (field 22 of `/proc/PID/stat`) of `pid`.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(19).unwrap().parse().unwrap()
}

/// Seen failing with `refuse_foreign_processes` not called by `apply`
/// (`provider/netns/mod.rs`): exit 0, and the `sleep` named as an nginx
/// was killed.
#[test]
fn apply_never_signals_a_process_the_state_names_but_lab_did_not_start() {
    let t = TestLab::chapter4("bo");
    t.up(&[]);
    let file = t.dir().join("state.json");
    let good = std::fs::read(&file).unwrap();
    for what in ["nginx", "guard"] {
        let mut sleep = Command::new("sleep").arg("600").spawn().unwrap();
        let pid = sleep.id();
        let mut state: serde_json::Value = serde_json::from_slice(&good).unwrap();
        let entry = state["provider_state"]["processes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["what"] == what)
            .unwrap_or_else(|| panic!("no {what} recorded"));
        entry["pid"] = pid.into();
        entry["start_time"] = start_time(pid).into();
        std::fs::write(&file, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        let out = t.lab(&["apply", &t.name, "--variant", "fixed"]);
        let alive = sleep.try_wait().unwrap().is_none();
        let _ = sleep.kill();
        let _ = sleep.wait();
        std::fs::write(&file, &good).unwrap();
        assert!(
            alive,
            "{what}: lab signalled a process it did not start: {}",
            text(&out)
        );
        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
        assert!(
            text(&out).contains("not a process lab started"),
            "{what}: {}",
            text(&out)
        );
    }
    // The state as it was: apply works.
    let out = t.lab(&["apply", &t.name, "--variant", "fixed"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// probe21bl lesser 7: a state `destroy` refuses as crafted (a namespace
/// of another's in its list) was used by `verify` (8 passed), `ssh` and
/// `inspect`; `status` showed it without a word. Seen failing with the
/// checks out of the netns provider's `access`, `session` and `status`:
/// `verify` exit 0, `status` without the warning.
#[test]
fn a_state_destroy_calls_crafted_is_used_by_no_command() {
    let t = TestLab::chapter4("bl7");
    t.up(&[]);
    let file = t.dir().join("state.json");
    let good = std::fs::read(&file).unwrap();
    let mut state: serde_json::Value = serde_json::from_slice(&good).unwrap();
    let namespaces = state["provider_state"]["namespaces"]
        .as_array_mut()
        .unwrap();
    // Not a namespace made here: its name is all the state says.
    namespaces.push("another-lab.node1".into());
    std::fs::write(&file, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    let runs: Vec<_> = [
        vec!["verify", t.name.as_str()],
        vec!["ssh", t.name.as_str(), "node1", "--", "true"],
        vec!["inspect", t.name.as_str()],
        vec!["destroy", t.name.as_str()],
        vec!["status", t.name.as_str()],
    ]
    .into_iter()
    .map(|args| (args.clone(), t.lab(&args)))
    .collect();
    // The state as it was before anything is asserted: the lab's destroy
    // at the end (pass or fail) refuses the crafted one.
    std::fs::write(&file, &good).unwrap();
    for (args, out) in &runs {
        if args[0] == "status" {
            assert!(
                text(out).contains("copied or crafted"),
                "status: {}",
                text(out)
            );
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(out));
        assert!(
            text(out).contains("another-lab.node1"),
            "{args:?}: {}",
            text(out)
        );
    }
    let out = t.lab(&["verify", &t.name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
