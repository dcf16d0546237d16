//! `lab init CHAPTER.md [DIR]`: draft a lab from a chapter. The chapter is
//! read into facts ([`facts`], [`claims`]) with the same reader `lab book`
//! replays, the facts become a lab's values ([`plan`]) and checks
//! ([`checks`]), rendered as commented `lab.yaml` text ([`render`]).
//! Manifests the chapter applies that the folder lacks are drafted from
//! lab's templates where the chapter says enough ([`manifests`]), or named.
//!
//! The draft is validated by lab's own loader before it becomes `lab.yaml`;
//! on any refusal nothing is left behind.

pub mod checks;
pub mod claims;
pub mod facts;
pub mod manifests;
pub mod plan;
pub mod render;

use crate::book::parse;
use crate::error::{LabError, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `lab init` is asked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub chapter: PathBuf,
    /// The lab folder (default: beside the chapter, named after its stem).
    pub dir: Option<PathBuf>,
    /// Overwrite an existing `lab.yaml`.
    pub force: bool,
    /// Refuse (exit 2, nothing written) when the folder lacks a manifest.
    pub strict: bool,
}

/// What `lab init` wrote.
#[derive(Debug, Clone, Default)]
pub struct Drafted {
    pub dir: PathBuf,
    pub lab_file: PathBuf,
    pub name: String,
    pub nodes: usize,
    pub variants: Vec<String>,
    pub checks: usize,
    /// Checks left commented out (the chapter shows too little).
    pub commented: usize,
    /// Manifests drafted from lab's templates.
    pub drafted: Vec<String>,
    /// Manifests the folder lacks and `lab init` could not draft, with why.
    pub missing: Vec<(String, String)>,
    /// Whether the draft loaded with every check resolved.
    pub validated: bool,
}

/// The folder `lab init CHAPTER` drafts into: beside it, named after its stem.
pub fn default_dir(chapter: &Path) -> PathBuf {
    let stem = chapter.file_stem().unwrap_or_default();
    chapter.parent().unwrap_or(Path::new(".")).join(stem)
}

/// A lab name from a folder name: a DNS label of at most 40 characters.
pub fn lab_name(dir: &Path) -> String {
    let raw = dir
        .canonicalize()
        .unwrap_or_else(|_| dir.to_path_buf())
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let s: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s: String = s.trim_matches('-').chars().take(40).collect();
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() || !s.as_bytes()[0].is_ascii_lowercase() {
        format!("lab-{s}")
            .chars()
            .take(40)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    } else {
        s
    }
}

fn usage(file: &Path, why: impl std::fmt::Display) -> LabError {
    LabError::Usage(format!("{}: {why}", file.display()))
}

/// The Deployments (name → app label) of the workload files the folder has.
fn apps_in(dir: &Path, files: &[String]) -> BTreeMap<String, String> {
    let mut apps = BTreeMap::new();
    for f in files {
        let Ok(m) = crate::testbed::manifest::read_documents(&dir.join(f)) else {
            continue;
        };
        if let Ok(ws) = crate::testbed::manifest::workloads(&m) {
            for w in ws {
                apps.insert(w.name, w.app);
            }
        }
    }
    apps
}

/// Files this run made, removed again if it is refused.
struct Made {
    dir: Option<PathBuf>,
    files: Vec<PathBuf>,
}

impl Made {
    fn undo(&self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// Write a file that must be new: never through a link, never over a
/// file that appeared since it was looked for.
fn write_new(p: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_new_mode(p, bytes, 0o666)
}

/// [`write_new`], the file made with permissions `mode` (less the umask).
fn write_new_mode(p: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(mode)
        .open(p)?
        .write_all(bytes)
}

/// Copy the chapter's known-drift file into the lab: never read through a
/// link (one there may name any file of the host, a secret among them),
/// nor more than a known-drift file may hold, and made no more readable
/// than it was.
fn copy_known(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let f = crate::input_file::open_regular(std::fs::OpenOptions::new().read(true), from)?;
    let mode = f.metadata()?.permissions().mode() & 0o666;
    let max = crate::book::known::MAX_BYTES;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "it is larger than a known-drift file may be ({max} bytes)"
        )));
    }
    write_new_mode(to, &bytes, mode)
}

/// Draft the lab of `s.chapter` into its folder.
pub fn init(s: &Settings) -> Result<Drafted> {
    let chapter = parse::read(&s.chapter).map_err(|e| LabError::Usage(e.to_string()))?;
    let facts = facts::read(&chapter);
    let dir = s.dir.clone().unwrap_or_else(|| default_dir(&s.chapter));
    let lab_file = dir.join(crate::spec::LAB_FILE);
    if lab_file.exists() && !s.force {
        return Err(usage(&lab_file, "exists; `--force` overwrites it"));
    }
    // `--force` redrafts a lab that is down; a lab up from this file would
    // be left running what no file says any more (probe21bv).
    if let Some(up) = crate::report::lab_folder_files::lab_up_from(
        &lab_file,
        &crate::state::claim::host().labs_up,
    ) {
        return Err(usage(
            &lab_file,
            format!(
                "is the lab file of lab {up}, which is up; `lab destroy {up}` first, then \
                 `lab init --force` (nothing written)"
            ),
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(usage(&dir, "exists and is not a folder"));
    }
    let book = s
        .chapter
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(&s.chapter, "has no file name"))?;
    let name = lab_name(&dir);
    let workload_files: Vec<String> = facts.workloads().map(|a| a.file.clone()).collect();
    let apps = apps_in(&dir, &workload_files);
    let plan = plan::plan(&facts, &name, &book, apps).map_err(|why| usage(&s.chapter, why))?;
    let lacking: Vec<String> = plan
        .variants
        .iter()
        .map(|v| v.file.clone())
        .chain(plan.workloads.iter().map(|w| w.0.clone()))
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if s.strict && !lacking.is_empty() {
        return Err(usage(
            &dir,
            format!(
                "lacks the manifest{} the chapter applies: {} (--strict: nothing written)",
                if lacking.len() == 1 { "" } else { "s" },
                lacking.join(", ")
            ),
        ));
    }
    // A chapter of the same name already in the folder must be this one.
    let in_dir = dir.join(&book);
    if in_dir.is_file()
        && std::fs::read(&in_dir)
            .map_err(|e| LabError::io(format!("reading {}", in_dir.display()), e))?
            != chapter.text.as_bytes()
    {
        return Err(usage(
            &in_dir,
            format!(
                "exists and differs from {}; nothing written (remove it, or draft into another folder)",
                s.chapter.display()
            ),
        ));
    }
    // Drafts of what the folder lacks.
    let mut drafts: Vec<(String, String)> = Vec::new();
    let mut missing = Vec::new();
    let mut taken: Vec<String> = plan.apps.keys().cloned().collect();
    for f in &lacking {
        let r = if plan.variants.iter().any(|v| &v.file == f) {
            manifests::flannel(&plan, &facts, f, &book)
        } else {
            manifests::workload(&plan, &facts, &taken, f).map(|(dep, text)| {
                taken.push(dep);
                text
            })
        };
        match r {
            Ok(text) => drafts.push((f.clone(), text)),
            Err(why) => missing.push((f.clone(), why)),
        }
    }
    let text = render::render(&plan, &facts.claims, &book, &facts.skipped);
    let drafted_checks = checks::group(&plan, &facts.claims);
    // Write: the folder, the chapter, its known drift, the drafts, then the
    // lab file under a temporary name until it validates.
    // A link where lab init writes (a folder from elsewhere) is never
    // followed: the file it names could be anywhere.
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(usage(
            &dir,
            "is a symbolic link; lab init writes a lab only into a folder, never where a link \
             points (nothing written)",
        ));
    }
    let to = dir.join(&book);
    let targets = [to.clone(), crate::book::known::default_path(&to)]
        .into_iter()
        .chain(drafts.iter().map(|(f, _)| dir.join(f)));
    for p in targets {
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(usage(
                &p,
                "is a symbolic link; lab init writes only files of its own (nothing written)",
            ));
        }
    }
    let mut made = Made {
        dir: None,
        files: Vec::new(),
    };
    let io = |what: &str, p: &Path, e: std::io::Error| {
        LabError::io(format!("{what} {}", p.display()), e)
    };
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(|e| io("creating", &dir, e))?;
        made.dir = Some(dir.clone());
    }
    let r = (|| -> Result<bool> {
        let same = |a: &Path, b: &Path| {
            a.canonicalize()
                .ok()
                .is_some_and(|a| b.canonicalize().ok() == Some(a))
        };
        if !same(&s.chapter, &to) && !to.exists() {
            write_new(&to, chapter.text.as_bytes()).map_err(|e| io("writing", &to, e))?;
            made.files.push(to.clone());
            let known = crate::book::known::default_path(&s.chapter);
            let known_to = crate::book::known::default_path(&to);
            if known.is_file() && !known_to.exists() {
                copy_known(&known, &known_to).map_err(|e| {
                    usage(&known, format!("the known-drift file is not copied: {e}"))
                })?;
                made.files.push(known_to);
            }
        }
        for (f, text) in &drafts {
            let p = dir.join(f);
            write_new(&p, text.as_bytes()).map_err(|e| io("writing", &p, e))?;
            made.files.push(p);
        }
        let tmp = dir.join(format!(".lab-init-{}.yaml", std::process::id()));
        write_new(&tmp, text.as_bytes()).map_err(|e| io("writing", &tmp, e))?;
        made.files.push(tmp.clone());
        let loaded = crate::spec::load_file(&tmp, Default::default());
        let validated = match loaded {
            Ok(_) => true,
            Err(LabError::Invalid(p))
                if !missing.is_empty()
                    && p.0.iter().all(|p| p.message.contains("does not exist")) =>
            {
                false
            }
            Err(e) => {
                return Err(LabError::Internal(format!(
                    "lab init drafted a lab.yaml that lab does not load (a bug of lab init; nothing was written):\n{e}"
                )));
            }
        };
        std::fs::rename(&tmp, &lab_file).map_err(|e| io("writing", &lab_file, e))?;
        Ok(validated)
    })();
    let validated = match r {
        Ok(v) => v,
        Err(e) => {
            made.undo();
            return Err(e);
        }
    };
    Ok(Drafted {
        dir,
        lab_file,
        name,
        nodes: plan.nodes.len(),
        variants: plan.variants.iter().map(|v| v.name.clone()).collect(),
        checks: drafted_checks.iter().filter(|c| c.active).count(),
        commented: drafted_checks.iter().filter(|c| !c.active).count(),
        drafted: drafts.into_iter().map(|d| d.0).collect(),
        missing,
        validated,
    })
}

#[cfg(test)]
mod tests;
