//! Commands run concurrently (`iptables-restore`, `ip addr show`), each
//! inside a lab namespace (entered by the child before it execs).

use super::netns_path;
use crate::error::{LabError, Result};
use crate::exec;
use crate::report::Reporter;
use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};
use std::process::Command;
use std::sync::Arc;

/// How many commands run at once.
pub const PARALLEL: usize = 8;
/// `iptables-restore` mostly waits on the kernel (nftables commits), so more
/// of them run at once.
pub const PARALLEL_WAITING: usize = 32;

/// A command to run with optional input, inside a lab namespace or not.
pub struct Job {
    pub cmd: Command,
    /// Entered by the child before it execs (as `ip -n` would, without
    /// `ip`'s mount namespace and /sys remount, which cost a copy of the
    /// host's mount table per process).
    pub netns: Option<String>,
    pub input: Option<Vec<u8>>,
    /// A failure is logged, not returned.
    pub tolerant: bool,
}

impl Job {
    pub fn new(cmd: Command, netns: Option<String>, input: Option<Vec<u8>>) -> Job {
        Job {
            cmd,
            netns,
            input,
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
    r.map_err(|e| match (e, &job.netns) {
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
