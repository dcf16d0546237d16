//! The files a lab reads, found from where an output path lands, so that
//! no report or picture replaces one (probe21bv finding 4: `--json` over
//! another lab's chapter, known-drift file or manifest was exit 0, and
//! that lab's `lab book` then read the report as its chapter).
//!
//! A lab is found two ways: a lab file in the folder of the path or in one
//! above it (a lab names files inside its folder), and the lab file of
//! every lab the host's claims (`/run/lab`) say is up, whatever its file's
//! name. In a folder, `lab.yaml` is a lab file whatever it holds; any other
//! `.yaml` or `.yml` is one when it is a YAML mapping with a lab file's
//! `name:`, `nodes:` and `variants:` (`lab up dir/custom.yaml` reads such a
//! file; its chapter was replaced while it was down: probe21bz). Bounded:
//! of each folder, the first [`MAX_ENTRIES`] entries it lists are looked
//! at, and of those the first [`MAX_OTHERS`] such files by name, each of at
//! most [`MAX_LAB_FILE`] bytes, [`MAX_READ`] bytes in all. Each lab file is
//! read leniently (any YAML, invalid labs too): it reads itself, its
//! `book:` chapter, the chapter's known-drift file (the default name, and
//! every `*.drift.yaml` beside the lab file and beside the chapter: one
//! named with `--known`), the manifests of its variants and its workloads.
//! A `lab.yaml` that is not YAML at all protects every file of its folder
//! it mentions.
//! Also used by `lab init --force` ([`lab_up_from`]) to name the lab that
//! is up from a lab file.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The name of a lab's file in its folder.
const LAB_FILE: &str = crate::places::LAB_FILE;

/// At most this much of a lab file is read (as the loader's own limit).
const MAX_LAB_FILE: u64 = 4 << 20;

/// Of a folder, at most this many entries are looked at for lab files not
/// named `lab.yaml` (a huge folder is not listed to its end).
pub(crate) const MAX_ENTRIES: usize = 4096;

/// Of a folder, at most this many `.yaml`/`.yml` files not named
/// `lab.yaml` are read to tell whether they are lab files (the first by
/// name).
pub(crate) const MAX_OTHERS: usize = 64;

/// At most this many bytes of such files are read for one path, all the
/// folders above it together.
pub(crate) const MAX_READ: u64 = 32 << 20;

/// Why the existing file `dest` (`meta`: its metadata, links followed)
/// must not be replaced: a lab reads it.
pub(super) fn why_read_by_a_lab(dest: &Path, meta: &std::fs::Metadata) -> Option<String> {
    let is_it = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
    };
    for lab_file in lab_files_around(dest) {
        if files_read_by(&lab_file).iter().any(|f| is_it(f)) {
            return Some(format!(
                "is a file the lab {} reads (its chapter, known drift or a manifest), which a report never replaces",
                lab_file.display()
            ));
        }
    }
    None
}

/// The lab files whose files `dest` may be: a lab file in its folder or
/// above (`lab.yaml`, and others by what they hold), and the lab file of
/// every lab up on this host.
fn lab_files_around(dest: &Path) -> Vec<PathBuf> {
    let real = crate::places::real_path(dest);
    let mut budget = MAX_READ;
    let mut found = Vec::new();
    for d in real.ancestors().skip(1) {
        let own = d.join(LAB_FILE);
        if own.is_file() {
            found.push(own);
        }
        found.extend(lab_files_named_otherwise(d, &mut budget));
    }
    found.extend(up_lab_files().into_iter().map(|(_, f)| f));
    found
}

/// The lab files of folder `d` not named `lab.yaml`: of its first
/// [`MAX_ENTRIES`] entries, the first [`MAX_OTHERS`] `.yaml`/`.yml` files
/// by name (known-drift files aside) whose YAML is a lab file's, while
/// `budget` bytes are left to read.
fn lab_files_named_otherwise(d: &Path, budget: &mut u64) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(d) else {
        return vec![];
    };
    let mut names: Vec<String> = rd
        .take(MAX_ENTRIES)
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            (n.ends_with(".yaml") || n.ends_with(".yml"))
                && n != LAB_FILE
                && !n.ends_with(".drift.yaml")
        })
        .collect();
    names.sort();
    names.truncate(MAX_OTHERS);
    let mut out = Vec::new();
    for n in names {
        let p = d.join(n);
        let Ok(m) = std::fs::metadata(&p) else {
            continue;
        };
        if !m.is_file() || m.len() > MAX_LAB_FILE {
            continue;
        }
        if m.len() > *budget {
            break;
        }
        *budget -= m.len();
        let is_lab = read_small(&p).is_some_and(|t| {
            t.contains("nodes")
                && t.contains("variants")
                && serde_norway::from_str::<serde_norway::Value>(&t)
                    .is_ok_and(|v| looks_like_lab(&v))
        });
        if is_lab {
            out.push(p);
        }
    }
    out
}

/// Whether YAML `v` is a lab file's: a mapping with `name:`, `nodes:` and
/// `variants:`, which every lab file has (a manifest has none of them at
/// its top).
fn looks_like_lab(v: &serde_norway::Value) -> bool {
    v.as_mapping().is_some_and(|m| {
        ["name", "nodes", "variants"]
            .iter()
            .all(|k| m.contains_key(*k))
    })
}

/// Every lab up on this host: (name, lab file).
fn up_lab_files() -> Vec<(String, PathBuf)> {
    super::host::now().labs_up
}

/// The lab up from the lab file `file` (the same file, through links),
/// of `labs_up` (see [`super::host::Host::labs_up`]): its name.
pub fn lab_up_from(file: &Path, labs_up: &[(String, PathBuf)]) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    let same = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
    };
    labs_up
        .iter()
        .find(|(_, f)| same(f))
        .map(|(name, _)| name.clone())
}

/// The files the lab file `lab_file` reads, read leniently: itself, its
/// chapter and known drift, its manifests.
fn files_read_by(lab_file: &Path) -> Vec<PathBuf> {
    let dir = super::output::parent_of(lab_file);
    let mut out = vec![lab_file.to_path_buf()];
    let Some(text) = read_small(lab_file) else {
        return out;
    };
    let (named, chapter) = match serde_norway::from_str::<serde_norway::Value>(&text) {
        Ok(v) => (
            named_in_yaml(&v),
            v.get("book").and_then(|b| b.as_str()).map(str::to_string),
        ),
        Err(_) => (mentioned_in(&text, &dir), None),
    };
    for n in named {
        let p = dir.join(&n);
        out.push(crate::places::known_drift_path(&p));
        out.push(p);
    }
    // A known-drift file named with `--known` is kept beside the chapter
    // (and was beside the lab file when the chapter was too).
    let beside_chapter = chapter.map(|c| super::output::parent_of(&dir.join(c)));
    for folder in std::iter::once(dir.clone()).chain(beside_chapter) {
        if let Ok(rd) = std::fs::read_dir(&folder) {
            out.extend(
                rd.take(MAX_ENTRIES)
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".drift.yaml"))
                    .map(|e| e.path()),
            );
        }
    }
    out
}

/// The file names a lab file's YAML gives: `book:`, each variant's
/// `network:`, `workloads:`.
fn named_in_yaml(v: &serde_norway::Value) -> Vec<String> {
    use serde_norway::Value;
    let s = |v: &Value| v.as_str().map(str::to_string);
    let mut out: Vec<String> = v.get("book").and_then(s).into_iter().collect();
    if let Some(Value::Mapping(m)) = v.get("variants") {
        out.extend(m.values().filter_map(|v| v.get("network").and_then(s)));
    }
    if let Some(Value::Sequence(w)) = v.get("workloads") {
        out.extend(w.iter().filter_map(s));
    }
    out
}

/// The files of `dir` whose names a lab file that is no YAML mentions.
fn mentioned_in(text: &str, dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| text.contains(n.as_str()))
        .collect()
}

/// A regular file's text, if it is one of at most [`MAX_LAB_FILE`] bytes
/// (a FIFO or a device is never opened to be read: that could wait).
fn read_small(p: &Path) -> Option<String> {
    let bytes = crate::input_file::head_of_regular(p, MAX_LAB_FILE)?;
    if bytes.len() as u64 > MAX_LAB_FILE {
        return None;
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(p: &Path) -> Option<String> {
        why_read_by_a_lab(p, &std::fs::metadata(p).unwrap())
    }

    #[test]
    fn every_file_a_lab_beside_reads_is_found_and_no_other() {
        let d = tempfile::tempdir().unwrap();
        let lab = d.path().join("other");
        std::fs::create_dir_all(lab.join("manifests")).unwrap();
        std::fs::write(
            lab.join(LAB_FILE),
            "name: other\nvariants:\n  a: { network: manifests/net.yml }\n\
             workloads: [app.yaml]\nbook: story.md\n",
        )
        .unwrap();
        for f in [
            "manifests/net.yml",
            "app.yaml",
            "story.md",
            "story.drift.yaml",
            "another.drift.yaml",
        ] {
            std::fs::write(lab.join(f), "x").unwrap();
            assert!(why(&lab.join(f)).is_some(), "{f}");
        }
        std::fs::write(lab.join("report.json"), "{}").unwrap();
        assert_eq!(why(&lab.join("report.json")), None);
        // Not YAML: what it mentions.
        std::fs::write(lab.join(LAB_FILE), "book: [story.md\n").unwrap();
        assert!(why(&lab.join("story.md")).is_some());
        assert_eq!(why(&lab.join("app.yaml")), None);
    }

    /// probe21bz lesser: `dir/custom.yaml` (`book: docs/chapter.md`) did
    /// not protect its chapter while its lab was down (no `lab.yaml`).
    #[test]
    fn a_lab_file_of_another_name_protects_its_files_and_a_manifest_is_none() {
        let d = tempfile::tempdir().unwrap();
        let lab = d.path().join("dir");
        std::fs::create_dir_all(lab.join("docs/deep")).unwrap();
        std::fs::write(
            lab.join("custom.yaml"),
            "name: other\nnodes: []\nvariants:\n  a: { network: net.yml }\nbook: docs/chapter.md\n",
        )
        .unwrap();
        // A manifest beside it names files too, but is no lab file.
        std::fs::write(
            lab.join("app.yml"),
            "kind: ConfigMap\nname: x\nbook: docs/free.md\nnodes: 1\n",
        )
        .unwrap();
        for f in [
            "docs/chapter.md",
            "docs/chapter.drift.yaml",
            "docs/by-hand.drift.yaml",
            "net.yml",
        ] {
            std::fs::write(lab.join(f), "x").unwrap();
            assert!(
                why(&lab.join(f)).is_some_and(|w| w.contains("custom.yaml")),
                "{f}"
            );
        }
        assert!(why(&lab.join("custom.yaml")).is_some());
        for f in ["docs/free.md", "docs/deep/report.json", "report.json"] {
            std::fs::write(lab.join(f), "x").unwrap();
            assert_eq!(why(&lab.join(f)), None, "{f}");
        }
    }

    /// The bound: the first [`MAX_OTHERS`] `.yaml` files of a folder by
    /// name are read, no more (a lab file after them protects nothing).
    #[test]
    fn only_the_first_yaml_files_of_a_folder_are_read() {
        let d = tempfile::tempdir().unwrap();
        let lab = d.path();
        for i in 0..MAX_OTHERS {
            std::fs::write(lab.join(format!("a{i:03}.yaml")), "kind: x\n").unwrap();
        }
        let text = "name: o\nnodes: []\nvariants: {}\nbook: story.md\n";
        std::fs::write(lab.join("z.yaml"), text).unwrap();
        std::fs::write(lab.join("story.md"), "x").unwrap();
        assert_eq!(why(&lab.join("story.md")), None);
        std::fs::write(lab.join("0.yaml"), text).unwrap();
        assert!(why(&lab.join("story.md")).is_some());
    }
}
