//! `lab verify [<lab>] [--variant V] [--only PATTERN] [--junit F] [--json F]`.

use super::output::finish_run;
use crate::error::Result;
use crate::ops::verify::{self, Settings};
use crate::report::output::Reports;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The lab (default: the one lab that is up here).
    #[arg(add = super::complete::labs())]
    lab: Option<String>,
    #[command(flatten)]
    instance: super::instance::Name,
    /// Judge with this variant's expectations (default: the current one).
    #[arg(long, add = super::complete::variants())]
    variant: Option<String>,
    /// Only checks whose name contains PATTERN.
    #[arg(long, value_name = "PATTERN")]
    only: Option<String>,
    /// Write the results as JUnit XML to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the run record (JSON, docs/run-report.schema.json) to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub async fn run(a: Args) -> Result<()> {
    // Before anything runs: a bad report path costs nothing.
    let reports = Reports::new(a.junit, a.json);
    reports.check(&crate::state::root())?;
    reports.check_claims(&crate::state::claim::host_records())?;
    let settings = Settings {
        lab: crate::ops::instance::addressed(a.lab, a.instance.name, "lab verify")?,
        variant: a.variant,
        only: a.only,
    };
    reports.check_inputs(&crate::ops::inputs_of_named(settings.lab.as_deref()))?;
    let ran = verify::verify(&settings, &super::terminal()).await?;
    finish_run(ran, &reports)
}
