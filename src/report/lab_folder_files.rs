//! The files a lab reads, found from where an output path lands, so that
//! no report or picture replaces one (probe21bv finding 4: `--json` over
//! another lab's chapter, known-drift file or manifest was exit 0, and
//! that lab's `lab book` then read the report as its chapter).
//!
//! A lab is found two ways: a `lab.yaml` in the folder of the path or in
//! one above it (a lab names files inside its folder), and the lab file of
//! every lab the host's claims (`/run/lab`) say is up, whatever its file's
//! name. Each lab file is read leniently (any YAML, invalid labs too): it
//! reads itself, its `book:` chapter, the chapter's known-drift file (the
//! default name, and every `*.drift.yaml` beside it: one named with
//! `--known`), the manifests of its variants and its workloads. A lab file
//! that is not YAML at all protects every file of its folder it mentions.
//! Also used by `lab init --force` ([`lab_up_from`]) to name the lab that
//! is up from a lab file.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The name of a lab's file in its folder.
const LAB_FILE: &str = crate::places::LAB_FILE;

/// At most this much of a lab file is read (as the loader's own limit).
const MAX_LAB_FILE: u64 = 4 << 20;

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

/// The lab files whose files `dest` may be: a `lab.yaml` in its folder or
/// above, and the lab file of every lab up on this host.
fn lab_files_around(dest: &Path) -> Vec<PathBuf> {
    let real = crate::places::real_path(dest);
    let mut found: Vec<PathBuf> = real
        .ancestors()
        .skip(1)
        .map(|d| d.join(LAB_FILE))
        .filter(|f| f.is_file())
        .collect();
    found.extend(up_lab_files().into_iter().map(|(_, f)| f));
    found
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
    let named = match serde_norway::from_str::<serde_norway::Value>(&text) {
        Ok(v) => named_in_yaml(&v),
        Err(_) => mentioned_in(&text, &dir),
    };
    for n in named {
        let p = dir.join(&n);
        out.push(crate::places::known_drift_path(&p));
        out.push(p);
    }
    // A known-drift file named with `--known` is kept beside the chapter.
    if let Ok(rd) = std::fs::read_dir(&dir) {
        out.extend(
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".drift.yaml"))
                .map(|e| e.path()),
        );
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
}
