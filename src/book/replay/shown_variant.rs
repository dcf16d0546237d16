//! Which of the lab's variants a manifest or a patch the book shows is
//! about (probe21as, findings 3 and 4). A lab starts in its
//! `default_variant` (chapter4's `broken`: the problem the chapter is
//! about); each other variant is a state the chapter leads to, by applying
//! that variant's network file (`fixed`, `flannel_fix.yml`). So:
//! - a patch that turns another variant's file into the starting one's
//!   (`--- a/flannel_fix.yml`, `+++ b/flannel.yml`, removing `--iface`)
//!   goes backwards: it undoes the change, whatever its text calls it;
//! - a manifest whose object several variants' files hold, and whose text
//!   names none of the files, stands for the starting variant when the
//!   text just before it calls it the state before the fix ("broken",
//!   "before the fix", "the one that breaks", "fixes nothing yet":
//!   probe21av, finding 3); else for the variant the lab runs at that
//!   point of the chapter where that is a later one (the chapter applied
//!   its file, or a kept lab runs it), or for a later variant when the
//!   text calls it the fix; else, the text saying neither, for the
//!   starting variant where the lab runs it and the chapter has applied
//!   only its file (what the reader has); else it agrees with any of
//!   them, and the report says which file it matched.

use super::LabFile;
use crate::spec::Lab;

/// The variant whose network file a lab file is.
pub(in crate::book::replay) struct FileVariant {
    pub name: String,
    pub about: String,
    /// Whether the lab starts in it (its `default_variant`).
    pub starts: bool,
}

/// The variant whose network file is `file` (by its file name), if any.
pub(in crate::book::replay) fn of(lab: &Lab, file: &str) -> Option<FileVariant> {
    lab.variants
        .iter()
        .find(|v| v.manifest.file_name().is_some_and(|n| n == file))
        .map(|v| FileVariant {
            name: v.name.clone(),
            about: v.about.clone(),
            starts: v.name == lab.default_variant,
        })
}

/// A lab file as a sentence names it: `flannel_fix.yml (variant fixed:
/// flannel told --iface=enp0s8)`.
pub(in crate::book::replay) fn describe(f: &LabFile) -> String {
    match &f.variant {
        Some(v) if v.starts => format!(
            "{} (variant {}, where the lab starts: {})",
            f.name, v.name, v.about
        ),
        Some(v) => format!("{} (variant {}: {})", f.name, v.name, v.about),
        None => f.name.clone(),
    }
}

/// Which files a manifest whose object several of the lab's files hold is
/// compared with, when its text names none of them.
pub(in crate::book::replay) enum Prefer {
    /// Any of them: the book agrees when it is one.
    Any,
    /// Those of the variants other than the starting one, and why.
    Later(String),
    /// Those of the variant the lab starts in, and why.
    Starting(String),
    /// Those of this variant (the lab runs it here), and why.
    Variant(String, String),
}

/// Words of a lead-in that call the block the fix (or its result).
const FIX: &[&str] = &[
    "fix",
    "fixed",
    "fixes",
    "fixing",
    "corrected",
    "repaired",
    "working",
];
/// Words that call it the state before the fix (probe21av, finding 3: "the
/// one that breaks" matched the fixed file).
const STARTING: &[&str] = &[
    "broken",
    "breaks",
    "break",
    "breaking",
    "unfixed",
    "original",
    "old",
    "wrong",
    "buggy",
    "faulty",
    "failing",
    "fails",
    "initial",
    "initially",
];
/// Words that turn the other way a FIX or STARTING word near them
/// ("before the fix", "fixes nothing yet", "not broken", "undo the fix").
const NEGATE: &[&str] = &[
    "not", "no", "nothing", "never", "without", "before", "undo", "undoes", "revert", "reverts",
    "reverted", "isn", "doesn", "don", "didn", "wasn", "hasn", "haven", "aren", "won", "cannot",
];

/// What the lead-in `lead` says the block is: Some(true) the starting
/// variant's, Some(false) a later one's, None where it says nothing or
/// both. A FIX or STARTING word with a NEGATE word up to three words before
/// it, or right after it ("fixes nothing"), counts the other way.
pub(in crate::book::replay) fn says_starting(lead: &str) -> Option<bool> {
    let words: Vec<String> = lead
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let negated = |i: usize| {
        let near = words[i.saturating_sub(3)..i].iter().chain(words.get(i + 1));
        near.map(String::as_str).any(|w| NEGATE.contains(&w))
    };
    let (mut starting, mut later) = (false, false);
    for (i, w) in words.iter().enumerate() {
        let w = w.as_str();
        let fix = FIX.contains(&w);
        if !fix && !STARTING.contains(&w) {
            continue;
        }
        if fix != negated(i) {
            later = true;
        } else {
            starting = true;
        }
    }
    match (starting, later) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// The preference for the block whose lead-in (the text just before it)
/// is `lead`, the lab running `running` there, the chapter having applied
/// the lab files `applied` (indices into `files`) before it:
/// - the text calls it the starting state (broken, before the fix, the
///   one that breaks, fixes nothing yet): the starting variant's file;
/// - else the lab runs a later variant: that one's;
/// - else the text calls it the fix: a later variant's;
/// - else the lab runs its starting variant and the chapter applied that
///   variant's file and no other variant's: that file (probe21av,
///   finding 3: it is what the reader has);
/// - else any of them.
pub(in crate::book::replay) fn preference(
    lead: &str,
    running: &str,
    files: &[LabFile],
    applied: &[usize],
) -> Prefer {
    let says = says_starting(lead);
    if says == Some(true) {
        return Prefer::Starting(
            "the text just before it calls it the state before the fix (the variant the lab starts in)"
                .into(),
        );
    }
    let variant_of = |j: &usize| files.get(*j).and_then(|f| f.variant.as_ref());
    let later = files
        .iter()
        .filter_map(|f| f.variant.as_ref())
        .find(|v| v.name == running && !v.starts);
    if let Some(v) = later {
        return Prefer::Variant(
            v.name.clone(),
            format!(
                "the lab runs variant {} at this point of the chapter (not the one it starts in)",
                v.name
            ),
        );
    }
    if says == Some(false) {
        return Prefer::Later("the text just before it calls it the fix".into());
    }
    let variants: Vec<&FileVariant> = applied.iter().filter_map(variant_of).collect();
    if lead_is_silent(lead)
        && !variants.is_empty()
        && variants.iter().all(|v| v.starts && v.name == running)
    {
        return Prefer::Starting(format!(
            "the lab runs variant {running} here and the chapter has applied only its file"
        ));
    }
    Prefer::Any
}

/// Whether `text` names the file `name`: the name not inside a longer one.
pub(in crate::book::replay) fn position_of(text: &str, name: &str) -> Option<usize> {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/');
    text.match_indices(name).find_map(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        // A name ends a sentence with its full stop.
        let after_ok = match after {
            None => true,
            Some('.') => !text[i + name.len() + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric()),
            Some(c) => !part(c),
        };
        (before.is_none_or(|c| !part(c) || c == '/') && after_ok).then_some(i)
    })
}

/// The lab files (indices into `files`) that a block of `chapter` before
/// `block` applies (`kubectl apply|create|replace -f FILE`), in order.
pub(in crate::book::replay) fn applied(
    chapter: &crate::book::parse::Chapter,
    block: &crate::book::parse::Block,
    files: &[LabFile],
) -> Vec<usize> {
    let mut out = Vec::new();
    for b in chapter.blocks.iter().take_while(|b| b.line < block.line) {
        for (_, l) in &b.body {
            let words: Vec<&str> = l.split_whitespace().collect();
            let applies = words
                .iter()
                .any(|w| matches!(*w, "apply" | "create" | "replace"))
                && words
                    .iter()
                    .any(|w| *w == "-f" || w.starts_with("--filename") || w.starts_with("-f="));
            if !applies {
                continue;
            }
            for (j, f) in files.iter().enumerate() {
                if position_of(l, &f.name).is_some() && !out.contains(&j) {
                    out.push(j);
                }
            }
        }
    }
    out
}

/// Whether the lead-in says nothing of which variant (neither way).
fn lead_is_silent(lead: &str) -> bool {
    let words: Vec<String> = lead
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    !words
        .iter()
        .any(|w| FIX.contains(&w.as_str()) || STARTING.contains(&w.as_str()))
}

/// Whether the preference keeps the file `f`: a file of no variant (a
/// workload) always.
pub(in crate::book::replay) fn keeps(p: &Prefer, f: &LabFile) -> bool {
    match (p, &f.variant) {
        (_, None) | (Prefer::Any, _) => true,
        (Prefer::Later(_), Some(v)) => !v.starts,
        (Prefer::Starting(_), Some(v)) => v.starts,
        (Prefer::Variant(n, _), Some(v)) => v.name == *n,
    }
}

/// Why the preference chose, for the report; None for `Any`.
pub(in crate::book::replay) fn why(p: &Prefer) -> Option<&str> {
    match p {
        Prefer::Any => None,
        Prefer::Later(w) | Prefer::Starting(w) | Prefer::Variant(_, w) => Some(w),
    }
}

/// Whether a patch goes backwards, from a later variant's file to the
/// starting one's, and the sentence saying so. `new`/`old` are the files
/// its `+++`/`---` lines name; `added`/`removed` its lines that change.
pub(in crate::book::replay) fn backwards(
    files: &[LabFile],
    new: Option<&LabFile>,
    old: Option<&LabFile>,
    added: &[&str],
    removed: &[&str],
) -> Option<String> {
    let start = files
        .iter()
        .find(|f| f.variant.as_ref().is_some_and(|v| v.starts))?;
    let has = |f: &LabFile, t: &str| f.text.lines().any(|l| l.trim() == t);
    let later = files
        .iter()
        .filter(|f| f.variant.as_ref().is_some_and(|v| !v.starts));
    // By the names: `---` a later variant's file, `+++` the starting one's.
    let by_name = match (old, new) {
        (Some(o), Some(n)) if n.name == start.name => later.clone().find(|f| f.name == o.name),
        _ => None,
    };
    // By the lines, where the names do not say: what it removes only the
    // later file has (or adds only the starting one has), all it adds the
    // starting one has, and nothing of it leads the other way.
    let by_lines = || {
        later.clone().find(|f| {
            let back = removed.iter().any(|t| has(f, t) && !has(start, t))
                || added.iter().any(|t| has(start, t) && !has(f, t));
            let forth = removed.iter().any(|t| has(start, t) && !has(f, t))
                || added.iter().any(|t| has(f, t) && !has(start, t));
            back && !forth && added.iter().all(|t| has(start, t))
        })
    };
    let named_both = matches!((old, new), (Some(o), Some(n)) if o.name != n.name);
    let from = by_name.or_else(|| if named_both { None } else { by_lines() })?;
    Some(format!(
        "the book's patch goes backwards: it turns the lab's {} into its {}; applied, it undoes the change the lab's variant {} makes",
        describe(from),
        describe(start),
        from.variant.as_ref().map_or("", |v| v.name.as_str())
    ))
}

/// The candidates (a file's index, its object) a manifest is compared
/// with when its text names no file: all of them, or those the preference
/// keeps where it keeps some; whether they lie in several files; why the
/// preference chose, where it did.
pub(in crate::book::replay) fn narrow<T>(
    all: Vec<(usize, T)>,
    files: &[LabFile],
    prefer: &Prefer,
) -> (Vec<(usize, T)>, bool, Option<String>) {
    let several = all.iter().any(|(j, _)| *j != all[0].0);
    if !several {
        return (all, false, None);
    }
    let kept = all
        .iter()
        .filter(|(j, _)| keeps(prefer, &files[*j]))
        .count();
    if kept == 0 || kept == all.len() {
        return (all, true, None);
    }
    let chosen = all
        .into_iter()
        .filter(|(j, _)| keeps(prefer, &files[*j]))
        .collect();
    (chosen, true, why(prefer).map(str::to_string))
}
