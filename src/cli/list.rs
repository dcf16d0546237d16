//! `lab list [-o json]`: every lab `lab` can find by name, where it is, its
//! variants, its checks and its chapter (a lab that does not load says
//! why), and the instances up here (`--name`), each with its lab. JSON:
//! `docs/lab-list.schema.json`.

use super::output::{Format, OutputArg, out, out_raw};
use crate::error::Result;
use crate::report::terminal::visible;
use crate::spec::{self, LoadOptions};
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    output: OutputArg,
}

/// Version of `lab list -o json`'s shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Listing {
    schema_version: u32,
    kind: &'static str,
    labs: Vec<Entry>,
    /// Every lab up here (in this state folder root), under its own name
    /// or an instance's.
    instances: Vec<InstanceEntry>,
}

#[derive(Serialize)]
struct InstanceEntry {
    name: String,
    /// The lab it is of (its own name when `name` is the lab's).
    lab: String,
    provider: String,
    variant: String,
    /// `Up`, or how far it got (`creating, interrupted`, ...).
    phase: String,
    state_dir: String,
}

fn instances() -> Vec<InstanceEntry> {
    crate::state::instance::all()
        .into_iter()
        .map(|st| InstanceEntry {
            lab: crate::state::instance::lab_of(&st).to_string(),
            provider: st.provider.to_string(),
            variant: st.variant.clone(),
            phase: crate::ops::phase_text(&st),
            state_dir: st.dir().display().to_string(),
            name: st.name,
        })
        .collect()
}

/// `a1, a2 (creating, interrupted)`: instance names, with a phase that is
/// not `Up`.
fn names(v: &[&InstanceEntry]) -> String {
    v.iter()
        .map(|i| match i.phase.as_str() {
            "Up" => i.name.clone(),
            p => format!("{} ({p})", i.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Serialize)]
struct Entry {
    name: String,
    file: String,
    /// Why the lab does not load (then the fields below are empty).
    error: Option<String>,
    title: Option<String>,
    variants: Vec<VariantEntry>,
    checks: Vec<String>,
    chapter: Option<String>,
}

#[derive(Serialize)]
struct VariantEntry {
    name: String,
    default: bool,
    about: String,
}

fn entries() -> Vec<Entry> {
    spec::discover()
        .into_iter()
        .map(
            |(name, file)| match spec::load_file(&file, LoadOptions::default()) {
                Ok(lab) => Entry {
                    name,
                    file: file.display().to_string(),
                    error: None,
                    title: Some(lab.title.clone()),
                    variants: lab
                        .variants
                        .iter()
                        .map(|v| VariantEntry {
                            name: v.name.clone(),
                            default: v.name == lab.default_variant,
                            about: v.about.clone(),
                        })
                        .collect(),
                    checks: lab.checks.iter().map(|c| c.name.clone()).collect(),
                    chapter: crate::nightly::inputs::chapter_of(&lab.file)
                        .map(|c| lab.dir.join(c).display().to_string()),
                },
                Err(e) => Entry {
                    name,
                    file: file.display().to_string(),
                    error: Some(e.to_string()),
                    title: None,
                    variants: vec![],
                    checks: vec![],
                    chapter: None,
                },
            },
        )
        .collect()
}

pub fn run(a: Args) -> Result<()> {
    let labs = entries();
    let up = instances();
    if let Some(e) = spec::shipped_problem() {
        eprintln!("warning: lab's own labs could not be written out: {e}");
    }
    if a.output.output == Format::Json {
        let doc = Listing {
            schema_version: SCHEMA_VERSION,
            kind: "lab-list",
            labs,
            instances: up,
        };
        out_raw!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("serializes")
        );
        return Ok(());
    }
    if labs.is_empty() {
        out!("no lab found (labs/ here, LAB_PATH, or lab's own labs)");
    }
    for e in &labs {
        match &e.error {
            None => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| {
                        if v.default {
                            format!("{} (default)", v.name)
                        } else {
                            v.name.clone()
                        }
                    })
                    .collect();
                out!("{}: {}", e.name, visible(e.title.as_deref().unwrap_or("")));
                out!("  file      {}", e.file);
                out!("  variants  {}", variants.join(", "));
                out!("  checks    {}", e.checks.len());
                for c in &e.checks {
                    out!("    - {}", visible(c));
                }
                out!("  chapter   {}", e.chapter.as_deref().unwrap_or("(none)"));
                let mine: Vec<&InstanceEntry> = up.iter().filter(|i| i.lab == e.name).collect();
                if !mine.is_empty() {
                    out!("  up as     {}", names(&mine));
                }
            }
            Some(err) => {
                out!("{}: does not load", e.name);
                out!("  file      {}", e.file);
                for l in err.lines() {
                    out!("  {}", visible(l));
                }
            }
        }
    }
    // Instances of labs not found by name (brought up from a path).
    let elsewhere: Vec<&InstanceEntry> = up
        .iter()
        .filter(|i| !labs.iter().any(|e| e.name == i.lab))
        .collect();
    if !elsewhere.is_empty() {
        out!("up here, of labs found by path:");
        for i in elsewhere {
            out!("  {} (lab {}, {})", i.name, i.lab, i.phase);
        }
    }
    Ok(())
}
