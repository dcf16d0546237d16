//! The code a chapter's prose shows inline (`` `sudo ip link set cni0
//! down` ``, `<code>kubectl get pods</code>`, `<kbd>`, `**bold**`,
//! `*italics*`: the forms [`ELEMENTS`] lists, probe21q and probe21t), with the line it starts at: "take the pod bridge down with `sudo ip
//! link set cni0 down`, then ping node1's pod again" tells the reader to
//! type a command no block shows, and what lab compares after it must know
//! ([`crate::book::replay`] decides what such a span does).
//!
//! Read as CommonMark reads code spans: a run of backticks opens one, the
//! next run of the same length closes it (none: the backticks are text),
//! line breaks inside are spaces, and one space at each end is dropped when
//! both are there. A paragraph ends at a blank line, a heading, a block, or
//! where a quote or a list item opens or closes (a lazy continuation line
//! closes none: [`super::containers`]); a span never crosses one.

/// One inline code span of the chapter's prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineCode {
    /// 1-based line the span opens on.
    pub line: usize,
    /// The code as the page shows it.
    pub code: String,
}

/// The prose lines read so far, in paragraphs.
#[derive(Debug, Default)]
pub(super) struct Prose {
    /// The open paragraph: its lines with their numbers.
    open: Vec<(usize, String)>,
    pub spans: Vec<InlineCode>,
}

impl Prose {
    /// A line of prose: blank or a heading ends the paragraph; `fresh`, a
    /// line that opened or closed a container, starts a new one.
    pub fn line(&mut self, n: usize, line: &str, fresh: bool) {
        let t = line.trim();
        if fresh || t.is_empty() || t.starts_with('#') {
            self.end();
        }
        if !t.is_empty() {
            self.open.push((n, t.to_string()));
        }
        if t.starts_with('#') {
            self.end();
        }
    }

    /// Whether a paragraph is open (its next line may be a lazy
    /// continuation line of a quote or a list item).
    pub fn is_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// Something that is not prose (a block, a comment): the paragraph ends.
    pub fn end(&mut self) {
        let lines = std::mem::take(&mut self.open);
        if !lines.is_empty() {
            self.spans.extend(spans(&lines));
        }
    }
}

/// The spans of one paragraph (its lines, numbered).
fn spans(lines: &[(usize, String)]) -> Vec<InlineCode> {
    // The paragraph as one text, each byte's line kept.
    let mut text = String::new();
    let mut line_at = Vec::new();
    for (n, l) in lines {
        if !text.is_empty() {
            text.push('\n');
            line_at.push(*n);
        }
        text.push_str(l);
        line_at.extend(std::iter::repeat_n(*n, l.len()));
    }
    let bytes = text.as_bytes();
    // Lowercase keeps each byte where it is: `</code>` is looked for there.
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    // Run lengths no later run closes: each is looked for past a point
    // once (a chapter of unclosed runs is read in one pass, not one per
    // run).
    let mut unclosed: std::collections::HashSet<usize> = std::collections::HashSet::new();
    // Elements and delimiters no later one closes.
    let mut unclosed_names: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_punctuation() {
            i += 2;
            continue;
        }
        if b == b'`' {
            let run = bytes[i..].iter().take_while(|c| **c == b'`').count();
            let close = if unclosed.contains(&run) {
                None
            } else {
                closing_run(bytes, i + run, run)
            };
            if close.is_none() {
                unclosed.insert(run);
            }
            if let Some(close) = close {
                found.push(InlineCode {
                    line: line_at[i],
                    code: span_code(&text[i + run..close]),
                });
                i = close + run;
            } else {
                i += run;
            }
            continue;
        }
        let rest = &text[i..];
        if let Some((open, name)) = element_opening(&lower[i..])
            && !unclosed_names.contains(name)
        {
            let closing = format!("</{name}>");
            match lower[i + open..].find(&closing) {
                Some(end) => {
                    let inner = &rest[open..open + end];
                    found.push(InlineCode {
                        line: line_at[i],
                        code: shown(&super::html_text::strip_tags(inner)),
                    });
                    i += open + end + closing.len();
                    continue;
                }
                None => {
                    unclosed_names.insert(name);
                }
            }
        }
        // Strong emphasis (`**sudo ip link set cni0 down**`): what a page
        // shows in bold, a reader may type as well.
        if let Some(delim) = ["**", "__"].into_iter().find(|d| rest.starts_with(d))
            && !unclosed_names.contains(delim)
        {
            match rest[2..].find(delim) {
                Some(end) if end > 0 => {
                    found.push(InlineCode {
                        line: line_at[i],
                        code: shown(&rest[2..2 + end].replace('`', "")),
                    });
                    i += 2 + end + 2;
                    continue;
                }
                Some(_) => {}
                None => {
                    unclosed_names.insert(delim);
                }
            }
        }
        // Emphasis (`*sudo ip link set cni0 down*`, `_…_`): italics a
        // reader may type as well (probe21t). As CommonMark: the opening
        // delimiter is followed by a non-space, the closing one preceded
        // by one; `_` not inside a word (`snake_case` is no emphasis).
        if !(rest.starts_with('*') && unclosed_names.contains("*")
            || rest.starts_with('_') && unclosed_names.contains("_"))
            && let Some(end) = emphasis_end(&text, i)
        {
            match end {
                Some(end) => {
                    found.push(InlineCode {
                        line: line_at[i],
                        code: shown(&text[i + 1..end].replace('`', "")),
                    });
                    i = end + 1;
                    continue;
                }
                None => {
                    unclosed_names.insert(if rest.starts_with('*') { "*" } else { "_" });
                }
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// At byte `i` of `text`, an emphasis delimiter (`*` or `_`, alone) that
/// may open: `Some(Some(end))` where its closing one is, `Some(None)` when
/// none closes it, `None` when it opens nothing.
fn emphasis_end(text: &str, i: usize) -> Option<Option<usize>> {
    let b = text.as_bytes();
    let d = *b.get(i)?;
    let alone = |at: usize| {
        b.get(at) == Some(&d) && (at == 0 || b[at - 1] != d) && b.get(at + 1) != Some(&d)
    };
    let word = |at: Option<&u8>| at.is_some_and(|c| c.is_ascii_alphanumeric());
    if !(d == b'*' || d == b'_') || !alone(i) {
        return None;
    }
    let next = b.get(i + 1)?;
    if next.is_ascii_whitespace() || (d == b'_' && i > 0 && word(b.get(i - 1))) {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        if alone(j)
            && !b[j - 1].is_ascii_whitespace()
            && j > i + 1
            && !(d == b'_' && word(b.get(j + 1)))
        {
            return Some(Some(j));
        }
        j += 1;
    }
    Some(None)
}

/// The HTML elements whose text a page shows as code or as something to
/// type (`<code class="highlighter-rouge">`, `<kbd>`, `<samp>`, `<tt>`, a
/// `<pre>`, `<xmp>` or `<textarea>` inside a paragraph), in bold or in
/// italics (`<em>`, `<i>`, `<var>`).
const ELEMENTS: &[&str] = &[
    "code", "kbd", "samp", "tt", "pre", "xmp", "textarea", "b", "strong", "em", "i", "var",
];

/// Where the text of the element `lower` (lowercased) opens with starts,
/// and the element's name: its tag, attributes and all, must end on `>`.
fn element_opening(lower: &str) -> Option<(usize, &'static str)> {
    let tag = lower.strip_prefix('<')?;
    let name = ELEMENTS.iter().find(|n| {
        tag.strip_prefix(**n)
            .is_some_and(|after| after.starts_with(['>', ' ', '\t', '\n']))
    })?;
    let end = tag.find('>')?;
    Some((end + 2, name))
}

/// A span's text as the page shows it (HTML's already decoded): spaces
/// and line breaks one space.
fn shown(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the run of exactly `run` backticks after `from` starts.
fn closing_run(bytes: &[u8], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'`' {
            let len = bytes[j..].iter().take_while(|c| **c == b'`').count();
            if len == run {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// A code span's content as CommonMark shows it.
fn span_code(raw: &str) -> String {
    let s = raw.replace('\n', " ");
    if s.len() >= 2 && s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty() {
        s[1..s.len() - 1].to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(usize, String)> {
        let mut p = Prose::default();
        for (i, l) in text.lines().enumerate() {
            p.line(i + 1, l, false);
        }
        p.end();
        p.spans.into_iter().map(|s| (s.line, s.code)).collect()
    }

    #[test]
    fn spans_are_read_as_commonmark_reads_them() {
        let got = read(
            "Lets create pod network using `flannel.yml`, then look.\n\
             Take the pod bridge down with `sudo ip link\n\
             set cni0 down`, then ping it again.\n\
             \n\
             A ``code with ` inside``. If it fails, run <code>kubeadm &amp;&amp; reset</code>.\n\
             \n\
             A lone ` backtick.\n\
             \n\
             \\`not code\\` here",
        );
        assert_eq!(
            got,
            vec![
                (1, "flannel.yml".into()),
                (2, "sudo ip link set cni0 down".into()),
                (5, "code with ` inside".into()),
                (5, "kubeadm && reset".into()),
            ]
        );
    }

    #[test]
    fn a_span_never_crosses_a_paragraph() {
        let got = read("Run `sudo ip link\n\nset cni0 down` now.");
        assert!(got.is_empty(), "{got:?}");
        let got = read("# Run `kubectl get pods`\nthen `ip link`");
        assert_eq!(
            got,
            vec![(1, "kubectl get pods".into()), (2, "ip link".into())]
        );
    }

    /// probe21q's forms: code in `<code class=…>`, `<kbd>`, `<samp>`,
    /// `<tt>`, an inline `<pre>`, `<xmp>`, `<textarea>`, and in bold.
    #[test]
    fn code_in_html_elements_and_bold_is_read() {
        for form in [
            "<code class=\"highlighter-rouge\">sudo ip link set cni0 down</code>",
            "<kbd>sudo ip link set cni0 down</kbd>",
            "<SAMP>sudo ip link set cni0 down</SAMP>",
            "<tt>sudo ip link set cni0 down</tt>",
            "<pre>sudo ip link\nset cni0 down</pre>",
            "<xmp>sudo ip link set cni0 down</xmp>",
            "<textarea rows=1>sudo ip link set cni0 down</textarea>",
            "**sudo ip link set cni0 down**",
            "__`sudo ip link set cni0 down`__",
            "<strong>sudo ip <span>link</span> set cni0 down</strong>",
        ] {
            let got = read(&format!("Take it down with {form}, then ping."));
            assert_eq!(
                got,
                vec![(1, "sudo ip link set cni0 down".into())],
                "{form}"
            );
        }
        assert!(read("A <bold> word, an <a href=x>link</a>, a ** lone").is_empty());
    }

    /// probe21t's italic forms: `*…*`, `_…_`, `<em>`, `<i>`, `<var>`.
    #[test]
    fn code_in_italics_is_read() {
        for form in [
            "*sudo ip link set cni0 down*",
            "_sudo ip link set cni0 down_",
            "*`sudo ip link set cni0 down`*",
            "<em>sudo ip link set cni0 down</em>",
            "<i>sudo ip link set cni0 down</i>",
            "<var>sudo ip link set cni0 down</var>",
        ] {
            let got = read(&format!("Take it down with {form}, then ping."));
            assert_eq!(
                got,
                vec![(1, "sudo ip link set cni0 down".into())],
                "{form}"
            );
        }
        // No emphasis: a list marker, a product, snake_case, a lone star.
        assert!(read("* a list item\n2 * 3 = 6, my_var_name, a * lone").is_empty());
        assert_eq!(
            read("a *b* c **d** e"),
            vec![(1, "b".into()), (1, "d".into())]
        );
    }
}
