//! The kubectl part of `lab doctor`: which kubectl minors this machine has,
//! and for each lab's pinned Kubernetes minor (`kubernetes:` in lab.yaml)
//! the kubectl the book's kubectl lines run with (exact, or another minor
//! with its skew, or none). It never fails the command: a lab comes up and
//! is tested without kubectl (its lines are then not judged, and `lab
//! book` says so). `--fix` installs the pinned minors lab can install
//! ([`crate::kubectl::install`]); an install that fails is an error.

use super::output::out;
use crate::error::{LabError, Result};
use crate::kubectl::{self, install};
use crate::spec::{self, LoadOptions};
use std::collections::BTreeMap;

/// Print the kubectl lines of `lab doctor` for the lab `lab` (else every
/// lab found), installing what is missing and possible when `fix`.
pub fn report(fix: bool, lab: Option<&str>) -> Result<()> {
    let pinned = pinned_minors(lab)?;
    let mut all = kubectl::discover();
    let mut failed: Vec<String> = Vec::new();
    if fix {
        let mut installed = false;
        for &(major, minor) in pinned.keys() {
            let have = all
                .iter()
                .any(|k| (k.version.major, k.version.minor) == (major, minor));
            let source = install::source_of(major, minor);
            if have || !matches!(source, install::Source::Pypi | install::Source::Debian) {
                continue;
            }
            out!(
                "installing kubectl {major}.{minor} ({})",
                install::source_text(major, minor)
            );
            match install::install(major, minor) {
                Ok(v) => {
                    out!(
                        "installed kubectl {v} in {}",
                        install::install_dir(major, minor).display()
                    );
                    installed = true;
                }
                Err(e) => failed.push(format!("kubectl {major}.{minor}: {e}")),
            }
        }
        if installed {
            all = kubectl::discover();
        }
    }
    let minors: Vec<String> = all.iter().map(|k| k.version.minor_str()).collect();
    let head = format!(
        "{} kubectl minors present:",
        if all.is_empty() { "MISSING" } else { "ok     " }
    );
    out!(
        "{}",
        wrapped(&head, &minors, if minors.is_empty() { "none" } else { "" })
    );
    if let Some(p) = std::env::var_os("LAB_KUBECTL").filter(|p| !p.is_empty()) {
        let p = std::path::PathBuf::from(p);
        let found = std::fs::canonicalize(&p)
            .ok()
            .and_then(|c| all.iter().find(|k| k.path == c));
        match found {
            Some(k) => out!(
                "ok      LAB_KUBECTL={} is kubectl {}",
                p.display(),
                k.version
            ),
            None => out!(
                "PROBLEM LAB_KUBECTL={} is not a kubectl that answers `version --client`",
                p.display()
            ),
        }
    }
    for ((major, minor), labs) in &pinned {
        let want = format!("{major}.{minor}");
        let who = format!("Kubernetes {want} ({})", labs.join(", "));
        match kubectl::for_minor(&all, &want) {
            Ok(pick) => match &pick.skew {
                None => {
                    say(
                        "ok     ",
                        &format!("kubectl {} for {who}", pick.kubectl.version),
                    );
                    say("       ", &pick.kubectl.path.display().to_string());
                }
                Some(skew) => {
                    say("SKEW   ", &format!("{}: {skew}", labs.join(", ")));
                    say("       ", &pick.kubectl.path.display().to_string());
                    let exact = all
                        .iter()
                        .any(|k| (k.version.major, k.version.minor) == (*major, *minor));
                    if exact {
                        say(
                            "       ",
                            &format!("fix: unset LAB_KUBECTL to use the kubectl {want} found"),
                        );
                    } else {
                        say(
                            "       ",
                            &format!("fix: {}", install::how_to_get(*major, *minor)),
                        );
                    }
                }
            },
            Err(_) => {
                say(
                    "MISSING",
                    &format!("kubectl for {who}: the book's kubectl lines will not be judged"),
                );
                say(
                    "       ",
                    &format!("fix: {}", install::how_to_get(*major, *minor)),
                );
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(LabError::Step {
            step: "installing kubectl".into(),
            message: failed.join("\n"),
        })
    }
}

/// One item of the report: its 7-letter status, then `text`, wrapped at
/// 80 columns under itself (a word longer than a line, a path, stays
/// whole).
fn say(status: &str, text: &str) {
    let indent = " ".repeat(status.chars().count() + 1);
    let mut line = format!("{status} ");
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > 80 {
            out!("{}", line.trim_end());
            line = indent.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out!("{}", line.trim_end());
}

/// The pinned Kubernetes minors, each with the labs that pin it: of `lab`,
/// else of every lab found (one that does not load is left out: `lab
/// list` says why).
fn pinned_minors(lab: Option<&str>) -> Result<BTreeMap<(u32, u32), Vec<String>>> {
    let labs: Vec<spec::Lab> = match lab {
        Some(l) => vec![crate::ops::definition(l, None, LoadOptions::default())?],
        None => spec::discover()
            .into_iter()
            .filter_map(|(_, file)| spec::load_file(&file, LoadOptions::default()).ok())
            .collect(),
    };
    let mut out: BTreeMap<(u32, u32), Vec<String>> = BTreeMap::new();
    for l in labs {
        if let Some(m) = kubectl::parse_minor(&l.kubernetes) {
            out.entry(m).or_default().push(l.name.clone());
        }
    }
    Ok(out)
}

/// `head` and `items` (comma-separated) within 80 columns: further lines
/// indented by 8, under the status column's text; `empty` where there is no
/// item.
fn wrapped(head: &str, items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return format!("{head} {empty}");
    }
    crate::report::terminal::wrap_list(head, items, 8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_minors_line_keeps_to_80_columns() {
        let minors: Vec<String> = (20..40).map(|m| format!("1.{m}")).collect();
        let text = super::wrapped("ok      kubectl minors present:", &minors, "none");
        assert!(text.lines().count() > 1, "{text}");
        for l in text.lines() {
            assert!(l.chars().count() <= 80, "{l:?}");
        }
        assert_eq!(text.replace("\n       ", "").matches("1.").count(), 20);
        assert_eq!(
            super::wrapped("MISSING kubectl minors present:", &[], "none"),
            "MISSING kubectl minors present: none"
        );
    }
}
