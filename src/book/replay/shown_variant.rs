//! Which of the lab's variants a manifest or a patch the book shows is
//! about (probe21as, findings 3 and 4). A lab starts in its
//! `default_variant` (chapter4's `broken`: the problem the chapter is
//! about); each other variant is a state the chapter leads to, by applying
//! that variant's network file (`fixed`, `flannel_fix.yml`). So:
//! - a patch that turns another variant's file into the starting one's
//!   (`--- a/flannel_fix.yml`, `+++ b/flannel.yml`, removing `--iface`)
//!   goes backwards: it undoes the change, whatever its text calls it;
//! - a manifest whose object several variants' files hold, and whose text
//!   names none of the files, stands for the variant the lab runs at that
//!   point of the chapter where that is a later one (the chapter applied
//!   its file, or a kept lab runs it), or
//!   for a later variant when the text just before it calls it the fix;
//!   else it agrees with any of them, and the report says which file it
//!   matched.

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
    /// Those of this variant (the lab runs it here), and why.
    Variant(String, String),
}

/// Words of a lead-in that call the block the fix, and words that say it
/// is not (or not only) the fix.
const FIX: &[&str] = &["fix", "fixed", "fixes", "corrected"];
const NOT_FIX: &[&str] = &[
    "broken", "before", "without", "wrong", "unfixed", "original", "old", "revert", "undo", "not",
];

/// The preference for the block whose lead-in (the text just before it)
/// is `lead`, the lab running `running` there.
pub(in crate::book::replay) fn preference(lead: &str, running: &str, files: &[LabFile]) -> Prefer {
    let words: Vec<String> = lead
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    let says = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    if says(NOT_FIX) {
        return Prefer::Any;
    }
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
    if says(FIX) {
        return Prefer::Later("the text just before it calls it the fix".into());
    }
    Prefer::Any
}

/// Whether the preference keeps the file `f`: a file of no variant (a
/// workload) always.
pub(in crate::book::replay) fn keeps(p: &Prefer, f: &LabFile) -> bool {
    match (p, &f.variant) {
        (_, None) | (Prefer::Any, _) => true,
        (Prefer::Later(_), Some(v)) => !v.starts,
        (Prefer::Variant(n, _), Some(v)) => v.name == *n,
    }
}

/// Why the preference chose, for the report; None for `Any`.
pub(in crate::book::replay) fn why(p: &Prefer) -> Option<&str> {
    match p {
        Prefer::Any => None,
        Prefer::Later(w) | Prefer::Variant(_, w) => Some(w),
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
