//! A lab's life under concurrency, signals and state that lies: one
//! mutating command at a time (the lab's lock), a state file believed only
//! where it agrees with where it was found, a lab name owned host-wide by
//! one state folder, interrupted commands that leave nothing behind (or, for
//! `apply`, a lab that `apply` repairs), and later commands using the lab as
//! it was brought up.
//!
//! Commands are stopped at known points (a phase in `state.json`, a process
//! of the lab) rather than after a delay: `SIGSTOP` holds a command in the
//! middle of its work while another runs.

use crate::labs::{TestLab, namespaces_of, text};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn state_json(dir: &Path) -> Option<serde_json::Value> {
    serde_json::from_slice(&std::fs::read(dir.join("state.json")).ok()?).ok()
}

/// Poll until `cond` holds; panics with `what` after a generous while
/// (a wait, not a timing assertion).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn phase_is(lab: &TestLab, phase: &str) -> bool {
    state_json(&lab.dir()).is_some_and(|s| s["phase"] == phase)
}

/// A `lab` command running as a child; killed (and reaped) if the test
/// ends without waiting for it, so a failed test leaves no stopped `lab`.
struct Running(Option<Child>);

impl Running {
    fn id(&self) -> u32 {
        self.0.as_ref().expect("running").id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = kill(Pid::from_raw(c.id() as i32), Signal::SIGCONT);
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `lab <args>` of `lab`, as a child with its output captured.
fn spawn(lab: &TestLab, args: &[&str]) -> Running {
    Running(Some(
        lab.cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lab"),
    ))
}

fn signal(child: &Running, sig: Signal) {
    kill(Pid::from_raw(child.id() as i32), sig).expect("signal lab");
}

/// Wait until `cond` holds, then stop `child` (SIGSTOP) there; `cond` must
/// still hold once it is stopped (it was caught in the middle).
fn stop_when(child: &Running, what: &str, mut cond: impl FnMut() -> bool) {
    wait_for(what, &mut cond);
    signal(child, Signal::SIGSTOP);
    assert!(
        cond(),
        "the command went past {what} before it could be stopped"
    );
}

/// Deliver `sig` to a stopped `child` and let it go on.
fn signal_stopped(child: &Running, sig: Signal) {
    signal(child, sig);
    signal(child, Signal::SIGCONT);
}

fn finish(mut child: Running) -> Output {
    child
        .0
        .take()
        .expect("running")
        .wait_with_output()
        .expect("wait for lab")
}

/// Live processes whose command line contains `needle`.
fn processes_naming(needle: &str) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let c = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let c = String::from_utf8_lossy(&c).replace('\0', " ");
            let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ");
            (c.contains(needle) && !zombie).then_some((pid, c))
        })
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Nothing of the lab is left: namespaces, daemons, state, mounts, cgroups.
fn assert_nothing_left(lab: &TestLab, procs: &[(i32, u64)], when: &str) {
    assert_eq!(namespaces_of(&lab.name), Vec::<String>::new(), "{when}");
    for &(pid, st) in procs {
        assert!(
            !crate::labs::alive(pid, st),
            "{when}: process {pid} still runs"
        );
    }
    let dir = lab.dir().to_string_lossy().into_owned();
    assert_eq!(
        processes_naming(&dir),
        vec![],
        "{when}: processes of the lab's state folder run"
    );
    assert!(!lab.dir().join("state.json").exists(), "{when}: state left");
    assert_eq!(
        crate::labs::mounts_of(&lab.name),
        Vec::<String>::new(),
        "{when}: a node's root is still mounted"
    );
    assert_eq!(
        crate::labs::cgroups_of(&lab.name),
        Vec::<String>::new(),
        "{when}: a cgroup of the lab is left"
    );
}

#[test]
fn a_second_command_is_refused_while_one_changes_the_lab() {
    let lab = TestLab::chapter4("lb");
    let file = lab.file();
    // `up`, held in the middle of its bring-up.
    let first = spawn(&lab, &["up", file.to_str().unwrap()]);
    stop_when(&first, "up to record state", || phase_is(&lab, "creating"));
    let pid = first.id();
    let before = namespaces_of(&lab.name);
    let name = lab.name.as_str();
    for args in [
        vec!["up", file.to_str().unwrap()],
        vec!["apply", name, "--variant", "fixed"],
        vec!["destroy", name],
        vec!["test", file.to_str().unwrap()],
        vec!["verify", name],
    ] {
        let out = lab.lab(&args);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", text(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "lab '{name}' is busy: `lab up` (PID {pid}) since "
            )),
            "{args:?}: {err}"
        );
        assert_eq!(namespaces_of(&lab.name), before, "{args:?} touched nothing");
        assert!(phase_is(&lab, "creating"), "{args:?} touched nothing");
    }
    signal(&first, Signal::SIGCONT);
    let out = finish(first);
    assert!(out.status.success(), "the first up: {}", text(&out));
    let st = lab.lab(&["status", name]);
    assert!(
        text(&st).contains("running") && !text(&st).contains("not_created"),
        "{}",
        text(&st)
    );

    // `verify` while `apply` changes the lab says so, not failed checks.
    let apply = spawn(&lab, &["apply", name, "--variant", "fixed"]);
    stop_when(&apply, "apply to start", || phase_is(&lab, "applying"));
    let out = lab.lab(&["verify", name]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!("`lab apply` (PID {}) since", apply.id())),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("did not hold"), "{}", text(&out));
    signal(&apply, Signal::SIGCONT);
    let out = finish(apply);
    assert!(out.status.success(), "{}", text(&out));
    let out = lab.lab(&["verify", name]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn two_ups_at_once_leave_one_lab_up() {
    let lab = TestLab::chapter4("lr");
    let file = lab.file();
    let a = spawn(&lab, &["up", file.to_str().unwrap()]);
    let b = spawn(&lab, &["up", file.to_str().unwrap()]);
    let (a, b) = (finish(a), finish(b));
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes.contains(&Some(0)) && (codes.contains(&Some(5)) || codes.contains(&Some(2))),
        "one up wins, the other is refused:\n{}\n{}",
        text(&a),
        text(&b)
    );
    assert!(phase_is(&lab, "up"));
    let out = lab.lab(&["verify", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn verify_of_a_half_made_lab_says_so() {
    let lab = TestLab::chapter4("lh");
    let file = lab.file();
    let up = spawn(&lab, &["up", file.to_str().unwrap()]);
    wait_for("up to record state", || phase_is(&lab, "creating"));
    signal(&up, Signal::SIGKILL);
    let _ = finish(up);
    let out = lab.lab(&["verify", &lab.name]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        stderr(&out).contains("is half made: its `lab up` was interrupted"),
        "{}",
        text(&out)
    );
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_nothing_left(&lab, &[], "after destroy");
}

/// A state folder with a state file saying `state`, in a fresh state root.
fn crafted(name: &str, state: serde_json::Value) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let states = root.path().join("state");
    std::fs::create_dir_all(states.join(name)).unwrap();
    std::fs::write(
        states.join(name).join("state.json"),
        serde_json::to_vec(&state).unwrap(),
    )
    .unwrap();
    (root, states)
}

#[test]
fn destroy_refuses_a_state_naming_another_folder() {
    let (root, states) = crafted(
        "adv5",
        serde_json::json!({
            "name": "../victim",
            "provider": "netns",
            "lab_file": "/nonexistent/lab.yaml",
            "workers": null,
            "variant": "broken",
            "phase": "up",
            "provider_state": {}
        }),
    );
    let victim = root.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("precious"), "keep me").unwrap();
    let out = crate::harness::lab_cmd_in(&states)
        .args(["destroy", "adv5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains("\"../victim\""), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(victim.join("precious")).unwrap(),
        "keep me"
    );
    let left: Vec<_> = std::fs::read_dir(states.join("adv5"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["state.json"], "nothing touched");
}

/// `cp -r` of a state folder.
fn copy_dir(from: &Path, to: &Path) {
    assert!(
        Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn destroy_of_a_copied_state_folder_touches_nothing_of_the_original() {
    let lab = TestLab::chapter4("lc");
    lab.up(&[]);
    let procs = crate::labs::recorded(&lab.dir());
    let spaces = namespaces_of(&lab.name);
    assert!(!spaces.is_empty());
    let copy = format!("{}-copy", lab.name);
    let copy_dir_path = lab.state.path().join(&copy);
    copy_dir(&lab.dir(), &copy_dir_path);
    let check_intact = |when: &str| {
        for &(pid, st) in &procs {
            assert!(
                crate::labs::alive(pid, st),
                "{when}: process {pid} of the lab was killed"
            );
        }
        assert_eq!(namespaces_of(&lab.name), spaces, "{when}");
        assert!(lab.dir().join("state.json").exists(), "{when}");
    };
    // As copied: its `nodes` and `pods` lead to the original lab's files,
    // which are not its own (probe21r).
    let out = lab.lab(&["destroy", &copy]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("nodes is a symbolic link, not made by lab")
            || stderr(&out).contains("pods is a symbolic link, not made by lab"),
        "{}",
        text(&out)
    );
    check_intact("copy destroyed as is");
    for link in ["nodes", "pods"] {
        std::fs::remove_file(copy_dir_path.join(link)).unwrap();
    }
    // Without them: the state names the original lab.
    let out = lab.lab(&["destroy", &copy]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    check_intact("copy destroyed without its links");
    // Renamed to fit its folder: the PIDs are not its processes.
    let f = copy_dir_path.join("state.json");
    let mut st: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    st["name"] = copy.clone().into();
    std::fs::write(&f, serde_json::to_vec(&st).unwrap()).unwrap();
    let out = lab.lab(&["destroy", &copy]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("does not agree with this lab"),
        "{}",
        text(&out)
    );
    check_intact("renamed copy destroyed");
    // The same folder name in another state root: the lab's claim says
    // where it lives.
    let other = tempfile::tempdir().unwrap();
    copy_dir(&lab.dir(), &other.path().join(&lab.name));
    let out = crate::harness::lab_cmd_in(other.path())
        .args(["destroy", &lab.name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&lab.dir().display().to_string()),
        "says where the lab lives: {}",
        text(&out)
    );
    check_intact("copy in another root destroyed");
    std::fs::remove_dir_all(&copy_dir_path).unwrap();
    let out = lab.lab(&["verify", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_lab_name_is_owned_by_one_state_folder_and_foreign_namespaces_survive() {
    let lab = TestLab::chapter4("lo");
    lab.up(&[]);
    let procs = crate::labs::recorded(&lab.dir());
    let spaces = namespaces_of(&lab.name);
    // `up` of the same lab from another state folder.
    let other = tempfile::tempdir().unwrap();
    let file = lab.file();
    let out = crate::harness::lab_cmd_in(other.path())
        .args(["up", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("already up on this host from another state folder")
            && err.contains(&lab.dir().display().to_string()),
        "{err}"
    );
    assert!(!err.contains("lab destroy"), "{err}");
    assert!(
        !other.path().join(&lab.name).exists(),
        "the refused up created nothing"
    );
    // `destroy` from there without any state.
    let out = crate::harness::lab_cmd_in(other.path())
        .args(["destroy", &lab.name])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    for &(pid, st) in &procs {
        assert!(
            crate::labs::alive(pid, st),
            "process {pid} of the lab was killed"
        );
    }
    assert_eq!(namespaces_of(&lab.name), spaces);

    // A namespace with the lab's prefix that lab did not make, with a
    // process in it.
    let foreign = format!("{}.foreign", lab.name);
    let mut guard = Foreign::add(&foreign);
    let sleeper = guard.1.as_mut().unwrap();
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(namespaces_of(&lab.name), vec![foreign.clone()]);
    assert_eq!(
        sleeper.try_wait().unwrap(),
        None,
        "the foreign process runs"
    );
    for &(pid, st) in &procs {
        assert!(!crate::labs::alive(pid, st), "process {pid} still runs");
    }
    // `up` next to it is refused without telling to destroy it.
    let out = lab.lab(&["up", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&foreign) && !stderr(&out).contains("lab destroy"),
        "{}",
        text(&out)
    );
    assert_eq!(namespaces_of(&lab.name), vec![foreign.clone()]);
    drop(guard);
    assert_eq!(namespaces_of(&lab.name), Vec::<String>::new());
}

#[test]
fn apply_leaves_a_foreign_pod_namespace_alone() {
    let lab = TestLab::chapter4("lq");
    lab.up(&[]);
    // Named like one of the lab's pods, but not made by it.
    let foreign = format!("{}.pod.foreign", lab.name);
    let mut guard = Foreign::add(&foreign);
    let out = lab.lab(&["apply", &lab.name, "--variant", "fixed"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        namespaces_of(&lab.name).contains(&foreign),
        "{}",
        text(&out)
    );
    assert_eq!(
        guard.1.as_mut().unwrap().try_wait().unwrap(),
        None,
        "the foreign process runs"
    );
    let out = lab.lab(&["verify", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
}

/// A namespace `lab` did not make, with a process in it; both removed when
/// the test ends, pass or fail.
struct Foreign(String, Option<Child>);

impl Foreign {
    fn add(name: &str) -> Foreign {
        assert!(
            Command::new("ip")
                .args(["netns", "add", name])
                .status()
                .unwrap()
                .success()
        );
        let child = Command::new("ip")
            .args(["netns", "exec", name, "sleep", "300"])
            .spawn()
            .unwrap();
        Foreign(name.to_string(), Some(child))
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        if let Some(mut c) = self.1.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

#[test]
fn an_interrupted_apply_is_repaired_by_apply() {
    let lab = TestLab::chapter4("la");
    lab.up(&[]);
    let name = lab.name.as_str();
    for (sig, target, then) in [
        (Signal::SIGKILL, "fixed", "broken"),
        (Signal::SIGINT, "fixed", "fixed"),
    ] {
        let apply = spawn(&lab, &["apply", name, "--variant", target]);
        stop_when(&apply, "apply to start", || phase_is(&lab, "applying"));
        signal_stopped(&apply, sig);
        let out = finish(apply);
        if sig == Signal::SIGINT {
            assert_eq!(out.status.code(), Some(130), "{}", text(&out));
        }
        let st = lab.lab(&["status", name]);
        assert!(
            text(&st).contains(&format!("applying {target}, interrupted")),
            "{}",
            text(&st)
        );
        let out = lab.lab(&["verify", name]);
        assert_eq!(out.status.code(), Some(6), "{}", text(&out));
        assert!(stderr(&out).contains("half switched"), "{}", text(&out));
        // apply, to either variant, completes the switch.
        let out = lab.lab(&["apply", name, "--variant", then]);
        assert!(out.status.success(), "{sig}: {}", text(&out));
        assert!(!stderr(&out).contains("already runs"), "{}", text(&out));
        let st = state_json(&lab.dir()).unwrap();
        assert_eq!(
            (st["variant"].as_str(), st["phase"].as_str()),
            (Some(then), Some("up"))
        );
        let out = lab.lab(&["verify", name]);
        assert!(out.status.success(), "{sig} then {then}: {}", text(&out));
    }
}

#[test]
fn a_signal_during_up_tears_it_down() {
    for sig in [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGINT] {
        let lab = TestLab::chapter4("ls");
        let file = lab.file();
        let up = spawn(&lab, &["up", file.to_str().unwrap(), "--nodes", "5"]);
        // Early in the bring-up, with most of it still to do: the nodes'
        // namespaces exist and nothing is up yet (a node runs no daemon; the
        // pods' nginx come last, too close to the end to stop before it).
        stop_when(&up, "the lab's namespaces", || {
            phase_is(&lab, "creating") && namespaces_of(&lab.name).len() >= 3
        });
        let procs = crate::labs::recorded(&lab.dir());
        signal_stopped(&up, sig);
        let out = finish(up);
        assert_eq!(out.status.code(), Some(130), "{sig}: {}", text(&out));
        assert!(
            stderr(&out).contains(&format!("{sig}: stopping")),
            "{}",
            text(&out)
        );
        assert_nothing_left(&lab, &procs, &format!("after {sig}"));
    }
}

#[test]
fn a_signal_during_test_tears_the_lab_down() {
    let lab = TestLab::chapter4("lt");
    let file = lab.file();
    let t = spawn(&lab, &["test", file.to_str().unwrap()]);
    stop_when(&t, "the lab to be up", || phase_is(&lab, "up"));
    let procs = crate::labs::recorded(&lab.dir());
    signal_stopped(&t, Signal::SIGTERM);
    let out = finish(t);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert_nothing_left(&lab, &procs, "after SIGTERM of test");
}

#[test]
fn ctrl_c_in_verify_leaves_no_command_running_in_the_lab() {
    // A check whose command outlives any signal's arrival.
    let lab = TestLab::new("chapter4", "lv", |y| {
        y + "  - name: a long command\n    on: node1\n    run: sleep 300; echo done\n    expect: { contains: done }\n"
    });
    lab.up(&[]);
    let in_node1 = || -> Vec<i32> {
        lab.pids_in("node1")
            .into_iter()
            .filter(|p| {
                !std::fs::read_to_string(format!("/proc/{p}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ")
            })
            .collect()
    };
    assert_eq!(in_node1(), Vec::<i32>::new(), "a node runs no daemon");
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        let v = spawn(&lab, &["verify", &lab.name]);
        // The long command itself, not a probe that happens to run in node1
        // first (those end on their own while `lab` is stopped).
        stop_when(&v, "the long command in node1", || {
            in_node1().iter().any(|p| {
                std::fs::read(format!("/proc/{p}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).starts_with("sleep\u{0}300"))
            })
        });
        signal_stopped(&v, sig);
        let out = finish(v);
        assert_eq!(out.status.code(), Some(130), "{sig}: {}", text(&out));
        // The command was killed with verify (sleep 300 would outlive any wait).
        wait_for("the long command to be gone", || in_node1().is_empty());
    }
    // The lab is still up and fine.
    let out = lab.lab(&["verify", &lab.name, "--only", "node reaches"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn later_commands_use_the_lab_as_it_was_brought_up() {
    let lab = TestLab::chapter4("lf");
    lab.up(&[]);
    let name = lab.name.as_str();
    crate::harness::edit(&lab.file(), "count: 2", "count: 3");
    let st = lab.lab(&["status", name]);
    assert!(st.status.success(), "{}", text(&st));
    assert!(
        stderr(&st).contains("warning: ") && stderr(&st).contains("changed since `lab up"),
        "{}",
        text(&st)
    );
    assert!(
        !text(&st).contains("node3"),
        "no phantom node3: {}",
        text(&st)
    );
    let out = lab.lab(&["verify", name]);
    assert!(out.status.success(), "{}", text(&out));
    let out = lab.ssh("node3", "true");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // Moved: everything still works, with a warning.
    let moved = tempfile::tempdir().unwrap();
    let away = Moved::new(lab.src.path(), &moved.path().join("lab"));
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .env("LAB_STATE_DIR", lab.state.path())
            .env("CI", "1")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["status", name]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("moved or removed"), "{}", text(&out));
    let out = run(&["destroy", name]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(namespaces_of(name).is_empty());
    drop(away);
}

/// A folder moved away, and back when the test ends, pass or fail.
struct Moved(PathBuf, PathBuf);

impl Moved {
    fn new(from: &Path, to: &Path) -> Moved {
        std::fs::rename(from, to).unwrap();
        Moved(from.to_path_buf(), to.to_path_buf())
    }
}

impl Drop for Moved {
    fn drop(&mut self) {
        let _ = std::fs::rename(&self.1, &self.0);
    }
}

#[test]
fn a_state_saying_vagrant_for_a_netns_lab_is_refused() {
    let lab = TestLab::chapter4("lp");
    lab.up(&[]);
    let spaces = namespaces_of(&lab.name);
    let f = lab.dir().join("state.json");
    let good = std::fs::read(&f).unwrap();
    let mut st: serde_json::Value = serde_json::from_slice(&good).unwrap();
    st["provider"] = "vagrant".into();
    std::fs::write(&f, serde_json::to_vec(&st).unwrap()).unwrap();
    let out = lab.lab(&["destroy", &lab.name]);
    let after = namespaces_of(&lab.name);
    // The true state back before asserting, so a failure still cleans up.
    std::fs::write(&f, good).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("says provider vagrant, but netns namespaces"),
        "{}",
        text(&out)
    );
    assert!(!stderr(&out).contains("destroyed"), "{}", text(&out));
    assert_eq!(after, spaces);
    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(namespaces_of(&lab.name).is_empty());
}

#[test]
fn two_ups_from_two_state_folders_leave_one_lab_up() {
    let lab = TestLab::chapter4("lw");
    let other = tempfile::tempdir().unwrap();
    let file = lab.file();
    let a = spawn(&lab, &["up", file.to_str().unwrap()]);
    let b = Running(Some(
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .env("LAB_STATE_DIR", other.path())
            .env("CI", "1")
            .args(["up", file.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let (a, b) = (finish(a), finish(b));
    let (winner, loser) = match (a.status.code(), b.status.code()) {
        (Some(0), Some(2)) => (lab.state.path(), other.path()),
        (Some(2), Some(0)) => (other.path(), lab.state.path()),
        _ => panic!(
            "one up wins, the other is refused:\n{}\n{}",
            text(&a),
            text(&b)
        ),
    };
    assert!(
        !loser.join(&lab.name).exists(),
        "the refused up left its state folder"
    );
    let out = crate::harness::lab_cmd_in(winner)
        .args(["verify", &lab.name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = crate::harness::lab_cmd_in(winner)
        .args(["destroy", &lab.name])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(namespaces_of(&lab.name).is_empty());
}

#[test]
fn a_signal_during_destroy_lets_it_finish() {
    // Repeated, at two moments: early (stopping processes) and at the very
    // end (removing the folder), where the signal used to race the exit.
    for (trial, step) in [
        "stop processes",
        "remove state folder",
        "remove state folder",
    ]
    .iter()
    .enumerate()
    {
        let lab = TestLab::chapter4("ld");
        lab.up(&[]);
        let procs = crate::labs::recorded(&lab.dir());
        let log = lab.dir().join("lab.log");
        let started = std::fs::read_to_string(&log).unwrap().len();
        let d = spawn(&lab, &["destroy", &lab.name]);
        stop_when(&d, "destroy to reach its step", || {
            std::fs::read_to_string(&log)
                .map(|t| t.get(started..).is_some_and(|t| t.contains(step)))
                .unwrap_or(false)
        });
        let pid = d.0.as_ref().unwrap().id();
        let stopped = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s[s.rfind(')').unwrap() + 1..].trim_start().starts_with('T'));
        signal_stopped(&d, Signal::SIGTERM);
        let out = finish(d);
        if !stopped {
            // It had exited before the signal: nothing to judge.
            eprintln!("trial {trial}: destroy ended before the signal");
            continue;
        }
        assert_eq!(
            out.status.code(),
            Some(130),
            "trial {trial} ({step}): {}",
            text(&out)
        );
        assert!(stderr(&out).contains("destroyed"), "{}", text(&out));
        assert_nothing_left(&lab, &procs, "after SIGTERM of destroy");
    }
}

/// Whoever holds a lab's lock (even a process that is not `lab`, with a
/// lock file that names an old command) is the one the busy message names.
#[test]
fn busy_names_the_real_holder_of_the_lock() {
    let (_, state) = crate::harness::lab_cmd();
    let name = crate::harness::unique_name("busy");
    let dir = state.path().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let lock = dir.join("lock");
    std::fs::write(&lock, br#"{"command":"up","pid":1,"since":0}"#).unwrap();
    let mut holder = Command::new("flock")
        .arg("-x")
        .arg(&lock)
        .args(["sleep", "30"])
        .spawn()
        .unwrap();
    let flock_pid = holder.id();
    wait_for("flock to hold the lock", || {
        std::fs::read_to_string("/proc/locks").is_ok_and(|l| l.contains(&format!(" {flock_pid} ")))
    });
    let out = crate::harness::lab_cmd_in(state.path())
        .args(["destroy", &name])
        .output()
        .unwrap();
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("PID {flock_pid}")),
        "the busy message does not name the holder {flock_pid}: {}",
        stderr(&out)
    );
}

/// A namespace added to `state.json` that the lab's host-wide claim does
/// not list is not the lab's: destroy refuses (exit 2) and removes nothing.
#[test]
fn destroy_refuses_a_state_naming_a_namespace_its_claim_does_not() {
    let lab = TestLab::chapter4("fc");
    lab.up(&[]);
    let foreign = format!("{}.foreign", lab.name);
    let mut guard = Foreign::add(&foreign);
    let path = lab.dir().join("state.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut st: serde_json::Value = serde_json::from_str(&original).unwrap();
    st["provider_state"]["namespaces"]
        .as_array_mut()
        .unwrap()
        .push(foreign.clone().into());
    std::fs::write(&path, serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    let out = lab.lab(&["destroy", &lab.name]);
    let survived = namespaces_of(&lab.name).contains(&foreign);
    let runs = guard.1.as_mut().unwrap().try_wait().unwrap().is_none();
    std::fs::write(&path, &original).unwrap();
    assert!(
        survived && runs,
        "the foreign namespace or its process was removed: {}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(stderr(&out).contains(&foreign), "{}", text(&out));

    // A process of the host whose command line names the state folder,
    // recorded as the lab's: refused, and it runs on.
    let mut other = Command::new("sh")
        .args(["-c", "sleep 30"])
        .arg(lab.dir())
        .spawn()
        .unwrap();
    let pid = other.id() as i32;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let start: u64 = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .parse()
        .unwrap();
    let mut st: serde_json::Value = serde_json::from_str(&original).unwrap();
    let procs = st["provider_state"]["processes"].as_array_mut().unwrap();
    let mut p = procs[0].clone();
    p["pid"] = pid.into();
    p["start_time"] = start.into();
    procs.push(p);
    std::fs::write(&path, serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    let out = lab.lab(&["destroy", &lab.name]);
    let runs = other.try_wait().unwrap().is_none();
    let _ = other.kill();
    let _ = other.wait();
    std::fs::write(&path, &original).unwrap();
    assert!(runs, "destroy killed a host process: {}", text(&out));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!("PID {pid}")),
        "{}",
        text(&out)
    );

    let out = lab.lab(&["destroy", &lab.name]);
    assert!(out.status.success(), "{}", text(&out));
    drop(guard);
}
