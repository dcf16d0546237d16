//! `lab book --suggest FILE`: the chapter as it would have to read to be
//! true for the lab and its pinned tools, as a unified diff of the chapter
//! (`patch -p0`, `git apply -p0`). Built from a replay's record alone (each
//! command's book output, the lab's, its binding notes and its
//! differences), so the nightly can suggest from a run record too:
//! - a command a tool refused with a stated replacement is rewritten as the
//!   tool says ([`command`]), checked with the same tool;
//! - a drifted output is replaced by the lab's, in the book's names and
//!   addresses, its volatile values the book's ([`output`]);
//! - differences under known drift are left alone unless `--suggest-known`;
//! - only command and output lines of a block change: prose, remarks and
//!   fences never do. What cannot be rewritten is said ([`Suggestion::left`]).

pub mod command;
pub mod output;

pub use command::Judge;

use super::bind::{self, Binding};
use super::output_below::Role;
use super::parse::{self, Chapter, Step};
use super::recognize::recognize;
use super::{BookReport, CommandReport, Verdict};
use crate::spec::Lab;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// How long a suggestion may take to match the book's lines to the lab's
/// (`--suggest`, the nightly's patch): a chapter chooses how long its
/// lines are, and their likeness costs the square of their length.
const SUGGEST_TIME: Duration = Duration::from_secs(10);

/// What `--suggest` was asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Rewrite known drift too (`--suggest-known`).
    pub known: bool,
}

/// A chapter's suggested rewrite.
#[derive(Debug, Clone, Default)]
pub struct Suggestion {
    /// The unified diff; empty when nothing is to change.
    pub patch: String,
    /// The chapter as the patch makes it.
    pub text: String,
    /// The opening lines of the blocks it rewrites.
    pub blocks: Vec<usize>,
    /// Differences left as they are, each with its line and why.
    pub left: Vec<String>,
}

/// Line edits of the chapter: lines replaced, deleted, inserted before.
#[derive(Default)]
struct Edits {
    replace: BTreeMap<usize, String>,
    delete: BTreeSet<usize>,
    before: BTreeMap<usize, Vec<String>>,
}

impl Edits {
    fn is_empty(&self) -> bool {
        self.replace.is_empty() && self.delete.is_empty() && self.before.is_empty()
    }

    fn apply(&self, text: &str) -> String {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = String::with_capacity(text.len());
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            for b in self.before.get(&n).into_iter().flatten() {
                out.push_str(b);
                out.push('\n');
            }
            if self.delete.contains(&n) {
                continue;
            }
            out.push_str(self.replace.get(&n).map(String::as_str).unwrap_or(l));
            out.push('\n');
        }
        for b in self.before.get(&(lines.len() + 1)).into_iter().flatten() {
            out.push_str(b);
            out.push('\n');
        }
        if !text.ends_with('\n') {
            out.pop();
        }
        out
    }

    /// The edits that turn `step`'s output into `new`, each new line after
    /// `prefix` (the markers of the block quote or list item the block is
    /// in: its lines keep them).
    fn output(&mut self, step: &Step, new: &[String], prefix: &str) {
        use similar::{DiffOp, capture_diff_slices};
        let at = &step.output_at;
        let end = at.last().map(|l| l + 1);
        for op in capture_diff_slices(similar::Algorithm::Myers, &step.output, new) {
            let (old_index, old_len, ins) = match op {
                DiffOp::Equal { .. } => continue,
                DiffOp::Delete {
                    old_index, old_len, ..
                } => (old_index, old_len, &new[0..0]),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index, 0, &new[new_index..new_index + new_len]),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (old_index, old_len, &new[new_index..new_index + new_len]),
            };
            for n in &at[old_index..old_index + old_len] {
                self.delete.insert(*n);
            }
            if ins.is_empty() {
                continue;
            }
            let (line, lead) = match (at.get(old_index), end) {
                (Some(n), _) => (*n, None),
                (None, Some(e)) => (e, None),
                // The book shows nothing: after the command, a blank line first.
                (None, None) => (step.line + 1, Some(String::new())),
            };
            let v = self.before.entry(line).or_default();
            v.extend(lead.map(|l| format!("{prefix}{l}").trim_end().to_string()));
            v.extend(ins.iter().map(|l| format!("{prefix}{l}")));
        }
    }
}

/// What stands before a step's line in the chapter that is not the
/// block's (`> ` of a block quote, a list item's indentation): empty at the
/// top level.
fn container_prefix<'a>(text: &'a str, step: &Step) -> &'a str {
    let raw = text.lines().nth(step.line.saturating_sub(1)).unwrap_or("");
    raw.strip_suffix(step.written.as_str()).unwrap_or("")
}

/// Every command step of the chapter by its line, the binding the replay
/// gathered from them, and the lines of those whose output the book shows
/// in more than one block (read as one, with a cut between the parts).
fn steps_and_binding(
    chapter: &Chapter,
    lab: &Lab,
) -> (BTreeMap<usize, Step>, Binding, BTreeSet<usize>) {
    let mut by_line = BTreeMap::new();
    let mut split = BTreeSet::new();
    let mut blocks = Vec::new();
    // The lines and commands the replay kept ([`crate::book::caps::Left`]).
    let mut left = crate::book::caps::Left::default();
    // A command's output shown in the block below is its output, rewritten
    // there ([`crate::book::output_below`]).
    let roles = super::output_below::roles(chapter);
    for (b, role) in chapter.blocks.iter().zip(&roles).filter(|(b, role)| {
        b.is_shell() && !matches!(role, Role::OutputOf { .. } | Role::OfProse { .. })
    }) {
        let (mut steps, _) = parse::steps_bounded(b, &mut left);
        if let Role::Shows(shown) = role {
            shown.attach(&mut steps, &mut left.lines);
            if shown.parts > 1 {
                split.insert(shown.line);
            }
        }
        blocks.push(
            steps
                .iter()
                .map(|s| (s.clone(), recognize(&s.command)))
                .collect::<Vec<_>>(),
        );
        for s in steps {
            by_line.insert(s.line, s);
        }
    }
    (by_line, bind::gather(lab, &blocks), split)
}

/// The refusal a difference quotes (`kubectl 1.32 refuses the book's line:
/// MESSAGE`), as the replay words it.
fn refusal(difference: &str) -> Option<&str> {
    difference
        .split_once(" refuses the book's line: ")
        .map(|(_, m)| m)
}

/// The differences of `c` to rewrite: new ones, and known ones with
/// `--suggest-known`.
fn to_fix<'a>(c: &'a CommandReport, o: &Options) -> Vec<&'a str> {
    if matches!(c.verdict, Verdict::Error | Verdict::NotUnderstood) {
        return Vec::new();
    }
    c.differences_known()
        .filter(|(_, k)| k.is_none() || o.known)
        .map(|(d, _)| d)
        .collect()
}

/// The suggested rewrite of `chapter` after the replay `report`; `path` is
/// what the diff's headers name.
pub async fn suggest(
    report: &BookReport,
    chapter: &Chapter,
    lab: &Lab,
    judge: &dyn Judge,
    o: &Options,
    path: &str,
) -> Suggestion {
    let until = Instant::now() + SUGGEST_TIME;
    let (steps, binding, split) = steps_and_binding(chapter, lab);
    let mut edits = Edits::default();
    let mut s = Suggestion::default();
    for b in &report.blocks {
        let block_notes: Vec<(String, String)> = b
            .commands
            .iter()
            .flat_map(|c| c.bindings.iter())
            .filter_map(|n| bind::parse_note(n))
            .map(|(book, lab)| (lab, book))
            .collect();
        let mut touched = false;
        // A block of raw HTML: its lines hold tags and entities the replay
        // read through, which a line written back would drop.
        let html = chapter
            .blocks
            .iter()
            .any(|cb| cb.line == b.line && cb.fence.starts_with('<'));
        for c in &b.commands {
            let fix = to_fix(c, o);
            if html && !fix.is_empty() {
                s.left.push(format!(
                    "line {}: in a block of HTML (`{}`), which lab does not rewrite",
                    c.line,
                    b.fence.trim()
                ));
                continue;
            }
            // The chapter as replayed (a record may be older than the file).
            let Some(step) = steps
                .get(&c.line)
                .filter(|s| !fix.is_empty() && s.command == c.command)
            else {
                continue;
            };
            if split.contains(&c.line) {
                // Its cut between the parts is no line of the book's.
                s.left.push(format!(
                    "line {}: the book shows its output in more than one block, which lab does not rewrite",
                    c.line
                ));
                continue;
            }
            if step.cut > 0 {
                // Written back, its kept lines would be replaced and the
                // lines past them left below.
                s.left.push(format!(
                    "line {}: the book shows {} more lines of its output than lab keeps, which lab does not rewrite",
                    c.line, step.cut
                ));
                continue;
            }
            let mut pairs: Vec<(String, String)> = c
                .bindings
                .iter()
                .filter_map(|n| bind::parse_note(n))
                .map(|(book, lab)| (lab, book))
                .collect();
            pairs.extend(block_notes.iter().cloned());
            let rev = output::Reverse {
                pairs,
                binding: &binding,
                lab,
            };
            let kept: Vec<&str> = c
                .differences
                .iter()
                .map(String::as_str)
                .filter(|d| !fix.contains(d))
                .collect();
            let mut out = step.output.clone();
            let mut kinds = Vec::new();
            for d in &fix {
                if let Some(message) = refusal(d) {
                    match command::rewrite(&step.command, message, judge).await {
                        Ok(new) => {
                            let line = step.written.replacen(&step.command, &new, 1);
                            let prefix = container_prefix(&chapter.text, step);
                            edits.replace.insert(step.line, format!("{prefix}{line}"));
                            touched = true;
                        }
                        Err(why) => s.left.push(format!("line {}: {why}: {d}", c.line)),
                    }
                } else if let Some(k) = output::kind_of(d) {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                } else {
                    s.left.push(format!(
                        "line {}: not a difference of output or of a refused command: {d}",
                        c.line
                    ));
                }
            }
            // The lab's output is the node's (a device's name): a control
            // character in it is never written into the chapter.
            if !kinds.is_empty() && c.lab.iter().any(|l| has_control(l)) {
                s.left.push(format!(
                    "line {}: the lab's output holds a control character, which lab does not write into the chapter",
                    c.line
                ));
                kinds.clear();
            }
            if !kinds.is_empty() && Instant::now() >= until {
                s.left.push(format!(
                    "line {}: lab's time for a suggestion ({} s) ran out, so its output is not rewritten",
                    c.line,
                    SUGGEST_TIME.as_secs()
                ));
                kinds.clear();
            }
            let before = out.clone();
            for k in kinds {
                if c.lab.is_empty() {
                    s.left.push(format!(
                        "line {}: the lab showed no output to write back",
                        c.line
                    ));
                    continue;
                }
                out = output::rewrite(k, &out, &c.lab, &rev, &kept, until);
            }
            // Its likeness was cut by the time: a rewrite of half its lines.
            if out != before && Instant::now() >= until {
                s.left.push(format!(
                    "line {}: lab's time for a suggestion ({} s) ran out while rewriting its output, so it is not rewritten",
                    c.line,
                    SUGGEST_TIME.as_secs()
                ));
                out = before;
            }
            if out != step.output {
                edits.output(step, &out, container_prefix(&chapter.text, step));
                touched = true;
            }
        }
        if touched {
            s.blocks.push(b.line);
        }
    }
    s.text = chapter.text.clone();
    if !edits.is_empty() {
        let new = edits.apply(&chapter.text);
        s.text = new.clone();
        // A diff past its deadline is still a true patch, only not the
        // shortest one.
        s.patch = similar::TextDiff::configure()
            .timeout(SUGGEST_TIME)
            .diff_lines(&chapter.text, &new)
            .unified_diff()
            .context_radius(3)
            .header(path, path)
            .to_string();
    }
    s
}

/// Whether a line holds a character a terminal obeys rather than shows
/// (other than a tab), or one that changes the text's direction.
fn has_control(line: &str) -> bool {
    line.chars()
        .any(|c| (c.is_control() && c != '\t') || crate::report::terminal::is_unseen_format(c))
}

/// The kubectl of the lab's pinned minor, judging lines offline (an
/// endpoint that refuses connections, the lab's manifests under the
/// book's names), as the replay does.
pub struct KubectlJudge {
    kubectl: crate::kubectl::Kubectl,
    files: Vec<(String, std::path::PathBuf)>,
    dir: tempfile::TempDir,
}

impl KubectlJudge {
    /// The judge for `lab`, or why there is none.
    pub fn new(lab: &Lab) -> Result<KubectlJudge, String> {
        let pick = crate::kubectl::for_minor(&crate::kubectl::discover(), &lab.kubernetes)?;
        let dir = tempfile::Builder::new()
            .prefix("lab-suggest-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        Ok(KubectlJudge {
            kubectl: pick.kubectl,
            files: super::replay::book_files(lab),
            dir,
        })
    }
}

#[async_trait::async_trait]
impl Judge for KubectlJudge {
    async fn accepts(&self, words: &[String]) -> Result<bool, String> {
        let conf = super::replay::kubeconfig_of(words).unwrap_or("admin.conf");
        crate::kubectl::offline_dir(self.dir.path(), conf, &self.files)
            .map_err(|e| e.to_string())?;
        let out = crate::kubectl::run(
            &self.kubectl,
            words,
            self.dir.path(),
            std::time::Duration::from_secs(20),
            crate::kubectl::Reach::Offline,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(matches!(
            crate::kubectl::judge(&out),
            crate::kubectl::Judgement::Accepted { .. }
        ))
    }
}

/// The name the patch's headers give the chapter: its path relative to
/// the current folder when it is under it (`patch -p0` from here), else
/// its file name (applied from its folder: [`apply_hint`]).
pub fn header_path(chapter: &std::path::Path) -> String {
    let abs = std::fs::canonicalize(chapter).unwrap_or_else(|_| chapter.to_path_buf());
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    header_of(&abs, cwd.as_deref())
}

/// [`header_path`] of the absolute `chapter` seen from `cwd`. A path with a
/// control character is never a header: a newline in a folder's name
/// (`x\n+++ DIR`) would add a header line naming another file for
/// `patch` to change; the file name alone is (`book:` is plain).
fn header_of(chapter: &std::path::Path, cwd: Option<&std::path::Path>) -> String {
    let name = || {
        chapter
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    match cwd.and_then(|d| chapter.strip_prefix(d).ok()) {
        Some(rel) if !rel.to_string_lossy().chars().any(char::is_control) => {
            rel.display().to_string()
        }
        _ => name(),
    }
}

/// How to apply a patch written to `file` whose headers are `header`.
pub fn apply_hint(chapter: &std::path::Path, header: &str, file: &std::path::Path) -> String {
    let here = std::fs::canonicalize(header).ok() == std::fs::canonicalize(chapter).ok();
    match chapter
        .parent()
        .filter(|p| !here && !p.as_os_str().is_empty())
    {
        Some(dir) => format!("patch -p0 -d {} < {}", dir.display(), file.display()),
        None => format!("patch -p0 < {}", file.display()),
    }
}

#[cfg(test)]
mod tests;
