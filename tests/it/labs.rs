//! Labs brought up by tests: a copy of a shipped lab under a unique name and
//! its own state folder, destroyed when the test ends, pass or fail.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub use crate::harness::unique_name;

static REPORTS: AtomicU32 = AtomicU32::new(0);

pub use crate::harness::require_root;

/// The lab's namespaces that exist now.
pub fn namespaces_of(name: &str) -> Vec<String> {
    std::fs::read_dir("/run/netns")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("{name}.")))
                .collect()
        })
        .unwrap_or_default()
}

pub struct TestLab {
    pub name: String,
    /// The copied lab folder (holds lab.yaml and its manifests).
    pub src: tempfile::TempDir,
    /// LAB_STATE_DIR of this lab.
    pub state: tempfile::TempDir,
}

impl TestLab {
    /// A session on node1 of this lab (up), as lab's library makes it:
    /// 30 s a command.
    pub fn node1_session(&self) -> lab::provider::netns::session::NetnsSession {
        lab::provider::netns::session::NetnsSession::new(
            &self.name,
            &lab::provider::netns::files::Layout::new(self.dir()),
            ["node1".to_string()],
            Some(std::time::Duration::from_secs(30)),
            &lab::report::Reporter::quiet(),
        )
        .unwrap()
    }

    /// The pod the lab file places on `node`.
    pub fn pod_on(&self, node: &str) -> lab::testbed::PodPlacement {
        lab::spec::load_file(&self.file(), lab::spec::LoadOptions::default())
            .unwrap()
            .placements()
            .into_iter()
            .find(|p| p.node == node)
            .unwrap_or_else(|| panic!("a pod on {node}"))
    }

    /// A copy of `labs/<lab>` named uniquely; `edit` may change lab.yaml's text.
    pub fn new(lab: &str, prefix: &str, edit: impl FnOnce(String) -> String) -> TestLab {
        require_root();
        let name = unique_name(prefix);
        let src = crate::harness::copy_lab(lab, &name);
        let yaml = std::fs::read_to_string(src.path().join("lab.yaml")).unwrap();
        std::fs::write(src.path().join("lab.yaml"), edit(yaml)).unwrap();
        TestLab {
            name,
            src,
            state: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn chapter4(prefix: &str) -> TestLab {
        TestLab::new("chapter4", prefix, |y| y)
    }

    pub fn file(&self) -> PathBuf {
        self.src.path().join("lab.yaml")
    }

    /// The lab's state folder.
    pub fn dir(&self) -> PathBuf {
        self.state.path().join(&self.name)
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lab"));
        c.env("LAB_STATE_DIR", self.state.path())
            .env("CI", "1")
            .current_dir(self.src.path());
        c
    }

    /// Run `lab <args>`.
    pub fn lab(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run lab")
    }

    /// `lab up` with extra arguments; panics with lab's output if it fails.
    pub fn up(&self, extra: &[&str]) {
        let file = self.file();
        let mut args = vec!["up", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = self.lab(&args);
        assert!(out.status.success(), "lab up failed:\n{}", text(&out));
    }

    /// Run a command on a node over the lab's SSH path.
    pub fn ssh(&self, node: &str, cmd: &str) -> Output {
        self.lab(&["ssh", &self.name, node, "--", cmd])
    }

    /// `lab ssh LAB NODE -- CMD` started, its output piped, not waited for.
    pub fn ssh_spawn(&self, node: &str, cmd: &str) -> std::process::Child {
        self.cmd()
            .args(["ssh", &self.name, node, "--", cmd])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("lab ssh")
    }

    /// Run a command in one of the lab's namespaces from the host (for
    /// sabotage: changing the lab underneath `lab`).
    pub fn in_ns(&self, ns: &str, cmd: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &format!("{}.{ns}", self.name)])
            .args(cmd)
            .output()
            .expect("ip netns exec")
    }

    /// PIDs of processes inside one of the lab's namespaces, the guard's
    /// own `nft` (in the guard's cgroup, `<lab>.nat`, not the node's: see
    /// `owned_bounds`) left out.
    pub fn pids_in(&self, ns: &str) -> Vec<i32> {
        let out = Command::new("ip")
            .args(["netns", "pids", &format!("{}.{ns}", self.name)])
            .output()
            .expect("ip netns pids");
        let guards = format!("{}.nat", self.name);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .filter(|p: &i32| {
                !std::fs::read_to_string(format!("/proc/{p}/cgroup"))
                    .unwrap_or_default()
                    .contains(&guards)
            })
            .collect()
    }

    /// `lab verify --json` and the parsed report.
    pub fn verify(&self, extra: &[&str]) -> (Output, serde_json::Value) {
        let json = self.state.path().join(format!(
            "verify-{}.json",
            REPORTS.fetch_add(1, Ordering::SeqCst)
        ));
        let mut args = vec![
            "verify",
            self.name.as_str(),
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = self.lab(&args);
        let report = std::fs::read(&json)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        (out, report)
    }
}

impl Drop for TestLab {
    fn drop(&mut self) {
        let _ = self.lab(&["destroy", &self.name, "--purge"]);
        let left = namespaces_of(&self.name);
        if !left.is_empty() && !std::thread::panicking() {
            panic!("namespaces of {} left after destroy: {left:?}", self.name);
        }
        let left = cgroups_of(&self.name);
        if !left.is_empty() && !std::thread::panicking() {
            panic!("cgroups of {} left after destroy: {left:?}", self.name);
        }
    }
}

/// stdout and stderr of a run, for messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Verdict of the check named `name` in a JSON report.
pub fn verdict<'a>(report: &'a serde_json::Value, name: &str) -> &'a str {
    report["results"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == name))
        .and_then(|c| c["verdict"].as_str())
        .unwrap_or_else(|| panic!("no check '{name}' in report: {report}"))
}

/// The processes a lab's state records (PID, start time), from its state folder.
pub fn recorded(dir: &std::path::Path) -> Vec<(i32, u64)> {
    let Ok(text) = std::fs::read(dir.join("state.json")) else {
        return vec![];
    };
    let Ok(state) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return vec![];
    };
    state["provider_state"]["processes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["pid"].as_i64().unwrap() as i32,
                        p["start_time"].as_u64().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the process `pid` that started at `start_time` still runs.
pub fn alive(pid: i32, start_time: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .is_some_and(|s| {
            let f: Vec<&str> = s[s.rfind(')').unwrap() + 1..].split_whitespace().collect();
            f[0] != "Z" && f[19].parse::<u64>().ok() == Some(start_time)
        })
}

/// The host's mounts of the lab `name` (its nodes' roots).
pub fn mounts_of(name: &str) -> Vec<String> {
    let root = format!("/run/lab-root/{name}/");
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(&root))
        .map(str::to_string)
        .collect()
}

/// The host's cgroups of the lab `name` (`lab-<name>.*`), in every
/// hierarchy under `/sys/fs/cgroup` (v1's per controller, v2's root).
pub fn cgroups_of(name: &str) -> Vec<String> {
    let prefix = format!("lab-{name}.");
    let root = std::path::Path::new("/sys/fs/cgroup");
    let mut places = vec![root.to_path_buf()];
    places.extend(
        std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir()),
    );
    let mut out: Vec<String> = places
        .iter()
        .flat_map(|p| std::fs::read_dir(p).into_iter().flatten().flatten())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path().display().to_string())
        .collect();
    out.sort();
    out
}
