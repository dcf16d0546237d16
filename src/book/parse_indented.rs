//! CommonMark's indented code blocks (four columns in), read as blocks
//! without a language: their `fence` is empty, `line` their first line and
//! `end` their last.
//!
//! Where one opens is pulldown-cmark's word, not a guess of lab's: an
//! indented block opens after a blank line, a heading (ATX or setext), a
//! thematic break, a fence, an HTML block that ended, at the start of a
//! list item or a quote... and never inside a paragraph (probe21aj,
//! finding 2: lab let one open only after a blank line or a `#` heading,
//! so a change right under `***`, `===` or `<!-- x -->` was read as prose,
//! never replayed, and the chapter passed). [`Indented`] opens a block only
//! on a line where pulldown-cmark opens one ([`commonmark`]) and reads its
//! lines by its own rules; [`agree`] then checks that the blocks it read
//! are pulldown-cmark's, line for line. Where they differ the chapter is
//! refused as unclear: a block a reader sees is never silently dropped,
//! nor one read that the page does not show.

use super::Block;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::collections::BTreeMap;

/// An indented code block as pulldown-cmark reads it: its last line with
/// text, and its lines with text (numbered, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    pub end: usize,
    pub lines: Vec<(usize, String)>,
}

/// pulldown-cmark's indented code blocks of `lines`, by first line
/// (1-based); the lines `skip` marks (front matter, MDX code) are read as
/// blank, as the reading of hidden HTML reads them.
pub(super) fn commonmark(lines: &[&str], skip: &[bool]) -> BTreeMap<usize, Shape> {
    let mut text = String::new();
    let mut starts = Vec::with_capacity(lines.len());
    for (j, l) in lines.iter().enumerate() {
        starts.push(text.len());
        if !skip.get(j).copied().unwrap_or(false) {
            text.push_str(l);
        }
        text.push('\n');
    }
    let line_of = |at: usize| starts.partition_point(|s| *s <= at);
    let mut out = BTreeMap::new();
    let mut open: Option<(usize, BTreeMap<usize, String>)> = None;
    for (e, range) in Parser::new(&text).into_offset_iter() {
        match e {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                open = Some((line_of(range.start), BTreeMap::new()));
            }
            Event::Text(t) => {
                if let Some((_, by_line)) = &mut open {
                    by_line
                        .entry(line_of(range.start))
                        .or_default()
                        .push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((start, by_line)) = open.take() {
                    let lines: Vec<(usize, String)> = by_line
                        .into_iter()
                        .map(|(n, l)| (n, l.trim().to_string()))
                        .filter(|(_, l)| !l.is_empty())
                        .collect();
                    let end = lines.last().map_or(start, |(n, _)| *n);
                    out.insert(start, Shape { end, lines });
                }
            }
            _ => {}
        }
    }
    out
}

/// The indented blocks of `blocks` (no fence) are pulldown-cmark's
/// (`cm`), and pulldown-cmark's are in `blocks`, except those opening on a
/// line `skip` marks: else the first line where they differ, and how.
pub(super) fn agree(
    blocks: &[Block],
    cm: &BTreeMap<usize, Shape>,
    skip: &[bool],
) -> Result<(), (usize, String)> {
    let mut ours = BTreeMap::new();
    for b in blocks.iter().filter(|b| b.fence.is_empty()) {
        let lines: Vec<(usize, String)> = b
            .body
            .iter()
            .map(|(n, l)| (*n, l.trim().to_string()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        ours.insert(b.line, Shape { end: b.end, lines });
    }
    let unclear = |line: usize, how: &str| {
        Err((
            line,
            format!(
                "CommonMark reads an indented code block here {how}; what the page shows as code is \
                 not clear, so the chapter is not read"
            ),
        ))
    };
    for (start, shape) in cm {
        if skip.get(start - 1).copied().unwrap_or(false) {
            continue;
        }
        match ours.get(start) {
            None => return unclear(*start, "where lab reads none"),
            Some(s) if s.end != shape.end => {
                return unclear(
                    *start,
                    &format!("to line {}, lab to line {}", shape.end, s.end),
                );
            }
            Some(s) if s.lines != shape.lines => {
                let at = s
                    .lines
                    .iter()
                    .zip(&shape.lines)
                    .find(|(a, b)| a != b)
                    .map_or(*start, |(a, _)| a.0);
                return unclear(at, "whose line lab reads otherwise");
            }
            Some(_) => {}
        }
    }
    if let Some(start) = ours.keys().find(|s| !cm.contains_key(s)) {
        return Err((
            *start,
            "lab reads an indented code block here where CommonMark reads none; what the page \
             shows as code is not clear, so the chapter is not read"
                .into(),
        ));
    }
    Ok(())
}

/// An indented code block being read.
#[derive(Default)]
pub(super) struct Indented {
    /// Where pulldown-cmark opens one ([`commonmark`]).
    pub opens: BTreeMap<usize, Shape>,
    /// The block being read, blank lines inside it kept.
    body: Vec<(usize, String)>,
}

impl Indented {
    pub fn new(opens: BTreeMap<usize, Shape>) -> Indented {
        Indented {
            opens,
            body: Vec::new(),
        }
    }

    /// Four columns in: its tabs are spaces by now (`columns::expand`).
    fn code(line: &str) -> Option<&str> {
        line.strip_prefix("    ")
    }

    /// Read line `n` (true: it is prose, no code).
    pub fn line(&mut self, n: usize, line: &str, blocks: &mut Vec<Block>) -> bool {
        if !self.body.is_empty() {
            if line.trim().is_empty() {
                self.body.push((n, String::new()));
                return false;
            }
            if let Some(code) = Self::code(line) {
                self.body.push((n, code.to_string()));
                return false;
            }
            self.close(blocks);
        }
        if self.opens.contains_key(&n)
            && !line.trim().is_empty()
            && let Some(code) = Self::code(line)
        {
            self.body.push((n, code.to_string()));
            return false;
        }
        true
    }

    pub fn close(&mut self, blocks: &mut Vec<Block>) {
        while self.body.last().is_some_and(|(_, l)| l.is_empty()) {
            self.body.pop();
        }
        let body = std::mem::take(&mut self.body);
        if let (Some((first, _)), Some((last, _))) = (body.first(), body.last()) {
            blocks.push(Block {
                line: *first,
                fence: String::new(),
                lang: String::new(),
                end: *last,
                body,
                hidden: None,
                unread: None,
            });
        }
    }
}

/// [`agree`] refuses a chapter where lab's indented blocks are not
/// pulldown-cmark's. Seen failing first: with `agree` always content, each
/// disagreement below passed.
#[cfg(test)]
mod tests {
    use super::*;

    fn block(line: usize, lines: &[&str]) -> Block {
        Block {
            line,
            fence: String::new(),
            lang: String::new(),
            body: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (line + i, l.to_string()))
                .collect(),
            end: line + lines.len() - 1,
            hidden: None,
            unread: None,
        }
    }

    #[test]
    fn blocks_that_are_not_pulldown_cmarks_refuse_the_chapter() {
        let lines = ["text", "", "    ls", "    exit", "", "more"];
        let cm = commonmark(&lines, &[false; 6]);
        assert_eq!(
            cm.into_iter().collect::<Vec<_>>(),
            [(
                3,
                Shape {
                    end: 4,
                    lines: vec![(3, "ls".into()), (4, "exit".into())]
                }
            )]
        );
        let cm = commonmark(&lines, &[false; 6]);
        let skip = [false; 6];
        assert_eq!(agree(&[block(3, &["ls", "exit"])], &cm, &skip), Ok(()));
        // None read: refused at its line.
        let (line, why) = agree(&[], &cm, &skip).unwrap_err();
        assert_eq!(line, 3);
        assert!(why.contains("where lab reads none"), "{why}");
        // Read shorter, or other lines.
        let (line, why) = agree(&[block(3, &["ls"])], &cm, &skip).unwrap_err();
        assert_eq!(line, 3);
        assert!(why.contains("to line 4, lab to line 3"), "{why}");
        let (line, _) = agree(&[block(3, &["ls", "rm"])], &cm, &skip).unwrap_err();
        assert_eq!(line, 4);
        // One that pulldown-cmark does not read.
        let extra = [block(3, &["ls", "exit"]), block(6, &["more"])];
        let (line, why) = agree(&extra, &cm, &skip).unwrap_err();
        assert_eq!(line, 6);
        assert!(why.contains("where CommonMark reads none"), "{why}");
        // A fenced block is no indented one; a skipped line is not read.
        let mut fenced = block(3, &["ls", "exit"]);
        fenced.fence = "```".into();
        assert!(agree(&[fenced], &cm, &skip).is_err());
        let mut skip = skip;
        skip[2] = true;
        assert_eq!(agree(&[], &cm, &skip), Ok(()));
    }
}
