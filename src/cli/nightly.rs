//! `lab nightly`, `lab nightly report`, `lab nightly merge`: parse, call
//! [`crate::nightly`], print where the outputs are and the summary, map the
//! outcome to the exit code (0 nothing newly fails, 1 something does, 2 bad
//! input, 130 interrupted).

use super::signals;
use crate::error::{LabError, Result};
use crate::nightly::{self, FailOn, Outcome};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NightlyArgs {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Labs (names or paths); default: every lab `lab` can find.
    pub labs: Vec<String>,
    /// Providers to run on; those that cannot run here are recorded as not run.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "netns,vagrant"
    )]
    pub providers: Vec<Kind>,
    /// The VM provider of vagrant runs.
    #[arg(long, value_enum)]
    pub vm: Option<Vm>,
    #[command(flatten)]
    pub common: Common,
    /// Runs at a time.
    #[arg(short = 'j', long = "jobs", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// The night's name (default: its start time, UTC). Give every machine
    /// of one CI run the same name, so `merge` joins their runs.
    #[arg(long)]
    pub night: Option<String>,
}

/// What every form of the command shares.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// The history database.
    #[arg(long, value_name = "FILE", default_value = ".lab/history.db")]
    pub db: PathBuf,
    /// Where summary.md, index.html and junit.xml go (and each night's run folders).
    #[arg(long, value_name = "DIR", default_value = ".lab/nightly")]
    pub out: PathBuf,
    /// Exit 1 when something newly fails (new) or when anything fails (any).
    #[arg(long, value_enum, default_value = "new")]
    pub fail_on: FailOn,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// Render the dashboard, summary and JUnit of the database's last night again.
    Report {
        #[command(flatten)]
        common: Common,
    },
    /// Merge databases that parallel machines wrote (files, or folders holding *.db).
    Merge {
        /// The databases to merge: files, or folders holding *.db.
        #[arg(required = true, value_name = "DB_OR_DIR")]
        sources: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

fn say(line: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        crate::report::terminal::visible(line)
    );
}

fn finish(o: Outcome, common: &Common) -> Result<()> {
    let text = nightly::summary::render(&o.analysis);
    let _ = write!(std::io::stdout(), "{text}");
    let shown = |p: &Path| p.display().to_string();
    say(&format!(
        "dashboard: {}; summary: {}; junit: {}",
        shown(&common.out.join("index.html")),
        shown(&common.out.join("summary.md")),
        shown(&common.out.join("junit.xml"))
    ));
    o.result(common.fail_on)
}

pub fn run(args: NightlyArgs) -> Result<()> {
    let common = match &args.action {
        Some(Action::Report { common } | Action::Merge { common, .. }) => common,
        None => &args.common,
    };
    crate::report::output::check_folder(
        &common.out,
        &crate::places::state_root(),
        &crate::state::claim::host_records(),
    )
    .map_err(|why| {
        LabError::Usage(format!(
            "--out {}: {why}; nothing was run",
            common.out.display()
        ))
    })?;
    // The files the night writes there: never over a file kept from every
    // report (a database, a program, a lab's file) of one of their names.
    for f in [
        "index.html",
        "summary.md",
        "junit.xml",
        crate::nightly::suggestion::FILE,
    ] {
        let p = common.out.join(f);
        if let Some(why) = crate::report::output::why_kept(&p) {
            return Err(LabError::Usage(format!(
                "--out {}: {} {why}; nothing was run",
                common.out.display(),
                p.display()
            )));
        }
    }
    match args.action {
        Some(Action::Report { common }) => {
            let o = nightly::report(&common.db, &common.out)?;
            // A signal while it rendered (its suggestion is bounded in
            // time, not stopped midway): 130, as every command.
            if signals::received().is_some() {
                return Err(LabError::Interrupted);
            }
            finish(o, &common)
        }
        Some(Action::Merge { sources, common }) => {
            let o = nightly::merge(&sources, &common.db, &common.out, &say, &|| {
                signals::received().is_some()
            })?;
            finish(o, &common)
        }
        None => {
            let mut providers: Vec<Kind> = Vec::new();
            for k in args.providers {
                if !providers.contains(&k) {
                    providers.push(k);
                }
            }
            let opts = nightly::Options {
                labs: args.labs,
                providers,
                vm: args.vm,
                db: args.common.db.clone(),
                out: args.common.out.clone(),
                jobs: args.jobs as usize,
                night: args.night,
            };
            let o = nightly::run(&opts, &say, &|| signals::received().is_some())?;
            finish(o, &args.common)
        }
    }
}
