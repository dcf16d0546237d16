//! The book's section of the run record, as types: what `lab book` replays
//! (`book`) fills and the record, the event stream and the history hold.
//! The types live here, low, so the record names them without knowing the
//! replay; what they do (`ok`, `summarize`, a verdict's words) is `book`'s,
//! as impls there. `book` re-exports them under their old paths
//! (`book::BookReport`, `book::known::Entry`).

use serde::{Deserialize, Serialize};

/// The verdict of a block, or of a command inside it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Match,
    Skipped,
    KnownDrift,
    Drift,
    NotUnderstood,
    Error,
}

/// One command of a block, as replayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CommandReport {
    pub line: usize,
    /// The command as the book writes it (without prompt and remark).
    pub command: String,
    pub verdict: Verdict,
    /// Where it ran: `node1`, `pod nginx-deployment-node1-0 on node1`, `lab`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran_on: Option<String>,
    /// The command line that ran there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran: Option<String>,
    /// The lab's variant when it ran.
    pub variant: String,
    /// The output the book shows.
    pub book: Vec<String>,
    /// The output the lab gave.
    pub lab: Vec<String>,
    /// Book names and addresses bound to the lab's.
    pub bindings: Vec<String>,
    /// Every difference, new or known.
    pub differences: Vec<String>,
    /// The reasons of the known ones, in the same order (empty where new).
    pub known: Vec<String>,
    /// Why it was skipped, not understood or an error; or a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why the line that ran (`ran`) is not the book's line as typed: each
    /// rewrite lab made (a deadline, a bound address, a dropped `sudo`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
    /// What the real kubectl of the lab's minor said of a `kubectl` line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubectl: Option<KubectlReport>,
}

impl CommandReport {
    /// The report of the command at `line` as its replay starts: a match
    /// with `book` its output shown, nothing run or compared yet.
    pub fn started(line: usize, command: String, variant: &str, book: Vec<String>) -> Self {
        CommandReport {
            line,
            command,
            verdict: Verdict::Match,
            ran_on: None,
            ran: None,
            variant: variant.to_string(),
            book,
            lab: Vec::new(),
            bindings: Vec::new(),
            differences: Vec::new(),
            known: Vec::new(),
            reason: None,
            why: Vec::new(),
            kubectl: None,
        }
    }
}

/// What the real kubectl said of a book line (issue 16): it ran against the
/// lab's cluster, or, with no cluster to run against, it accepted the line
/// (which then did not run) or refused it before connecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct KubectlReport {
    /// The kubectl that judged it: `1.32.3`.
    pub version: String,
    /// `ran`, `accepted` (not run) or `refused`.
    pub outcome: KubectlOutcome,
    /// kubectl's own words: its refusal, or its warnings.
    #[serde(default)]
    pub said: Vec<String>,
    /// One sentence for a reader: `accepted by kubectl v1.32.3; not run: no
    /// API server on netns`.
    pub note: String,
    /// A kubectl of another minor than the lab's, and how far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skew: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KubectlOutcome {
    /// It ran against the lab's cluster; its output is the lab's.
    Ran,
    /// kubectl accepted the line but it did not run (no cluster).
    Accepted,
    /// kubectl refused the line before connecting: the reader's command fails.
    Refused,
}

/// One fenced block of the chapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BlockReport {
    /// 1-based line of the opening fence.
    pub line: usize,
    pub end: usize,
    pub fence: String,
    pub verdict: Verdict,
    pub commands: Vec<CommandReport>,
    /// The author's remarks inside the block.
    pub prose: Vec<String>,
    /// How long its replay took, seconds.
    pub duration_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    #[serde(rename = "match")]
    pub matched: usize,
    pub drift: usize,
    pub known_drift: usize,
    pub skipped: usize,
    pub not_understood: usize,
    pub error: usize,
}

/// The version of [`BookReport`] that `lab book --json` and the run record
/// write: 2 added `verdict`. A reader reads version 1 too (no `verdict`:
/// the verdict is computed again from the blocks and the matrix).
pub const VERSION: u32 = 2;

/// The run's own verdict: whether `lab book` passes (exit 0), and why not,
/// one sentence a reason (a block that fails, a difference blessed without
/// a reason, a failing kubectl matrix result, a replay that compared
/// nothing). Decided by `book::verdict::of`, the one owner of `lab book`'s
/// exit; the terminal, JSON, JUnit and HTML all show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunVerdict {
    pub passed: bool,
    /// Why it did not pass; empty when it passed.
    #[serde(default)]
    pub why_not: Vec<String>,
}

/// The outcome of `lab book`: stable JSON (`version` [`VERSION`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BookReport {
    pub version: u32,
    pub chapter: String,
    pub lab: String,
    pub provider: String,
    pub known_file: String,
    pub blocks: Vec<BlockReport>,
    pub summary: Summary,
    /// Entries of the known-drift file that explained no difference of this
    /// replay (stale: not a failure); with `blessed`, the ones dropped.
    #[serde(default)]
    pub stale: Vec<Entry>,
    /// Whether `--bless` rewrote the known-drift file.
    #[serde(default)]
    pub blessed: bool,
    /// `--kubectl-matrix`: every kubectl line of the chapter, as the book
    /// types it, through every kubectl minor found, offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubectl_matrix: Option<super::kubectl_matrix::Matrix>,
    /// Version 2: the run's own verdict, as it was when the report was
    /// written (absent in version 1; a reader computes it again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<RunVerdict>,
    #[serde(skip)]
    pub text: String,
}

/// One explained difference (version 2, as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The command as the book writes it, whitespace normalised. Empty only
    /// in an entry read from a version 1 file that named none: that one is
    /// matched by `line`, the line of its block's opening fence.
    pub command: String,
    /// Where the command stood when it was blessed: a hint for people, and
    /// for telling identical commands apart when `occurrence` does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Which of the chapter's commands with this text (1 = the first);
    /// written only where the chapter has that command more than once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<usize>,
    pub difference: String,
    pub reason: String,
}
