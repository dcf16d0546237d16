//! `lab test <lab> [--provider P] [--vm V] [--nodes N] [--junit F] [--json F] [--keep]`.

use super::output::finish_run;
use crate::error::Result;
use crate::ops::test::{self, Settings};
use crate::ops::up;
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::output::Reports;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    lab: String,
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    #[arg(long)]
    nodes: Option<u32>,
    #[arg(long, value_enum)]
    vm: Option<Vm>,
    /// The Vagrant box (overrides the lab's `box:`), e.g. lab/debian12
    /// from `lab box build`.
    #[arg(long = "box", value_name = "NAME")]
    box_name: Option<String>,
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Leave the lab up at the end.
    #[arg(long)]
    keep: bool,
}

pub async fn run(a: Args) -> Result<()> {
    // Before the story: a bad report path must not cost a whole run.
    let reports = Reports::new(a.junit, a.json);
    reports.check(&crate::state::root())?;
    let lab = super::load_lab(&a.lab, a.nodes, a.box_name.as_deref())?;
    let settings = Settings {
        provider: up::choose_provider(a.provider, a.vm)?,
        vm: a.vm,
        keep: a.keep,
        lab,
    };
    let ran = test::test(settings, &super::terminal()).await?;
    finish_run(ran, &reports)
}
