//! `lab destroy <lab> [--purge]`. A teardown is finished, not stopped half
//! way, whatever signal arrives: it is what an interrupted command would do
//! anyway; then the command is interrupted (exit 130) like any other.

use crate::error::Result;
use crate::ops::destroy::{self, Settings};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The lab's name (or its lab.yaml).
    #[arg(add = super::complete::labs())]
    lab: String,
    #[command(flatten)]
    instance: super::instance::Name,
    /// Also remove kept diagnostics (artifacts/) and lab.log.
    #[arg(long)]
    purge: bool,
}

pub async fn run(a: Args) -> Result<()> {
    let settings = Settings {
        lab: crate::ops::instance::addressed_one(a.lab, a.instance.name, "lab destroy")?,
        purge: a.purge,
    };
    let name = destroy::destroy(&settings, &super::terminal()).await?;
    let _ = writeln!(std::io::stderr(), "lab {name} destroyed");
    match crate::signals::received() {
        Some(_) => Err(crate::error::LabError::Interrupted),
        None => Ok(()),
    }
}
