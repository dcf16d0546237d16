//! `lab list`: every lab `lab` can find by name, where it is, its variants,
//! its checks and its chapter (a lab that does not load says why).

use crate::error::Result;
use crate::report::terminal::visible;
use crate::spec::{self, LoadOptions};
use std::io::Write;

/// A line to stdout; a closed stdout (`lab list | head -1`) is not an error.
fn out(line: String) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

pub fn run() -> Result<()> {
    let labs = spec::discover();
    if labs.is_empty() {
        out("no lab found (labs/ here, LAB_PATH, or lab's own labs)".into());
        return Ok(());
    }
    for (name, file) in labs {
        match spec::load_file(&file, LoadOptions::default()) {
            Ok(lab) => {
                let variants: Vec<String> = lab
                    .variants
                    .iter()
                    .map(|v| {
                        if v.name == lab.default_variant {
                            format!("{} (default)", v.name)
                        } else {
                            v.name.clone()
                        }
                    })
                    .collect();
                out(format!("{name}: {}", visible(&lab.title)));
                out(format!("  file      {}", file.display()));
                out(format!("  variants  {}", variants.join(", ")));
                out(format!("  checks    {}", lab.checks.len()));
                for c in &lab.checks {
                    out(format!("    - {}", visible(&c.name)));
                }
                out(format!(
                    "  chapter   {}",
                    crate::nightly::inputs::chapter_of(&lab.file)
                        .map(|c| lab.dir.join(c).display().to_string())
                        .unwrap_or_else(|| "(none)".into())
                ));
            }
            Err(e) => {
                out(format!("{name}: does not load"));
                out(format!("  file      {}", file.display()));
                for l in e.to_string().lines() {
                    out(format!("  {}", visible(l)));
                }
            }
        }
    }
    Ok(())
}
