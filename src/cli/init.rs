//! `lab init CHAPTER.md [DIR]`: draft a lab (lab.yaml, the chapter, and the
//! manifests it applies where lab's templates fit) from a chapter.

use crate::error::Result;
use crate::init::{self, Settings};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The chapter (Markdown) to draft a lab from.
    pub chapter: PathBuf,
    /// The lab folder (default: beside the chapter, named after its stem).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing lab.yaml in DIR (refused while a lab up from
    /// it runs: `lab destroy NAME` first).
    #[arg(long)]
    pub force: bool,
    /// Refuse (exit 2) if DIR lacks a manifest the chapter applies.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(a: Args) -> Result<()> {
    let d = init::init(&Settings {
        chapter: a.chapter,
        dir: a.dir,
        force: a.force,
        strict: a.strict,
    })?;
    println!("drafted {}", d.lab_file.display());
    println!(
        "  lab {}: {} nodes, variants {}, {} checks",
        d.name,
        d.nodes,
        d.variants.join(", "),
        d.checks
    );
    if d.commented > 0 {
        println!(
            "  {} more checks left commented out: the chapter shows them under some variants only",
            d.commented
        );
    }
    if !d.drafted.is_empty() {
        println!("  drafted from lab's templates (check them against the book's):");
        for f in &d.drafted {
            println!("    {f}");
        }
    }
    if !d.missing.is_empty() {
        let names: Vec<&str> = d.missing.iter().map(|(f, _)| f.as_str()).collect();
        eprintln!(
            "warning: {} lacks manifests the chapter applies: {}",
            d.dir.display(),
            names.join(", ")
        );
        for (f, why) in &d.missing {
            eprintln!("  {f}: not drafted: {why}");
        }
        eprintln!("  add them, then `lab up {}`", d.dir.display());
    }
    if d.validated {
        println!("  it loads: `lab up {}` brings it up", d.dir.display());
    }
    Ok(())
}
