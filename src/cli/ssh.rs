//! `lab ssh <lab> <node> [-- cmd]`: real SSH to the node, through the ssh
//! config the provider wrote (this process becomes `ssh`).

use crate::error::{LabError, Result};
use crate::ops::{Need, running};
use crate::report::Reporter;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The lab.
    #[arg(add = super::complete::labs())]
    lab: String,
    /// The node (e.g. master, node1).
    #[arg(add = super::complete::nodes())]
    node: String,
    #[command(flatten)]
    instance: super::instance::Name,
    /// A command to run there instead of a shell (after `--`).
    #[arg(last = true)]
    command: Vec<String>,
}

pub async fn run(a: Args) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let lab = crate::ops::instance::addressed_one(a.lab, a.instance.name, "lab ssh")?;
    let r = running(Some(lab), Need::State)?;
    // A node of a lab half made or half destroyed may be frozen (its
    // memory held by an interrupted `destroy`): entering it would wait for
    // ever. A half-switched lab is whole enough to look into.
    if matches!(
        r.state.phase,
        crate::state::Phase::Creating | crate::state::Phase::Destroying
    ) && let Some(e) = crate::ops::not_whole(&r.state)
    {
        return Err(e);
    }
    if let Some(w) = &r.drift {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    r.lab.require_node(&a.node)?;
    let access = r
        .provider
        .access(&r.lab, &r.state, &Reporter::quiet())
        .await?;
    // A node the guard stopped is said so, not "no namespace".
    r.provider.refuse_stopped_node(&r.lab, &r.state, &a.node)?;
    let mut cmd = std::process::Command::new("ssh");
    cmd.arg("-F").arg(&access.ssh_config);
    if a.command.is_empty() {
        cmd.arg("-t");
    }
    cmd.arg(&a.node);
    if !a.command.is_empty() {
        cmd.arg("--").args(&a.command);
    }
    let err = cmd.exec();
    Err(LabError::io("running ssh", err))
}
