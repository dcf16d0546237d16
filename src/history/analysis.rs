//! What the history says about the last night: which checks (or book
//! blocks) are newly failing, still failing (since which night, and what
//! changed that night), recovered, flaky, or gone; which runs failed as a
//! whole or were not run. The summary, the dashboard and the exit code all
//! read this one analysis.
//!
//! Words used here:
//! - a *line* is a lab on a provider (`chapter4 · netns`); each night has at
//!   most one run of it;
//! - an *item* is a check in a variant (or a book block) of a line;
//! - a run is *completed* when it reached its checks (passed or failed);
//!   only completed runs say anything about items;
//! - a *change* is an input (a file's digest, an image, a version, the
//!   kernel...) that differs from the line's previous run;
//! - a *flip* is an item going from passing to failing or back between two
//!   completed runs; it is *unexplained* when no input changed between them,
//!   and an item with two or more unexplained flips in the last
//!   [`FLAKY_WINDOW`] nights is *flaky*.

use super::sameness::same_failure;
use super::{Night, ResultKind, ResultRow, Run, RunStatus, Snapshot, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// How many nights back flakiness is judged.
pub const FLAKY_WINDOW: usize = 30;

/// A lab on a provider.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Line {
    pub lab: String,
    pub provider: String,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} · {}", self.lab, self.provider)
    }
}

/// A check in a variant (or a book block) of a line. Items sort by line,
/// checks before blocks, variant, then name; blocks by their line in the
/// chapter (`line 18: …` before `line 103: …`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ItemKey {
    pub line: Line,
    pub kind: ResultKind,
    pub variant: String,
    pub name: String,
}

impl Ord for ItemKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let order = |k: &ItemKey| {
            (
                k.line.clone(),
                k.kind,
                k.variant.clone(),
                k.chapter_line().unwrap_or(usize::MAX),
            )
        };
        order(self)
            .cmp(&order(other))
            .then_with(|| self.name.cmp(&other.name))
    }
}

impl PartialOrd for ItemKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl ItemKey {
    /// The chapter line of a book block (`line 103: …` is 103).
    pub fn chapter_line(&self) -> Option<usize> {
        if self.kind != ResultKind::Block {
            return None;
        }
        let rest = self.name.strip_prefix("line ")?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// What the item is shown under: its variant, or `book` for a block.
    pub fn group(&self) -> &str {
        match self.kind {
            ResultKind::Check => &self.variant,
            ResultKind::Block => crate::book::report::BOOK_VARIANT,
        }
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}] {}", self.line, self.group(), self.name)
    }
}

/// An input that differs from the line's previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = |x: &Option<String>| x.as_deref().map(short).unwrap_or_else(|| "(none)".into());
        let key = self.key.strip_prefix("file:").unwrap_or(&self.key);
        write!(f, "{key} {} → {}", v(&self.before), v(&self.after))
    }
}

/// A digest shortened for people (`sha256:1a2b3c4d5e6f`); other values as
/// they are, cut at 48 characters.
pub fn short(v: &str) -> String {
    if let Some(hex) = v.strip_prefix("sha256:") {
        return format!("sha256:{}", &hex[..hex.len().min(12)]);
    }
    if v.len() >= 32 && v.chars().all(|c| c.is_ascii_hexdigit()) {
        return v[..12].to_string();
    }
    if v.chars().count() > 48 {
        return v.chars().take(47).collect::<String>() + "…";
    }
    v.to_string()
}

/// The inputs that differ between two runs.
pub fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<Change> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| Change {
            key: k.clone(),
            before: before.get(k).cloned(),
            after: after.get(k).cloned(),
        })
        .collect()
}

/// An item's history and what it means tonight.
#[derive(Debug, Clone)]
pub struct Item {
    pub key: ItemKey,
    /// Per night (as [`Analysis::nights`]): its result, if its line's run
    /// that night was completed and had it.
    pub results: Vec<Option<ResultRow>>,
    /// Tonight's verdict (None: not in tonight's completed run, or the line
    /// did not complete tonight).
    pub now: Option<Verdict>,
    /// The verdict in the line's previous completed run.
    pub before: Option<Verdict>,
    /// When failing tonight: the first night of this failing streak, and
    /// what changed that night.
    pub failing_since: Option<usize>,
    pub cause: Vec<Change>,
    /// When failing tonight: the night the failing streak is compared with
    /// (the line's completed night before it); None on the line's first.
    pub compared_to: Option<usize>,
    /// Failing tonight and in the line's previous completed run, but for
    /// another reason (its detail, expected or observed differ): that
    /// night's result. A block's name is `line N: FIRST COMMAND`, so
    /// another block that moved onto a failing block's line and command
    /// fails differently too. Such a failure is new, never "still".
    pub failed_differently: Option<ResultRow>,
    /// Flips with no input change, in the last [`FLAKY_WINDOW`] nights.
    pub unexplained_flips: usize,
    /// Nights (indexes) where it flipped with nothing changed.
    pub flaky_nights: Vec<usize>,
    /// Present in the previous completed run, gone from tonight's.
    pub disappeared: bool,
    /// The last night it was seen.
    pub last_seen: Option<usize>,
}

impl Item {
    pub fn flaky(&self) -> bool {
        self.unexplained_flips >= 2
    }
    pub fn failing(&self) -> bool {
        self.now.is_some_and(Verdict::failing)
    }
    /// Failing tonight, and not failing in the line's previous completed
    /// run (passed, skipped, or not there yet), or failing there for
    /// another reason ([`Item::failed_differently`]).
    pub fn newly_failing(&self) -> bool {
        self.failing()
            && (!self.before.is_some_and(Verdict::failing) || self.failed_differently.is_some())
    }
    /// Failing tonight as in the line's previous completed run.
    pub fn still_failing(&self) -> bool {
        self.failing() && !self.newly_failing()
    }
    pub fn recovered(&self) -> bool {
        self.now == Some(Verdict::Pass) && self.before.is_some_and(Verdict::failing)
    }
    /// Passed in the line's previous completed run, skipped tonight: what
    /// was compared no longer is (a chapter's block cut to `...`, a check
    /// the lab stopped running). Not a failure, but said: silent, a change
    /// that stops comparing a block went unseen (the seventeenth probe).
    pub fn no_longer_compared(&self) -> bool {
        self.now == Some(Verdict::Skip) && self.before == Some(Verdict::Pass)
    }
    /// Failed in the line's previous completed run, skipped tonight: what
    /// failed is no longer compared (a block cut to `...`, read as front
    /// matter, a prompt lab does not know). No recovery: nothing says it
    /// holds. It is said in its own section and, the night it turns
    /// skipped, counts as a new failure for `--fail-on new` (exit 1), and
    /// for `--fail-on any` (probe21aq finding 6: it vanished from the
    /// news, "Every check held.", exit 0).
    pub fn failed_then_skipped(&self) -> bool {
        self.now == Some(Verdict::Skip) && self.before.is_some_and(Verdict::failing)
    }
    /// Tonight's result, if any.
    pub fn tonight(&self) -> Option<&ResultRow> {
        self.results.last().and_then(|r| r.as_ref())
    }
}

/// A run of tonight that failed as a whole (bring-up, teardown, killed).
#[derive(Debug, Clone)]
pub struct RunFailure {
    pub line: Line,
    pub status: RunStatus,
    pub reason: String,
    /// The line's previous run that ran did not fail as a whole.
    pub new: bool,
    /// What changed since the line's previous run.
    pub changes: Vec<Change>,
}

/// The analysis of a history, for its last night.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub nights: Vec<Night>,
    pub lines: Vec<Line>,
    /// Per line, per night: the run, if there was one.
    pub runs: BTreeMap<Line, Vec<Option<Run>>>,
    /// Per line, per night: what changed since the line's previous run.
    pub changes: BTreeMap<Line, Vec<Vec<Change>>>,
    pub items: Vec<Item>,
    pub run_failures: Vec<RunFailure>,
    /// Tonight's runs that could not run here, with why.
    pub not_run: Vec<(Line, String)>,
}

fn ran(r: &Run) -> bool {
    !matches!(r.data.status, RunStatus::NotRun)
}

impl Analysis {
    /// Analyse `snap` as of its last night.
    pub fn of(snap: &Snapshot) -> Analysis {
        let nights = snap.nights.clone();
        let n = nights.len();
        let mut runs: BTreeMap<Line, Vec<Option<Run>>> = BTreeMap::new();
        for (i, night) in nights.iter().enumerate() {
            for r in &night.runs {
                let line = Line {
                    lab: r.lab.clone(),
                    provider: r.provider.clone(),
                };
                runs.entry(line).or_insert_with(|| vec![None; n])[i] = Some(r.clone());
            }
        }
        let lines: Vec<Line> = runs.keys().cloned().collect();
        // What changed, per line and night, against the line's previous run
        // that ran.
        let mut changes = BTreeMap::new();
        for (line, per_night) in &runs {
            let mut out = vec![Vec::new(); n];
            let mut prev: Option<&Run> = None;
            for (i, r) in per_night.iter().enumerate() {
                if let Some(r) = r.as_ref().filter(|r| ran(r)) {
                    if let Some(p) = prev {
                        out[i] = diff(&p.data.inputs, &r.data.inputs);
                    }
                    prev = Some(r);
                }
            }
            changes.insert(line.clone(), out);
        }
        // Items, with their results per night.
        let mut series: BTreeMap<ItemKey, Vec<Option<ResultRow>>> = BTreeMap::new();
        for (line, per_night) in &runs {
            for (i, r) in per_night.iter().enumerate() {
                let Some(r) = r.as_ref().filter(|r| r.data.status.completed()) else {
                    continue;
                };
                for res in &r.data.results {
                    let key = ItemKey {
                        line: line.clone(),
                        kind: res.kind,
                        variant: res.variant.clone(),
                        name: res.name.clone(),
                    };
                    series.entry(key).or_insert_with(|| vec![None; n])[i] = Some(res.clone());
                }
            }
        }
        let mut items = Vec::new();
        for (key, results) in series {
            items.push(item(key, results, &runs, n));
        }
        // Tonight's runs: failures as a whole, and those not run.
        let mut run_failures = Vec::new();
        let mut not_run = Vec::new();
        if n > 0 {
            for (line, per_night) in &runs {
                let Some(r) = &per_night[n - 1] else { continue };
                match r.data.status {
                    RunStatus::NotRun => not_run.push((
                        line.clone(),
                        r.data.reason.clone().unwrap_or_else(|| "not run".into()),
                    )),
                    RunStatus::Error | RunStatus::Interrupted | RunStatus::Running => {
                        let before = per_night[..n - 1].iter().rev().flatten().find(|r| ran(r));
                        run_failures.push(RunFailure {
                            line: line.clone(),
                            status: r.data.status,
                            reason: r
                                .data
                                .reason
                                .clone()
                                .unwrap_or_else(|| "the run did not finish".into()),
                            new: !before.is_some_and(|b| {
                                matches!(
                                    b.data.status,
                                    RunStatus::Error | RunStatus::Interrupted | RunStatus::Running
                                )
                            }),
                            changes: changes[line][n - 1].clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
        Analysis {
            nights,
            lines,
            runs,
            changes,
            items,
            run_failures,
            not_run,
        }
    }

    /// The last night, if any.
    pub fn tonight(&self) -> Option<&Night> {
        self.nights.last()
    }

    pub fn newly_failing(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.newly_failing())
    }
    pub fn still_failing(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.still_failing())
    }
    pub fn recovered(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.recovered())
    }
    pub fn flaky(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.flaky())
    }
    pub fn no_longer_compared(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.no_longer_compared())
    }
    pub fn failed_then_skipped(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.failed_then_skipped())
    }
    pub fn disappeared(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.disappeared)
    }

    /// Tonight's state in words, whatever `--fail-on` makes of it:
    /// `2 failing (0 new), 1 recovered` (a run that failed as a whole
    /// counts as failing), `, 1 failed before and not compared tonight`
    /// when a failure turned skipped, and `, 1 passed before and skipped
    /// now` when something that held stopped being compared.
    pub fn headline(&self) -> String {
        let failing = self.items.iter().filter(|i| i.failing()).count() + self.run_failures.len();
        let new = self.newly_failing().count() + self.run_failures.iter().filter(|f| f.new).count();
        let skipped = match self.no_longer_compared().count() {
            0 => String::new(),
            n => format!(", {n} passed before and skipped now"),
        };
        let unresolved = match self.failed_then_skipped().count() {
            0 => String::new(),
            n => format!(", {n} failed before and not compared tonight"),
        };
        format!(
            "{failing} failing ({new} new), {} recovered{unresolved}{skipped}",
            self.recovered().count()
        )
    }

    /// Whether something newly fails tonight (a check, a block, or a run
    /// as a whole), or a failure turned skipped tonight
    /// ([`Item::failed_then_skipped`]): the nightly's exit 1.
    pub fn anything_new_fails(&self) -> bool {
        self.newly_failing().next().is_some()
            || self.failed_then_skipped().next().is_some()
            || self.run_failures.iter().any(|f| f.new)
    }

    /// Whether anything fails tonight, or a failure turned skipped tonight
    /// (`--fail-on any`).
    pub fn anything_fails(&self) -> bool {
        self.items
            .iter()
            .any(|i| i.failing() || i.failed_then_skipped())
            || !self.run_failures.is_empty()
    }
}

fn completed_at(runs: &[Option<Run>], i: usize) -> Option<&Run> {
    runs[i].as_ref().filter(|r| r.data.status.completed())
}

fn item(
    key: ItemKey,
    results: Vec<Option<ResultRow>>,
    runs: &BTreeMap<Line, Vec<Option<Run>>>,
    n: usize,
) -> Item {
    let line_runs = &runs[&key.line];
    // The nights this line completed, oldest first.
    let observed: Vec<usize> = (0..n)
        .filter(|&i| completed_at(line_runs, i).is_some())
        .collect();
    let verdict = |i: usize| results[i].as_ref().map(|r| r.verdict);
    let tonight_completed = observed.last() == Some(&(n - 1));
    let now = if tonight_completed {
        verdict(n - 1)
    } else {
        None
    };
    // The line's previous completed run (before tonight's, or before the
    // last one when tonight did not complete).
    let prev_night = if tonight_completed {
        observed.iter().rev().nth(1).copied()
    } else {
        None
    };
    let before = prev_night.and_then(verdict);
    let failed_differently = prev_night
        .filter(|&p| {
            now.is_some_and(Verdict::failing)
                && verdict(p).is_some_and(Verdict::failing)
                && !same_failure(results[p].as_ref(), results[n - 1].as_ref())
        })
        .and_then(|p| results[p].clone());
    let disappeared = tonight_completed && now.is_none() && before.is_some();
    // Flips between consecutive observations of a non-skip verdict.
    let mut unexplained_flips = 0;
    let mut flaky_nights = Vec::new();
    let window_start = n.saturating_sub(FLAKY_WINDOW);
    let mut last: Option<(usize, bool)> = None;
    for &i in &observed {
        let Some(v) = verdict(i).filter(|v| *v != Verdict::Skip) else {
            continue;
        };
        if let Some((j, was_failing)) = last
            && was_failing != v.failing()
            && i >= window_start
        {
            let a = &completed_at(line_runs, j).expect("observed").data.inputs;
            let b = &completed_at(line_runs, i).expect("observed").data.inputs;
            if diff(a, b).is_empty() {
                unexplained_flips += 1;
                flaky_nights.push(i);
            }
        }
        last = Some((i, v.failing()));
    }
    // The failing streak that reaches tonight: nights failing the same way.
    let (failing_since, cause, compared_to) = if now.is_some_and(Verdict::failing) {
        let mut first = n - 1;
        let mut prior = None;
        for &i in observed.iter().rev().skip(1) {
            match verdict(i) {
                Some(v)
                    if v.failing()
                        && same_failure(results[i].as_ref(), results[first].as_ref()) =>
                {
                    first = i
                }
                _ => {
                    prior = Some(i);
                    break;
                }
            }
        }
        let cause = match prior {
            Some(p) => diff(
                &completed_at(line_runs, p).expect("observed").data.inputs,
                &completed_at(line_runs, first)
                    .expect("observed")
                    .data
                    .inputs,
            ),
            None => Vec::new(),
        };
        (Some(first), cause, prior)
    } else {
        (None, Vec::new(), None)
    };
    let last_seen = (0..n).rev().find(|&i| results[i].is_some());
    Item {
        key,
        results,
        now,
        before,
        failing_since,
        cause,
        compared_to,
        failed_differently,
        unexplained_flips,
        flaky_nights,
        disappeared,
        last_seen,
    }
}
