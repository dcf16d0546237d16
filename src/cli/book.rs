//! `lab book <lab> [--chapter FILE] [--known FILE] [--bless] [--provider P] [--vm V] [--json F] [--junit F] [--html F] [--keep] [--kubectl-matrix] [--suggest FILE [--suggest-known]] [--watch]`.
//!
//! Report paths are checked before anything runs; the operation
//! ([`crate::ops::book`]) refuses a bad chapter before anything is made.

use crate::book;
use crate::error::{LabError, Result};
use crate::ops::book::{self as op, Settings};
use crate::provider::Kind;
use crate::provider::vagrant::Vm;
use crate::report::output::{Format, Reports};
use crate::spec::LoadOptions;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Lab name or path; its lab.yaml names the chapter (`book:`).
    #[arg(add = super::complete::labs())]
    lab: String,
    #[command(flatten)]
    instance: super::instance::Name,
    /// The chapter to replay instead of the lab's `book:`.
    #[arg(long, value_name = "FILE")]
    chapter: Option<PathBuf>,
    /// The known-drift file (default: CHAPTER.drift.yaml beside the chapter).
    #[arg(long, value_name = "FILE")]
    known: Option<PathBuf>,
    /// Write the chapter's current drift to the known-drift file: reasons of
    /// entries that still match kept, new ones TODO, stale ones dropped.
    #[arg(long)]
    bless: bool,
    /// Where the lab runs when `book` brings it up (netns or vagrant).
    #[arg(long, value_enum)]
    provider: Option<Kind>,
    /// The VM provider of --provider vagrant.
    #[arg(long, value_enum)]
    vm: Option<Vm>,
    /// Write the book report as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the verdicts as JUnit XML to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// The chapter as an HTML page with the verdicts beside each block.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Leave what was made, whatever happens: the lab stays up at the end.
    #[arg(long)]
    keep: bool,
    /// After the replay, run every kubectl line of the chapter through
    /// every kubectl minor found on this machine (offline), and report
    /// which accept, warn and refuse each line.
    #[arg(long)]
    kubectl_matrix: bool,
    /// Write a patch of the chapter (`patch -p0 < FILE`) that makes each
    /// drifted block true for the lab: refused commands as the tool says,
    /// output as the lab shows it, in the book's names. Known drift is left.
    #[arg(long, value_name = "FILE")]
    suggest: Option<PathBuf>,
    /// With --suggest: rewrite the blocks under known drift too.
    #[arg(long, requires = "suggest")]
    suggest_known: bool,
    /// Replay once, then again on every save of the chapter, its known
    /// drift or the lab's files, until Ctrl-C (the lab is then torn down
    /// unless --keep).
    #[arg(long, conflicts_with_all = ["bless", "json", "junit", "html", "suggest", "kubectl_matrix"])]
    watch: bool,
}

pub async fn run(a: Args) -> Result<()> {
    // Before anything runs: a bad report path costs nothing.
    let patch_file = a.suggest.clone();
    let reports = Reports::new(a.junit, a.json)
        .with_html(a.html)
        .with_patch(a.suggest);
    reports.check(&crate::state::root())?;
    reports.check_claims(&crate::state::claim::host_records())?;
    let lab = crate::ops::definition(&a.lab, a.instance.name.as_deref(), LoadOptions::default())?;
    let lab = crate::ops::instance::bring_up(lab, a.instance.name.as_deref())?;
    let mut inputs = lab.input_files();
    for c in a.chapter.iter() {
        inputs.push(c.clone());
        inputs.push(book::known::default_path(c));
    }
    inputs.extend(a.known.iter().cloned());
    reports.check_inputs(&inputs)?;
    let name = lab.name.clone();
    let settings = Settings {
        lab: lab.clone(),
        provider: a.provider,
        vm: a.vm,
        book: book::Settings {
            chapter: a.chapter,
            known: a.known,
            bless: a.bless,
            kubectl_matrix: a.kubectl_matrix,
        },
        keep: a.keep,
        suggest: patch_file.as_ref().map(|_| book::suggest::Options {
            known: a.suggest_known,
        }),
    };
    if a.watch {
        let width = crate::report::table::terminal_width().unwrap_or(80);
        let print = |l: &str| super::output::out!("{l}");
        let sink = book::watch::Sink {
            print: &print,
            width,
        };
        return op::watch(settings, &super::terminal(), &sink).await;
    }
    let booked = op::book(settings, &super::terminal()).await?;
    let r = &booked.report;
    super::output::show(&reports, &book::report::terminal(r));
    // The page shows the lab's topology beside the chapter's figure: the
    // live lab when it is still up, else what its file declares.
    let graph = if reports.html.is_some() {
        page_graph(&lab, &name).await
    } else {
        None
    };
    let unwritten = reports.write_with(|f| {
        Some(match f {
            Format::Json => book::report::json(r),
            Format::Junit => book::report::junit(r),
            Format::Html => book::html::page(r, graph.as_ref()),
            Format::Patch => booked.suggestion.as_ref()?.patch.clone(),
        })
    });
    if let (Some(s), Some(f)) = (&booked.suggestion, &patch_file) {
        super::output::show(&reports, &suggestion_text(s, &r.chapter, f));
    }
    if let Some(e) = booked.error {
        return Err(e);
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
        Err(LabError::ChecksFailed {
            failed,
            total: r.blocks.len(),
        })
    }
}

/// What `--suggest` says: where the patch is and how to apply it, and
/// what it left as it is, one line each.
fn suggestion_text(s: &book::suggest::Suggestion, chapter: &str, file: &std::path::Path) -> String {
    let mut t = if s.patch.is_empty() {
        format!("suggest: nothing to rewrite; {} is empty\n", file.display())
    } else {
        let blocks: Vec<String> = s.blocks.iter().map(|l| l.to_string()).collect();
        let header = book::suggest::header_path(std::path::Path::new(chapter));
        format!(
            "suggest: {} block{} rewritten (lines {}) in {}\n  apply: {}\n",
            s.blocks.len(),
            if s.blocks.len() == 1 { "" } else { "s" },
            blocks.join(", "),
            file.display(),
            book::suggest::apply_hint(std::path::Path::new(chapter), &header, file)
        )
    };
    for l in &s.left {
        t.push_str(&format!("  left as is: {l}\n"));
    }
    t
}

async fn page_graph(lab: &crate::spec::Lab, name: &str) -> Option<crate::graph::Topology> {
    if crate::state::lab_dir(name)
        .join(crate::state::STATE_FILE)
        .is_file()
        && let Ok(r) = crate::ops::running(Some(name.to_string()), crate::ops::Need::Up)
        && let Ok(t) = crate::graph::live::topology(&r.lab, &r.state, r.provider.as_ref()).await
    {
        return Some(t);
    }
    crate::graph::declared::topology(lab, &lab.default_variant).ok()
}
