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
//! container and those inside it (a fence open there ends with it), unless
//! it is a paragraph's lazy continuation line: the line after a paragraph's
//! line, without the `>` or the indentation, that opens no block of its own
//! continues the paragraph inside its containers (read as closing them, a
//! code span over two such lines was never read: probe21t's finding 7).
//! Containers nest at most [`super::MAX_NESTING`] deep (a line of a
//! million list markers was read in quadratic time: probe21t).

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

/// Where a line's thematic breaks (`* * *`, `- - -`) can start, read
/// once a line: a rest of it is one when it holds only the marker's
/// character and spaces, three of that character or more.
struct Breaks {
    len: usize,
    /// For `-` and `*`: the first byte from which only it and spaces
    /// follow, and the byte of its third last occurrence.
    from: [(usize, Option<usize>); 2],
}

impl Breaks {
    fn of(line: &str) -> Breaks {
        let one = |c: u8| {
            let b = line.as_bytes();
            let from = b
                .iter()
                .rposition(|x| *x != c && *x != b' ')
                .map_or(0, |p| p + 1);
            let third = b
                .iter()
                .enumerate()
                .rev()
                .filter(|(_, x)| **x == c)
                .nth(2)
                .map(|(i, _)| i);
            (from, third)
        };
        Breaks {
            len: line.len(),
            from: [one(b'-'), one(b'*')],
        }
    }

    /// Whether `t`, a rest of the line, is a thematic break of `c`.
    fn at(&self, t: &str, c: u8) -> bool {
        let p = self.len - t.len();
        let (from, third) = self.from[usize::from(c == b'*')];
        p >= from && third.is_some_and(|q| q >= p)
    }
}

/// The width of a list item's marker that `t` (a rest of the line `breaks`
/// was read of) starts with (`-`, `*`, `+`, or up to nine digits and `.`
/// or `)`), if it is one: followed by a space or the line's end, and no
/// thematic break (`* * *`, `- - -`).
fn marker(t: &str, breaks: &Breaks) -> Option<usize> {
    let width = if t.starts_with(['-', '*', '+']) {
        let c = t.as_bytes()[0];
        if c != b'+' && breaks.at(t, c) {
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

/// A line that would nest containers more than [`super::MAX_NESTING`] deep.
pub(super) struct TooDeep;

/// Whether `rest` (a line past the containers it continues) opens a block
/// that ends a paragraph (CommonMark's: a blank line, a quote, a list item,
/// a heading, a fence, a thematic break, an HTML block of the kinds that
/// may): else, after a paragraph's line, it is a lazy continuation of that
/// paragraph.
fn interrupts(rest: &str) -> bool {
    let sp = spaces(rest);
    if sp > 3 {
        return false;
    }
    let t = &rest[sp..];
    let b = t.as_bytes();
    let Some(&first) = b.first() else {
        return true;
    };
    // Every block opener is ASCII; a run of a character past it would be
    // cut inside the character (the replay's fuzz test: `é`).
    if !first.is_ascii() {
        return t.trim().is_empty();
    }
    let run = b.iter().take_while(|c| **c == first).count();
    let after = &t[run..];
    match first {
        b'>' => true,
        b'#' => run <= 6 && (after.is_empty() || after.starts_with([' ', '\t'])),
        b'`' => run >= 3 && !after.contains('`'),
        b'~' => run >= 3,
        b'<' => html_block_start(t),
        _ if t.trim().is_empty() => true,
        b'-' | b'*' | b'_'
            if t.bytes().filter(|c| *c == first).count() >= 3
                && t.bytes().all(|c| c == first || c == b' ' || c == b'\t') =>
        {
            true
        }
        _ => {
            // A list item: past a container the line does not continue,
            // any marker opens one (it interrupts no paragraph of its own).
            let width = if b"-*+".contains(&first) {
                1
            } else {
                let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
                if !(1..=9).contains(&digits) || !matches!(b.get(digits), Some(b'.' | b')')) {
                    return false;
                }
                digits + 1
            };
            t[width..].is_empty() || t[width..].starts_with([' ', '\t'])
        }
    }
}

/// Whether `t` opens an HTML block that may end a paragraph (CommonMark's
/// kinds 1 to 6: `<pre>`, `<script>`, a comment, `<div>`, ...).
fn html_block_start(t: &str) -> bool {
    const NAMES: &str = "pre script style textarea address article aside base basefont \
        blockquote body caption center col colgroup dd details dialog dir div dl dt fieldset \
        figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html \
        iframe legend li link main menu menuitem nav noframes ol optgroup option p param search \
        section summary table tbody td tfoot th thead title tr track ul";
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("<!") || lower.starts_with("<?") {
        return true;
    }
    let name_at = if lower.starts_with("</") { 2 } else { 1 };
    let name: String = lower[name_at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let after = &lower[name_at + name.len()..];
    NAMES.split_ascii_whitespace().any(|n| n == name)
        && (after.is_empty() || after.starts_with([' ', '\t', '>']) || after.starts_with("/>"))
}

impl Containers {
    /// Read `line` inside the open containers, closing those it does not
    /// continue and, unless `verbatim` (a fence's or a comment's body
    /// continues inside every container), opening those it starts. After
    /// a paragraph's line (`paragraph`), a line that continues fewer
    /// containers and opens no block is that paragraph's lazy continuation.
    pub fn enter<'a>(
        &mut self,
        line: &'a str,
        verbatim: bool,
        paragraph: bool,
    ) -> Result<Inside<'a>, TooDeep> {
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
        if paragraph && !verbatim && matched < self.open.len() && !interrupts(rest) {
            return Ok(Inside {
                content: rest,
                depth: self.open.len(),
                changed: false,
            });
        }
        let mut changed = matched < self.open.len();
        self.open.truncate(matched);
        if verbatim && !changed {
            return Ok(Inside {
                content: rest,
                depth: matched,
                changed,
            });
        }
        let breaks = Breaks::of(line);
        loop {
            let sp = spaces(rest);
            if sp > 3 {
                break;
            }
            let t = &rest[sp..];
            if self.open.len() >= super::MAX_NESTING
                && (t.starts_with('>') || marker(t, &breaks).is_some())
            {
                return Err(TooDeep);
            }
            if let Some(after) = t.strip_prefix('>') {
                self.push(Kind::Quote);
                rest = after.strip_prefix(' ').unwrap_or(after);
            } else if let Some(w) = marker(t, &breaks) {
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
        Ok(Inside {
            content: rest,
            depth: self.open.len(),
            changed,
        })
    }

    /// Whether no container is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
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
                let i = c.enter(l, false, false).ok().expect("not too deep");
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

    /// The replay's fuzz test found it: a lazy line after a quote that
    /// starts with a character past ASCII (`é`) panicked, cut inside it.
    #[test]
    fn a_line_starting_past_ascii_after_a_quote_is_read() {
        let text = "# A chapter\n\nProse.\n>A\né ü 中 \u{202e}\n\n";
        let chapter = crate::book::parse::parse(std::path::Path::new("c.md"), text.as_bytes());
        assert!(chapter.is_ok());
        assert!(!interrupts("é ü"));
        assert!(interrupts("> x"));
    }
}
