//! The code a chapter's prose shows inline (`` `sudo ip link set cni0
//! down` ``, `<code>kubectl get pods</code>`), with the line it starts
//! at: "take the pod bridge down with `sudo ip
//! link set cni0 down`, then ping node1's pod again" tells the reader to
//! type a command no block shows, and what lab compares after it must know
//! ([`crate::book::replay`] decides what such a span does).
//!
//! Read as CommonMark reads code spans: a run of backticks opens one, the
//! next run of the same length closes it (none: the backticks are text),
//! line breaks inside are spaces, and one space at each end is dropped when
//! both are there. A paragraph ends at a blank line, a heading, a block, or
//! where a quote or a list item opens or closes; a span never crosses one.

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
    // Run lengths no later run closes, and whether a `</code>` is still
    // ahead: each is looked for past a point once (a chapter of unclosed
    // runs is read in one pass, not one per run).
    let mut unclosed = std::collections::HashSet::new();
    let mut code_closes = true;
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
        if code_closes
            && rest
                .get(..6)
                .is_some_and(|t| t.eq_ignore_ascii_case("<code>"))
        {
            code_closes = false;
            if let Some(end) = lower[i..].find("</code>") {
                code_closes = true;
                let code = super::html::decode(&super::html::strip_tags(&rest[6..end]));
                let code = code.split_whitespace().collect::<Vec<_>>().join(" ");
                found.push(InlineCode {
                    line: line_at[i],
                    code,
                });
                i += end + "</code>".len();
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
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
}
