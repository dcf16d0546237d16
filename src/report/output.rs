//! Where the reports of a run go (`--junit F`, `--json F`, and `lab book`'s
//! `--html F`).
//!
//! A report path is the user's, so it is written through the way every Unix
//! tool writes (`cmd > F`): a symlink is followed, a FIFO's reader and a
//! device get the bytes, `/dev/fd/N` (`--json >(jq .)`) works, and `-` is
//! stdout. A regular file (new, or found through its links) is written
//! whole or not at all: into a temporary file beside it, renamed over it
//! when complete, so a full disk leaves the last report as it was, never
//! an empty or cut one (probe21bo lesser 5). Nothing else is ever renamed
//! over (that replaced `/dev/full` for the whole machine): devices, FIFOs
//! and terminals get the bytes directly.
//!
//! Paths are checked before anything runs ([`Reports::check`]), so a typo
//! costs nothing; a write that still fails at the end is reported after the
//! results are shown and the other report is written.

use super::run::RunReport;
use crate::error::{LabError, Result};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where one report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `-` (or `/dev/stdout`): this process's stdout, as it is.
    Stdout,
    /// `/dev/stderr`: this process's stderr, as it is.
    Stderr,
    /// A path, written through.
    Path(PathBuf),
}

impl Target {
    /// `-`, `/dev/stdout` and `/dev/stderr` are this process's own streams:
    /// written as they are, never reopened (reopening `/dev/stdout` with
    /// truncation would empty a file the table was just written to).
    pub fn from_arg(p: PathBuf) -> Target {
        match p.to_str() {
            Some("-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") => Target::Stdout,
            Some("/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2") => Target::Stderr,
            _ => Target::Path(p),
        }
    }

    /// Write `bytes` through to the target: open for writing (created if
    /// missing, truncated if a regular file), never replaced.
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Target::Stdout => {
                let mut o = std::io::stdout().lock();
                o.write_all(bytes)?;
                o.flush()
            }
            Target::Stderr => std::io::stderr().lock().write_all(bytes),
            Target::Path(p) => super::report_file::write_checked(p, bytes),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Stdout => write!(f, "stdout"),
            Target::Stderr => write!(f, "stderr"),
            Target::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The reports a command was asked for.
#[derive(Debug, Clone, Default)]
pub struct Reports {
    pub junit: Option<Target>,
    pub json: Option<Target>,
    /// `lab book --html F`.
    pub html: Option<Target>,
    /// `lab book --suggest F`: the chapter's patch.
    pub patch: Option<Target>,
}

/// A kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
    Html,
    Patch,
}

impl Format {
    fn flag(self) -> &'static str {
        match self {
            Format::Junit => "--junit",
            Format::Json => "--json",
            Format::Html => "--html",
            Format::Patch => "--suggest",
        }
    }
}

/// The one of `inputs` that `p` names, directly, through symlinks or as
/// another hard link of it (a path a command writes must be none of them).
pub fn input_at<'a>(p: &Path, inputs: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let same = |a: &Path, b: &Path| match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(ma), Ok(mb)) => ma.dev() == mb.dev() && ma.ino() == mb.ino(),
        _ => crate::places::real_path(a) == crate::places::real_path(b),
    };
    inputs.iter().find(|i| same(p, i))
}

impl Reports {
    pub fn new(junit: Option<PathBuf>, json: Option<PathBuf>) -> Reports {
        Reports {
            junit: junit.map(Target::from_arg),
            json: json.map(Target::from_arg),
            html: None,
            patch: None,
        }
    }

    /// These reports and an HTML one (`--html F`).
    pub fn with_html(mut self, html: Option<PathBuf>) -> Reports {
        self.html = html.map(Target::from_arg);
        self
    }

    /// These reports and the chapter's patch (`lab book --suggest F`).
    pub fn with_patch(mut self, patch: Option<PathBuf>) -> Reports {
        self.patch = patch.map(Target::from_arg);
        self
    }

    fn each(&self) -> impl Iterator<Item = (Format, &Target)> {
        [
            (Format::Junit, self.junit.as_ref()),
            (Format::Json, self.json.as_ref()),
            (Format::Html, self.html.as_ref()),
            (Format::Patch, self.patch.as_ref()),
        ]
        .into_iter()
        .filter_map(|(f, t)| t.map(|t| (f, t)))
    }

    /// Whether a report goes to stdout (then the table and the summary go
    /// to stderr, so stdout is the report alone: `--json - | jq`).
    pub fn to_stdout(&self) -> bool {
        self.each().any(|(_, t)| *t == Target::Stdout)
    }

    /// Refuse, before anything runs, report paths that cannot be written or
    /// must not be: a missing or unwritable folder, a folder itself, a file
    /// inside a lab's state folder under `state_root` (`state.json`, keys,
    /// `lab.log`), two reports into one file or both to stdout. Creates
    /// nothing (a FIFO is not even opened).
    pub fn check(&self, state_root: &Path) -> Result<()> {
        let bad = |flag: &str, t: &Target, why: String| {
            LabError::Usage(format!("{flag} {t}: {why}; nothing was run"))
        };
        let all: Vec<(Format, &Target)> = self.each().collect();
        for (i, (f, t)) in all.iter().enumerate() {
            if let Target::Path(p) = t {
                check_path(p, state_root).map_err(|why| bad(f.flag(), t, why))?;
            }
            if let Some((earlier, _)) = all[..i].iter().find(|(_, e)| same_destination(e, t)) {
                return Err(bad(
                    f.flag(),
                    t,
                    format!(
                        "{} writes there too; give each report its own file",
                        earlier.flag()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Refuse, before anything runs, a report path that is one of the
    /// lab's `inputs` (the lab file, a manifest, the chapter, the
    /// known-drift file), named directly, through symlinks or as another
    /// hard link of it: a report never overwrites what the run reads. Nor
    /// does it replace a file no report may ([`super::kept_files`]).
    pub fn check_inputs(&self, inputs: &[PathBuf]) -> Result<()> {
        for (f, t) in self.each() {
            if let Target::Path(p) = t
                && let Some(input) = input_at(p, inputs)
            {
                return Err(LabError::Usage(format!(
                    "{} {t}: is the lab's input {} (the lab file, a manifest, the chapter or its known drift); a report never overwrites an input; nothing was run",
                    f.flag(),
                    input.display()
                )));
            }
        }
        for (f, t) in self.each() {
            if let Target::Path(p) = t
                && let Some(why) = super::kept_files::why_kept_at(p)
            {
                return Err(LabError::Usage(format!(
                    "{} {t}: {why}; nothing was run",
                    f.flag()
                )));
            }
        }
        Ok(())
    }

    /// Refuse, before anything runs, a report path in the folder of the
    /// host-wide claims (`claims`: `/run/lab`, or `LAB_RUN_DIR`), directly
    /// or through links: a report there replaced a lab's claim (`lab
    /// verify L --json /run/lab/L.json`), and `lab destroy` then refused
    /// that lab, whose namespaces and processes stayed.
    pub fn check_claims(&self, records: &[PathBuf]) -> Result<()> {
        for (f, t) in self.each() {
            if let Target::Path(p) = t {
                in_records(p, records).map_err(|why| {
                    LabError::Usage(format!("{} {t}: {why}; nothing was run", f.flag()))
                })?;
            }
        }
        Ok(())
    }

    /// Write every report of a run asked for (see [`Reports::write_with`]).
    pub fn write(&self, report: &RunReport) -> Vec<String> {
        self.write_with(|f| match f {
            Format::Junit => Some(super::junit::render(report)),
            Format::Json => Some(report.to_json()),
            Format::Html | Format::Patch => None,
        })
    }

    /// Write every report asked for, as `render` renders it, each on its
    /// own: a failure of one does not stop the others. Returns what
    /// failed, one line each.
    pub fn write_with(&self, render: impl Fn(Format) -> Option<String>) -> Vec<String> {
        let mut failed = Vec::new();
        for (f, t) in self.each() {
            let written = match render(f) {
                Some(body) => t.write(body.as_bytes()).map_err(|e| e.to_string()),
                None => Err("this command has no such report".to_string()),
            };
            if let Err(e) = written {
                failed.push(format!("{} {t}: {e}", f.flag()));
            }
        }
        failed
    }
}

/// Why `path` cannot take a report, if it cannot.
fn check_path(path: &Path, state_root: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("an empty path".into());
    }
    let dest = destination(path)?;
    super::report_file::remember_checked(path, &dest);
    if let Some(why) = crate::places::kernel_file(path, &dest) {
        return Err(format!(
            "{why}, where a report would change a setting; write reports elsewhere"
        ));
    }
    match std::fs::metadata(&dest) {
        Ok(m) if m.is_dir() => return Err("is a folder; name a file in it".into()),
        // Another name of a lab's `state.json` or `lock` (a hard link) is
        // outside every state folder by its path: one file of several names
        // is not overwritten.
        Ok(m) if m.is_file() && m.nlink() > 1 => {
            return Err(format!(
                "is one file of {} names (hard links), perhaps a lab's state; write reports to a file of its own",
                m.nlink()
            ));
        }
        Ok(_) => writable(&dest, "the file")?,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            let parent = parent_of(&dest);
            match std::fs::metadata(&parent) {
                Ok(m) if m.is_dir() => writable(&parent, "its folder")?,
                Ok(_) => return Err(format!("{} is not a folder", parent.display())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(format!("the folder {} does not exist", parent.display()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                    return Err(format!("{} is not a folder", parent.display()));
                }
                Err(e) => return Err(format!("{}: {e}", parent.display())),
            }
        }
        Err(e) => return Err(e.to_string()),
    }
    // A lab's `nodes` and `pods` (links from its state folder) and its
    // nodes' roots: the files of running nodes and pods.
    if crate::places::real_path(&dest).starts_with(crate::places::MOUNTS_ROOT) {
        return Err(format!(
            "is inside {}, the files of a lab's nodes and pods; write reports elsewhere",
            crate::places::MOUNTS_ROOT
        ));
    }
    if let Some(lab_dir) = inside_lab_state(&dest, state_root) {
        return Err(format!(
            "is inside the state folder {} of a lab (its state, keys and log); write reports elsewhere",
            lab_dir.display()
        ));
    }
    Ok(())
}

/// Why a file the user names cannot be written at `path`: every command
/// that writes one checks it here (`lab graph --out`, `lab man --out`'s
/// pages, each report again when it is written): as a report's path
/// ([`Reports::check`], [`Reports::check_claims`]), and never over a file
/// kept from every report ([`super::kept_files`]: a database, a program, a
/// lab file or a file a lab reads).
pub fn check_written(path: &Path, state_root: &Path, records: &[PathBuf]) -> Result<(), String> {
    check_path(path, state_root)?;
    in_records(path, records)?;
    match super::kept_files::why_kept_at(path) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// Why an existing file must not be replaced by what a command writes
/// where the user says ([`super::kept_files`]), for outputs whose place
/// is checked as a folder (`lab nightly --out`'s pages).
pub fn why_kept(path: &Path) -> Option<String> {
    super::kept_files::why_kept_at(path)
}

/// Why a folder of reports (`lab nightly --out`, which writes its pages,
/// `nights/` and `suggestion.patch` there) cannot be `dir`: inside the
/// claims' folder, a lab's state folder or the files of a lab's nodes and
/// pods, where reports are refused ([`check_written`]; `--out` wrote into
/// `/run/lab`, a state folder and a node's `/etc`).
pub fn check_folder(dir: &Path, state_root: &Path, records: &[PathBuf]) -> Result<(), String> {
    let real = crate::places::real_path(dir);
    let under = |root: &Path| {
        std::fs::canonicalize(root).is_ok_and(|r| real.starts_with(r))
            || real.starts_with(crate::places::real_path(root))
    };
    if let Some(r) = records.iter().find(|r| under(r)) {
        return Err(format!(
            "is in {}, where lab keeps its claims on lab names (and their uid ranges); write \
             reports elsewhere",
            r.display()
        ));
    }
    if under(Path::new(crate::places::MOUNTS_ROOT)) {
        return Err(format!(
            "is inside {}, the files of a lab's nodes and pods; write reports elsewhere",
            crate::places::MOUNTS_ROOT
        ));
    }
    // `.lab/nightly` (the default) is beside the labs' state folders in
    // `.lab`; a lab's own folder holds its `lock`.
    if let Ok(root) = std::fs::canonicalize(state_root)
        && let Ok(rel) = real.strip_prefix(&root)
        && let Some(lab) = rel.components().next()
        && root.join(lab).join("lock").exists()
    {
        return Err(format!(
            "is inside the state folder {} of a lab (its state, keys and log); write reports elsewhere",
            root.join(lab).display()
        ));
    }
    Ok(())
}

/// Refuse `path` when it lands in the folder of the host-wide claims.
fn in_records(path: &Path, records: &[PathBuf]) -> Result<(), String> {
    for r in records {
        let Ok(root) = std::fs::canonicalize(r) else {
            continue;
        };
        if destination(path).is_ok_and(|d| crate::places::real_path(&d).starts_with(&root)) {
            return Err(format!(
                "is in {}, where lab keeps its claims on lab names (and their uid ranges); lab \
                 never writes over one",
                root.display()
            ));
        }
    }
    Ok(())
}

/// What opening `path` would open or create: symlinks followed, also a
/// dangling one (whose target would be created).
pub(super) fn destination(path: &Path) -> Result<PathBuf, String> {
    let mut dest = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&dest) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&dest).map_err(|e| e.to_string())?;
                dest = parent_of(&dest).join(to);
            }
            _ => break,
        }
    }
    Ok(dest)
}

/// The folder a path is in (`.` for a bare file name).
pub(super) fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn writable(p: &Path, what: &str) -> Result<(), String> {
    use nix::unistd::{AccessFlags, access};
    access(p, AccessFlags::W_OK).map_err(|e| format!("{what} is not writable ({})", e.desc()))
}

/// The lab state folder (`<root>/<lab>/`) `dest` lies in, if any. Files
/// directly in the root are no lab's.
fn inside_lab_state(dest: &Path, state_root: &Path) -> Option<PathBuf> {
    let root = std::fs::canonicalize(state_root).ok()?;
    let rel = crate::places::real_path(dest)
        .strip_prefix(&root)
        .ok()?
        .to_path_buf();
    let mut parts = rel.components();
    let lab = parts.next()?;
    parts.next()?;
    Some(root.join(lab))
}

/// Whether two reports would land in one file (one overwriting the other).
/// The same device or FIFO is fine: every write reaches it.
fn same_destination(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Stdout, Target::Stdout) | (Target::Stderr, Target::Stderr) => true,
        (Target::Path(a), Target::Path(b)) => match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(ma), Ok(mb)) => ma.is_file() && ma.dev() == mb.dev() && ma.ino() == mb.ino(),
            // Neither there yet: the same file once made, links (to a
            // missing file too) followed.
            (Err(_), Err(_)) => {
                let made = |p: &Path| {
                    crate::places::real_path(&destination(p).unwrap_or_else(|_| p.to_path_buf()))
                };
                made(a) == made(b)
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    fn refused(r: &Reports, root: &Path) -> String {
        match r.check(root) {
            Err(LabError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn dash_and_own_streams_are_not_paths() {
        assert_eq!(Target::from_arg("-".into()), Target::Stdout);
        assert_eq!(Target::from_arg("/dev/stdout".into()), Target::Stdout);
        assert_eq!(Target::from_arg("/dev/stderr".into()), Target::Stderr);
        assert_eq!(
            Target::from_arg("./-".into()),
            Target::Path("./-".into()),
            "a file named '-' is still reachable"
        );
        let both = Reports::new(Some("-".into()), Some("/dev/stdout".into()));
        assert!(both.to_stdout());
        let root = tempfile::tempdir().unwrap();
        assert!(refused(&both, root.path()).contains("each report its own"));
    }

    #[test]
    fn bad_paths_are_refused_before_anything_is_made() {
        let root = tempfile::tempdir().unwrap();
        let lab = root.path().join("lab1");
        std::fs::create_dir(&lab).unwrap();
        std::fs::write(lab.join("state.json"), "{}").unwrap();
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("file");
        std::fs::write(&file, "x").unwrap();
        std::os::unix::fs::symlink(lab.join("state.json"), out.path().join("sneaky")).unwrap();
        std::os::unix::fs::symlink(lab.join("new.xml"), out.path().join("dangling")).unwrap();
        for (path, why) in [
            (lab.join("state.json"), "state folder"),
            (lab.join("report.xml"), "state folder"),
            (out.path().join("sneaky"), "state folder"),
            (out.path().join("dangling"), "state folder"),
            (out.path().to_path_buf(), "is a folder"),
            (file.join("x.xml"), "is not a folder"),
            (out.path().join("no/x.xml"), "does not exist"),
            (PathBuf::new(), "empty"),
        ] {
            let r = Reports::new(Some(path.clone()), None);
            let msg = refused(&r, root.path());
            assert!(
                msg.contains(why) && msg.starts_with("--junit"),
                "{}: {msg}",
                path.display()
            );
        }
        assert!(!lab.join("report.xml").exists() && !lab.join("new.xml").exists());
        assert!(!out.path().join("no").exists());
        // A report beside the lab folders (the root itself) is fine.
        let ok = Reports::new(
            Some(root.path().join("junit.xml")),
            Some(out.path().join("r.json")),
        );
        ok.check(root.path()).unwrap();
        assert!(
            !root.path().join("junit.xml").exists(),
            "checking creates nothing"
        );
        let same = Reports::new(Some(file.clone()), Some(file.clone()));
        assert!(refused(&same, root.path()).contains("--json"));
    }

    #[test]
    fn writes_go_through_symlinks_and_fifos() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("real");
        std::fs::write(&target, "a much longer old content").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        Target::Path(link.clone()).write(b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );

        let fifo = d.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // No one reads it: an error at once, not a hang.
        let e = Target::Path(fifo.clone()).write(b"nobody").unwrap_err();
        assert!(e.to_string().contains("no one reads"), "{e}");
        // Read (its reader open already, as `| jq` is): written through.
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let mut reader = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
            .unwrap();
        Target::Path(fifo.clone())
            .write(b"through the pipe")
            .unwrap();
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
}
