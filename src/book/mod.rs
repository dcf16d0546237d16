//! `lab book`: the chapter is the test. The chapter's own Markdown is read
//! block by block ([`parse`]), each command is recognised or not
//! ([`recognize`]), the book's names and addresses are bound to the lab's
//! ([`bind`]), what is recognised is replayed in the chapter's order and
//! state, only through the provider's [`crate::session::Session`] on the
//! lab's nodes and pods ([`replay`]), and what the lab shows is compared
//! with what the book shows as facts ([`compare`]), against the known-drift
//! file ([`known`]). [`report`] renders the verdicts for a terminal, JSON,
//! JUnit and HTML.
//!
//! Nothing is `match` that did not run; a block with a command `lab` does
//! not understand runs not at all.

mod apart_output;
pub mod banner_lines;
pub mod bind;
mod bless;
pub mod caps;
mod capture_claims;
mod capture_order;
pub mod coherence;
mod coherence_age;
mod coherence_deleted;
mod coherence_names;
pub mod compare;
mod compare_cuts;
mod compare_ping_lines;
mod compare_routes;
pub mod curl;
pub mod exec_exit;
pub mod html;
pub mod judge;
pub mod known;
pub mod line_shapes;
pub mod listing_shows;
pub mod lookalike;
pub mod manifest_fields;
pub mod output_below;
pub mod parse;
mod ping_claims;
#[cfg(test)]
mod ping_elide_tests;
mod ping_errors;
mod ping_facts;
mod ping_grep;
mod ping_numbers;
pub mod printed_numbers;
pub mod recognize;
mod recognize_root;
pub mod replay;
pub mod report;
mod restarts;
pub mod shell_line;
pub mod suggest;
#[cfg(test)]
mod tests_matrix;
#[cfg(test)]
pub(crate) mod tests_report;
pub mod verdict;
pub mod watch;

use crate::error::{LabError, Result};
use crate::provider::Provider;
use crate::report::Reporter;
use crate::spec::Lab;
use crate::state::State;

/// The book's section of the run record: its types live in
/// [`crate::report::book_section`], their behaviour here.
pub use crate::report::book_section::{
    BlockReport, BookReport, CommandReport, KubectlOutcome, KubectlReport, Summary, Verdict,
};
use std::path::{Path, PathBuf};

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Drift => "drift",
            Verdict::KnownDrift => "known_drift",
            Verdict::Skipped => "skipped",
            Verdict::NotUnderstood => "not_understood",
            Verdict::Error => "error",
        }
    }

    /// Whether this verdict fails a run (exit 1).
    pub fn fails(self) -> bool {
        matches!(
            self,
            Verdict::Drift | Verdict::Error | Verdict::NotUnderstood
        )
    }
}

impl CommandReport {
    /// Each difference, with the reason it is known drift if it is.
    pub fn differences_known(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.differences.iter().enumerate().map(|(i, d)| {
            let known = self.known.get(i).map(String::as_str);
            (
                d.as_str(),
                known.filter(|k| !k.is_empty() && !crate::book::known::unwritten(k)),
            )
        })
    }
}

impl CommandReport {
    /// Whether this command's verdict weighs on its block's (the worst of
    /// those that do): every verdict but `skipped`, and a skip where the
    /// book shows output for the command that lab compared nothing of: no
    /// login's banner, no line kubectl accepted whose meaning lab ran and
    /// found agreeing (`apply -f` of the fix, a table it observes). A
    /// block whose cross-node ping lab skipped (its reply line read as
    /// none of ping's) was `match` on the strength of its same-node ping
    /// (probe21aj, finding 1); a skip ranks above `match`, so such a block
    /// is skipped at best, never green.
    pub fn weighs_on_block(&self) -> bool {
        let login = || {
            matches!(
                recognize::recognize(&self.command),
                Ok(recognize::Cmd::Ssh { .. }
                    | recognize::Cmd::Exit
                    | recognize::Cmd::RootShell { .. })
            )
        };
        let accepted = self
            .kubectl
            .as_ref()
            .is_some_and(|k| k.outcome == KubectlOutcome::Accepted);
        self.verdict != Verdict::Skipped
            || (self
                .book
                .iter()
                .any(|l| !lookalike::fold(l).trim().is_empty())
                && !accepted
                && !login())
    }
}

impl BlockReport {
    pub fn first_command(&self) -> &str {
        self.commands
            .first()
            .map(|c| c.command.as_str())
            .unwrap_or("")
    }
}

impl BookReport {
    /// The run passes ([`verdict::of`], the one owner of `lab book`'s
    /// exit): no block fails, no difference is blessed without a reason,
    /// no result of the version matrix ([`report::matrix_as_checks`])
    /// fails, and something was compared.
    pub fn ok(&self) -> bool {
        verdict::of(self).passed
    }

    /// Why the replay compared nothing, when it did not (no block, or
    /// every block skipped or known drift: no command lab could replay
    /// agreed with the book): such a replay
    /// vouches for nothing, so it fails (probe21l: "0 blocks", exit 0).
    pub fn nothing_compared(&self) -> Option<String> {
        // Known drift is a difference a person explained, no agreement: a
        // run of it and skips alone compared nothing that agrees (probe21by,
        // finding 4: one known-drift block passed a chapter whose every
        // other block a `vagrant destroy` skipped).
        if self
            .blocks
            .iter()
            .any(|b| !matches!(b.verdict, Verdict::Skipped | Verdict::KnownDrift))
        {
            return None;
        }
        let known = self
            .blocks
            .iter()
            .filter(|b| b.verdict == Verdict::KnownDrift)
            .count();
        if known > 0 {
            return Some(format!(
                "no block of the {} block(s) of {} matches the book ({known} known drift, every other block skipped): known drift explains a difference and agrees with nothing, so the replay compared nothing, which is no pass",
                self.blocks.len(),
                self.chapter
            ));
        }
        Some(if self.blocks.is_empty() {
            format!(
                "{} has no code block: the replay compared nothing, which is no pass",
                self.chapter
            )
        } else {
            format!(
                "none of the {} block(s) of {} holds a command lab could compare (every block skipped): the replay compared nothing, which is no pass",
                self.blocks.len(),
                self.chapter
            )
        })
    }

    pub fn summarize(&mut self) {
        let mut s = Summary::default();
        for b in &self.blocks {
            *match b.verdict {
                Verdict::Match => &mut s.matched,
                Verdict::Drift => &mut s.drift,
                Verdict::KnownDrift => &mut s.known_drift,
                Verdict::Skipped => &mut s.skipped,
                Verdict::NotUnderstood => &mut s.not_understood,
                Verdict::Error => &mut s.error,
            } += 1;
        }
        self.summary = s;
    }
}

/// What `lab book` was asked.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The chapter (default: the lab's `book:`).
    pub chapter: Option<PathBuf>,
    /// The known-drift file (default: beside the chapter).
    pub known: Option<PathBuf>,
    /// Write the current drift to the known-drift file.
    pub bless: bool,
    /// After the replay, run every kubectl line through every kubectl
    /// minor found (`--kubectl-matrix`; the nightly always does).
    pub kubectl_matrix: bool,
}

/// A chapter read and understood, before anything runs: bad input stops here.
pub struct Prepared {
    pub chapter: parse::Chapter,
    pub known_path: PathBuf,
    pub known: known::KnownFile,
    /// Where they must resolve when read again (`--watch`).
    pub homes: Homes,
}

/// Where the chapter and its known-drift file must resolve (links
/// included), as `lab book` checked at the start: the chapter of `book:`
/// in the lab folder (the validation pass checks it), the known-drift file
/// found beside the chapter in the chapter's folder; a file named with
/// `--chapter` or `--known` is the user's choice, without such a rule.
/// `lab book --watch` checks again at every re-read: a file swapped for a
/// link out of the folder is said, not read.
#[derive(Debug, Clone, Default)]
pub struct Homes {
    /// The lab folder (resolved), when the chapter is the lab's `book:`.
    pub chapter: Option<PathBuf>,
    /// The chapter's folder (resolved), when the known-drift file is the
    /// one found beside it.
    pub known: Option<PathBuf>,
}

impl Homes {
    /// The chapter at `p` may be read.
    pub fn chapter_ok(&self, p: &Path) -> std::result::Result<(), String> {
        inside(p, self.chapter.as_deref(), "the lab folder")
    }

    /// The known-drift file at `p` may be read.
    pub fn known_ok(&self, p: &Path) -> std::result::Result<(), String> {
        inside(p, self.known.as_deref(), "the chapter's folder")
    }
}

/// The opened `file` is inside `home` (when there is one), or why not: its
/// place as the kernel resolved it when it was opened (`/proc/self/fd`),
/// not the path that named it.
fn opened_inside(
    file: &std::fs::File,
    home: Option<&Path>,
    what: &str,
) -> std::result::Result<(), String> {
    use std::os::fd::AsRawFd;
    let Some(home) = home else {
        return Ok(());
    };
    let real = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .map_err(|e| format!("cannot tell where it resolves: {e}; not read"))?;
    match real.starts_with(home) {
        true => Ok(()),
        false => Err(format!(
            "resolves to {}, outside {what} {}; not read",
            real.display(),
            home.display()
        )),
    }
}

/// `p` resolves inside `home` (when there is one), or why not. A file that
/// does not resolve (gone) is its reader's to say.
fn inside(p: &Path, home: Option<&Path>, what: &str) -> std::result::Result<(), String> {
    match (home, std::fs::canonicalize(p)) {
        (Some(home), Ok(real)) if !real.starts_with(home) => Err(format!(
            "{}: resolves to {}, outside {what} {}; not read",
            p.display(),
            real.display(),
            home.display()
        )),
        _ => Ok(()),
    }
}

/// Read the chapter and its known-drift file; nothing is made or run.
pub fn prepare(lab: &Lab, settings: &Settings) -> Result<Prepared> {
    let path = match (&settings.chapter, &lab.book) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            return Err(LabError::Usage(format!(
                "lab '{}' has no `book:` in {}; name a chapter with --chapter FILE",
                lab.name,
                lab.file.display()
            )));
        }
    };
    let chapter = parse::read(&path).map_err(|e| LabError::Usage(e.to_string()))?;
    let known_path = settings
        .known
        .clone()
        .unwrap_or_else(|| known::default_path(&path));
    if settings.known.is_none() {
        beside_the_chapter(&known_path, &path)?;
    }
    let known = known::load(&known_path).map_err(LabError::Usage)?;
    let folder_of = |p: &Path| {
        let d = p.parent().filter(|d| !d.as_os_str().is_empty());
        std::fs::canonicalize(d.unwrap_or(Path::new("."))).ok()
    };
    let homes = Homes {
        chapter: match settings.chapter {
            None => folder_of(&lab.file),
            Some(_) => None,
        },
        known: match settings.known {
            None => folder_of(&path),
            Some(_) => None,
        },
    };
    Ok(Prepared {
        chapter,
        known_path,
        known,
        homes,
    })
}

/// The known-drift file found beside the chapter is the lab's: a symlink
/// that resolves out of the chapter's folder (to a host file) is refused,
/// as `book:` and manifests are (another file is named with `--known`).
fn beside_the_chapter(known: &Path, chapter: &Path) -> Result<()> {
    let folder = chapter.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = std::fs::canonicalize(folder.unwrap_or(Path::new(".")));
    match (std::fs::canonicalize(known), folder) {
        (Ok(real), Ok(folder)) if !real.starts_with(&folder) => Err(LabError::Usage(format!(
            "{}: resolves to {}, outside the chapter's folder {}; the known-drift file beside a chapter must be in its folder (name another with --known FILE)",
            known.display(),
            real.display(),
            folder.display()
        ))),
        _ => Ok(()),
    }
}

/// Replay a prepared chapter against a lab that is up: the library
/// operation behind `lab book` (bring-up and teardown are the caller's).
/// With `settings.bless`, the known-drift file is rewritten first and the
/// verdicts judged against it.
pub async fn run(
    settings: &Settings,
    prepared: Prepared,
    lab: &Lab,
    state: &mut State,
    provider: &dyn Provider,
    rep: &Reporter,
) -> Result<BookReport> {
    run_sharing(settings, prepared, lab, state, provider, None, rep).await
}

/// What a recorded run (`lab test`) gives its replay: its session and
/// round-trip time (its checks' too), and how the chapter's variant
/// switches are made (as the run's own apply and checks).
#[derive(Clone, Copy)]
pub struct FromRun<'a> {
    pub shared: &'a crate::provider::shared::Shared,
    pub switching: &'a dyn replay::Switching,
}

/// [`run`] within a recorded run ([`FromRun`]).
pub async fn run_sharing(
    settings: &Settings,
    prepared: Prepared,
    lab: &Lab,
    state: &mut State,
    provider: &dyn Provider,
    from_run: Option<FromRun<'_>>,
    rep: &Reporter,
) -> Result<BookReport> {
    if prepared.known.version < known::VERSION && !settings.bless {
        rep.info(format!(
            "{} is a version {} known-drift file; `lab book --bless` rewrites it as version {}, reasons kept",
            prepared.known_path.display(),
            prepared.known.version,
            known::VERSION
        ));
    }
    if settings.bless {
        bless::refuse_without_a_node(provider.stopped_nodes(lab, state), &prepared.known_path)?;
    }
    let (shared, switching) = match from_run {
        Some(f) => (Some(f.shared), f.switching),
        None => (None, &replay::ApplyOnly as &dyn replay::Switching),
    };
    let mut target =
        replay::LiveTarget::sharing(lab, state, provider, shared, switching, rep).await?;
    let mut report = replay::replay(&prepared.chapter, lab, &mut target, &prepared.known).await;
    target.close().await;
    report.known_file = prepared.known_path.display().to_string();
    if settings.bless {
        // Stopped nodes never come back: asked once more after the
        // replay, they show any stop during it.
        bless::bless(&mut report, &prepared, provider.stopped_nodes(lab, state))?;
    }
    if settings.kubectl_matrix {
        let dir = state.dir().join("book-kubectl-matrix");
        report.kubectl_matrix = Some(kubectl_matrix(&prepared.chapter, lab, &dir).await?);
    }
    Ok(verdict::stamped(&report))
}

/// Every kubectl line of `chapter` as the book types it
/// ([`replay::chapter_lines`]) through every kubectl found
/// ([`crate::kubectl::discover`]), offline, from folders under `dir`: one
/// per kubeconfig name the lines use (`--kubeconfig ./admin.conf`), each
/// with the lab's manifests under the book's names.
pub async fn kubectl_matrix(
    chapter: &parse::Chapter,
    lab: &Lab,
    dir: &std::path::Path,
) -> Result<crate::kubectl::Matrix> {
    kubectl_matrix_with(&crate::kubectl::discover(), chapter, lab, dir).await
}

/// [`kubectl_matrix`] through the kubectls `all`.
pub async fn kubectl_matrix_with(
    all: &[crate::kubectl::Kubectl],
    chapter: &parse::Chapter,
    lab: &Lab,
    dir: &std::path::Path,
) -> Result<crate::kubectl::Matrix> {
    let lines = replay::chapter_lines(chapter);
    let files = replay::book_files(lab);
    let mut confs: Vec<&str> = lines
        .iter()
        .map(|(_, a)| replay::kubeconfig_of(a).unwrap_or("admin.conf"))
        .collect();
    confs.sort();
    confs.dedup();
    let mut m = crate::kubectl::Matrix {
        kubectls: all.to_vec(),
        lines: Vec::new(),
    };
    for (i, conf) in confs.iter().enumerate() {
        let folder = dir.join(i.to_string());
        crate::kubectl::offline_dir(&folder, conf, &files)?;
        let these: Vec<(usize, Vec<String>)> = lines
            .iter()
            .filter(|(_, a)| replay::kubeconfig_of(a).unwrap_or("admin.conf") == *conf)
            .cloned()
            .collect();
        m.lines
            .extend(crate::kubectl::matrix(all, &these, &folder).await.lines);
    }
    m.lines.sort_by_key(|l| l.line);
    Ok(m)
}
