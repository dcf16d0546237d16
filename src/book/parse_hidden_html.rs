//! The elements a page does not show, read from pulldown-cmark's own
//! events (probe21ad's finding 2). Apart from [`super`], which reads
//! lines, because here nothing is read from lines: a tag is a tag only in
//! raw HTML (never in a code span, a comment or text), an element runs to
//! its real end tag (a `<script>` to `</script>`, whatever CommonMark says
//! of where its Markdown block ends), and an element whose visibility CSS
//! decides in a way lab does not read (`hidden` with a style that sets
//! `display`, several `display` declarations, a CSS comment) is unclear:
//! the blocks in it are refused, never guessed skipped or shown.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

#[path = "parse_hidden_elements.rs"]
mod elements;
use elements::{CLOSE_P, RAW, SCOPE, Shows, VOID, shows};

/// By line: why a page does not show it, and why whether it shows is
/// unclear. Each line holds the index of its reason (4 bytes, 0 for none),
/// never a copy of it: a chapter may have millions of lines (probe21an).
#[derive(Debug, Default)]
pub(in crate::book::parse) struct Marks {
    hidden: Vec<u32>,
    unclear: Vec<u32>,
    /// The reasons, each once; index `k` is `why[k - 1]`.
    why: Vec<String>,
    index: std::collections::HashMap<String, u32>,
    /// Bytes the searches of [`Reader::html`] looked at (a line's number
    /// found, a comment's or a raw text element's end): what a test
    /// bounds by the text's length, so that reading stays linear
    /// (probe21bz finding 7: each tag's line counted from the start of
    /// its HTML took 4.7 s for 20,000 nested `<div>`s, 1.1 MB more than
    /// 120 s).
    work: usize,
}

impl Marks {
    fn new(lines: usize) -> Marks {
        Marks {
            hidden: vec![0; lines],
            unclear: vec![0; lines],
            ..Marks::default()
        }
    }

    /// Why line `line` (1-based) is not shown, if it is not.
    pub fn hidden(&self, line: usize) -> Option<&str> {
        self.at(&self.hidden, line)
    }

    /// Why whether line `line` (1-based) is shown is unclear, if it is.
    pub fn unclear(&self, line: usize) -> Option<&str> {
        self.at(&self.unclear, line)
    }

    fn at<'a>(&'a self, marks: &[u32], line: usize) -> Option<&'a str> {
        let k = *marks.get(line.checked_sub(1)?)?;
        (k > 0).then(|| self.why[k as usize - 1].as_str())
    }
}

/// What the reader sees at a point of the page.
enum Seen {
    Shown,
    Hidden(String),
    Unclear(String),
}

/// The most bytes a start tag is read over.
const MAX_TAG: usize = 4 << 10;

/// The most elements open at once that lab reads: what is nested deeper is
/// unclear (a chapter of unclosed tags would have every line look through
/// all of them: 120,000 `<b>` lines took 52 s).
const MAX_DEPTH: usize = 512;

enum State {
    Data,
    Comment,
    /// Inside a raw text element, of this name.
    Raw(String),
}

struct Reader {
    starts: Vec<usize>,
    stack: Vec<(String, Shows)>,
    state: State,
    /// A start tag not ended on its event's text, and its line.
    pending: Option<(String, usize)>,
    marks: Marks,
}

/// Read the marks of `text` (front matter already blanked).
pub(super) fn read(text: &str, lines: usize) -> Marks {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut r = Reader {
        starts,
        stack: Vec::new(),
        state: State::Data,
        pending: None,
        marks: Marks::new(lines),
    };
    for (e, range) in Parser::new(text).into_offset_iter() {
        let first = r.line_of(range.start);
        let last = r.line_of(range.end.max(range.start + 1) - 1);
        match e {
            Event::Html(h) | Event::InlineHtml(h) => r.html(&h, first),
            Event::Start(Tag::CodeBlock(_)) => {
                r.pending = None;
                // Its `<pre>` closes an open `<p>` first.
                r.closed_by("pre");
                r.mark(first, last);
            }
            Event::Text(_) | Event::Code(_) => {
                r.pending = None;
                r.mark(first, last);
            }
            // The elements Markdown makes hold and end raw ones as a
            // browser has them: a `</li>` or `</p>` closes what was opened
            // inside, a `<p>` is closed by a block (probe21ag).
            Event::Start(t) => {
                r.pending = None;
                if let Some(name) = made(&t)
                    && !r.too_deep(first)
                {
                    r.closed_by(name);
                    r.stack.push((name.to_string(), Shows::Inherit));
                }
            }
            Event::End(t) => {
                r.pending = None;
                if let Some(name) = ended(t) {
                    r.close(name);
                }
            }
            Event::Rule => {
                r.pending = None;
                r.closed_by("hr");
            }
            _ => r.pending = None,
        }
    }
    r.marks
}

/// The element a Markdown container's start makes, if lab follows it.
fn made(t: &Tag) -> Option<&'static str> {
    Some(match t {
        Tag::Paragraph => "p",
        Tag::Item => "li",
        Tag::List(Some(_)) => "ol",
        Tag::List(None) => "ul",
        Tag::BlockQuote(_) => "blockquote",
        Tag::Heading { level, .. } => HEADINGS[*level as usize - 1],
        _ => return None,
    })
}

/// The element a Markdown container's end closes, if lab follows it.
fn ended(t: TagEnd) -> Option<&'static str> {
    Some(match t {
        TagEnd::Paragraph => "p",
        TagEnd::Item => "li",
        TagEnd::List(true) => "ol",
        TagEnd::List(false) => "ul",
        TagEnd::BlockQuote(_) => "blockquote",
        TagEnd::Heading(level) => HEADINGS[level as usize - 1],
        _ => return None,
    })
}

const HEADINGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];

/// The lowercased name at the start of `s`.
fn name_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':' || *c == '.')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The byte of the `>` ending a start tag (`s` after its `<`), quoted
/// attribute values skipped.
fn tag_end(s: &str) -> Option<usize> {
    let (mut quote, mut after_eq) = (None, false);
    for (k, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '>' => return Some(k),
                '"' | '\'' if after_eq => quote = Some(c),
                '=' => {
                    after_eq = true;
                    continue;
                }
                c if c.is_whitespace() => continue,
                _ => {}
            },
        }
        after_eq = false;
    }
    None
}

/// The byte in `s` of the end tag `</name` (any case; `name` is
/// lowercase) that ends a raw text element. Only up to it is looked at:
/// lowercasing all of `s` for each element was quadratic in a line of
/// them (probe21bz finding 7).
fn raw_end(s: &str, name: &str) -> Option<usize> {
    let b = s.as_bytes();
    s.match_indices("</").map(|(i, _)| i).find(|&i| {
        let at = i + 2 + name.len();
        b.get(i + 2..at)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && s[at..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '/' || c == '>')
    })
}

/// Where in `s` (inside a comment) the comment ends: the byte of its
/// `-->`, or the one after the first `-` of `--!>` (so that both end 3
/// bytes later), whichever comes first. Only up to it is looked at:
/// looking for each of the two in all of `s` was quadratic in a line of
/// comments (probe21bz finding 7).
fn comment_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(k) = s[from..].find("--").map(|k| from + k) {
        if b.get(k + 2) == Some(&b'>') {
            return Some(k);
        }
        if b.get(k + 2..k + 4) == Some(b"!>") {
            return Some(k + 1);
        }
        from = k + 1;
    }
    None
}

impl Reader {
    /// The 1-based line of byte `at`.
    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|s| *s <= at)
    }

    /// What the reader sees here.
    fn seen(&self) -> Seen {
        if matches!(self.state, State::Comment) {
            return Seen::Hidden("not rendered: inside an HTML comment".into());
        }
        let (mut invisible, mut unclear) = (None, None);
        // What a `<pre>` hides of its text is its block's to read
        // (`parse_html_text`): only the `<pre>` and what holds it count.
        let to = self
            .stack
            .iter()
            .position(|(n, _)| n == "pre")
            .map_or(self.stack.len(), |k| k + 1);
        for (_, s) in &self.stack[..to] {
            match s {
                Shows::Gone(tag) => return Seen::Hidden(format!("not rendered: inside {tag}")),
                Shows::Invisible(tag) => invisible = Some(tag),
                Shows::Visible => invisible = None,
                Shows::Unclear(why) => {
                    unclear.get_or_insert(why);
                }
                Shows::Inherit => {}
            }
        }
        match (unclear, invisible) {
            (Some(why), _) => Seen::Unclear(why.clone()),
            (None, Some(tag)) => Seen::Hidden(format!("not rendered: inside {tag}")),
            (None, None) => Seen::Shown,
        }
    }

    /// Lines `first..=last` (1-based) marked as what the reader sees there.
    fn mark(&mut self, first: usize, last: usize) {
        let (hidden, why) = match self.seen() {
            Seen::Shown => return,
            Seen::Hidden(why) => (true, why),
            Seen::Unclear(why) => (false, why),
        };
        let Marks {
            hidden: h,
            unclear: u,
            why: reasons,
            index,
            ..
        } = &mut self.marks;
        let k = *index.entry(why).or_insert_with_key(|why| {
            reasons.push(why.clone());
            reasons.len() as u32
        });
        let marks = if hidden { h } else { u };
        let last = last.min(marks.len());
        for m in marks.iter_mut().take(last).skip(first.saturating_sub(1)) {
            if *m == 0 {
                *m = k;
            }
        }
    }

    /// Raw HTML `h`, starting on `line` (1-based).
    fn html(&mut self, h: &str, line: usize) {
        let (s, line0) = match self.pending.take() {
            Some((p, at)) => (p + h, at),
            None => (h.to_string(), line),
        };
        // Each line's start once, so that a tag's line is found without
        // counting from the start again (probe21bz finding 7).
        let newlines: Vec<usize> = s.match_indices('\n').map(|(k, _)| k).collect();
        let work = std::cell::Cell::new(s.len());
        let line = |k: usize| {
            work.set(work.get() + 1);
            line0 + newlines.partition_point(|&p| p < k)
        };
        let mut i = 0;
        while i < s.len() {
            match &self.state {
                State::Comment => {
                    // `--!>` ends a comment as `-->` does.
                    let end = comment_end(&s[i..]);
                    work.set(work.get() + end.map_or(s.len() - i, |e| e + 4));
                    let end = end.map(|e| i + e);
                    // Only the lines the comment covers whole: text after
                    // its `-->` (or before its `<!--`) is shown.
                    let at_start = i == 0 || s.as_bytes()[i - 1] == b'\n';
                    let first = line(i) + usize::from(!at_start);
                    let last = match end {
                        Some(e) => line(e).saturating_sub(1),
                        None => line(s.len() - 1),
                    };
                    if first <= last {
                        self.mark(first, last);
                    }
                    if end.is_some() {
                        self.state = State::Data;
                    }
                    i = end.map_or(s.len(), |e| e + 3);
                }
                State::Raw(name) => {
                    let name = name.clone();
                    let end = raw_end(&s[i..], &name);
                    work.set(work.get() + end.map_or(s.len() - i, |e| e + name.len() + 3));
                    let end = end.map(|e| i + e);
                    let stop = end.unwrap_or(s.len());
                    let held = s[i..stop].to_ascii_lowercase();
                    if name == "script"
                        && let Some(c) = held.find("<!--")
                        && held[c..].contains("<script")
                    {
                        // A browser's script then runs past its first
                        // `</script>` (its "double escaped" text).
                        self.unclear_for_good(&format!(
                            "a `<script>` holding `<!--` and `<script` (line {}), whose end a browser finds by rules lab does not read",
                            line(i)
                        ));
                    }
                    if !s[i..stop].trim().is_empty() {
                        self.mark(line(i), line(stop - 1));
                    }
                    let Some(end) = end else { break };
                    self.close(&name);
                    self.state = State::Data;
                    i = s[end..].find('>').map_or(s.len(), |g| end + g + 1);
                }
                State::Data => {
                    let lt = s[i..].find('<').map_or(s.len(), |k| i + k);
                    if !s[i..lt].trim().is_empty() {
                        self.mark(line(i), line(lt - 1));
                    }
                    if lt >= s.len() {
                        break;
                    }
                    i = self.tag(&s, lt, line(lt));
                }
            }
        }
        self.marks.work += work.get();
    }

    /// The markup at byte `at` of `s` (a `<`) on `line`: read; the byte
    /// after it.
    fn tag(&mut self, s: &str, at: usize, line: usize) -> usize {
        let rest = &s[at + 1..];
        let to_gt = || s[at..].find('>').map_or(s.len(), |g| at + g + 1);
        if let Some(body) = rest.strip_prefix("!--") {
            // `<!-->` and `<!--->` end where they open.
            if body.starts_with('>') {
                return at + 5;
            }
            if body.starts_with("->") {
                return at + 6;
            }
            self.state = State::Comment;
            return at + 4;
        }
        if rest.starts_with(['!', '?']) {
            return to_gt();
        }
        if let Some(r) = rest.strip_prefix('/') {
            if r.starts_with(|c: char| c.is_ascii_alphabetic()) {
                self.close(&name_at(r));
            }
            return to_gt();
        }
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return at + 1;
        }
        let Some(end) = tag_end(rest) else {
            // Ended on a later line of the same HTML; a tag of more than
            // [`MAX_TAG`] bytes is not read (whatever follows is unclear).
            if s.len() - at > MAX_TAG {
                let why = format!(
                    "what follows a tag (line {line}) of more than {MAX_TAG} bytes, which lab does not read"
                );
                self.stack.push((String::new(), Shows::Unclear(why)));
                return s.len();
            }
            self.pending = Some((s[at..].to_string(), line));
            return s.len();
        };
        self.open(&rest[..end], line);
        at + 1 + end + 1
    }

    /// A start tag (`body`: its text after `<`, without `>`) on `line`.
    fn open(&mut self, body: &str, line: usize) {
        let name = name_at(body);
        self.closed_by(&name);
        if VOID.contains(&name.as_str()) {
            return;
        }
        if self.too_deep(line) {
            return;
        }
        let mut how = shows(&name, body, line);
        if body.trim_end().ends_with('/') {
            if matches!(how, Shows::Inherit | Shows::Visible) {
                // JSX's empty element; HTML's open one hides nothing.
                return;
            }
            how = Shows::Unclear(format!(
                "`<{}>` (line {line}), which hides what it holds and ends with `/>`: HTML opens it up to its end tag, MDX closes it at once",
                body.trim()
            ));
        }
        self.stack.push((name.clone(), how));
        if RAW.contains(&name.as_str()) {
            self.state = State::Raw(name);
        }
        self.mark(line, line);
    }

    /// Whether elements are open [`MAX_DEPTH`] deep (what follows unclear:
    /// no more is read, so that each element costs at most a look through
    /// that many).
    fn too_deep(&mut self, line: usize) -> bool {
        if self.stack.len() < MAX_DEPTH {
            return false;
        }
        if self.stack.len() == MAX_DEPTH {
            let why = format!(
                "what follows line {line}, where elements are nested more than {MAX_DEPTH} deep, which lab does not read"
            );
            self.stack.push((String::new(), Shows::Unclear(why)));
            self.mark(line, line);
        }
        true
    }

    /// An end tag: the elements open since its namesake closed, if it is
    /// in scope (not past a [`SCOPE`] element).
    fn close(&mut self, name: &str) {
        if let Some(k) = self.in_scope(name, &[]) {
            self.stack.truncate(k);
        }
    }

    /// Where in the stack the innermost `name` is, if no [`SCOPE`] element
    /// (nor one of `also`) is open inside it.
    fn in_scope(&self, name: &str, also: &[&str]) -> Option<usize> {
        for (k, (n, _)) in self.stack.iter().enumerate().rev() {
            if n == name {
                return Some(k);
            }
            if SCOPE.contains(&n.as_str()) || also.contains(&n.as_str()) {
                return None;
            }
        }
        None
    }

    /// What a start tag `name` closes first, as a browser does: an open
    /// `<p>` (before a block), a `<li>` (before the next), a `<dt>` or
    /// `<dd>` (before the next of either).
    fn closed_by(&mut self, name: &str) {
        if CLOSE_P.contains(&name)
            && let Some(k) = self.in_scope("p", &["button"])
        {
            self.stack.truncate(k);
        }
        let closes: &[(&str, &[&str])] = match name {
            "li" => &[("li", &["ol", "ul"])],
            "dt" | "dd" => &[("dt", &["dl"]), ("dd", &["dl"])],
            _ => &[],
        };
        for (open, stop) in closes {
            if let Some(k) = self.in_scope(open, stop) {
                self.stack.truncate(k);
            }
        }
    }

    /// Everything from here on unclear (the element open now made so for
    /// good: no end tag closes it).
    fn unclear_for_good(&mut self, why: &str) {
        match self.stack.last_mut() {
            Some(top) => *top = (String::new(), Shows::Unclear(why.to_string())),
            None => self
                .stack
                .push((String::new(), Shows::Unclear(why.to_string()))),
        }
    }
}

#[cfg(test)]
#[path = "parse_hidden_html_tests.rs"]
mod tests;
