//! CommonMark's containers around a chapter's lines: block quotes (`> `)
//! and list items (`- `, `* `, `+ `, `1. `, `1) `), nested in any order.
//! A fenced or indented code block inside one is a block a reader sees as
//! code, so `parse` reads each line's content inside its containers, with
//! the line's own number in the chapter (read as prose, a block in a list
//! item or a quote was never replayed nor counted: the seventeenth probe of
//! issue 21).
//!
//! What is kept of CommonMark: a quote's line starts (after at most three
//! spaces) with `>` and one optional space; an item's lines are blank or
//! indented at least as far as its content (the marker's width and the
//! one to four spaces after it); a line that continues neither closes the
//! container and those inside it (a fence open there ends with it). What is
//! not: a paragraph's lazy continuation line (read as closing the
//! container, which only ends a paragraph early, never a block).

/// One open container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Quote,
    /// A list item, and the column its content starts at.
    Item(usize),
}

/// The containers open at a line.
#[derive(Debug, Default)]
pub(super) struct Containers {
    open: Vec<(Kind, u64)>,
    opened: u64,
}

/// A line read inside its containers.
pub(super) struct Inside<'a> {
    /// The line's content, its containers' markers and indentation removed.
    pub content: &'a str,
    /// How many containers it is inside.
    pub depth: usize,
    /// Whether it closed or opened any (a code block does not run across).
    pub changed: bool,
}

/// Leading spaces of `s`.
fn spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

/// The width of a list item's marker that `t` starts with (`-`, `*`, `+`,
/// or up to nine digits and `.` or `)`), if it is one: followed by a space
/// or the line's end, and no thematic break (`* * *`, `- - -`).
fn marker(t: &str) -> Option<usize> {
    let width = if t.starts_with(['-', '*', '+']) {
        let c = t.as_bytes()[0];
        let breaks =
            t.bytes().filter(|b| *b == c).count() >= 3 && t.bytes().all(|b| b == c || b == b' ');
        if breaks {
            return None;
        }
        1
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&digits) || !matches!(t.as_bytes().get(digits), Some(b'.' | b')')) {
            return None;
        }
        digits + 1
    };
    match t.as_bytes().get(width) {
        None | Some(b' ') => Some(width),
        _ => None,
    }
}

impl Containers {
    /// Read `line` inside the open containers, closing those it does not
    /// continue and, unless `verbatim` (a fence's or a comment's body
    /// continues inside every container), opening those it starts.
    pub fn enter<'a>(&mut self, line: &'a str, verbatim: bool) -> Inside<'a> {
        let mut rest = line;
        let mut matched = 0;
        for (kind, _) in &self.open {
            match kind {
                Kind::Quote => {
                    let sp = spaces(rest);
                    if sp > 3 || !rest[sp..].starts_with('>') {
                        break;
                    }
                    rest = &rest[sp + 1..];
                    rest = rest.strip_prefix(' ').unwrap_or(rest);
                }
                Kind::Item(width) => {
                    if rest.trim().is_empty() {
                        rest = "";
                    } else if spaces(rest) >= *width {
                        rest = &rest[*width..];
                    } else {
                        break;
                    }
                }
            }
            matched += 1;
        }
        let mut changed = matched < self.open.len();
        self.open.truncate(matched);
        if verbatim && !changed {
            return Inside {
                content: rest,
                depth: matched,
                changed,
            };
        }
        loop {
            let sp = spaces(rest);
            if sp > 3 {
                break;
            }
            let t = &rest[sp..];
            if let Some(after) = t.strip_prefix('>') {
                self.push(Kind::Quote);
                rest = after.strip_prefix(' ').unwrap_or(after);
            } else if let Some(w) = marker(t) {
                let after = &t[w..];
                if after.trim().is_empty() {
                    self.push(Kind::Item(sp + w + 1));
                    rest = "";
                    changed = true;
                    break;
                }
                // Five spaces or more: one belongs to the marker, the
                // rest indent the item's first line (indented code).
                let gap = match spaces(after) {
                    n @ 1..=4 => n,
                    _ => 1,
                };
                self.push(Kind::Item(sp + w + gap));
                rest = &after[gap..];
            } else {
                break;
            }
            changed = true;
        }
        Inside {
            content: rest,
            depth: self.open.len(),
            changed,
        }
    }

    fn push(&mut self, kind: Kind) {
        self.opened += 1;
        self.open.push((kind, self.opened));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> Vec<(String, usize)> {
        let mut c = Containers::default();
        lines
            .iter()
            .map(|l| {
                let i = c.enter(l, false);
                (i.content.to_string(), i.depth)
            })
            .collect()
    }

    #[test]
    fn items_and_quotes_give_their_content_and_depth() {
        let got = read(&[
            "1. A step:",
            "",
            "    ```console",
            "    $ ping -c 1 10.0.0.1",
            "    ```",
            "> ```console",
            "> - ```",
            ">   x",
            "* * *",
            "-not an item",
        ]);
        let want = [
            ("A step:", 1),
            ("", 1),
            (" ```console", 1),
            (" $ ping -c 1 10.0.0.1", 1),
            (" ```", 1),
            ("```console", 1),
            ("```", 2),
            ("x", 2),
            ("* * *", 0),
            ("-not an item", 0),
        ];
        let want: Vec<(String, usize)> = want.iter().map(|(s, d)| (s.to_string(), *d)).collect();
        assert_eq!(got, want);
    }
}
