//! A manifest the book shows (a `yaml` block) compared field by field with
//! the lab's object it stands for (probe21aq, finding 3: a chapter showing
//! the fix's DaemonSet with `--iface=enp0s3` passed, since `apply -f FILE`
//! is judged by the file's name and the lab applies its own file).
//!
//! The book may leave fields out (an excerpt is fine): every scalar it
//! shows must be in the lab's object at the same path with the same value
//! (YAML's own types: `"5000"` is no `5000`). Lists compare by position,
//! unless every item the book shows is a mapping with a `name`: then by
//! name (`containers[kube-flannel]`), each name once (a name twice is a
//! difference: kubectl refuses `Duplicate value`). A field missing or different is one
//! sentence naming its path and both values:
//! `spec.template.spec.containers[kube-flannel].args[2]: the book shows
//! --iface=enp0s3, the lab's flannel_fix.yml has --iface=enp0s8`.

use serde_norway::Value;

/// The longest a value is quoted in a sentence.
const QUOTE: usize = 80;

/// Every field `book` shows that `lab` (the object of the lab's `file`)
/// lacks or has with another value, one sentence each, the paths from
/// `at` (empty for an object's root). A list of scalars the book shows is
/// the whole list (`args`: one left out is a flag the reader never
/// passes) unless the book `cut` lines of its block (`...`).
pub fn differences(book: &Value, lab: &Value, file: &str, at: &str, cut: bool) -> Vec<String> {
    let mut out = Vec::new();
    let c = Compare { file, cut };
    c.walk(book, Some(lab), at, &mut out);
    out
}

/// What a walk compares against: the lab's file, and whether the book
/// cut lines of its block.
struct Compare<'a> {
    file: &'a str,
    cut: bool,
}

/// Every mapping and list inside `v` (`v` too), with its path from `at`:
/// where a fragment the book shows without its object may stand.
pub fn collections<'a>(v: &'a Value, at: &str) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    gather(v, at.to_string(), &mut out);
    out
}

fn gather<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Mapping(m) => {
            out.push((path.clone(), v));
            for (k, item) in m {
                gather(item, key_path(&path, k), out);
            }
        }
        Value::Sequence(s) => {
            out.push((path.clone(), v));
            let named = by_name(s);
            for (i, item) in s.iter().enumerate() {
                let p = match &named {
                    Some(names) => format!("{path}[{}]", names[i]),
                    None => format!("{path}[{i}]"),
                };
                gather(item, p, out);
            }
        }
        _ => {}
    }
}

/// `path.key`, or `path["key"]` where the key holds a `.`, a bracket, a
/// quote or a space, or is no string.
fn key_path(path: &str, k: &Value) -> String {
    let plain = k.as_str().filter(|s| {
        !s.is_empty()
            && !s
                .chars()
                .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace())
    });
    match (plain, path.is_empty()) {
        (Some(s), true) => s.to_string(),
        (Some(s), false) => format!("{path}.{s}"),
        (None, _) => match k.as_str() {
            Some(s) => format!("{path}[{s:?}]"),
            None => format!("{path}[{}]", show(k)),
        },
    }
}

/// The names of a list's items, when every item is a mapping with a
/// string `name`.
fn by_name(s: &[Value]) -> Option<Vec<&str>> {
    if s.is_empty() {
        return None;
    }
    s.iter().map(|i| i.get("name")?.as_str()).collect()
}

impl Compare<'_> {
    fn walk(&self, book: &Value, lab: Option<&Value>, path: &str, out: &mut Vec<String>) {
        let file = self.file;
        let at = if path.is_empty() {
            "(the object)"
        } else {
            path
        };
        let Some(lab) = lab else {
            out.push(format!(
                "{at}: the book shows {}, the lab's {file} has none",
                show(book)
            ));
            return;
        };
        match (book, lab) {
            (Value::Mapping(b), Value::Mapping(l)) => {
                for (k, v) in b {
                    self.walk(v, l.get(k), &key_path(path, k), out);
                }
            }
            (Value::Sequence(b), Value::Sequence(l)) => match by_name(b) {
                Some(names) => {
                    // A name twice in a list keyed by name: kubectl refuses
                    // it (`containers[1].name: Duplicate value`), and each
                    // copy matching the lab's one item is no match
                    // (probe21as, finding 5).
                    for (i, name) in names.iter().enumerate() {
                        let n = names.iter().filter(|m| *m == name).count();
                        if n > 1 && !names[..i].contains(name) {
                            out.push(format!(
                                "{path}[{name}]: the book shows {n} items named {name}; a list keyed by name holds each name once (kubectl refuses it: Duplicate value)"
                            ));
                        }
                    }
                    for (item, name) in b.iter().zip(names) {
                        let found = l
                            .iter()
                            .find(|i| i.get("name").and_then(Value::as_str) == Some(name));
                        let p = format!("{path}[{name}]");
                        match found {
                        Some(f) => self.walk(item, Some(f), &p, out),
                        None => out.push(format!(
                            "{p}: the book shows an item named {name}, the lab's {file} has none"
                        )),
                    }
                    }
                }
                None => {
                    for (i, item) in b.iter().enumerate() {
                        self.walk(item, l.get(i), &format!("{path}[{i}]"), out);
                    }
                    let scalars = b.iter().all(|i| !i.is_mapping() && !i.is_sequence());
                    if !self.cut && scalars && l.len() > b.len() {
                        out.push(format!(
                            "{at}: the book shows {}, the lab's {file} has {}",
                            show(book),
                            show(lab)
                        ));
                    }
                }
            },
            (Value::Mapping(_) | Value::Sequence(_), _)
            | (_, Value::Mapping(_) | Value::Sequence(_)) => {
                out.push(format!(
                    "{at}: the book shows {}, the lab's {file} has {}",
                    show(book),
                    show(lab)
                ));
            }
            _ if book == lab => {}
            _ => out.push(scalar_difference(at, book, lab, file)),
        }
    }
}

/// Two different scalars at `at`: a text of many lines by its first line
/// that differs, values that read alike by their types.
fn scalar_difference(at: &str, book: &Value, lab: &Value, file: &str) -> String {
    if let (Some(b), Some(l)) = (book.as_str(), lab.as_str())
        && (b.contains('\n') || l.contains('\n'))
    {
        let (bl, ll): (Vec<&str>, Vec<&str>) = (b.lines().collect(), l.lines().collect());
        let k = (0..bl.len().max(ll.len()))
            .find(|&i| bl.get(i) != ll.get(i))
            .unwrap_or(0);
        let line = |v: &[&str]| match v.get(k) {
            Some(s) => format!("`{}`", clip(s.trim_end())),
            None => "no such line".to_string(),
        };
        if bl.len() != ll.len() || bl.get(k) != ll.get(k) {
            return format!(
                "{at}: the book's text differs from the lab's {file} at its line {}: the book shows {}, the lab's has {}",
                k + 1,
                line(&bl),
                line(&ll)
            );
        }
    }
    let (b, l) = (show(book), show(lab));
    if b == l {
        return format!(
            "{at}: the book shows {b} ({}), the lab's {file} has {l} ({})",
            type_of(book),
            type_of(lab)
        );
    }
    format!("{at}: the book shows {b}, the lab's {file} has {l}")
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A value as a sentence quotes it: a plain string as it is, anything else
/// in YAML's flow style, clipped.
pub fn show(v: &Value) -> String {
    clip(&flow(v))
}

fn flow(v: &Value) -> String {
    match v {
        Value::String(s)
            if !s.is_empty()
                && s.trim() == s
                && !s.contains('\n')
                && !matches!(s.as_str(), "null" | "~" | "true" | "false")
                && s.parse::<f64>().is_err() =>
        {
            s.clone()
        }
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Sequence(s) => format!("[{}]", s.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Mapping(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", flow(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tagged(t) => format!("{} {}", t.tag, flow(&t.value)),
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(QUOTE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
#[path = "manifest_fields_tests.rs"]
mod tests;
