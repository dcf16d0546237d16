//! What the netns provider records in the lab's state (`provider_state`):
//! the namespaces it made, the processes it started (with their start time,
//! so a reused PID is never killed) and the pods.
//!
//! None of it is believed blindly ([`NetnsState::trusted`]): every namespace
//! must carry the lab's prefix, and a recorded PID that is alive must still
//! be the process `lab` started (its start time, its executable as recorded
//! when it started, and a command line naming the lab's state folder; the
//! line itself is not compared, as sshd and nginx retitle themselves), or
//! `destroy` refuses.

use super::flanneld::Lease;
use crate::error::{LabError, Result};
use crate::provider::PodRef;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A process `lab` started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcRecord {
    pub pid: i32,
    /// Field 22 of `/proc/<pid>/stat` (clock ticks since boot): with the PID,
    /// identifies the process across PID reuse.
    pub start_time: u64,
    /// What it is (`nginx`).
    pub what: String,
    /// The node or pod it serves.
    pub of: String,
    /// The network namespace it runs in.
    pub netns: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetnsState {
    /// Every namespace made (or about to be made) for the lab.
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub processes: Vec<ProcRecord>,
    #[serde(default)]
    pub pods: Vec<PodRef>,
    /// Each node's flannel lease in the current variant.
    #[serde(default)]
    pub leases: Vec<Lease>,
    /// Pods made so far count generations (each `apply` makes a new one),
    /// which name their veths.
    #[serde(default)]
    pub pod_generation: u32,
    /// The executable of each recorded process, read when it was recorded.
    #[serde(default)]
    pub exes: Vec<ProcExe>,
    /// The lab's host uids and gids (chosen at `up`, see `ids`); none in
    /// the state of a lab brought up by an older `lab`.
    #[serde(default)]
    pub ids: Option<super::ids::Ids>,
}

/// The executable (`/proc/<pid>/exe`) of a recorded process, with its PID
/// and start time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcExe {
    pub pid: i32,
    pub start_time: u64,
    pub exe: String,
}

/// A process's executable now.
pub fn exe_of(pid: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Whether a command line (`/proc/PID/cmdline`: arguments split by NULs,
/// or one retitled string) names `dir` or a path beneath it, as a word of
/// its own: the text after it ends there or goes on with `/`.
fn names_folder(cmdline: &[u8], dir: &[u8]) -> bool {
    let dir = dir.strip_suffix(b"/").unwrap_or(dir);
    if dir.is_empty() {
        return false;
    }
    let word_start = |i: usize| i == 0 || matches!(cmdline[i - 1], 0 | b' ' | b'=');
    let word_goes_on = |j: usize| j == cmdline.len() || matches!(cmdline[j], 0 | b' ' | b'/');
    (0..cmdline.len().saturating_sub(dir.len() - 1))
        .any(|i| cmdline[i..].starts_with(dir) && word_start(i) && word_goes_on(i + dir.len()))
}

/// A process's command line now (arguments joined by spaces).
pub fn cmdline_of(pid: i32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    if raw.is_empty() {
        return None;
    }
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// How long a recorded process that is exiting is waited for.
const ENDING: std::time::Duration = std::time::Duration::from_secs(5);

impl NetnsState {
    pub fn from_value(v: &serde_json::Value) -> Result<NetnsState> {
        if v.is_null() {
            return Ok(NetnsState::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| {
            LabError::NeedsRepair(format!(
                "the lab's netns state is not valid ({e}); `lab destroy` removes the lab"
            ))
        })
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("state serializes")
    }

    /// Record namespaces about to be made (before making them).
    pub fn add_namespaces(&mut self, names: impl IntoIterator<Item = String>) {
        for n in names {
            if !self.namespaces.contains(&n) {
                self.namespaces.push(n);
            }
        }
    }

    /// Record the executable of every process recorded without one (read
    /// right after it was started; a process already gone gets none).
    pub fn record_exes(&mut self) {
        self.exes.retain(|c| {
            self.processes
                .iter()
                .any(|p| p.pid == c.pid && p.start_time == c.start_time)
        });
        for p in &self.processes {
            let known = self
                .exes
                .iter()
                .any(|c| c.pid == p.pid && c.start_time == p.start_time);
            if !known
                && super::sys::is_alive(p.pid, p.start_time)
                && let Some(exe) = exe_of(p.pid)
            {
                self.exes.push(ProcExe {
                    pid: p.pid,
                    start_time: p.start_time,
                    exe,
                });
            }
        }
    }

    /// Check that this state belongs to the lab `name` whose state folder is
    /// `dir`: every namespace is the lab's, and every recorded process that
    /// still runs is the one `lab` started for it. Returns the recorded
    /// processes that run (to stop); an error says what does not agree.
    pub fn trusted(&self, name: &str, dir: &Path) -> Result<Vec<(i32, u64)>> {
        let prefix = super::names::prefix(name);
        let untrusted = |what: String| {
            LabError::Untrusted(format!(
                "the state of lab '{name}' in {} does not agree with this lab: {what}; it was copied or crafted, so nothing was changed",
                dir.display()
            ))
        };
        let foreign = self
            .namespaces
            .iter()
            .chain(self.processes.iter().map(|p| &p.netns))
            .find(|n| !n.starts_with(&prefix) || n.contains('/'));
        if let Some(n) = foreign {
            return Err(untrusted(format!(
                "namespace '{n}' is not one of lab '{name}'"
            )));
        }
        let dir_bytes = dir.as_os_str().as_encoded_bytes();
        let mut running = Vec::new();
        for p in &self.processes {
            // A process being killed right now (a `destroy` killed in turn,
            // probe21at) reads as no program in no namespace: wait for it
            // to end (as long as a lock waits for a gone holder's children),
            // rather than call the state crafted.
            if p.pid > 1 {
                super::sys::wait_while_ending(p.pid, p.start_time, ENDING);
            }
            if p.pid <= 1 || !super::sys::is_alive(p.pid, p.start_time) {
                continue; // gone (or a reused PID, which is another process)
            }
            let raw = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default();
            let now = cmdline_of(p.pid).unwrap_or_default();
            let recorded = self
                .exes
                .iter()
                .find(|c| c.pid == p.pid && c.start_time == p.start_time);
            // A process inside the lab namespace it was recorded in is the
            // lab's whatever it runs now: a pod's nginx that exec'd another
            // program (or whose package was upgraded: `... (deleted)`) made
            // the lab undestroyable (the fifteenth probe). Outside, it must
            // still be the executable recorded.
            let inside = super::sys::runs_in(p.pid, &p.netns);
            let same = inside || recorded.is_none_or(|c| Some(&c.exe) == exe_of(p.pid).as_ref());
            // Lab's: its command line names the state folder (spaces in
            // the folder's path included: split at spaces, a lab under
            // "my labs" could never be destroyed: the thirteenth probe), or
            // it runs in the lab namespace it was recorded in (a pod's
            // nginx may retitle itself; no process can join a namespace
            // of the lab's from outside it).
            let ours = inside || names_folder(&raw, dir_bytes);
            if !same || !ours {
                return Err(untrusted(format!(
                    "PID {} recorded as {} of {} runs `{now}`, not a process lab started from this state folder",
                    p.pid, p.what, p.of
                )));
            }
            running.push((p.pid, p.start_time));
        }
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_state_json() {
        let mut s = NetnsState::default();
        s.add_namespaces([
            "t1.net".to_string(),
            "t1.node1".to_string(),
            "t1.net".to_string(),
        ]);
        assert_eq!(s.namespaces.len(), 2);
        s.processes.push(ProcRecord {
            pid: 42,
            start_time: 1234,
            what: "nginx".into(),
            of: "web-node1-0".into(),
            netns: "t1.pod.web-node1-0".into(),
        });
        s.pods.push(PodRef {
            name: "web-node1-0".into(),
            app: "web".into(),
            node: "node1".into(),
            ip: "10.244.1.2".parse().unwrap(),
            port: 80,
            namespace: "default".into(),
        });
        let state = crate::state::State {
            name: "t1".into(),
            provider: crate::provider::Kind::Netns,
            lab_file: "/x/lab.yaml".into(),
            lab_files: vec![],
            lab_digest: None,
            workers: None,
            variant: "broken".into(),
            phase: crate::state::Phase::Creating,
            applying: None,
            apply_failed: None,
            instance: None,
            instance_of: None,
            provider_state: s.to_value(),
        };
        let text = serde_json::to_string(&state).unwrap();
        let back: crate::state::State = serde_json::from_str(&text).unwrap();
        assert_eq!(NetnsState::from_value(&back.provider_state).unwrap(), s);
        assert_eq!(
            NetnsState::from_value(&serde_json::Value::Null).unwrap(),
            NetnsState::default()
        );
    }

    fn record(pid: i32, start_time: u64, netns: &str) -> ProcRecord {
        ProcRecord {
            pid,
            start_time,
            what: "sshd".into(),
            of: "node1".into(),
            netns: netns.into(),
        }
    }

    #[test]
    fn a_state_is_trusted_only_for_its_own_lab_and_processes() {
        let dir = Path::new("/tmp/state/t1");
        let mut s = NetnsState::default();
        s.add_namespaces(["t1.net".to_string()]);
        assert_eq!(s.trusted("t1", dir).unwrap(), vec![]);
        // A namespace of another lab.
        let mut other = s.clone();
        other.add_namespaces(["t2.net".to_string()]);
        let e = other.trusted("t1", dir).unwrap_err();
        assert!(matches!(e, LabError::Untrusted(_)), "{e}");
        assert!(e.to_string().contains("'t2.net'"), "{e}");
        // A live process that is not lab's: this test process (its command
        // line does not name the state folder).
        let me = std::process::id() as i32;
        let st = super::super::sys::proc_stat(me).unwrap().start_time;
        let mut mine = s.clone();
        mine.processes.push(record(me, st, "t1.node1"));
        let e = mine.trusted("t1", dir).unwrap_err();
        assert!(e.to_string().contains(&format!("PID {me}")), "{e}");
        // A dead or reused PID is left alone, not refused.
        let mut gone = s.clone();
        gone.processes.push(record(me, st + 1, "t1.node1"));
        assert_eq!(gone.trusted("t1", dir).unwrap(), vec![]);
        // A process whose command line names the state folder is trusted ...
        let exe = std::env::current_exe().unwrap();
        let ok = NetnsState {
            processes: vec![record(me, st, "t1.node1")],
            ..s.clone()
        };
        let parent = exe.parent().unwrap();
        assert_eq!(ok.trusted("t1", parent).unwrap(), vec![(me, st)]);
        // ... unless it is not the executable recorded when it started.
        let mut changed = ok.clone();
        changed.exes.push(ProcExe {
            pid: me,
            start_time: st,
            exe: "/usr/sbin/sshd".into(),
        });
        assert!(changed.trusted("t1", parent).is_err());
        let mut recorded = ok.clone();
        recorded.record_exes();
        assert_eq!(recorded.exes.len(), 1);
        assert_eq!(recorded.trusted("t1", parent).unwrap(), vec![(me, st)]);
    }

    /// The state folder is found in a command line whole, spaces in its
    /// path and a retitled nginx's one string included, never as the
    /// start of another folder's name.
    #[test]
    fn a_command_line_names_the_state_folder_as_a_word() {
        let dir = b"/tmp/my labs/.lab/t1";
        for (cmdline, named) in [
            (&b"nginx\0-p\0/tmp/my labs/.lab/t1/pods/x/\0"[..], true),
            (
                b"nginx: master process nginx -p /tmp/my labs/.lab/t1/pods/x/",
                true,
            ),
            (b"sshd\0-f\0/tmp/my labs/.lab/t1\0", true),
            (b"x\0--conf=/tmp/my labs/.lab/t1/c\0", true),
            (b"nginx\0-p\0/tmp/my labs/.lab/t10/pods/x/\0", false),
            (b"nginx\0-p\0/tmp/my\0labs/.lab/t1\0", false),
            (b"sleep\0infinity\0", false),
            (b"", false),
        ] {
            assert_eq!(
                names_folder(cmdline, dir),
                named,
                "{}",
                String::from_utf8_lossy(cmdline)
            );
        }
    }
}
