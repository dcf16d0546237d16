//! `lab doctor [--provider P] [--fix] [--lab L] [--vm V]`: what this host
//! lacks for a provider, one line each; `--fix` installs missing Debian
//! packages (netns). Then the kubectl of each lab's pinned Kubernetes minor
//! (for the book's kubectl lines; see [`crate::kubectl`]): informational,
//! a lab runs without it; `--fix` installs the minors lab can install.

use super::output::out;
use crate::error::Result;
use crate::ops::doctor;
use crate::provider::Kind;
use crate::provider::registry::Options;
use crate::provider::vagrant::Vm;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The provider to check for (default: netns as root, else vagrant).
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    /// Install missing OS packages with apt-get.
    #[arg(long)]
    fix: bool,
    /// For vagrant: check the lab's private range against VirtualBox.
    #[arg(long, add = super::complete::labs())]
    lab: Option<String>,
    /// The VM provider to check for (vagrant).
    #[arg(long, value_enum, default_value = "virtualbox")]
    vm: Vm,
}

pub fn run(a: Args) -> Result<()> {
    let settings = doctor::Settings {
        provider: a.provider,
        fix: a.fix,
        lab: a.lab.clone(),
        options: Options { vm: Some(a.vm) },
    };
    let provider = doctor::run(&settings, &mut |line| out!("{line}"));
    let kubectl = super::doctor_kubectl::report(a.fix, a.lab.as_deref());
    provider.and(kubectl)
}
