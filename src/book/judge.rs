//! A replay judged against the known-drift file: each difference the lab
//! showed is met with the entry that explains it, by content (the command
//! as the book writes it and the difference sentence), not by line, so a
//! chapter edited above a blessed drift keeps it known. Where the chapter
//! has the same command more than once, the entry's `occurrence` says which
//! (and only that one), else the nearest `line`. Each entry explains one difference; an entry
//! that explains none is stale (reported, not a failure; `--bless` drops
//! it). Verdicts follow: a command with differences is `known_drift` when
//! every one is explained, else `drift`; a block takes its worst command's.
//! An entry whose reason is still `--bless`'s TODO explains nothing yet:
//! its difference stays drift (and the report names the entry). No entry
//! explains a command whose meaning could not be run or compared: one not
//! understood or an error keeps its verdict, and a line kubectl refused
//! whose book output no fixed form of it was compared with drifts
//! ([`uncompared()`]; probe21bc, finding 2).

use super::caps::is_more;
use super::known::{Entry, KnownFile, TODO, VERSION, normalize, unwritten};
use super::{BookReport, Verdict};
use uncompared::{UNCOMPARED, uncompared};

#[path = "judge_uncompared.rs"]
mod uncompared;

/// One difference the replay showed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The line of its block's opening fence (what version 1 keyed by).
    pub block: usize,
    /// The command's own line.
    pub line: usize,
    /// The command as the book writes it, normalised.
    pub command: String,
    /// Which of the chapter's commands with this text (from 1).
    pub occurrence: usize,
    /// Whether the chapter has this command more than once.
    pub repeated: bool,
    pub difference: String,
}

/// Whether a command's differences are judged: it ran (or its facts were
/// checked) and the lab differed. An error or a command not understood
/// keeps its verdict.
fn judged(c: &super::CommandReport) -> bool {
    !c.differences.is_empty() && !matches!(c.verdict, Verdict::Error | Verdict::NotUnderstood)
}

/// Whether an entry may explain a judged command's differences: not where
/// what the book shows under it went uncompared ([`uncompared()`]). Such a
/// command drifts whatever the file says, and `--bless` writes no entry
/// for it.
fn explainable(c: &super::CommandReport) -> bool {
    judged(c) && !uncompared(c)
}

/// Every judged difference of the report, in the chapter's order.
pub fn seen(r: &BookReport) -> Vec<Seen> {
    let mut count = std::collections::HashMap::<String, usize>::new();
    let mut out = Vec::new();
    let mut occurrences = Vec::new();
    for b in &r.blocks {
        for c in &b.commands {
            let command = normalize(&c.command);
            let n = count.entry(command.clone()).or_default();
            *n += 1;
            occurrences.push(*n);
            if explainable(c) {
                for d in &c.differences {
                    out.push(Seen {
                        block: b.line,
                        line: c.line,
                        command: command.clone(),
                        occurrence: *n,
                        repeated: false,
                        difference: d.clone(),
                    });
                }
            }
        }
    }
    for s in &mut out {
        s.repeated = count.get(&s.command).copied().unwrap_or(0) > 1;
    }
    out
}

/// For each seen difference, the index of the entry that explains it. In
/// file order: first entries whose `occurrence` names the very command (and
/// version 1 entries without a command, at their block's line), then the
/// others without an `occurrence`, each to the nearest unexplained
/// difference of its command and sentence (the first in the chapter's
/// order of those as near). The cap's sentence ([`is_more`]) is explained
/// by none, and an entry of it explains nothing.
///
/// Each sentence is normalised once and the differences are indexed by
/// what an entry is matched by, so a chapter of many differences and a
/// file of many entries take time near their sum, not their product
/// (probe21aj, finding 4: 80,000 differences and 400 entries took 34 s).
pub fn assign(known: &KnownFile, seen: &[Seen]) -> Vec<Option<usize>> {
    use std::collections::{BTreeSet, HashMap};
    let mut by: Vec<Option<usize>> = vec![None; seen.len()];
    let mut used = vec![false; known.drift.len()];
    let seen_diff: Vec<String> = seen.iter().map(|s| normalize(&s.difference)).collect();
    let entry_diff: Vec<String> = known
        .drift
        .iter()
        .map(|e| normalize(&e.difference))
        .collect();
    // The first pass: the differences of each key in the chapter's order,
    // and how many of them are known to be explained already.
    type Queue = (usize, Vec<usize>);
    let mut by_occurrence: HashMap<(&str, &str, usize), Queue> = HashMap::new();
    let mut by_block: HashMap<(usize, &str), Queue> = HashMap::new();
    // The cap's sentence (`… and N more differences`) stands for
    // differences no one saw: no entry explains it (probe21al, finding 2).
    let capped: Vec<bool> = seen.iter().map(|s| is_more(&s.difference)).collect();
    let unusable: Vec<bool> = known.drift.iter().map(|e| is_more(&e.difference)).collect();
    for (j, s) in seen.iter().enumerate() {
        if capped[j] {
            continue;
        }
        let key = (s.command.as_str(), seen_diff[j].as_str(), s.occurrence);
        by_occurrence.entry(key).or_default().1.push(j);
        let key = (s.block, s.difference.as_str());
        by_block.entry(key).or_default().1.push(j);
    }
    let first_free = |q: &mut Queue, by: &[Option<usize>]| {
        while q.1.get(q.0).is_some_and(|&j| by[j].is_some()) {
            q.0 += 1;
        }
        q.1.get(q.0).copied()
    };
    for (i, e) in known.drift.iter().enumerate() {
        if unusable[i] {
            continue;
        }
        let queue = if e.by_line() {
            e.line
                .and_then(|l| by_block.get_mut(&(l, e.difference.as_str())))
        } else {
            e.occurrence.and_then(|o| {
                by_occurrence.get_mut(&(e.command.as_str(), entry_diff[i].as_str(), o))
            })
        };
        if let Some(j) = queue.and_then(|q| first_free(q, &by)) {
            by[j] = Some(i);
            used[i] = true;
        }
    }
    // The second pass: the unexplained differences of each command and
    // sentence, by line and by their order.
    type Free = (BTreeSet<(usize, usize)>, BTreeSet<usize>);
    let mut free: HashMap<(&str, &str), Free> = HashMap::new();
    for (j, s) in seen.iter().enumerate() {
        if by[j].is_none() && !capped[j] {
            let f = free
                .entry((s.command.as_str(), seen_diff[j].as_str()))
                .or_default();
            f.0.insert((s.line, j));
            f.1.insert(j);
        }
    }
    // An entry with an `occurrence` explains that occurrence's difference
    // or none: it never falls back to the nearest line, so a blessed
    // difference that went away does not explain the same sentence at
    // another occurrence (probe21al, finding 3).
    for (i, e) in known.drift.iter().enumerate() {
        if used[i] || e.by_line() || e.occurrence.is_some() || unusable[i] {
            continue;
        }
        let Some((lines, order)) = free.get_mut(&(e.command.as_str(), entry_diff[i].as_str()))
        else {
            continue;
        };
        let nearest = match e.line {
            None => order.first().copied(),
            Some(at) => {
                // The first of the nearest line at or above, and of the
                // nearest below; the nearer, or the first of the two.
                let above = lines
                    .range(..=(at, usize::MAX))
                    .next_back()
                    .and_then(|&(l, _)| lines.range((l, 0)..).next());
                let below = lines.range((at.saturating_add(1), 0)..).next();
                [above, below]
                    .into_iter()
                    .flatten()
                    .min_by_key(|&&(l, j)| (l.abs_diff(at), j))
                    .map(|&(_, j)| j)
            }
        };
        if let Some(j) = nearest {
            lines.remove(&(seen[j].line, j));
            order.remove(&j);
            by[j] = Some(i);
            used[i] = true;
        }
    }
    by
}

/// Set each command's and block's verdict from its differences and the
/// known-drift file, the report's stale entries, and its summary.
pub fn judge(r: &mut BookReport, known: &KnownFile) {
    let seen = seen(r);
    let by = assign(known, &seen);
    let mut reasons = by
        .iter()
        .map(|i| i.map(|i| known.drift[i].reason.clone()).unwrap_or_default());
    for b in &mut r.blocks {
        for c in &mut b.commands {
            c.known.clear();
            if !judged(c) {
                continue;
            }
            c.known = match explainable(c) {
                true => c
                    .differences
                    .iter()
                    .map(|_| reasons.next().unwrap_or_default())
                    .collect(),
                false => {
                    c.reason = Some(match c.reason.take() {
                        None => format!(
                            "kubectl refuses the line, so the reader's command fails, and lab ran no fixed form of it: {UNCOMPARED}"
                        ),
                        Some(r) if r.contains(UNCOMPARED) => r,
                        Some(r) => format!("{r}; {UNCOMPARED}"),
                    });
                    vec![String::new(); c.differences.len()]
                }
            };
            c.verdict = if c.known.iter().all(|k| !k.is_empty() && !unwritten(k)) {
                Verdict::KnownDrift
            } else {
                Verdict::Drift
            };
        }
        b.verdict = if b.commands.is_empty() {
            Verdict::Skipped
        } else {
            b.commands
                .iter()
                .filter(|c| c.weighs_on_block())
                .map(|c| c.verdict)
                .max()
                .unwrap_or(Verdict::Skipped)
        };
    }
    let mut explains = vec![false; known.drift.len()];
    for i in by.iter().flatten() {
        explains[*i] = true;
    }
    r.stale = known
        .drift
        .iter()
        .enumerate()
        .filter(|(i, _)| !explains[*i])
        .map(|(_, e)| e.clone())
        .collect();
    r.summarize();
}

/// The file `--bless` writes: every current difference, keyed by content,
/// with the reason of the entry that explained it, or a TODO where it is
/// new. Entries that explained nothing (stale) are left out.
pub fn blessed(r: &BookReport, known: &KnownFile) -> KnownFile {
    let seen = seen(r);
    let by = assign(known, &seen);
    // The cap's sentence is no entry: the differences it stands for are
    // blessed by themselves, seen (probe21al, finding 2).
    let drift = seen
        .iter()
        .zip(&by)
        .filter(|(s, _)| !is_more(&s.difference))
        .map(|(s, i)| Entry {
            command: s.command.clone(),
            line: Some(s.line),
            occurrence: s.repeated.then_some(s.occurrence),
            difference: s.difference.clone(),
            reason: i
                .map(|i| known.drift[i].reason.clone())
                .unwrap_or_else(|| TODO.into()),
        })
        .collect();
    KnownFile {
        version: VERSION,
        drift,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{BlockReport, CommandReport};

    fn command(line: usize, text: &str, differences: &[&str]) -> CommandReport {
        CommandReport {
            line,
            command: text.into(),
            verdict: Verdict::Match,
            ran_on: Some("node1".into()),
            ran: Some(text.into()),
            variant: "broken".into(),
            book: vec![],
            lab: vec![],
            bindings: vec![],
            differences: differences.iter().map(|d| d.to_string()).collect(),
            known: vec![],
            reason: None,
            kubectl: None,
            why: vec![],
        }
    }

    fn block(line: usize, commands: Vec<CommandReport>) -> BlockReport {
        BlockReport {
            line,
            end: line + 5,
            fence: "```bash".into(),
            verdict: Verdict::Match,
            commands,
            prose: vec![],
            duration_s: 0.0,
        }
    }

    use crate::book::tests_report::of as report;

    /// A chapter with the ping at `at` and `route -n` twice, the second
    /// missing a row.
    fn chapter(at: usize) -> BookReport {
        report(vec![
            block(at, vec![command(at + 1, "ping  10.244.3.3", &["no reply"])]),
            block(at + 10, vec![command(at + 11, "route -n", &[])]),
            block(at + 20, vec![command(at + 21, "route -n", &["no docker0"])]),
        ])
    }

    fn verdicts(r: &BookReport) -> Vec<&str> {
        r.blocks.iter().map(|b| b.verdict.as_str()).collect()
    }

    #[test]
    fn blessed_drift_stays_known_when_lines_are_added_above_it() {
        let mut r = chapter(100);
        judge(&mut r, &KnownFile::default());
        assert_eq!(verdicts(&r), ["drift", "match", "drift"]);
        assert_eq!(r.summary.drift, 2);
        let k = blessed(&r, &KnownFile::default());
        assert_eq!(k.drift[0].command, "ping 10.244.3.3");
        assert_eq!(
            k.drift[0].occurrence, None,
            "a command the chapter has once"
        );
        assert_eq!(k.drift[1].occurrence, Some(2));
        assert_eq!(k.drift[1].line, Some(121));
        assert!(k.drift.iter().all(|e| e.reason == TODO));
        let mut k = k;
        for e in &mut k.drift {
            e.reason = "explained".into();
        }
        // Two lines added near the top: every line moves, nothing drifts.
        let mut moved = chapter(102);
        judge(&mut moved, &k);
        assert_eq!(verdicts(&moved), ["known_drift", "match", "known_drift"]);
        assert!(moved.stale.is_empty());
        assert_eq!(moved.summary.known_drift, 2);
        // Keyed by line, as version 1 was, it would not be: the test can fail.
        let by_line = KnownFile {
            version: 1,
            drift: k
                .drift
                .iter()
                .map(|e| Entry {
                    command: String::new(),
                    line: Some(e.line.unwrap() - 1),
                    occurrence: None,
                    ..e.clone()
                })
                .collect(),
        };
        let mut same = chapter(100);
        judge(&mut same, &by_line);
        assert_eq!(verdicts(&same), ["known_drift", "match", "known_drift"]);
        let mut moved = chapter(102);
        judge(&mut moved, &by_line);
        assert_eq!(verdicts(&moved), ["drift", "match", "drift"]);
        assert_eq!(moved.stale.len(), 2);
    }

    /// A bless alone explains nothing: an entry whose reason is still the
    /// TODO it wrote leaves its difference drift (not stale either: the
    /// next bless keeps it, TODO and all, for a person to fill in).
    #[test]
    fn a_drift_blessed_with_its_reason_still_todo_stays_drift() {
        let mut r = chapter(100);
        let mut k = blessed(&r, &KnownFile::default());
        k.drift[1].reason = "no docker0 on a netns node".into();
        judge(&mut r, &k);
        assert_eq!(verdicts(&r), ["drift", "match", "known_drift"]);
        assert_eq!((r.summary.drift, r.summary.known_drift), (1, 1));
        assert!(r.stale.is_empty());
        let text = crate::book::report::terminal(&r);
        assert!(
            text.contains(
                "blessed in c.drift.yaml (the entry of line 101) with its reason still the TODO"
            ) && text.contains("; 1 blessed without a reason (drift)"),
            "{text}"
        );
        assert_eq!(blessed(&r, &k).drift[0].reason, TODO);
    }

    #[test]
    fn a_changed_command_is_new_drift_and_its_entry_stale() {
        let mut r = chapter(100);
        let mut k = blessed(&r, &KnownFile::default());
        k.drift[0].reason = "the ICMP error differs".into();
        k.drift[1].reason = "no Docker".into();
        r.blocks[0].commands[0].command = "ping -c 1 10.244.3.3".into();
        judge(&mut r, &k);
        assert_eq!(verdicts(&r), ["drift", "match", "known_drift"]);
        assert_eq!(r.stale.len(), 1);
        assert_eq!(r.stale[0].command, "ping 10.244.3.3");
        assert_eq!(r.stale[0].reason, "the ICMP error differs");
        // --bless drops the stale entry and adds the new one with a TODO,
        // keeping the reason of the entry that still matches.
        k.drift[1].reason = "no Docker".into();
        let b = blessed(&r, &k);
        assert_eq!(b.drift.len(), 2);
        assert_eq!(b.drift[0].command, "ping -c 1 10.244.3.3");
        assert_eq!(b.drift[0].reason, TODO);
        assert_eq!(b.drift[1].reason, "no Docker");
        // A changed difference is new drift too.
        let mut r = chapter(100);
        r.blocks[2].commands[0].differences[0] = "no docker9".into();
        judge(&mut r, &k);
        assert_eq!(verdicts(&r), ["known_drift", "match", "drift"]);
        assert_eq!(r.stale[0].difference, "no docker0");
    }

    #[test]
    fn identical_commands_are_told_apart() {
        // Both `route -n` lack the row: two entries, one each; the reason
        // of each stays with its occurrence even when the first is moved.
        let mut r = chapter(100);
        r.blocks[1].commands[0].differences = vec!["no docker0".into()];
        let mut k = blessed(&r, &KnownFile::default());
        assert_eq!(
            k.drift.iter().map(|e| e.occurrence).collect::<Vec<_>>(),
            [None, Some(1), Some(2)]
        );
        k.drift[1].reason = "first".into();
        k.drift[2].reason = "second".into();
        let mut moved = chapter(150);
        moved.blocks[1].commands[0].differences = vec!["no docker0".into()];
        judge(&mut moved, &k);
        assert_eq!(moved.blocks[1].commands[0].known, ["first"]);
        assert_eq!(moved.blocks[2].commands[0].known, ["second"]);
        // Without occurrences (written by hand), the nearest line decides;
        // one entry explains one difference.
        let hand = KnownFile {
            version: VERSION,
            drift: vec![Entry {
                command: "route -n".into(),
                line: Some(160),
                occurrence: None,
                difference: "no docker0".into(),
                reason: "by hand".into(),
            }],
        };
        let mut r = chapter(100);
        r.blocks[1].commands[0].differences = vec!["no docker0".into()];
        judge(&mut r, &hand);
        assert_eq!(verdicts(&r), ["drift", "drift", "known_drift"]);
        assert!(r.stale.is_empty());
    }

    #[test]
    fn version_1_entries_migrate_with_their_reasons() {
        // As the shipped version 1 file had them: block line, command, reason.
        let v1 = KnownFile {
            version: 1,
            drift: vec![
                Entry {
                    command: "ping 10.244.3.3".into(),
                    line: Some(100),
                    occurrence: None,
                    difference: "no reply".into(),
                    reason: "ICMP".into(),
                },
                Entry {
                    command: String::new(),
                    line: Some(120),
                    occurrence: None,
                    difference: "no docker0".into(),
                    reason: "Docker".into(),
                },
            ],
        };
        let mut r = chapter(100);
        judge(&mut r, &v1);
        assert_eq!(verdicts(&r), ["known_drift", "match", "known_drift"]);
        let b = blessed(&r, &v1);
        assert_eq!(b.version, VERSION);
        assert_eq!(b.drift[0].reason, "ICMP");
        assert_eq!(b.drift[1].reason, "Docker");
        assert_eq!(b.drift[1].command, "route -n");
        assert_eq!(b.drift[1].line, Some(121));
        // The migrated file keeps them known where v1 would not.
        let mut moved = chapter(102);
        judge(&mut moved, &b);
        assert_eq!(verdicts(&moved), ["known_drift", "match", "known_drift"]);
    }

    /// probe21al, finding 3: an entry with `occurrence: 1` explains the
    /// difference at occurrence 1 only. Seen failing first: with the second
    /// pass taking entries with an `occurrence` too, the difference at
    /// occurrence 2 was `known_drift` and the entry not stale.
    #[test]
    fn an_occurrence_decides_and_never_falls_back_to_the_nearest() {
        let mut r = chapter(100);
        r.blocks[2].commands[0].differences = vec![];
        r.blocks[1].commands[0].differences = vec!["no docker0".into()];
        let mut k = blessed(&r, &KnownFile::default());
        assert_eq!(k.drift[1].occurrence, Some(1));
        k.drift[0].reason = "ICMP".into();
        k.drift[1].reason = "before the fix".into();
        // The first `route -n` matches now; the second drifts alike.
        let mut swapped = chapter(100);
        judge(&mut swapped, &k);
        assert_eq!(verdicts(&swapped), ["known_drift", "match", "drift"]);
        assert_eq!(swapped.stale.len(), 1, "{:?}", swapped.stale);
        assert_eq!(swapped.stale[0].occurrence, Some(1));
    }

    /// probe21al, finding 2: the cap's sentence stands for differences no
    /// one saw; no entry explains it and `--bless` writes none for it.
    /// Seen failing first: matched as any sentence, the command was
    /// `known_drift` and the blessed file held the sentence.
    #[test]
    fn the_caps_sentence_is_never_known_drift_nor_blessed() {
        let more = crate::book::caps::more(1);
        let mut r = chapter(100);
        r.blocks[0].commands[0].differences = vec![more.clone()];
        let k = KnownFile {
            version: VERSION,
            drift: vec![Entry {
                command: "ping 10.244.3.3".into(),
                line: Some(101),
                occurrence: None,
                difference: more.clone(),
                reason: "The book's kernel set another TTL.".into(),
            }],
        };
        judge(&mut r, &k);
        assert_eq!(r.blocks[0].verdict, Verdict::Drift);
        assert_eq!(r.stale.len(), 1);
        let b = blessed(&r, &k);
        assert!(b.drift.iter().all(|e| e.difference != more), "{b:?}");
        // By its block's line (version 1) too.
        let v1 = KnownFile {
            version: 1,
            drift: vec![Entry {
                command: String::new(),
                line: Some(100),
                ..k.drift[0].clone()
            }],
        };
        judge(&mut r, &v1);
        assert_eq!(r.blocks[0].verdict, Verdict::Drift);
    }

    #[test]
    fn errors_and_commands_not_understood_keep_their_verdict() {
        let mut r = chapter(100);
        r.blocks[0].commands[0].verdict = Verdict::Error;
        judge(&mut r, &KnownFile::default());
        assert_eq!(verdicts(&r), ["error", "match", "drift"]);
        assert!(r.blocks[0].commands[0].known.is_empty());
    }
}

#[cfg(test)]
#[path = "judge_assign_tests.rs"]
mod assign_tests;

#[cfg(test)]
#[path = "judge_uncompared_tests.rs"]
mod uncompared_tests;
