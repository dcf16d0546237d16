//! The known-drift file: differences between the book and the lab that a
//! person has looked at and explained. An entry is keyed by what it is
//! about, the command as the book writes it (whitespace normalised) and the
//! exact difference sentence, so lines added to the chapter above it leave
//! it known; its `line` is a hint for people (where the command stood when
//! it was blessed), and `occurrence` tells identical commands of one chapter
//! apart. Each carries a `reason:` a person writes. How a replay's
//! differences meet the entries (and which entries are stale) is
//! [`super::judge`]'s; `lab book --bless` writes the chapter's current drift
//! here, keeping the reasons of entries that still match. The book is never
//! edited.
//!
//! Version 2 is written. Version 1 files (keyed by the line of the block's
//! opening fence) are still read: an entry with its command is matched by
//! content like a version 2 one, one without by its line as before; the
//! next `--bless` rewrites the file as version 2, reasons kept.
//!
//! Read bounded (a FIFO or a device is refused by its type before it is
//! opened, and opened without blocking; at most [`MAX_BYTES`] are read) and
//! parsed strictly, like the lab file: unknown keys, a missing field or an
//! empty value are errors naming the file, the line and the field.

use serde::{Deserialize, Serialize};

/// One explained difference: the type is the record's
/// ([`crate::report::book_section::Entry`]), its behaviour here.
pub use crate::report::book_section::Entry;
use std::path::Path;

/// What `--bless` writes as the reason of a new entry, for a person to fill in.
pub const TODO: &str = "TODO: say why the lab differs from the book here";

/// Whether a reason is a placeholder (its rule is the run verdict's).
pub use super::verdict::unwritten;

/// How many differences of a judged report met an entry whose reason is
/// still [`TODO`].
pub fn unwritten_in(r: &crate::book::BookReport) -> usize {
    let known = r
        .blocks
        .iter()
        .flat_map(|b| &b.commands)
        .flat_map(|c| &c.known);
    known.filter(|k| unwritten(k)).count()
}

/// The version `--bless` writes.
pub const VERSION: u32 = 2;

/// The largest known-drift file read (the chapter's has two entries in 3 KB).
pub const MAX_BYTES: u64 = 1 << 20;

impl Entry {
    /// Whether the entry is a version 1 one without a command, matched by
    /// the line of its block rather than by content.
    pub fn by_line(&self) -> bool {
        self.command.is_empty()
    }
}

/// A known-drift file, whichever version it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFile {
    /// The version it was read as (a missing file is the current one).
    pub version: u32,
    #[serde(default)]
    pub drift: Vec<Entry>,
}

impl Default for KnownFile {
    fn default() -> Self {
        KnownFile {
            version: VERSION,
            drift: Vec::new(),
        }
    }
}

/// A version 1 entry: keyed by the line of the block's opening fence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryV1 {
    line: usize,
    #[serde(default)]
    command: String,
    difference: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    #[allow(dead_code)]
    version: u32,
    #[serde(default)]
    drift: Vec<EntryV1>,
}

/// Just the version, to choose the shape the rest is read as.
#[derive(Debug, Deserialize)]
struct Head {
    version: Option<u32>,
}

/// A command's text as entries key it: words separated by one space.
pub fn normalize(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The known-drift file beside a chapter (the lab definition names it:
/// [`crate::spec::known_drift_path`]).
pub use crate::spec::known_drift_path as default_path;

/// Read at most [`MAX_BYTES`] of a regular file as UTF-8, without blocking:
/// a FIFO, a socket or a device is refused by its type before it is opened
/// (and the file is opened non-blocking and checked again, in case it was
/// swapped). `Ok(None)`: there is no such file.
fn read_bounded(path: &Path, home: Option<&Path>) -> Result<Option<String>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let name = path.display();
    let refuse = |t| {
        format!(
            "{name}: is {}; a known-drift file is a regular file",
            crate::input_file::kind(t)
        )
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{name}: cannot read the known-drift file: {e}")),
    };
    if !meta.is_file() {
        return Err(refuse(meta.file_type()));
    }
    let too_big = |size: String| {
        format!(
            "{name}: the known-drift file is {size} bytes; at most {MAX_BYTES} ({} MiB) are read",
            MAX_BYTES >> 20
        )
    };
    if meta.len() > MAX_BYTES {
        return Err(too_big(meta.len().to_string()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    if !meta.is_file() {
        return Err(refuse(meta.file_type()));
    }
    super::opened_inside(&file, home, "the chapter's folder")
        .map_err(|why| format!("{name}: {why}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: cannot read the known-drift file: {e}"))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big(format!("more than {MAX_BYTES}")));
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        format!("{name}:{line}: bytes that are not UTF-8")
    })
}

/// A serde error as `FILE:LINE: message`: its position in front, and once
/// (`…, while scanning a quoted scalar at line 4 column 15` is kept).
fn yaml_error(path: &Path, e: serde_norway::Error) -> String {
    let line = e.location().map(|l| l.line()).unwrap_or(1);
    let msg = e.to_string();
    let msg = match msg.split_once(" at line ") {
        Some((head, tail)) => {
            let rest = tail
                .split_once(" column ")
                .map(|(_, c)| c.trim_start_matches(|ch: char| ch.is_ascii_digit()))
                .unwrap_or("");
            format!("{head}{rest}")
        }
        None => msg,
    };
    format!("{}:{line}: {msg}", path.display())
}

/// Read a known-drift file; a missing file is an empty one.
pub fn load(path: &Path) -> Result<KnownFile, String> {
    load_within(path, None)
}

/// [`load`], the file read only when what was opened resolves inside
/// `home` (when given; `lab book --watch`, as [`super::parse::read_within`]).
pub fn load_within(path: &Path, home: Option<&Path>) -> Result<KnownFile, String> {
    let Some(text) = read_bounded(path, home)? else {
        return Ok(KnownFile::default());
    };
    parse(path, &text)
}

/// Parse and validate the text of a known-drift file read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<KnownFile, String> {
    // A byte order mark (Windows editors write one) is no YAML: read
    // with it, the file was "more than one document" (a lab file reads).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let name = path.display();
    // No alias: the file's bound (1 MiB) bounds its entries (probe21al).
    crate::testbed::guard::check_no_aliases(text)
        .map_err(|e| format!("{name}:{}: {}", e.line.unwrap_or(1), e.message))?;
    let head: Head = serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?;
    let at = crate::testbed::locate::Locator::new(text);
    let line_of = |field: &str| at.locate(field).map(|(l, _)| l).unwrap_or(1);
    let k = match head.version {
        None => {
            return Err(format!(
                "{name}:1: version: missing; a known-drift file starts with `version: {VERSION}`"
            ));
        }
        Some(1) => {
            let v1: FileV1 = serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?;
            KnownFile {
                version: 1,
                drift: v1
                    .drift
                    .into_iter()
                    .map(|e| Entry {
                        command: normalize(&e.command),
                        line: Some(e.line),
                        occurrence: None,
                        difference: e.difference,
                        reason: e.reason,
                    })
                    .collect(),
            }
        }
        Some(VERSION) => serde_norway::from_str(text).map_err(|e| yaml_error(path, e))?,
        Some(v) => {
            return Err(format!(
                "{name}:{}: version: {v} is not one lab reads (1 or {VERSION})",
                line_of("version")
            ));
        }
    };
    // Placed by walking the file: the first few, the rest counted.
    let (mut problems, mut more) = (Vec::new(), 0);
    for (i, e) in k.drift.iter().enumerate() {
        let mut bad = |field: &str, why: &str| match problems.len() < super::caps::FILE_PROBLEMS {
            true => problems.push(format!(
                "{name}:{}: drift[{i}].{field}: {why}",
                line_of(&format!("drift[{i}].{field}"))
            )),
            false => more += 1,
        };
        if k.version == VERSION && normalize(&e.command).is_empty() {
            bad("command", "empty; the command as the book writes it");
        }
        if e.line == Some(0) {
            bad("line", "lines count from 1");
        }
        if e.occurrence == Some(0) {
            bad("occurrence", "occurrences count from 1");
        }
        if e.difference.trim().is_empty() {
            bad("difference", "empty");
        }
        if e.reason.trim().is_empty() {
            bad(
                "reason",
                "empty; say why the lab differs from the book here",
            );
        } else if super::verdict::typed_placeholder(&e.reason) {
            bad(
                "reason",
                &format!(
                    "`{}` is a placeholder, not a reason (one or two characters, N/A, WIP, pending, to do, TBD in any spelling); say why the lab differs from the book here",
                    normalize(&e.reason)
                ),
            );
        }
    }
    if more > 0 {
        problems.push(format!("{name}: … and {more} more problems of its entries"));
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(KnownFile {
        version: k.version,
        drift: k
            .drift
            .into_iter()
            .map(|e| Entry {
                command: normalize(&e.command),
                ..e
            })
            .collect(),
    })
}

/// `s` as a YAML value of a key indented by `indent` minus two: plain or
/// quoted on one line as serde writes it, or serde's block scalar indented
/// to sit under the key. (What this makes is read back before it is kept.)
fn scalar(s: &str, indent: &str) -> Option<String> {
    let y = serde_norway::to_string(s).ok()?;
    let y = y.strip_suffix('\n').unwrap_or(&y);
    let mut lines = y.lines();
    let mut out = lines.next()?.to_string();
    for l in lines {
        out.push('\n');
        if !l.is_empty() {
            out.push_str(indent);
            out.push_str(l.strip_prefix("  ").unwrap_or(l));
        }
    }
    Some(out)
}

/// `s` as a folded block scalar (`>-`) indented by `indent`, wrapped at 76
/// columns, where that reads back as exactly `s` (one line of words with
/// single spaces between them); None otherwise.
fn folded(s: &str, indent: &str) -> Option<String> {
    if s.is_empty()
        || s != normalize(s)
        || s.chars().any(|c| c.is_control() || c == '\u{feff}')
        || s.starts_with('#')
    {
        return None;
    }
    let mut out = String::from(">-");
    let mut line = String::new();
    for w in s.split(' ') {
        if !line.is_empty() && indent.len() + line.len() + 1 + w.len() > 76 {
            out.push_str(&format!("\n{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    out.push_str(&format!("\n{indent}{line}"));
    Some(out)
}

impl KnownFile {
    /// The file as YAML for people: a header, then each entry, its reason
    /// folded over lines where that reads back the same. Whatever cannot be
    /// written so (or does not read back as this file) is written as serde
    /// writes it.
    pub fn to_yaml(&self, chapter: &str) -> String {
        let header = format!(
            "# Known drift of {chapter}: where the lab and the book differ, and why.\n\
             # Written by `lab book --bless`; a person writes each `reason`. An entry is\n\
             # keyed by `command` (as the book writes it) and `difference`; `line` is where\n\
             # the command stood (a hint), `occurrence` which of identical commands it is.\n"
        );
        let mine = KnownFile {
            version: VERSION,
            drift: self.drift.clone(),
        };
        let plain = || {
            format!(
                "{header}{}",
                serde_norway::to_string(&mine).unwrap_or_default()
            )
        };
        let mut y = format!("{header}version: {VERSION}\ndrift:\n");
        if mine.drift.is_empty() {
            y = format!("{header}version: {VERSION}\ndrift: []\n");
        }
        for e in &mine.drift {
            let (Some(command), Some(difference)) =
                (scalar(&e.command, "    "), scalar(&e.difference, "    "))
            else {
                return plain();
            };
            y.push_str(&format!("- command: {command}\n"));
            if let Some(l) = e.line {
                y.push_str(&format!("  line: {l}\n"));
            }
            if let Some(o) = e.occurrence {
                y.push_str(&format!("  occurrence: {o}\n"));
            }
            y.push_str(&format!("  difference: {difference}\n"));
            match folded(&e.reason, "    ").or_else(|| scalar(&e.reason, "    ")) {
                Some(r) => y.push_str(&format!("  reason: {r}\n")),
                None => return plain(),
            }
        }
        match parse(Path::new(chapter), &y) {
            Ok(back) if back.drift == mine.drift => y,
            _ => plain(),
        }
    }
}

#[cfg(test)]
#[path = "known_reason_tests.rs"]
mod reason_tests;

#[cfg(test)]
#[path = "known_tests.rs"]
mod tests;
