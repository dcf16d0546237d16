//! Batches of `ip`/`bridge` commands and other commands run concurrently,
//! each inside a lab namespace (entered by the child before it execs).

use super::netns_path;
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::process::Command;
use std::sync::Arc;

/// How many `ip`/`bridge` processes run at once.
pub const PARALLEL: usize = 8;
/// `iptables-restore` mostly waits on the kernel (nftables commits), so more
/// of them run at once.
pub const PARALLEL_WAITING: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Ip,
    Bridge,
}

/// One batch of `ip` or `bridge` commands, run in one process, inside a
/// lab namespace (or, for `netns add/del` only, from the host).
#[derive(Debug, Clone)]
pub struct Batch {
    pub netns: Option<String>,
    pub tool: Tool,
    pub text: String,
    /// Go on past failing lines and do not fail (deletions of what may be gone).
    pub tolerant: bool,
}

impl Batch {
    pub fn ip(netns: impl Into<String>, text: String) -> Batch {
        Batch {
            netns: Some(netns.into()),
            tool: Tool::Ip,
            text,
            tolerant: false,
        }
    }
    pub fn bridge(netns: impl Into<String>, text: String) -> Batch {
        Batch {
            netns: Some(netns.into()),
            tool: Tool::Bridge,
            text,
            tolerant: false,
        }
    }
    /// `netns add`/`netns del` lines, which act on the host's /run/netns.
    pub fn namespaces(text: String) -> Batch {
        Batch {
            netns: None,
            tool: Tool::Ip,
            text,
            tolerant: false,
        }
    }
    pub fn tolerant(mut self) -> Batch {
        self.tolerant = true;
        self
    }

    fn command(&self) -> Command {
        let mut c = Command::new(match self.tool {
            Tool::Ip => "ip",
            Tool::Bridge => "bridge",
        });
        if self.tolerant {
            c.arg("-force");
        }
        c.args(["-batch", "-"]);
        c
    }
}

/// A failed batch: name the line `ip` complained about (`Command failed -:N`).
fn explain(e: LabError, text: &str) -> LabError {
    match e {
        LabError::Command {
            command,
            status,
            output,
        } => {
            let line = output
                .split("Command failed -:")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| text.lines().nth(n.saturating_sub(1)));
            let output = match line {
                Some(l) => format!("{output}\n(batch line: {l})"),
                None => output,
            };
            LabError::Command {
                command,
                status,
                output,
            }
        }
        other => other,
    }
}

/// Run batches concurrently (at most [`PARALLEL`] processes); the first
/// failure is returned after all have finished. Each batch's text goes to
/// the log only when it fails (with the failing line named).
pub async fn run_batches(rep: &Reporter, batches: Vec<Batch>) -> Result<()> {
    let jobs = batches
        .into_iter()
        .filter(|b| !b.text.is_empty())
        .map(|b| Job {
            cmd: b.command(),
            netns: b.netns.clone(),
            explain: Some(b.text.clone()),
            input: Some(b.text.into_bytes()),
            tolerant: b.tolerant,
        })
        .collect();
    run_jobs(rep, jobs, PARALLEL).await.map(drop)
}

/// A command to run with optional input, inside a lab namespace or not.
pub struct Job {
    pub cmd: Command,
    /// Entered by the child before it execs (as `ip -n` would, without
    /// `ip`'s mount namespace and /sys remount, which cost a copy of the
    /// host's mount table per process).
    pub netns: Option<String>,
    pub input: Option<Vec<u8>>,
    /// Batch text, to name the failing line.
    pub explain: Option<String>,
    /// A failure is logged, not returned.
    pub tolerant: bool,
}

impl Job {
    pub fn new(cmd: Command, netns: Option<String>, input: Option<Vec<u8>>) -> Job {
        Job {
            cmd,
            netns,
            input,
            explain: None,
            tolerant: false,
        }
    }
}

/// Make `cmd`'s child enter the network namespace open at `fd` before it
/// execs. The parent must keep `fd` open until the child has started.
pub(super) fn enter_before_exec(cmd: &mut Command, fd: RawFd) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only an async-signal-safe system call runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Open a namespace of the lab, saying which when it is missing.
pub(super) fn open_netns(ns: &str) -> Result<File> {
    File::open(netns_path(ns))
        .map_err(|e| LabError::io(format!("opening network namespace {ns}"), e))
}

/// Run one job to completion (inside its namespace, if any).
async fn run_job(rep: &Reporter, mut job: Job) -> Result<std::process::Output> {
    let ns_file = match &job.netns {
        Some(ns) => {
            let f = open_netns(ns)?;
            enter_before_exec(&mut job.cmd, f.as_raw_fd());
            Some(f)
        }
        None => None,
    };
    let r = exec::run_async(rep, job.cmd, job.input).await;
    drop(ns_file);
    r.map_err(|e| {
        let e = match (&job.explain, e) {
            (Some(t), e) => explain(e, t),
            (None, e) => e,
        };
        match (e, &job.netns) {
            (
                LabError::Command {
                    command,
                    status,
                    output,
                },
                Some(ns),
            ) => LabError::Command {
                command: format!("{command} (in netns {ns})"),
                status,
                output,
            },
            (e, _) => e,
        }
    })
}

/// Run commands concurrently, at most `limit` at once; their outputs in
/// order, or the first failure after all have finished.
pub async fn run_jobs(
    rep: &Reporter,
    jobs: Vec<Job>,
    limit: usize,
) -> Result<Vec<std::process::Output>> {
    let sem = Arc::new(tokio::sync::Semaphore::new(limit.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let n = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        let permit = sem.clone().acquire_owned().await.expect("semaphore open");
        let rep = rep.clone();
        set.spawn(async move {
            let tolerant = job.tolerant;
            let r = run_job(&rep, job).await;
            drop(permit);
            let r = match r {
                Err(_) if tolerant => {
                    use std::os::unix::process::ExitStatusExt;
                    Ok(std::process::Output {
                        status: std::process::ExitStatus::from_raw(1 << 8),
                        stdout: vec![],
                        stderr: vec![],
                    })
                }
                r => r,
            };
            (i, r)
        });
    }
    let mut outs: Vec<Option<std::process::Output>> = vec![None; n];
    let mut first = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok((i, Ok(out))) => outs[i] = Some(out),
            Ok((_, Err(e))) => {
                first.get_or_insert(e);
            }
            Err(e) => {
                first.get_or_insert(LabError::Internal(format!("a command task failed: {e}")));
            }
        }
    }
    match first {
        Some(e) => Err(e),
        None => Ok(outs
            .into_iter()
            .map(|o| o.expect("every job finished"))
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_errors_name_the_line() {
        let e = LabError::Command {
            command: "ip -batch -".into(),
            status: "1".into(),
            output: "Error: x\nCommand failed -:2".into(),
        };
        let e = explain(e, "link set lo up\nlink add bad\n");
        assert!(e.to_string().contains("(batch line: link add bad)"), "{e}");
    }

    #[test]
    fn batch_commands() {
        let b = Batch::ip("t1.node1", "x\n".into());
        assert_eq!(exec::display(&b.command()), "ip -batch -");
        let b = Batch::bridge("t1.node1", "x\n".into()).tolerant();
        assert_eq!(exec::display(&b.command()), "bridge -force -batch -");
        assert_eq!(
            exec::display(&Batch::namespaces(String::new()).command()),
            "ip -batch -"
        );
    }
}
