//! What a lab's results depend on, as the nightly sees it before a run:
//! the content digest of the lab file, of every manifest it names and of
//! its chapter, the flannel image the manifests use, the Kubernetes
//! version and box, the kernel, this `lab`'s version, and the git commit
//! that last touched the lab's folder. The keys are the run record's
//! (`file:<name>`, `flannel_image`, `kubernetes`, `box`, `kernel`,
//! `lab_version`, `git_commit`); a run record's own inputs win, these fill
//! what it does not say.

use crate::spec::Lab;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `sha256:<hex>` of a file's bytes.
pub fn sha256_file(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let d = Sha256::digest(&bytes);
    Some(format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

/// The running kernel's release (`uname -r`).
pub fn kernel() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
}

/// This machine's name.
pub fn hostname() -> Option<String> {
    nix::unistd::gethostname()
        .ok()
        .map(|h| h.to_string_lossy().into_owned())
}

/// The chapter a lab file names (`book: FILE` or `book: { chapter: FILE }`
/// at its top level), relative to the lab's folder.
pub fn chapter_of(lab_file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(lab_file).ok()?;
    let v: serde_norway::Value = serde_norway::from_str(&text).ok()?;
    let book = v.get("book")?;
    let file = match book {
        serde_norway::Value::String(s) => s.clone(),
        m => m
            .get("chapter")
            .or_else(|| m.get("file"))
            .and_then(|x| x.as_str())?
            .to_string(),
    };
    Some(PathBuf::from(file))
}

/// The inputs of `lab` as it is on disk now.
pub fn of_lab(lab: &Lab) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut files: Vec<PathBuf> = vec![lab.file.clone()];
    for v in &lab.variants {
        files.push(lab.dir.join(&v.manifest));
    }
    for w in &lab.workload_files {
        files.push(lab.dir.join(w));
    }
    if let Some(c) = chapter_of(&lab.file) {
        files.push(lab.dir.join(c));
    }
    let image = regex::Regex::new(r#"image:\s*["']?([^\s"']*flannel[^\s"']*)"#).expect("regex");
    let mut images = Vec::new();
    for f in &files {
        let name = f
            .strip_prefix(&lab.dir)
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        if let Some(d) = sha256_file(f) {
            out.insert(format!("file:{name}"), d);
        }
        if let Ok(text) = std::fs::read_to_string(f) {
            for c in image.captures_iter(&text) {
                let i = c[1].to_string();
                if !i.contains("cni-plugin") && !images.contains(&i) {
                    images.push(i);
                }
            }
        }
    }
    if !images.is_empty() {
        out.insert("flannel_image".into(), images.join(" "));
    }
    out.insert("kubernetes".into(), lab.kubernetes.clone());
    out.insert("box".into(), lab.box_name.clone());
    if let Some(k) = kernel() {
        out.insert("kernel".into(), k);
    }
    out.insert("lab_version".into(), env!("CARGO_PKG_VERSION").into());
    if let Some(c) = git_commit(&lab.dir) {
        out.insert("git_commit".into(), c);
    }
    out
}

/// The last commit that touched `dir`, when it is in a git repository.
fn git_commit(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%H", "--", "."])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && s.len() == 40).then_some(s)
}
