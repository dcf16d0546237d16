//! `lab book <lab>`: replay the lab's chapter against it (see [`crate::book`]).
//!
//! Everything that can be refused is refused before anything is made: the
//! report paths, the lab file, the chapter and its known-drift file. Then
//! the lab is brought up (or used as it is, if it is up), the chapter is
//! replayed, and the lab is destroyed unless `--keep` or it was up before.

use super::commands::{interruptible, reporter, up_locked};
use crate::book::{self, Settings};
use crate::error::{LabError, Result};
use crate::provider::{self, Kind};
use crate::report::output::{Reports, Target, check_path};
use crate::spec::{self, LoadOptions};
use crate::state::{self, Lock, Phase, State};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct BookArgs {
    /// Lab name or path; its lab.yaml names the chapter (`book:`).
    pub lab: String,
    /// The chapter to replay instead of the lab's `book:`.
    #[arg(long, value_name = "FILE")]
    pub chapter: Option<PathBuf>,
    /// The known-drift file (default: CHAPTER.drift.yaml beside the chapter).
    #[arg(long, value_name = "FILE")]
    pub known: Option<PathBuf>,
    /// Write the chapter's current drift to the known-drift file.
    #[arg(long)]
    pub bless: bool,
    #[arg(long, value_enum)]
    pub provider: Option<Kind>,
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The chapter as an HTML page with the verdicts beside each block.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Leave the lab up at the end.
    #[arg(long)]
    pub keep: bool,
}

pub async fn run(a: BookArgs) -> Result<()> {
    let reports = Reports::new(a.junit.clone(), a.json.clone());
    let root = state::root();
    reports.check(&root)?;
    let html = a.html.clone().map(Target::from_arg);
    if let Some(Target::Path(p)) = &html {
        check_path(p, &root).map_err(|why| LabError::Usage(format!("--html {}: {why}; nothing was run", p.display())))?;
    }
    let lab = spec::load(&a.lab, LoadOptions::default())?;
    let settings = Settings {
        chapter: a.chapter.clone(),
        known: a.known.clone(),
        bless: a.bless,
    };
    let prepared = book::prepare(&lab, &settings)?;
    let fresh = !state::lab_dir(&lab.name).exists();
    let _lock = Lock::acquire(&lab.name, "book")?;
    let was_up = State::load(&lab.name)?;
    let (mut st, lab, p) = match was_up.clone() {
        Some(st) => {
            if st.phase != Phase::Up {
                return Err(LabError::Usage(format!("lab '{}' is not up as a whole ({:?}); `lab destroy {0}` removes it", lab.name, st.phase)));
            }
            if a.provider.is_some_and(|k| k != st.provider) {
                return Err(LabError::Usage(format!("lab '{}' is up with provider {}; destroy it first to use another", lab.name, st.provider)));
            }
            let lab = spec::load_file(&st.lab_source(), LoadOptions { workers: st.workers })?;
            let p = provider::for_state(&st)?;
            (st, lab, p)
        }
        None => {
            let variant = lab.default_variant.clone();
            up_locked(lab, a.provider, None, variant, false, fresh).await?
        }
    };
    let rep = reporter(&lab.name);
    let outcome = interruptible(book::run(&settings, prepared, &lab, &mut st, p.as_ref(), &rep)).await;
    let torn = if a.keep || was_up.is_some() {
        rep.info(format!("lab {} stays up; `lab destroy {0}` removes it", lab.name));
        Ok(())
    } else {
        let now = State::load(&lab.name).ok().flatten();
        p.destroy(&lab.name, now.as_ref(), &rep).await
    };
    let r = outcome?;
    torn?;
    let to_stdout = reports.to_stdout() || html == Some(Target::Stdout);
    let text = book::report::terminal(&r);
    if to_stdout {
        let _ = write!(std::io::stderr(), "{text}");
    } else {
        let _ = write!(std::io::stdout(), "{text}");
    }
    let mut unwritten = Vec::new();
    for (flag, t, body) in [
        ("--json", reports.json.as_ref(), book::report::json(&r)),
        ("--junit", reports.junit.as_ref(), book::report::junit(&r)),
        ("--html", html.as_ref(), book::report::html(&r)),
    ] {
        if let Some(t) = t
            && let Err(e) = t.write(body.as_bytes())
        {
            unwritten.push(format!("{flag} {t}: {e}"));
        }
    }
    if !unwritten.is_empty() {
        return Err(LabError::Step {
            step: "write reports".into(),
            message: format!("{}; the verdicts are above", unwritten.join("; ")),
        });
    }
    if r.ok() {
        Ok(())
    } else {
        let failed = r.blocks.iter().filter(|b| b.verdict.fails()).count();
        Err(LabError::ChecksFailed { failed, total: r.blocks.len() })
    }
}
