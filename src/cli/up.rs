//! `lab up <lab> [--provider P] [--vm V] [--variant V] [--nodes N] [--keep]`.

use crate::error::Result;
use crate::ops::up::{self, Settings};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::spec::Lab;

/// What `lab up` and `lab test` both take: which lab, on what.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// Lab name (found under labs/, LAB_PATH, or lab's own labs) or path.
    #[arg(add = super::complete::labs())]
    lab: String,
    /// Where the lab runs: netns (namespaces, the default as root) or
    /// vagrant (VMs).
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    /// Number of workers (overrides `count` in lab.yaml).
    #[arg(long)]
    nodes: Option<u32>,
    /// The VM provider of the vagrant provider (default: LAB_VAGRANT_VM,
    /// VAGRANT_DEFAULT_PROVIDER, then virtualbox).
    #[arg(long, value_enum)]
    pub vm: Option<Vm>,
    /// The Vagrant box (overrides the lab's `box:`), e.g. lab/debian12
    /// from `lab box build`.
    #[arg(long = "box", value_name = "NAME")]
    box_name: Option<String>,
    #[command(flatten)]
    instance: super::instance::Name,
}

impl Target {
    /// The lab, with `--nodes` and `--box` applied, as the instance
    /// `--name` names.
    pub fn load(&self) -> Result<Lab> {
        let lab = super::load_lab(
            &self.lab,
            self.instance.name.as_deref(),
            self.nodes,
            self.box_name.as_deref(),
        )?;
        crate::ops::instance::bring_up(lab, self.instance.name.as_deref())
    }

    /// The provider asked for (or the default), checked against `--vm`.
    pub fn provider(&self) -> Result<Kind> {
        up::choose_provider(self.provider, self.vm)
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// The pod network variant to start with (default: the lab's default).
    #[arg(long, add = super::complete::variants())]
    variant: Option<String>,
    /// Leave what was made, whatever happens (also when a step fails);
    /// `--keep-on-failure` says the same for `up`.
    #[arg(long, visible_alias = "keep-on-failure")]
    keep: bool,
}

pub async fn run(a: Args) -> Result<()> {
    let lab = a.target.load()?;
    let variant = up::choose_variant(&lab, a.variant)?;
    let settings = Settings {
        provider: a.target.provider()?,
        vm: a.target.vm,
        variant,
        keep: a.keep,
        lab,
    };
    up::up(settings, &super::terminal()).await.map(drop)
}
