//! `lab apply <lab> --variant V`.

use crate::error::Result;
use crate::ops::apply::{self, Applied, Settings};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The running lab.
    #[arg(add = super::complete::labs())]
    lab: String,
    #[command(flatten)]
    instance: super::instance::Name,
    /// The variant to switch to.
    #[arg(long, add = super::complete::variants())]
    variant: String,
}

pub async fn run(a: Args) -> Result<()> {
    let settings = Settings {
        lab: crate::ops::instance::addressed_one(a.lab, a.instance.name, "lab apply")?,
        variant: a.variant,
    };
    if apply::apply(&settings, &super::terminal()).await? == Applied::Already {
        let name = crate::ops::lab_name(&settings.lab)?;
        let _ = writeln!(
            std::io::stderr(),
            "lab {name} already runs variant {}",
            settings.variant
        );
    }
    Ok(())
}
