//! `lab test <lab> [--provider P] [--vm V] [--nodes N] [--junit F] [--json F] [--keep] [--kubectl-matrix]`.

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
    /// Write the results as JUnit XML to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the run record (JSON, docs/run-report.schema.json) to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Leave what was made, whatever happens: the lab stays up at the end.
    #[arg(long, conflicts_with = "keep_on_failure")]
    keep: bool,
    /// Leave the lab up only when the run fails (a check, a step).
    #[arg(long)]
    keep_on_failure: bool,
    /// After the chapter's replay, run its kubectl lines through every
    /// kubectl minor found: one result per minor (the nightly always does).
    #[arg(long)]
    kubectl_matrix: bool,
}

pub async fn run(a: Args) -> Result<()> {
    // Before the story: a bad report path must not cost a whole run.
    let reports = Reports::new(a.junit, a.json);
    reports.check(&crate::state::root())?;
    reports.check_claims(&crate::state::claim::host_records())?;
    let lab = a.target.load()?;
    reports.check_inputs(&lab.input_files())?;
    let settings = Settings {
        provider: a.target.provider()?,
        vm: a.target.vm,
        keep: a.keep,
        keep_on_failure: a.keep_on_failure,
        kubectl_matrix: a.kubectl_matrix,
        lab,
    };
    let ran = test::test(settings, &super::terminal()).await?;
    finish_run(ran, &reports)
}
