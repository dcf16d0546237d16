//! Start the guard of the nodes' tables (see [`super::super::guard`]) unless
//! the one recorded still runs, record it, and wait until it watches.

use super::super::ctx::NetnsCtx;
use super::super::provider_state::ProcRecord;
use super::super::{cgroups, names, sys, table_bounds};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use async_trait::async_trait;
use std::time::{Duration, Instant};

pub struct Guard;

/// Tell the guard recorded for the lab, if it still runs, `sig`
/// ([`super::super::guard::REMAKE`]).
pub fn tell(ctx: &NetnsCtx, sig: nix::sys::signal::Signal) {
    for p in ctx.ps.processes.iter().filter(|p| p.what == WHAT) {
        sys::signal_if_same(p.pid, p.start_time, sig);
    }
}

/// How long the guard gets to open a socket in every node.
const TIMEOUT: Duration = Duration::from_secs(30);
pub const WHAT: &str = "guard";

#[async_trait]
impl Step<NetnsCtx> for Guard {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let running = ctx
            .ps
            .processes
            .iter()
            .any(|p| p.what == WHAT && sys::is_alive(p.pid, p.start_time));
        if running {
            return Ok(());
        }
        ctx.ps.processes.retain(|p| p.what != WHAT);
        let lab = &ctx.lab;
        let bound = table_bounds::entries_a_node_of(lab);
        let orphans = table_bounds::orphans_a_node_keeps(host_orphans(), lab.nodes.len());
        let devices = table_bounds::devices_a_node_of(lab);
        let routes = table_bounds::routes_a_node_keeps(lab.nodes.len());
        let mut cmd = std::process::Command::new(&ctx.exe);
        let listeners = super::super::files::absolute(&ctx.layout.guard_socket())?;
        cmd.args(["guard", "--bound", &bound.to_string()])
            .args(["--orphans", &orphans.to_string()])
            .args(["--devices", &devices.to_string()])
            .args(["--routes", &routes.to_string(), "--listeners"])
            .arg(&listeners)
            .arg("--owned-bounds")
            .arg(super::super::files::absolute(&ctx.layout.owned_bounds())?)
            .arg(&lab.name)
            .args(lab.nodes.iter().map(|n| &n.name));
        let netns = names::nat_ns(&lab.name);
        // Its CPU limit, joined before it runs (see `cgroups::GUARD_CPU_PERCENT`).
        let procs = {
            let ns = netns.clone();
            tokio::task::spawn_blocking(move || {
                cgroups::make_cpu_only(&ns, cgroups::GUARD_CPU_PERCENT)
            })
            .await
            .map_err(|e| LabError::Internal(format!("making the guard's cgroup: {e}")))??
        };
        match procs {
            Some(procs) => join_before_exec(&mut cmd, &procs)?,
            None => ctx
                .rep
                .info("the guard of the nodes' tables runs WITHOUT a CPU limit: no cgroup hierarchy lab can use has the cpu controller".to_string()),
        }
        let log = ctx.layout.guard_log();
        ctx.rep.log(&format!(
            "$ {} & (in netns {netns})",
            crate::exec::display(&cmd)
        ));
        let (pid, start_time) = {
            let (log, netns) = (log.clone(), netns.clone());
            sys::on_thread(move || sys::spawn_daemon(cmd, &netns, None, &log, None)).await??
        };
        ctx.ps.processes.push(ProcRecord {
            pid,
            start_time,
            what: WHAT.into(),
            of: lab.name.clone(),
            netns,
        });
        ctx.save()?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let said = said_by(&log);
            if said
                .lines()
                .any(|l| l.starts_with(super::super::guard::WATCHING))
            {
                return Ok(());
            }
            if !sys::is_alive(pid, start_time) || Instant::now() > deadline {
                return Err(LabError::Step {
                    step: "guard of the nodes' tables".into(),
                    message: format!(
                        "the guard (PID {pid}) does not watch the nodes; its log {} says: {}",
                        log.display(),
                        said.trim()
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Make `cmd`'s child join the cgroup whose `cgroup.procs` is `procs` before
/// it execs (`0`, itself, written to the file the parent opened): every
/// cycle of the guard's is counted.
fn join_before_exec(cmd: &mut std::process::Command, procs: &std::path::Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(procs)
        .map_err(|e| LabError::io(format!("opening {}", procs.display()), e))?;
    // SAFETY: write(2) is async-signal-safe; the file (close-on-exec) is
    // the closure's, open until the command is dropped.
    unsafe {
        cmd.pre_exec(move || {
            if libc::write(file.as_raw_fd(), b"0".as_ptr().cast(), 1) == 1 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    Ok(())
}

/// The first 64 KiB of the guard's log (the lab's own file, in its 0700
/// state folder).
fn said_by(log: &std::path::Path) -> String {
    use std::io::Read;
    let mut out = Vec::new();
    if let Ok(f) = crate::input_file::open_regular(std::fs::OpenOptions::new().read(true), log) {
        let _ = f.take(64 << 10).read_to_end(&mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The most orphaned TCP connections the host's kernel keeps
/// (`net.ipv4.tcp_max_orphans`: one count for the host, shown only in its
/// own network namespace, where `up` runs; 4096, the least the kernel
/// sets, where it cannot be read).
fn host_orphans() -> u64 {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_max_orphans")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096)
}
