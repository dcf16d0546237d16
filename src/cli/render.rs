//! `lab render <lab> [--nodes N] [--vm V] [--script NAME [--node N]]`: the
//! Vagrantfile or a provisioning script, to stdout.

use super::output::out_raw;
use crate::error::{LabError, Result};
use crate::provider::vagrant::{Vm, render};
use crate::spec::LoadOptions;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Lab name or path.
    #[arg(add = super::complete::labs())]
    lab: String,
    /// Number of workers (overrides `count` in lab.yaml).
    #[arg(long)]
    nodes: Option<u32>,
    /// The VM provider the Vagrantfile is for.
    #[arg(long, value_enum, default_value = "virtualbox")]
    vm: Vm,
    /// A provisioning script: common, control-plane or worker.
    #[arg(long, value_name = "NAME")]
    script: Option<String>,
    /// The node the script is for (default: the first that runs it).
    #[arg(long, add = super::complete::nodes())]
    node: Option<String>,
}

pub fn run(a: Args) -> Result<()> {
    let lab = crate::ops::definition(&a.lab, None, LoadOptions { workers: a.nodes })?;
    let text = match a.script {
        None => render::vagrantfile(&lab, a.vm)?,
        Some(name) => {
            let node = match a.node {
                Some(n) => n,
                None => match name.as_str() {
                    "worker" => lab
                        .workers()
                        .next()
                        .map(|n| n.name.clone())
                        .ok_or_else(|| LabError::Usage("the lab has no workers".into()))?,
                    _ => lab.control_plane().name.clone(),
                },
            };
            render::script(&lab, &name, &node)?
        }
    };
    out_raw!("{text}");
    Ok(())
}
