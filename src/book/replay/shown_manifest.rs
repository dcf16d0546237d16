//! A manifest or a patch the book shows (a `yaml`/`yml` block, a
//! `diff`/`patch` block) compared with the lab's file it stands for
//! (probe21aq, finding 3). `apply -f FILE` is judged by the file's name
//! and the lab applies its own file, so a chapter showing the fix's
//! DaemonSet with the wrong `--iface` passed; the block was "not commands".
//!
//! The lab's manifests are the files the lab applies: its variants'
//! network files and its workloads (lab.yaml's `variants:` and
//! `workloads:`, as `apply -f FILE` resolves them, [`super::book_files`]).
//! A document of a `yaml` block stands for an object of them when its
//! `kind` and `metadata.name` (and `metadata.namespace`, if it shows one)
//! are that object's, or when the text just before the block (its
//! paragraph, a heading, the fence's own info string, a comment atop the
//! block) names a lab file by its name: then it is that file's. Each field
//! the book shows is compared ([`crate::book::manifest_fields`]): `match`
//! when every one is the lab's, `drift` naming each that is not. Where
//! several of the lab's files hold the object (the broken and the fixed
//! DaemonSet) and the text names none of them, the book agrees when it is
//! one of them; the first file the text names is the one compared. A
//! block that names no object of the lab's files stays `skipped`, saying
//! so; one that names one but is no valid YAML drifts (a reader copies
//! it), and one holding an alias is not understood (lab reads none, as in
//! a known-drift file). `diff` blocks are read in [`super::shown_diff`].

use super::Verdict;
use super::shown_documents::{cut, documents};
use crate::book::CommandReport;
use crate::book::manifest_fields::{collections, differences};
use crate::book::parse::lang_of;
use crate::book::parse::{Block, Chapter};
use crate::spec::Lab;
use serde_norway::Value;
pub(super) use shown_variant::FileVariant;
use shown_variant::{Prefer, describe, position_of, preference};

/// What a non-shell block showed of the lab's files: a report for each
/// document or patch compared, and why nothing was, where nothing was.
pub(super) struct Shown {
    pub commands: Vec<CommandReport>,
    pub reason: Option<String>,
}

/// One of the lab's manifests, read.
pub(super) struct LabFile {
    pub name: String,
    pub text: String,
    pub objects: Vec<Value>,
    /// The variant whose network file it is; None for a workload.
    pub variant: Option<FileVariant>,
}

/// The lab's manifests, by file name, each once (one that cannot be read
/// holds no object; `lab up` refuses it anyway).
pub(super) fn lab_files(lab: &Lab) -> Vec<LabFile> {
    let mut out: Vec<LabFile> = Vec::new();
    for (name, path) in super::book_files(lab) {
        if out.iter().any(|f| f.name == name) {
            continue;
        }
        let text = crate::testbed::guard::read(&path).unwrap_or_default();
        let objects = crate::testbed::manifest::parse_documents(&text)
            .map(|m| m.docs)
            .unwrap_or_default();
        out.push(LabFile {
            variant: shown_variant::of(lab, &name),
            name,
            text,
            objects,
        });
    }
    out
}

/// The report of something shown in the block at `line`, named `command`.
pub(super) fn shown_report(line: usize, command: String, variant: &str) -> CommandReport {
    CommandReport {
        ran_on: Some("lab".into()),
        ..CommandReport::started(line, command, variant, Vec::new())
    }
}

/// The reports of the non-shell block `block` of `chapter`: what its
/// manifests or patches showed of the lab's files.
pub(super) fn judge(chapter: &Chapter, block: &Block, lab: &Lab, variant: &str) -> Shown {
    let lang = lang_of(&block.lang);
    // JSON is YAML: a manifest shown as `json` (kubectl applies it) is
    // compared as one (probe21av, finding 6).
    let yaml = matches!(lang.as_str(), "yaml" | "yml" | "json");
    let diff = matches!(lang.as_str(), "diff" | "patch");
    if block.hidden.is_some() || !(yaml || diff) {
        return Shown {
            commands: Vec::new(),
            reason: None,
        };
    }
    let files = lab_files(lab);
    let named = named_files(chapter, block, &files);
    let (commands, why) = if yaml {
        let applied = shown_variant::applied(chapter, block, &files);
        let prefer = preference(
            &lead_in(chapter, block).join("\n"),
            variant,
            &files,
            &applied,
        );
        yaml_block(block, &files, &named, &prefer, variant)
    } else {
        super::shown_diff::judge(block, &files, &named, variant)
    };
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    Shown {
        reason: commands.is_empty().then(|| {
            format!(
                "{}: {why} (the lab's manifests: {})",
                block.skip_reason(),
                names.join(", ")
            )
        }),
        commands,
    }
}

/// The lab files (indices into `files`) that the text just before `block`
/// names, nearest first: the fence's info string (`title="f.yml"`), a
/// comment atop the block, then its paragraph (or heading) above, each in
/// its own order.
pub(super) fn named_files(chapter: &Chapter, block: &Block, files: &[LabFile]) -> Vec<usize> {
    let above = lead_in(chapter, block);
    let comments: Vec<&str> = block
        .body
        .iter()
        .map(|(_, l)| l.trim())
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .collect();
    let mut out = Vec::new();
    for text in [block.fence.clone(), comments.join("\n"), above.join("\n")] {
        let mut here: Vec<(usize, usize)> = files
            .iter()
            .enumerate()
            .filter_map(|(j, f)| Some((position_of(&text, &f.name)?, j)))
            .collect();
        here.sort();
        for (_, j) in here {
            if !out.contains(&j) {
                out.push(j);
            }
        }
    }
    out
}

/// The text just before `block`: its paragraph (or heading) above, in order.
fn lead_in<'a>(chapter: &'a Chapter, block: &Block) -> Vec<&'a str> {
    let lines: Vec<&str> = chapter.text.lines().collect();
    let mut above = Vec::new();
    let mut i = block.line.saturating_sub(1);
    while i > 0 && lines.get(i - 1).is_some_and(|l| l.trim().is_empty()) {
        i -= 1;
    }
    while i > 0 {
        let l = lines.get(i - 1).map_or("", |l| l.trim());
        if l.is_empty() || l.starts_with("```") || l.starts_with("~~~") {
            break;
        }
        above.push(l);
        i -= 1;
        if l.starts_with('#') {
            break;
        }
    }
    above.reverse();
    above
}

/// A document's `kind`, `metadata.name` and `metadata.namespace`.
fn ident(v: &Value) -> (Option<&str>, Option<&str>, Option<&str>) {
    let meta = v.get("metadata");
    (
        v.get("kind").and_then(Value::as_str),
        meta.and_then(|m| m.get("name")).and_then(Value::as_str),
        meta.and_then(|m| m.get("namespace"))
            .and_then(Value::as_str),
    )
}

/// Whether the lab's object `o` is the book's `kind`/`name`/`ns`.
fn same_object(o: &Value, kind: &str, name: Option<&str>, ns: Option<&str>) -> bool {
    let (k, n, s) = ident(o);
    k == Some(kind) && (name.is_none() || n == name) && (ns.is_none() || s == ns)
}

/// Whether a block lab cannot read is about the lab's files: the text
/// before it names one, or it shows the `kind:` and `name:` of an object
/// of them.
fn about_the_lab(block: &Block, files: &[LabFile], named: &[usize]) -> bool {
    let lines: Vec<&str> = block.body.iter().map(|(_, l)| l.trim()).collect();
    // `kind: X` in YAML; `"kind": "X"` anywhere in JSON, often one line.
    let json = lines.join(" ");
    let shows = |key: &str, v: &str| {
        let quoted = format!("\"{}\"", key.trim_end_matches(':'));
        let in_json = json.match_indices(quoted.as_str()).any(|(i, _)| {
            let rest = json[i + quoted.len()..].trim_start();
            rest.strip_prefix(':')
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix('"'))
                .is_some_and(|r| r.strip_prefix(v).is_some_and(|r| r.starts_with('"')))
        });
        in_json
            || lines.iter().any(|l| {
                l.trim_start_matches("- ")
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim().trim_matches(['"', '\'']) == v)
            })
    };
    !named.is_empty()
        || files.iter().flat_map(|f| &f.objects).any(|o| {
            let (k, n, _) = ident(o);
            k.is_some_and(|k| shows("kind:", k)) && n.is_some_and(|n| shows("name:", n))
        })
}

fn yaml_block(
    block: &Block,
    files: &[LabFile],
    named: &[usize],
    prefer: &Prefer,
    variant: &str,
) -> (Vec<CommandReport>, String) {
    let docs = match documents(block) {
        Ok(d) => d,
        Err((line, message, alias)) => {
            if !about_the_lab(block, files, named) {
                let what = match (alias, lang_of(&block.lang).as_str()) {
                    (true, _) => "not read",
                    (false, "json") => "not valid JSON",
                    _ => "not valid YAML",
                };
                return (
                    Vec::new(),
                    format!(
                        "{what} (line {line}: {message}), and it names no object of the lab's manifests"
                    ),
                );
            }
            let mut r = shown_report(line, "yaml: the block".into(), variant);
            r.book = block.body.iter().map(|(_, l)| l.clone()).collect();
            if alias {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(if message.starts_with("an alias") {
                    format!(
                        "line {line}: an alias (`*name`): lab reads no alias in a manifest the book shows (one alias may stand for many values); write it out"
                    )
                } else {
                    format!("line {line}: {message}")
                });
            } else {
                r.differences.push(format!(
                    "the book's {lang} block is not valid {LANG} at line {line}: {message}; a reader who copies it has no manifest to apply",
                    lang = lang_of(&block.lang),
                    LANG = if lang_of(&block.lang) == "json" { "JSON" } else { "YAML" },
                ));
            }
            return (vec![r], String::new());
        }
    };
    let mut out = Vec::new();
    let mut unmatched = Vec::new();
    let cut = block.body.iter().any(|(_, l)| cut(l));
    for (line, lines, v, note) in docs {
        match compare_doc(&v, files, named, prefer, cut) {
            Some((command, ran, diffs, lab_lines)) => {
                let mut r = shown_report(line, command, variant);
                r.book = lines;
                r.ran = Some(ran);
                r.lab = lab_lines;
                r.differences = note.into_iter().chain(diffs).collect();
                out.push(r);
            }
            None => unmatched.push((line, lines)),
        }
    }
    // A document beside compared ones that names nothing of the lab: not
    // compared, so its block is no `match` on the others' strength.
    if !out.is_empty() {
        for (line, lines) in unmatched {
            let mut r = shown_report(line, "yaml: a document".into(), variant);
            r.verdict = Verdict::Skipped;
            r.book = lines;
            r.reason = Some(names_nothing(files, named));
            out.push(r);
        }
        out.sort_by_key(|r| r.line);
    }
    (out, names_nothing(files, named))
}

const NAMES_NOTHING: &str = "it names no object of the lab's manifests (no document has the kind and metadata.name of one, and the text just before it names none of their files)";

/// Why a document was not compared: it names no object of the lab's, and
/// the files the text names (where it names some) hold nothing of its kind.
fn names_nothing(files: &[LabFile], named: &[usize]) -> String {
    if named.is_empty() {
        return NAMES_NOTHING.into();
    }
    let names: Vec<&str> = named.iter().map(|&j| files[j].name.as_str()).collect();
    format!(
        "it names no object of the lab's manifests (no document has the kind and metadata.name of one, and the file the text just before it names, {}, holds no object of its kind)",
        names.join(", ")
    )
}

/// What a document was compared with: the report's command, what it was
/// compared with, the differences and the lab's object; None where it
/// names nothing of the lab.
type Compared = (String, String, Vec<String>, Vec<String>);
fn compare_doc(
    v: &Value,
    files: &[LabFile],
    named: &[usize],
    prefer: &Prefer,
    cut: bool,
) -> Option<Compared> {
    let (kind, name, ns) = ident(v);
    // A namespace no object of this kind and name is in: compared with the
    // lab's object of another, so it drifts on metadata.namespace (probe21av,
    // finding 6) rather than naming nothing.
    let elsewhere = |n| {
        files
            .iter()
            .flat_map(|f| &f.objects)
            .any(|o| kind.is_some_and(|k| same_object(o, k, name, n)))
    };
    let ns = ns.filter(|_| name.is_none() || elsewhere(ns) || !elsewhere(None));
    let holders = |within: &mut dyn Iterator<Item = usize>| -> Vec<(usize, &Value)> {
        within
            .flat_map(|j| {
                files[j]
                    .objects
                    .iter()
                    .filter(|o| kind.is_some_and(|k| same_object(o, k, name, ns)))
                    .map(move |o| (j, o))
            })
            .collect()
    };
    let title = |o: &Value| {
        let (k, n, s) = ident(o);
        format!(
            "{} {}{}",
            k.unwrap_or("?"),
            s.map(|s| format!("{s}/")).unwrap_or_default(),
            n.unwrap_or("?")
        )
    };
    if let Some(kind) = kind {
        let first_named = named
            .iter()
            .map(|&j| holders(&mut std::iter::once(j)))
            .find(|h| !h.is_empty());
        let (candidates, several, chose) = match (first_named, name) {
            (Some(h), _) => (h, false, None),
            // Without a name only the files the text names say which.
            (None, Some(_)) => shown_variant::narrow(holders(&mut (0..files.len())), files, prefer),
            (None, None) => (Vec::new(), false, None),
        };
        let mut command = format!("yaml: {}", title(v));
        // Where several files hold the object and the text names none, the
        // report says which one (and its variant) it was compared with.
        let file_of = |j: usize| match several {
            true => describe(&files[j]),
            false => files[j].name.clone(),
        };
        let chose = chose
            .map(|w| format!(", taken for it since {w}"))
            .unwrap_or_default();
        if candidates.is_empty() {
            // The text names a file with objects of this kind, none of
            // this name: the book's object is not the file's.
            let j = *named.iter().find(|&&j| {
                files[j]
                    .objects
                    .iter()
                    .any(|o| same_object(o, kind, None, None))
            })?;
            let has: Vec<String> = files[j]
                .objects
                .iter()
                .filter(|o| same_object(o, kind, None, None))
                .map(title)
                .collect();
            let diff = format!(
                "the book shows {} as the lab's {}, which has no such object (it has {})",
                title(v),
                files[j].name,
                has.join(", ")
            );
            return Some((
                command,
                format!("looked for in the lab's {}", files[j].name),
                vec![diff],
                Vec::new(),
            ));
        }
        let mut all = Vec::new();
        for (j, o) in &candidates {
            let d = differences(v, o, &files[*j].name, "", cut);
            let ran = format!(
                "compared with {} of the lab's {}{chose}",
                title(o),
                file_of(*j)
            );
            if d.is_empty() {
                if several {
                    command = format!("{command} ({})", files[*j].name);
                }
                return Some((command, ran, d, yaml_lines(o)));
            }
            all.extend(d);
        }
        let o = candidates[0].1;
        let names = |f: &dyn Fn(usize) -> String, and: &str| {
            candidates
                .iter()
                .map(|(j, _)| f(*j))
                .collect::<Vec<_>>()
                .join(and)
        };
        if several {
            command = format!("{command} ({})", names(&|j| files[j].name.clone(), " or "));
        }
        let ran = format!(
            "compared with {} of the lab's {}{chose}",
            title(o),
            names(&file_of, " and ")
        );
        return Some((command, ran, all, yaml_lines(o)));
    }
    // A part of an object: where in the files the text names it fits.
    let sequence = v.is_sequence();
    let keys: Vec<&Value> = v
        .as_mapping()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    if !sequence && keys.is_empty() {
        return None;
    }
    let mut best: Option<(Vec<String>, String, &Value, usize)> = None;
    for &j in named {
        for o in &files[j].objects {
            for (path, node) in collections(o, "") {
                let fits = if sequence {
                    node.is_sequence()
                } else {
                    node.as_mapping()
                        .is_some_and(|m| keys.iter().any(|k| m.contains_key(*k)))
                };
                if !fits {
                    continue;
                }
                let d = differences(v, node, &files[j].name, &path, cut);
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(", at {path}")
                };
                let ran = format!(
                    "compared with {} of the lab's {}{at}",
                    title(o),
                    files[j].name
                );
                if best.as_ref().is_none_or(|(b, ..)| d.len() < b.len()) {
                    best = Some((d, ran, node, j));
                }
            }
        }
    }
    let Some((d, ran, node, j)) = best else {
        // The text names a file, and the fragment fits nowhere in it: not
        // the file's (probe21av, finding 7).
        let &j = named.first()?;
        let what = match v.as_mapping() {
            Some(_) => format!(
                "no mapping with {}",
                keys.iter()
                    .map(|k| format!("`{}`", key_text(k)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "no list".into(),
        };
        return Some((
            format!("yaml: a part of {}", files[j].name),
            format!("looked for in the lab's {}", files[j].name),
            vec![format!(
                "the book shows this as part of the lab's {}, which has {what} anywhere",
                files[j].name
            )],
            Vec::new(),
        ));
    };
    Some((
        format!("yaml: a part of {}", files[j].name),
        ran,
        d,
        yaml_lines(node),
    ))
}

/// A mapping's key as the book wrote it.
fn key_text(k: &Value) -> String {
    match k.as_str() {
        Some(s) => s.to_string(),
        None => yaml_lines(k).join(" "),
    }
}

/// A value as YAML lines (the lab's side of a report).
fn yaml_lines(v: &Value) -> Vec<String> {
    serde_norway::to_string(v)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[path = "shown_variant.rs"]
pub(super) mod shown_variant;

#[cfg(test)]
#[path = "shown_manifest_tests.rs"]
mod tests;
