//! A real sshd per node, in the node's network namespace and in its own UTS
//! and mount namespaces (`hostname` says the node's name; `/run` is the
//! node's own, and so is `/`: an overlay over the host's, mounted here once
//! per node at `/run/lab-root/<lab>/<node>`; see [`sys::NodeSetup`]). The child enters them and execs
//! sshd, so the PID spawned is sshd's: recorded with its start time.

use super::super::ctx::NetnsCtx;
use super::super::files;
use super::super::pstate::ProcRecord;
use super::super::sys;
use crate::bringup::Step;
use crate::error::Result;
use async_trait::async_trait;

pub struct Sshd;

#[async_trait]
impl Step<NetnsCtx> for Sshd {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let nodes: Vec<String> = ctx.lab.nodes.iter().map(|n| n.name.clone()).collect();
        let mut result = Ok(());
        for node in nodes {
            let ns = ctx.ns_of_node(&node);
            let mut cmd = std::process::Command::new(&ctx.programs.sshd);
            // -r: no re-exec of sshd for each connection. Re-exec buys a fresh
            // address-space layout per connection; inside a lab namespace that
            // is worth less than the ~10 ms of CPU it costs each connection
            // (a sweep of a 100-node lab opens 100; measured here: 40
            // connections, 2.06 s of CPU with re-exec, 1.60 s without).
            cmd.args(["-D", "-e", "-r", "-f"])
                .arg(ctx.layout.sshd_config());
            let started = files::mount_node_root(&ctx.layout, &ctx.lab.name, &node)
                .and_then(|()| ctx.layout.node_setup(&ctx.lab.name, &node))
                .and_then(|setup| {
                    ctx.rep.log(&format!(
                        "$ {} & (in netns {ns}, hostname {node}, /run = {}, / = {})",
                        crate::exec::display(&cmd),
                        setup.run.display(),
                        files::node_rootfs(&ctx.lab.name, &node).display()
                    ));
                    sys::spawn_daemon(cmd, &ns, Some(&setup), &ctx.layout.sshd_log(&node))
                });
            match started {
                Ok((pid, start_time)) => {
                    ctx.ps.processes.push(ProcRecord {
                        pid,
                        start_time,
                        what: "sshd".into(),
                        of: node,
                        netns: ns,
                    });
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        ctx.save()?;
        result
    }
}
