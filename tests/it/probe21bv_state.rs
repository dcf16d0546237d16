//! probe21bv finding 3: a `state.json` edited to list a namespace that
//! carries the lab's prefix but that `lab` never made (`ip netns add
//! LAB.foreign`, a host process in it). `destroy` refused it, but `verify`,
//! `ssh` and `inspect` used it, `apply` copied the name into the lab's
//! host-wide claim, and the next `destroy` then killed the process and
//! deleted the namespace.

use crate::labs::{TestLab, text};
use std::process::{Child, Command};

/// The start time (field 22 of `/proc/PID/stat`) of `pid`.
pub(crate) fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split(' ').nth(19).unwrap().parse().unwrap()
}

/// A namespace of the lab's prefix made by the test, not by `lab`, with a
/// `sleep` in it: both removed when dropped (by the sleep's own PID and
/// the namespace's own name), pass or fail.
pub(crate) struct Foreign {
    pub(crate) ns: String,
    pub(crate) sleep: Child,
}

impl Foreign {
    /// The lab's `state.json` (`good`) with this namespace added to its
    /// namespaces, and (`with_process`) this sleep recorded as a pod's nginx
    /// in it: a state the host-wide claim does not back.
    pub(crate) fn crafted_into(&self, good: &[u8], with_process: bool) -> serde_json::Value {
        let pid = self.sleep.id();
        let mut state: serde_json::Value = serde_json::from_slice(good).unwrap();
        let ps = &mut state["provider_state"];
        ps["namespaces"]
            .as_array_mut()
            .unwrap()
            .push(self.ns.clone().into());
        if with_process {
            let of = ps["pods"][0]["name"].as_str().unwrap().to_string();
            ps["processes"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({
                    "pid": pid, "start_time": start_time(pid), "what": "nginx",
                    "of": of, "netns": self.ns,
                }));
        }
        state
    }

    pub(crate) fn new(lab: &str) -> Foreign {
        let ns = format!("{lab}.foreign");
        let ok = Command::new("ip")
            .args(["netns", "add", &ns])
            .status()
            .unwrap();
        assert!(ok.success(), "ip netns add {ns}");
        let sleep = Command::new("ip")
            .args(["netns", "exec", &ns, "sleep", "600"])
            .spawn()
            .unwrap();
        // `ip netns exec` execs the sleep: the same PID, once it runs in
        // the namespace.
        for _ in 0..100 {
            let exe = std::fs::read_link(format!("/proc/{}/exe", sleep.id()))
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            if exe.ends_with("/sleep") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Foreign { ns, sleep }
    }

    pub(crate) fn alive(&mut self) -> bool {
        self.sleep.try_wait().unwrap().is_none()
    }

    pub(crate) fn exists(&self) -> bool {
        std::path::Path::new("/run/netns").join(&self.ns).exists()
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        let _ = self.sleep.kill();
        let _ = self.sleep.wait();
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

/// The namespaces the lab's host-wide claim lists.
fn claimed(name: &str) -> Vec<String> {
    lab::state::claim::read(name)
        .map(|c| c.namespaces)
        .unwrap_or_default()
}

/// Seen failing with `claimed::refuse_untrusted` out of the netns
/// provider's `access`, `apply` and `status` and `NetnsCtx::save` copying
/// the state's namespaces into the claim (as at f04b48c): `verify` exit 0
/// on the crafted state, and after `apply` the claim listed
/// `LAB.foreign`.
#[test]
fn a_namespace_the_claim_does_not_list_is_used_by_no_command_and_never_claimed() {
    let t = TestLab::chapter4("stn");
    t.up(&[]);
    // Dropped before the lab (declared after it): the lab's own teardown
    // never finds it.
    let mut foreign = Foreign::new(&t.name);
    let file = t.dir().join("state.json");
    let good = std::fs::read(&file).unwrap();
    let before = claimed(&t.name);
    assert!(!before.is_empty(), "the lab's claim lists its namespaces");
    assert!(!before.contains(&foreign.ns), "{before:?}");
    for with_process in [false, true] {
        let state = foreign.crafted_into(&good, with_process);
        std::fs::write(&file, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
        let name = t.name.as_str();
        let runs: Vec<_> = [
            vec!["verify", name],
            vec!["ssh", name, "node1", "--", "true"],
            vec!["inspect", name],
            vec!["graph", name, "--format", "dot"],
            vec!["apply", name, "--variant", "fixed"],
            vec!["status", name],
            vec!["destroy", name],
        ]
        .into_iter()
        .map(|args| (args.clone(), t.lab(&args)))
        .collect();
        let claim_after = claimed(name);
        let (alive, exists) = (foreign.alive(), foreign.exists());
        // The state as it was before anything is asserted: the lab's own
        // destroy at the end (pass or fail) takes the lab down.
        std::fs::write(&file, &good).unwrap();
        let case = if with_process {
            "namespace and process"
        } else {
            "namespace"
        };
        assert!(alive, "{case}: the sleep in {} was killed", foreign.ns);
        assert!(exists, "{case}: {} was deleted", foreign.ns);
        assert_eq!(claim_after, before, "{case}: the claim changed");
        for (args, out) in &runs {
            let said = text(out);
            assert!(
                said.contains(&format!("lists namespace {}", foreign.ns)),
                "{case}: {args:?}: {said}"
            );
            if args[0] == "status" {
                assert_eq!(out.status.code(), Some(0), "{case}: {said}");
                assert!(said.contains("warning"), "{case}: {said}");
            } else {
                assert_eq!(out.status.code(), Some(2), "{case}: {args:?}: {said}");
            }
        }
    }
    // The state as `lab` wrote it: `apply` switches, and the claim is the
    // same list of names after (the pods' namespaces made again).
    let out = t.lab(&["apply", &t.name, "--variant", "fixed"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut after = claimed(&t.name);
    let mut was = before.clone();
    after.sort();
    was.sort();
    assert_eq!(after, was);
    let out = t.lab(&["verify", &t.name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(foreign.alive() && foreign.exists());
}

/// probe21bv's lessers on a lab with a node the guard stopped: `lab ssh`
/// to it, `lab inspect` and `lab graph` said "no namespace …" where
/// `verify` and `apply` name the stop; `lab book` called the tables that
/// show the stopped node (`get nodes`: `NotReady`; `get pods`: `0/1`)
/// drift, the stop unnamed; and `lab book` on a chapter edited after `up`
/// warned "using the lab as it was brought up", then replayed the edited
/// chapter. Seen failing with `refuse_stopped_node` and
/// `refuse_stopped_nodes` out of `cli/ssh.rs` and `graph/live.rs`, the
/// book's `stopped_nodes::mark` leaving skipped lines with differences and
/// `ops/book.rs` giving `State::lab_drift`'s words: `lab ssh` said "lab
/// proxy: node node1 of lab … is not up here (no namespace …)".
#[test]
fn a_stopped_node_is_named_by_ssh_inspect_graph_and_book() {
    let t = TestLab::chapter4("stnq");
    t.up(&[]);
    // The chapter edited after `up`: `book` reads it as it is now.
    let chapter = t.src.path().join("chapter.md");
    let mut text_now = std::fs::read_to_string(&chapter).unwrap();
    text_now.push_str("\nA paragraph written after `lab up`.\n");
    std::fs::write(&chapter, text_now).unwrap();
    crate::guard::stop_node1(&t);
    let stop = "node node1 was stopped by the guard";
    let name = t.name.as_str();
    for args in [
        vec!["ssh", name, "node1", "--", "true"],
        vec!["inspect", name],
        vec!["graph", name, "--format", "dot"],
    ] {
        let out = t.lab(&args);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {said}");
        assert!(
            said.contains(stop) && said.contains(&format!("lab destroy {name}")),
            "{args:?}: {said}"
        );
        assert!(
            !said.contains("no namespace") && !said.contains("No such file"),
            "{args:?}: {said}"
        );
    }
    // Another node is still reached.
    let out = t.lab(&["ssh", name, "node2", "--", "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let json = t.state.path().join("stnq-book.json");
    let file = t.file();
    let out = t.lab(&[
        "book",
        file.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "replays the chapter {} as it is now, on the lab as it was brought up",
            chapter.display()
        )),
        "{said}"
    );
    let book: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap_or_default())
        .unwrap_or_else(|e| panic!("no book report ({e}): {said}"));
    let on_the_lab: Vec<&serde_json::Value> = book["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|b| b["commands"].as_array().into_iter().flatten())
        .filter(|c| {
            c["ran_on"]
                .as_str()
                .is_some_and(|on| on != "kubectl" && on != "lab")
        })
        .collect();
    let tables = on_the_lab
        .iter()
        .filter(|c| c["ran_on"] == "lab (observed)")
        .count();
    assert!(tables > 0, "no table the lab observed: {said}");
    let unnamed: Vec<String> = on_the_lab
        .iter()
        .filter(|c| {
            let differs = c["differences"].as_array().is_some_and(|d| !d.is_empty());
            let named =
                c["verdict"] == "error" && c["reason"].as_str().is_some_and(|r| r.contains(stop));
            differs && !named
        })
        .map(|c| format!("{} {} ({})", c["line"], c["command"], c["verdict"]))
        .collect();
    assert!(
        unnamed.is_empty(),
        "differences on the lab without the stop named: {unnamed:?}"
    );
}
