//! The lab definition: `labs/<name>/lab.yaml`, the manifests it names and
//! its checks. A [`Lab`] is its [`Testbed`] (read and validated by
//! `crate::testbed`, below the probes) with its checks resolved by the
//! probe registry (`checks`), which is why this room sits above `probe`:
//! the probes resolve and run against the testbed, never against a `Lab`.
//! Loading a lab (find it by name, read it, validate it, resolve its
//! checks in the same pass) is here; so are discovery of labs by name
//! (`labs/`, `LAB_PATH`, [`crate::shipped`]), the run record's inputs of a
//! lab, and its manifests checked against Kubernetes' schemas. The rest of
//! `lab` names the testbed's types through here.

pub mod checks;
mod inputs;
pub mod schemas;

use crate::error::{LabError, Result};
use crate::testbed::validate;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

pub use crate::probe::expect::Expect;
pub use crate::probe::target::{Endpoint, Target};
pub use crate::testbed::{
    Interfaces, LoadOptions, Network, Node, PodPlacement, Role, Testbed, Variant, Workload,
    known_drift_path, nth_host, validate_name,
};
pub use checks::{Check, SkippedCheck};

/// File name of a lab definition inside its folder.
pub use crate::places::LAB_FILE;

/// A validated lab definition: its testbed and its checks. It reads as its
/// testbed (`lab.nodes`, `lab.placements()`: [`Deref`]), which is what the
/// probes are given.
#[derive(Debug, Clone)]
pub struct Lab {
    pub testbed: Testbed,
    pub checks: Vec<Check>,
    /// Checks of the file that do not apply to this lab's size (`--nodes`
    /// made fewer workers than a check names), with the reason.
    pub skipped_checks: Vec<SkippedCheck>,
}

impl Deref for Lab {
    type Target = Testbed;
    fn deref(&self) -> &Testbed {
        &self.testbed
    }
}

impl DerefMut for Lab {
    fn deref_mut(&mut self) -> &mut Testbed {
        &mut self.testbed
    }
}

impl Lab {
    /// The lab with another Vagrant box (`--box`), held to the same alphabet
    /// as `box:` in lab.yaml.
    pub fn with_box(mut self, name: &str) -> Result<Lab> {
        if !validate::is_box(name) {
            return Err(LabError::Usage(format!(
                "--box '{name}' is not a valid box name (like ubuntu/jammy64: letters, digits, . _ - and one /)"
            )));
        }
        self.testbed.box_name = name.to_string();
        Ok(self)
    }
}

/// Find a lab by name or path: a path (`./dir`, `dir/lab.yaml`) is used as
/// is; a name is looked up as `labs/<name>/` under the current directory,
/// then under each folder of `LAB_PATH`, then in the labs shipped with `lab`
/// ([`crate::shipped`]). Not found: the error names the nearest labs.
pub fn find(name_or_path: &str) -> Result<PathBuf> {
    let p = Path::new(name_or_path);
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml");
    if looks_like_path || p.join(LAB_FILE).is_file() {
        let file = if p.is_dir() {
            p.join(LAB_FILE)
        } else {
            p.to_path_buf()
        };
        if file.is_file() {
            return Ok(file);
        }
        return Err(LabError::LabNotFound {
            name: name_or_path.into(),
            searched: file.display().to_string(),
            hint: String::new(),
        });
    }
    let mut searched = Vec::new();
    for root in user_roots() {
        let file = root.join(name_or_path).join(LAB_FILE);
        if file.is_file() {
            return Ok(file);
        }
        searched.push(root.display().to_string());
    }
    // The shipped labs are written out only when nothing else has the name.
    let (shipped, unwritten) = match crate::shipped::materialise() {
        Ok(d) => (d, None),
        Err(e) => (crate::shipped::dir(), Some(e)),
    };
    let file = shipped.join(name_or_path).join(LAB_FILE);
    if file.is_file() {
        return Ok(file);
    }
    searched.push(shipped.display().to_string());
    let known: Vec<String> = discover().into_iter().map(|(n, _)| n).collect();
    let mut hint = crate::suggest::hint(name_or_path, &known, "labs found");
    if let Some(e) = unwritten {
        hint.push_str(&format!("; lab's own labs could not be written out: {e}"));
    }
    Err(LabError::LabNotFound {
        name: name_or_path.into(),
        searched: searched.join(", "),
        hint,
    })
}

/// Why the labs shipped with `lab` cannot be written out (`lab list` says
/// it), if they cannot.
pub fn shipped_problem() -> Option<LabError> {
    crate::shipped::materialise().err()
}

/// Where labs are looked up by name, in order: `labs/` under the current
/// directory, each folder of `LAB_PATH`, the labs shipped with `lab`.
fn search_roots() -> Vec<PathBuf> {
    let mut roots = user_roots();
    // The labs shipped in the binary, written out to lab's cache (a copied
    // or installed binary has no source tree).
    roots.push(crate::shipped::materialise().unwrap_or_else(|_| crate::shipped::dir()));
    roots
}

/// `labs/` here and the folders of `LAB_PATH`.
fn user_roots() -> Vec<PathBuf> {
    let mut roots = vec![PathBuf::from("labs")];
    if let Some(lp) = std::env::var_os("LAB_PATH") {
        roots.extend(std::env::split_paths(&lp));
    }
    roots
}

/// Every lab `lab` can find by name: `(name, lab.yaml)`, sorted by name;
/// a name found in two places is the one [`find`] would pick.
pub fn discover() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for root in search_roots() {
        let Ok(rd) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut found: Vec<(String, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let file = e.path().join(LAB_FILE);
                (validate_name(&name) && file.is_file()).then_some((name, file))
            })
            .collect();
        found.sort();
        for (name, file) in found {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, file));
            }
        }
    }
    out.sort();
    out
}

/// Find, parse and validate a lab. All problems are reported at once.
pub fn load(name_or_path: &str, opts: LoadOptions) -> Result<Lab> {
    let file = find(name_or_path)?;
    load_file(&file, opts)
}

/// Parse and validate a lab file: its testbed, and its checks resolved by
/// the probe registry in the same pass (every problem reported at once).
pub fn load_file(file: &Path, opts: LoadOptions) -> Result<Lab> {
    let (testbed, (checks, skipped_checks)) =
        crate::testbed::load_file_with(file, opts, checks::resolve)?;
    Ok(Lab {
        testbed,
        checks,
        skipped_checks,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    /// chapter4 as shipped, with its checks.
    pub fn lab() -> super::Lab {
        super::load("chapter4", Default::default()).expect("chapter4")
    }
}
