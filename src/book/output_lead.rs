//! The lead-in between a command's block and a block of its output (the
//! paragraph right above the output block): what [`super::roles`] reads to
//! tell whether the two are paired. Apart from `output_below` for its
//! size.

use super::LEAD_IN_WORDS;

/// The lead-in before a block: the paragraph right above it (its text and
/// lines), and whether nothing else stands between it and the block before.
pub(super) struct Lead {
    pub text: String,
    pub lines: (usize, usize),
    pub alone: bool,
}

/// The lead-in in the chapter's lines after line `from` and before line
/// `to` (1-based, both excluded), or why there is none.
pub(super) fn lead_in(lines: &[&str], from: usize, to: usize) -> Result<Lead, String> {
    let text_at = |n: usize| unquoted(lines.get(n - 1).copied().unwrap_or(""));
    // The paragraph right above the block, read upwards.
    let mut n = to;
    while n > from + 1 && text_at(n - 1).is_empty() {
        n -= 1;
    }
    let mut para: Vec<(usize, &str)> = Vec::new();
    while n > from + 1 && !text_at(n - 1).is_empty() {
        n -= 1;
        let t = text_at(n);
        if !plain(t) {
            return Err(format!("line {n} between them is no plain text (`{t}`)"));
        }
        para.insert(0, (n, t));
    }
    let text = para.iter().map(|(_, t)| *t).collect::<Vec<_>>().join(" ");
    let count = text.split_whitespace().count();
    if count > LEAD_IN_WORDS {
        return Err(format!("the paragraph between them has {count} words"));
    }
    // Above it, up to the block before: blank lines alone.
    let alone = (from + 1..n).all(|m| text_at(m).is_empty());
    let lines = match (para.first(), para.last()) {
        (Some((a, _)), Some((b, _))) => (*a, *b),
        _ => (to, to),
    };
    Ok(Lead { text, lines, alone })
}

/// A line without the markers of the block quotes it is in.
fn unquoted(line: &str) -> &str {
    let mut t = line.trim();
    while let Some(rest) = t.strip_prefix('>') {
        t = rest.trim();
    }
    t
}

/// Whether a line is a paragraph's plain text: no heading, list item,
/// table row, HTML, rule or setext underline.
fn plain(t: &str) -> bool {
    static ITEM: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(?:[-*+]|\d{1,9}[.)])(?:\s|$)").expect("list item")
    });
    let rule = t.len() >= 3
        && t.chars().all(|c| " -*_=".contains(c))
        && ['-', '*', '_', '='].iter().any(|m| t.contains(*m));
    !(t.starts_with(['#', '<', '|']) || rule || ITEM.is_match(t))
}
