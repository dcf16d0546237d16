//! `lab graph <lab> [--format svg|mermaid|dot] [--variant V] [--out FILE]`:
//! the lab's topology as a picture. A lab that is up is read live
//! ([`crate::graph::live`]); otherwise the lab file's declared topology is
//! drawn ([`crate::graph::declared`]), marked as such.

use super::output::out_raw;
use crate::error::{LabError, Result};
use crate::graph::{self, Topology};
use crate::ops::{Need, running};
use crate::spec::LoadOptions;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A standalone SVG picture.
    Svg,
    /// Mermaid flowchart text (renders on GitHub).
    Mermaid,
    /// Graphviz DOT (`dot -Tpng`).
    Dot,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The lab: a running lab's name, or a lab name or path (then its
    /// declared topology).
    #[arg(add = super::complete::labs())]
    lab: String,
    #[command(flatten)]
    instance: super::instance::Name,
    /// What to draw in.
    #[arg(long, value_enum, default_value = "svg")]
    format: GraphFormat,
    /// Draw the declared topology of this variant (never the live lab).
    #[arg(long, add = super::complete::variants())]
    variant: Option<String>,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The topology `lab graph` draws: live when the lab is up and no variant
/// is asked for, else declared; and the lab's input files (`--out` never
/// overwrites one).
async fn topology(a: &Args) -> Result<(Topology, Vec<PathBuf>)> {
    // `--name` is checked whether or not the live lab is drawn.
    let name = match &a.instance.name {
        Some(n) => {
            crate::ops::instance::addressed(Some(a.lab.clone()), Some(n.clone()), "lab graph")?
        }
        None => crate::ops::lab_name(&a.lab).ok(),
    };
    if a.variant.is_none() {
        let up = name.as_deref().is_some_and(|n| {
            crate::state::lab_dir(n)
                .join(crate::state::STATE_FILE)
                .is_file()
        });
        if up {
            let r = running(name, Need::Up)?;
            // The files as brought up, where they were, and as `lab` reads them now.
            let inputs = crate::ops::inputs_of_up(&r.state);
            let t = graph::live::topology(&r.lab, &r.state, r.provider.as_ref()).await?;
            return Ok((t, inputs));
        }
    }
    let lab = crate::ops::definition(&a.lab, a.instance.name.as_deref(), LoadOptions::default())?;
    let variant = a
        .variant
        .clone()
        .unwrap_or_else(|| lab.default_variant.clone());
    Ok((
        graph::declared::topology(&lab, &variant)?,
        lab.input_files(),
    ))
}

pub async fn run(a: Args) -> Result<()> {
    let (t, inputs) = topology(&a).await?;
    if let Some(f) = &a.out
        && let Some(input) = crate::report::output::input_at(f, &inputs)
    {
        return Err(LabError::Usage(format!(
            "--out {}: is the lab's input {} (the lab file, a manifest, the chapter or its known drift); a picture never overwrites an input; nothing was written",
            f.display(),
            input.display()
        )));
    }
    if let Some(f) = &a.out {
        crate::report::output::check_written(
            f,
            &crate::state::root(),
            &crate::state::claim::host_records(),
        )
        .map_err(|why| {
            LabError::Usage(format!("--out {}: {why}; nothing was written", f.display()))
        })?;
    }
    if t.source == "declared" {
        let _ = writeln!(
            std::io::stderr(),
            "lab {} is not up here: drawing what its file declares (variant {})",
            t.lab,
            t.variant
        );
    }
    let text = match a.format {
        GraphFormat::Svg => graph::svg::render(&t),
        GraphFormat::Mermaid => graph::text::mermaid(&t),
        GraphFormat::Dot => graph::text::dot(&t),
    };
    match &a.out {
        // As a report is written: checked again, and written only to the
        // file checked (a link put in its place meanwhile is refused).
        Some(f) => crate::report::output::Target::Path(f.clone())
            .write(text.as_bytes())
            .map_err(|e| LabError::io(format!("writing {}", f.display()), e))?,
        None => out_raw!("{text}"),
    }
    Ok(())
}
