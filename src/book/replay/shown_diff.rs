//! A patch the book shows (a `diff`/`patch` block) checked against the
//! lab's file it names (probe21aq, finding 3: a `diff` showing
//! `+ --iface=enp0s3` as the fix passed). The file is the one its `+++`
//! line names (its `---` line's where `+++` names none of the lab's),
//! else the first the text just before the block names
//! ([`super::shown_manifest::named_files`]). Taken as the fix applied:
//! each `+` line and each context line must be a line of the lab's file
//! (spaces around aside), each `-` line that is not also added or kept
//! must not be; where `---` names another of the lab's files, its `-` and
//! context lines must be lines of that one; and each hunk's lines of a
//! side must stand together, in order, in that side's file (probe21as,
//! finding 3). Its direction too: a patch that turns a later variant's
//! file into the one the lab starts from (`--- a/flannel_fix.yml`,
//! `+++ b/flannel.yml`, removing `--iface`) undoes the lab's change and
//! drifts, saying so ([`super::shown_manifest::shown_variant`]); where its
//! names do not say, its changed lines do. A `-` line the lab's file
//! holds elsewhere (a repeated `- name: cni`) drifts too: lab errs on the
//! side of a difference. A block naming no file of the lab's is skipped.

use super::Verdict;
use super::shown_manifest::{LabFile, shown_report};
use crate::book::CommandReport;
use crate::book::parse::Block;

/// One file's part of a patch: the names of its `---`/`+++` lines and its
/// lines after them.
#[derive(Default)]
struct Section {
    old: Option<String>,
    new: Option<String>,
    lines: Vec<(usize, String)>,
}

/// The file a `---`/`+++` line names, by its name alone (`a/`, folders
/// and a trailing timestamp aside); None for `/dev/null`.
fn file_name(header: &str) -> Option<String> {
    let path = header.split('\t').next()?.trim();
    let path = path.trim_matches('"');
    (path != "/dev/null" && !path.is_empty())
        .then(|| path.rsplit('/').next().unwrap_or(path).to_string())
}

fn sections(block: &Block) -> Vec<Section> {
    let mut out: Vec<Section> = vec![Section::default()];
    let body = &block.body;
    let mut i = 0;
    while i < body.len() {
        let (n, l) = &body[i];
        if let (Some(old), Some((_, next))) = (l.strip_prefix("--- "), body.get(i + 1))
            && let Some(new) = next.strip_prefix("+++ ")
        {
            out.push(Section {
                old: file_name(old),
                new: file_name(new),
                lines: Vec::new(),
            });
            i += 2;
            continue;
        }
        if let Some(s) = out.last_mut() {
            s.lines.push((*n, l.clone()));
        }
        i += 1;
    }
    out.retain(|s| {
        s.old.is_some() || s.new.is_some() || s.lines.iter().any(|(_, l)| !l.trim().is_empty())
    });
    out
}

/// Whether a line of a patch is its metadata, not a line of the file.
fn metadata(l: &str) -> bool {
    [
        "@@",
        "diff ",
        "index ",
        "\\ ",
        "new file mode",
        "deleted file mode",
        "similarity ",
        "rename ",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

/// A side of a patch: the file after it (context and `+` lines) or before
/// it (context and `-` lines).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    New,
    Old,
}

/// The hunks of a section's `lines` (split at `@@` lines; a fragment with
/// none is one hunk): each one's first line and its lines on `side`,
/// trimmed, blank lines aside.
fn hunks(lines: &[(usize, String)], side: Side) -> Vec<(usize, Vec<&str>)> {
    let mut out: Vec<(usize, Vec<&str>)> = Vec::new();
    for (n, l) in lines {
        if l.starts_with("@@") || out.is_empty() {
            out.push((*n, Vec::new()));
        }
        if metadata(l) {
            continue;
        }
        let (mark, rest) = l.split_at(l.chars().next().map_or(0, char::len_utf8));
        let t = match mark {
            "+" if side == Side::New => rest.trim(),
            "-" if side == Side::Old => rest.trim(),
            "+" | "-" => continue,
            " " => rest.trim(),
            _ => l.trim(),
        };
        if let (false, Some(h)) = (t.is_empty(), out.last_mut()) {
            h.1.push(t);
        }
    }
    out
}

/// Whether `want` stands in `f` together and in order (spaces around
/// lines and blank lines aside).
fn together(f: &LabFile, want: &[&str]) -> bool {
    if want.len() < 2 {
        return true;
    }
    let lines: Vec<&str> = f
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.windows(want.len()).any(|w| w == want)
}

/// The reports of the `diff` block `block`, and why there is none.
pub(super) fn judge(
    block: &Block,
    files: &[LabFile],
    named: &[usize],
    variant: &str,
) -> (Vec<CommandReport>, String) {
    let lab = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| files.iter().find(|f| &f.name == n))
    };
    let mut out = Vec::new();
    for s in sections(block) {
        let headed = s.old.is_some() || s.new.is_some();
        let (new, old) = match (lab(&s.new), lab(&s.old)) {
            (Some(n), o) => (Some(n), o.filter(|o| o.name != n.name)),
            (None, Some(o)) => (None, Some(o)),
            (None, None) if !headed => (named.first().map(|&j| &files[j]), None),
            (None, None) => (None, None),
        };
        let Some(first) = new.or(old) else { continue };
        let line = s.lines.first().map_or(block.line, |(n, _)| *n);
        let mut r = shown_report(line, format!("diff: {}", first.name), variant);
        r.book = s.lines.iter().map(|(_, l)| l.clone()).collect();
        let has = |f: &LabFile, t: &str| f.text.lines().any(|l| l.trim() == t);
        let (mut added, mut kept, mut removed) = (Vec::new(), Vec::new(), Vec::new());
        for (_, l) in &s.lines {
            if metadata(l) {
                continue;
            }
            let (mark, rest) = l.split_at(l.chars().next().map_or(0, char::len_utf8));
            let t = rest.trim();
            if t.is_empty() {
                continue;
            }
            match mark {
                "+" => added.push(t),
                "-" => removed.push(t),
                _ => kept.push(if mark == " " { t } else { l.trim() }),
            }
        }
        if let Some(f) = new {
            for t in &added {
                if !has(f, t) {
                    r.differences.push(format!(
                        "the book's patch adds `{t}`; the lab's {} has no such line",
                        f.name
                    ));
                }
            }
            for t in &kept {
                if !has(f, t) {
                    r.differences.push(format!(
                        "the book's patch keeps `{t}`; the lab's {} has no such line",
                        f.name
                    ));
                }
            }
            for t in &removed {
                if !added.contains(t) && !kept.contains(t) && has(f, t) {
                    r.differences.push(format!(
                        "the book's patch removes `{t}`; the lab's {} still has it",
                        f.name
                    ));
                }
            }
        }
        if let Some(o) = old {
            for t in removed.iter().chain(&kept) {
                if !has(o, t) {
                    r.differences.push(format!(
                        "the book's patch has `{t}` in {}; the lab's {} has no such line",
                        o.name, o.name
                    ));
                }
            }
        }
        // Each hunk's lines stand together in the file, in order: every
        // line somewhere was a match for a flag added under another
        // container's `args` (probe21as, finding 3).
        if r.differences.is_empty() {
            for (side, f) in [(Side::New, new), (Side::Old, old)] {
                let Some(f) = f else { continue };
                for (at, lines) in hunks(&s.lines, side) {
                    if !together(f, &lines) {
                        r.differences.push(format!(
                            "the book's patch (its hunk at line {at}) shows {} lines of {} together, in this order; the lab's {} has them apart",
                            lines.len(),
                            f.name,
                            f.name
                        ));
                    }
                }
            }
        }
        let net: Vec<&str> = removed
            .iter()
            .filter(|t| !added.contains(t) && !kept.contains(t))
            .copied()
            .collect();
        // An edit in place (both sides name one file, or a hunk with no
        // names under text naming it) that does not describe the file as
        // it is may describe how it becomes another of the lab's files
        // (probe21av, finding 4: `--- flannel.yml`/`+++ flannel.yml`
        // adding `--iface`, the fixed variant's file).
        let in_place = match (headed, new) {
            (true, Some(f)) => s.old.as_deref() == Some(f.name.as_str()),
            (false, Some(_)) => true,
            _ => false,
        };
        let edit = new
            .filter(|_| in_place && !r.differences.is_empty())
            .and_then(|f| becomes(files, f, &s.lines, &added, &kept, &removed, &net));
        if edit.is_some() {
            r.differences.clear();
        }
        // The direction: a patch from a later variant's file to the one the
        // lab starts from undoes the change (probe21as, finding 3: the
        // patch a chapter called the fix removed `--iface`).
        let (to, from) = match edit {
            Some(g) => (Some(g), new),
            None => (new, old),
        };
        if let Some(back) =
            super::shown_manifest::shown_variant::backwards(files, to, from, &added, &net)
        {
            r.differences.push(back);
        }
        let names: Vec<&str> = new.iter().chain(&old).map(|f| f.name.as_str()).collect();
        r.ran = Some(match (edit, new) {
            (Some(g), Some(f)) => format!(
                "an edit of the lab's {}: its old side looked for in it, its new side in the lab's {}, which it gives",
                f.name,
                super::shown_manifest::shown_variant::describe(g)
            ),
            _ => format!("its lines looked for in the lab's {}", names.join(" and ")),
        });
        if added.len() + kept.len() + removed.len() == 0 {
            r.verdict = Verdict::Skipped;
            r.reason = Some("the patch shows no line to look for".into());
        }
        out.push(r);
    }
    (
        out,
        "it names no file of the lab's manifests (neither its `---`/`+++` lines nor the text just before it)".into(),
    )
}

/// The lab file (other than `f`, holding an object of `f`'s) that the
/// edit in place of `f` gives: its old side (context and `-` lines) stands
/// in `f`, each hunk's together; its new side (context and `+` lines) in
/// the other file, each hunk's together, which has none of the lines it
/// removes.
fn becomes<'a>(
    files: &'a [LabFile],
    f: &LabFile,
    lines: &[(usize, String)],
    added: &[&str],
    kept: &[&str],
    removed: &[&str],
    net: &[&str],
) -> Option<&'a LabFile> {
    let has = |f: &LabFile, t: &str| f.text.lines().any(|l| l.trim() == t);
    let old_ok = removed.iter().chain(kept).all(|t| has(f, t))
        && hunks(lines, Side::Old).iter().all(|(_, h)| together(f, h));
    if !old_ok {
        return None;
    }
    let id = |o: &serde_norway::Value| {
        (
            o.get("kind").cloned(),
            o.get("metadata").and_then(|m| m.get("name")).cloned(),
        )
    };
    files.iter().find(|g| {
        g.name != f.name
            && g.objects
                .iter()
                .any(|o| f.objects.iter().any(|p| id(p) == id(o)))
            && added.iter().chain(kept).all(|t| has(g, t))
            && !net.iter().any(|t| has(g, t))
            && hunks(lines, Side::New).iter().all(|(_, h)| together(g, h))
    })
}
