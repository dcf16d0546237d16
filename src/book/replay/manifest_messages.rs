//! kubectl's own message under a book's `kubectl apply|delete -f FILE`.
//! kubectl prints one line an object of the file, `KIND.GROUP/NAME VERB`
//! (`deployment.apps/nginx-deployment created`; the core group has none:
//! `serviceaccount/flannel created`), and the verb is knowable offline
//! from the chapter's own applies and deletes: `created` for an object the
//! reader's cluster lacks, `unchanged` for one applied before from the same
//! content, `configured` for one applied before from other content, and
//! `deleted` for a delete. Without this a message of the wrong verb, kind
//! or name passed (probe21bc, lesser 6: `deleted` under an `apply`, a name
//! no manifest has, `created` under a second apply of the same file).
//!
//! The book may show an older kubectl's form of the same line
//! (`deployment "nginx-deployment" created`): its kind, name and verb are
//! compared the same way, and the reason says which form the pinned kubectl
//! prints (a format of an older kubectl, as its tables' columns are).

use crate::book::parse::Step;
use crate::book::recognize::{Cmd, KubeAction};
use crate::spec::Lab;
use serde_norway::Value;
use std::collections::BTreeMap;

/// One line kubectl prints for one object of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Message {
    /// The object's kind, lowercased (`deployment`).
    kind: String,
    /// Its API group (`apps`; empty for the core group).
    group: String,
    name: String,
    verb: &'static str,
}

impl Message {
    /// The line as the pinned kubectl prints it.
    pub(super) fn line(&self) -> String {
        match self.group.as_str() {
            "" => format!("{}/{} {}", self.kind, self.name, self.verb),
            g => format!("{}.{g}/{} {}", self.kind, self.name, self.verb),
        }
    }

    /// Whether the book's kind word names this object's kind: `KIND.GROUP`
    /// (`KIND` for the core group) in the pinned form; in the older form
    /// also the kind alone.
    fn kind_is(&self, word: &str, older: bool) -> bool {
        let full = match self.group.as_str() {
            "" => self.kind.clone(),
            g => format!("{}.{g}", self.kind),
        };
        word == full || (older && word == self.kind)
    }
}

/// The reader's cluster as the chapter's applies and deletes leave it:
/// each object (kind, group, namespace, name) with the document applied.
type Objects = BTreeMap<(String, String, String, String), Value>;

/// The messages kubectl prints under each `apply|delete -f` line of the
/// chapter whose file is one of the lab's (by chapter line), the chapter
/// read in order. A file lab cannot read has none.
pub(super) fn expected(
    lab: &Lab,
    blocks: &[Vec<(Step, Result<Cmd, String>)>],
) -> BTreeMap<usize, Vec<Message>> {
    let mut cluster = Objects::new();
    let mut out = BTreeMap::new();
    for (step, cmd) in blocks.iter().flatten() {
        let Ok(Cmd::Kubectl(k)) = cmd else { continue };
        let (file, apply) = match &k.action {
            KubeAction::Apply { file } => (file, true),
            KubeAction::Delete { file } => (file, false),
            _ => continue,
        };
        let Some(docs) = documents(lab, file) else {
            continue;
        };
        let namespace = k.namespace.as_deref().unwrap_or("default");
        let mut messages = Vec::new();
        for doc in docs {
            let Some((kind, group, ns, name)) = identity(&doc, namespace) else {
                continue;
            };
            let key = (kind.clone(), group.clone(), ns, name.clone());
            let verb = if apply {
                let verb = match cluster.get(&key) {
                    None => "created",
                    Some(before) if *before == doc => "unchanged",
                    Some(_) => "configured",
                };
                cluster.insert(key, doc);
                verb
            } else {
                cluster.remove(&key);
                "deleted"
            };
            messages.push(Message {
                kind,
                group,
                name,
                verb,
            });
        }
        out.insert(step.line, messages);
    }
    out
}

/// The objects of the lab's manifest named `file` (a `List` opened into
/// its items).
fn documents(lab: &Lab, file: &str) -> Option<Vec<Value>> {
    let path = super::target::book_files(lab)
        .into_iter()
        .find(|(name, _)| name == file)?
        .1;
    let m = crate::testbed::manifest::read_documents(&path).ok()?;
    let mut docs = Vec::new();
    for d in m.docs {
        match d.get("items").and_then(Value::as_sequence) {
            Some(items) if kind_of(&d).is_some_and(|k| k.ends_with("List")) => {
                docs.extend(items.iter().cloned())
            }
            _ => docs.push(d),
        }
    }
    Some(docs)
}

fn kind_of(doc: &Value) -> Option<&str> {
    doc.get("kind")?.as_str()
}

/// (kind lowercased, group, namespace, name) of a manifest's object.
fn identity(doc: &Value, namespace: &str) -> Option<(String, String, String, String)> {
    let kind = kind_of(doc)?.to_ascii_lowercase();
    let api = doc.get("apiVersion")?.as_str()?;
    let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
    let meta = doc.get("metadata")?;
    let name = meta.get("name")?.as_str()?.to_string();
    let ns = meta
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or(namespace)
        .to_string();
    Some((kind, group, ns, name))
}

/// A book line read as kubectl's message: (kind word, name, verb, whether
/// in the older form `KIND "NAME" VERB`).
fn read(line: &str) -> Option<(&str, &str, &str, bool)> {
    let (head, verb) = line.rsplit_once(' ')?;
    let head = head.trim_end();
    if let Some(rest) = head.strip_suffix('"')
        && let Some((kind, name)) = rest.split_once(" \"")
        && !kind.contains(char::is_whitespace)
        && !name.contains('"')
    {
        return Some((kind, name, verb, true));
    }
    let (kind, name) = head.split_once('/')?;
    (!head.contains(char::is_whitespace)).then_some((kind, name, verb, false))
}

/// What comparing the book's lines with kubectl's messages found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Compared {
    /// Lines kubectl does not print, each a difference.
    pub differences: Vec<String>,
    /// The book's lines in an older kubectl's form, with the pinned form.
    pub older: Vec<String>,
    /// How many of the book's lines are kubectl's messages as expected.
    pub agreed: usize,
}

/// The book's lines under `command` (kubectl `minor`'s) against the
/// messages kubectl prints. Blank lines, kubectl's `Warning:` lines, its
/// failures (judged elsewhere: [`super::refusal::failure_not_met`]) and an
/// elision are passed over; a stray backtick at a line's end is the
/// book's markup, not kubectl's. A line kubectl prints for no object of
/// the file, or with another verb, is a difference.
pub(super) fn compare(
    book: &[String],
    expected: &[Message],
    command: &str,
    minor: &str,
) -> Compared {
    let mut c = Compared::default();
    let printed: Vec<String> = expected.iter().map(Message::line).collect();
    let prints = || {
        printed
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for l in book {
        let t = l.trim().trim_end_matches('`').trim_end();
        if t.is_empty()
            || t.starts_with("Warning:")
            || crate::kubectl::failed(t).is_some()
            || crate::book::compare::is_elision(t)
        {
            continue;
        }
        if printed.iter().any(|p| p == t) {
            c.agreed += 1;
            continue;
        }
        let read = read(t);
        let object = read.and_then(|(kind, name, _, older)| {
            expected
                .iter()
                .find(|m| m.name == name && m.kind_is(kind, older))
        });
        match (read, object) {
            (Some((_, _, verb, true)), Some(m)) if verb == m.verb => {
                c.agreed += 1;
                c.older.push(format!("`{t}` is `{}` in an older kubectl's form", m.line()));
            }
            (Some(_), Some(m)) => c.differences.push(format!(
                "kubectl {minor} answers `{command}` with `{}`; the book shows `{t}`",
                m.line()
            )),
            _ => c.differences.push(format!(
                "kubectl {minor} prints no such line for `{command}`: the book shows `{t}`; kubectl prints {}",
                prints()
            )),
        }
    }
    c
}

#[cfg(test)]
#[path = "manifest_messages_tests.rs"]
mod tests;
