//! `lab up <lab> [--provider P] [--vm V] [--variant V] [--nodes N] [--keep]`.

use crate::error::Result;
use crate::ops::up::{self, Settings};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Lab name (found under labs/, LAB_PATH, or lab's own labs) or path.
    lab: String,
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    #[arg(long)]
    variant: Option<String>,
    /// Number of workers (overrides `count` in lab.yaml).
    #[arg(long)]
    nodes: Option<u32>,
    /// The VM provider of the vagrant provider (default: LAB_VAGRANT_VM,
    /// VAGRANT_DEFAULT_PROVIDER, then virtualbox).
    #[arg(long, value_enum)]
    vm: Option<Vm>,
    /// The Vagrant box (overrides the lab's `box:`), e.g. lab/debian12
    /// from `lab box build`.
    #[arg(long = "box", value_name = "NAME")]
    box_name: Option<String>,
    /// Keep what was made when a step fails.
    #[arg(long)]
    keep: bool,
}

pub async fn run(a: Args) -> Result<()> {
    let lab = super::load_lab(&a.lab, a.nodes, a.box_name.as_deref())?;
    let variant = up::choose_variant(&lab, a.variant)?;
    let settings = Settings {
        provider: up::choose_provider(a.provider, a.vm)?,
        vm: a.vm,
        variant,
        keep: a.keep,
        lab,
    };
    up::up(settings, &super::terminal()).await.map(drop)
}
