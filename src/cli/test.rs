//! `lab test <lab> [--provider P] [--vm V] [--nodes N] [--junit F] [--json F] [--keep]`.

use super::output::finish_run;
use super::up::Target;
use crate::error::Result;
use crate::ops::test::{self, Settings};
use crate::report::output::Reports;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    target: Target,
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
    let lab = a.target.load()?;
    reports.check_inputs(&lab.input_files())?;
    let settings = Settings {
        provider: a.target.provider()?,
        vm: a.target.vm,
        keep: a.keep,
        lab,
    };
    let ran = test::test(settings, &super::terminal()).await?;
    finish_run(ran, &reports)
}
