//! Code blocks written in raw HTML. A chapter may hold `<pre><code>…
//! </code></pre>` (or `<div class="highlight"><pre>…</pre></div>`) where
//! Markdown would have a fence: every renderer passes the HTML through, and
//! the reader sees a code block and copies its lines. Read as prose, such
//! a block was neither replayed nor counted, and a change in it (`sudo ip
//! link set cni0 down`) let every later command match a lab that never
//! saw it (probe21l). So an HTML block that opens a `<pre>` (CommonMark's
//! HTML block: a tag at the line's start, at most three spaces in), or a
//! `<code>` element opening a line and going on past it, is a block: its
//! text between the tags, tags dropped and entities decoded (`&lt;`,
//! `&amp;`, `&#39;`), as the page shows it. Its language is the class a
//! highlighter reads (`language-bash`, `lang-yaml`); its `fence` is the
//! opening tag, so that it is told from a fenced block.

use super::Block;
use super::html_text::{Unreadable, shown_lines};

/// An HTML code block being read.
pub(super) struct HtmlBlock {
    /// Its first line.
    start: usize,
    /// The line up to the end of the tag that opened the code.
    opening: String,
    lang: String,
    /// The tag that closes it (`</pre>`, `</code>`).
    closing: &'static str,
    /// A `<code>` element in a paragraph also ends where the paragraph does.
    ends_at_blank: bool,
    /// Its lines as written, tags and entities still in.
    raw: Vec<(usize, String)>,
    /// Its closing tag was read (on its opening line: a block of one line).
    pub(super) done: bool,
}

/// Where in `lower` (a line, lowercased) the element `name` opens: the
/// byte of its `<`, and the byte after the `>` that ends its tag.
fn element_at(lower: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&open).map(|i| i + from) {
        let after = &lower[i + open.len()..];
        if after.starts_with(['>', ' ', '\t']) {
            let end = after.find('>')? + i + open.len() + 1;
            return Some((i, end));
        }
        from = i + open.len();
    }
    None
}

impl HtmlBlock {
    /// The block `line` (the content of chapter line `n`, at most three
    /// spaces in) opens, if it opens one; it may close on the same line.
    pub(super) fn open(n: usize, line: &str) -> Option<HtmlBlock> {
        let t = line.trim_start_matches(' ');
        if line.len() - t.len() > 3 || !t.starts_with('<') {
            return None;
        }
        let lower = t.to_ascii_lowercase();
        let (closing, ends_at_blank, (_, end)) = if let Some(at) = element_at(&lower, "pre") {
            ("</pre>", false, at)
        } else {
            let at = element_at(&lower, "code").filter(|(i, _)| *i == 0)?;
            if lower.contains("</code>") {
                // Inline code on one line, as a `code span` is: no block.
                return None;
            }
            ("</code>", true, at)
        };
        // The tags right after the opening one (`<pre><code class=…>`).
        let mut end = end;
        while let Some(next) = element_at(&lower[end..], "code").filter(|(i, _)| *i == 0) {
            end += next.1;
        }
        let lang = lower[..end]
            .split(['"', '\'', ' ', '>'])
            .find_map(|w| {
                w.strip_prefix("language-")
                    .or_else(|| w.strip_prefix("lang-"))
            })
            .unwrap_or("")
            .to_string();
        let mut block = HtmlBlock {
            start: n,
            opening: t[..end].to_string(),
            lang,
            closing,
            ends_at_blank,
            raw: Vec::new(),
            done: false,
        };
        // The opening line's rest is read as any other line.
        block.done = block.line_rest(n, &t[end..]);
        Some(block)
    }

    /// Read chapter line `n`; the block's last line once it closes.
    pub(super) fn line(&mut self, n: usize, line: &str) -> Option<usize> {
        if self.ends_at_blank && line.trim().is_empty() {
            return Some(n - 1);
        }
        self.line_rest(n, line).then_some(n)
    }

    /// Keep `text` (chapter line `n`, or what follows the opening tag);
    /// whether the closing tag was in it.
    fn line_rest(&mut self, n: usize, text: &str) -> bool {
        match text.to_ascii_lowercase().find(self.closing) {
            Some(at) => {
                self.raw.push((n, text[..at].to_string()));
                true
            }
            None => {
                self.raw.push((n, text.to_string()));
                false
            }
        }
    }

    /// The block, its last line `end`: the lines a browser shows of it,
    /// its opening tags read too (`<pre hidden>` shows nothing).
    pub(super) fn finish(&mut self, end: usize) -> Result<Block, Unreadable> {
        let mut raw = std::mem::take(&mut self.raw);
        if let Some(first) = raw.first_mut() {
            // Its tags only: text before the `<pre>` on its line is prose.
            let tags: String = self
                .opening
                .split_inclusive('>')
                .filter_map(|t| t.find('<').map(|at| &t[at..]))
                .collect();
            first.1.insert_str(0, &tags);
        }
        let mut body = shown_lines(&raw)?;
        // A newline right after `<pre>` is no line of its text; nor is the
        // one before the closing tag.
        if body.first().is_some_and(|(_, l)| l.trim().is_empty()) {
            body.remove(0);
        }
        while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
            body.pop();
        }
        Ok(Block {
            line: self.start,
            fence: self.opening.clone(),
            lang: self.lang.clone(),
            body,
            end,
            hidden: None,
            unread: None,
        })
    }

    /// The first line, for an error about a block never closed.
    pub(super) fn start(&self) -> (usize, &str) {
        (self.start, &self.opening)
    }

    /// Whether an unclosed block is an error at the chapter's end (a
    /// `<pre>`, as an unclosed fence is) or ends there (a paragraph's
    /// `<code>`).
    pub(super) fn must_close(&self) -> bool {
        !self.ends_at_blank
    }
}

#[cfg(test)]
mod tests {
    use super::super::html_refs::decode;
    use super::super::{parse, steps};
    use std::path::Path;

    fn blocks(text: &str) -> Vec<super::Block> {
        parse(Path::new("c.md"), text.as_bytes()).unwrap().blocks
    }

    /// probe21l's `h1`: the block a page shows is read, its lines numbered
    /// as the chapter's, its commands steps.
    #[test]
    fn a_pre_block_is_a_block_with_its_commands() {
        let b = blocks(
            "# T\n\n<pre><code>vagrant ssh node1\nsudo ip link set cni0 down\nexit\n</code></pre>\n\ntext\n",
        );
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!((b[0].line, b[0].end, b[0].lang.as_str()), (3, 6, ""));
        assert!(b[0].is_shell());
        assert_eq!(
            b[0].body,
            [
                (3, "vagrant ssh node1".to_string()),
                (4, "sudo ip link set cni0 down".into()),
                (5, "exit".into())
            ]
        );
        let (s, _) = steps(&b[0]);
        let cmds: Vec<&str> = s.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            cmds,
            ["vagrant ssh node1", "sudo ip link set cni0 down", "exit"]
        );
    }

    #[test]
    fn tags_are_dropped_entities_decoded_and_the_language_read() {
        let b = blocks(
            "<div class=\"highlight\"><pre>\n<span class=\"k\">sudo</span> ip link set cni0 down &amp;&amp; echo &lt;done&gt;\n</pre></div>\n\n<pre><code class=\"language-yaml\">a: 1\n</code></pre>\n<PRE>ls</PRE>\n",
        );
        assert_eq!(b.len(), 3, "{b:?}");
        assert_eq!(
            b[0].body,
            [(2, "sudo ip link set cni0 down && echo <done>".to_string())]
        );
        assert_eq!((b[0].line, b[0].end), (1, 3));
        assert_eq!((b[1].lang.as_str(), b[1].is_shell()), ("yaml", false));
        assert_eq!(b[2].body, [(7, "ls".to_string())]);
        assert_eq!(
            decode("&#39;&#x41;&unknown;& &nbsp;"),
            "'A&unknown;& \u{a0}"
        );
    }

    /// probe21p's finding 8: a comment over several lines inside a `<pre>`
    /// is no text the page shows (a ping's reply hidden there was
    /// compared); a tag over lines is none either, and the lines after
    /// keep their numbers.
    #[test]
    fn a_comment_or_a_tag_over_lines_in_a_pre_is_no_text() {
        let b = blocks(
            "<pre>\nping -c 1 10.244.2.2\nPING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n<!-- 64 bytes from 10.244.2.2:\nicmp_seq=1 ttl=62 time=0.5 ms -->\n<span\nclass=\"x\">1 packets transmitted</span>\n</pre>\n",
        );
        assert_eq!(
            b[0].body,
            [
                (2, "ping -c 1 10.244.2.2".to_string()),
                (
                    3,
                    "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.".into()
                ),
                (4, "".into()),
                (6, "1 packets transmitted".into()),
            ]
        );
    }

    /// probe21q: `<!-->` is an empty comment, not one running to the next
    /// `-->`; an element the page does not show (`hidden`, `display:
    /// none`) is no text; a void one hides nothing after it.
    #[test]
    fn what_a_browser_shows_of_a_pre_is_what_is_read() {
        let b = blocks(
            "<pre>\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.<!-->\n64 bytes from 10.244.3.3: icmp_seq=1 ttl=62 time=0.5 ms\n<!-- -->\n<span hidden>64 bytes <span>from</span> x</span>a<span style=\"display: none\">b</span>c<br hidden>d\n</pre>\n",
        );
        assert_eq!(
            b[0].body,
            [
                (
                    2,
                    "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.".to_string()
                ),
                (
                    3,
                    "64 bytes from 10.244.3.3: icmp_seq=1 ttl=62 time=0.5 ms".into()
                ),
                (4, "".into()),
                (5, "acd".into()),
            ]
        );
        // Outside a `<pre>`: a fence after `<!-->` is a block.
        let b = blocks("<!-->\n```bash\nsudo ip link set cni0 down\n```\n");
        assert_eq!(b.len(), 1, "{b:?}");
    }

    /// A `<code>` element opening a line and going on past it is a block
    /// to its closing tag or the paragraph's end; inline code, a tag in a
    /// code span, a `<pre>` inside a fence or far in, and a fence inside a
    /// `<pre>` open none.
    #[test]
    fn only_code_a_page_shows_as_a_block_is_one() {
        let b = blocks("<code>vagrant ssh node1\nsudo ip link set cni0 down\n\nprose\n");
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!((b[0].line, b[0].end, b[0].body.len()), (1, 2, 2));
        for text in [
            "Type <code>ls</code> here.\n",
            "<code>ls</code> lists.\n",
            "Use a `<pre>` tag.\n",
            "```\n<pre>\n```\n",
            "    <pre>\n",
        ] {
            let b = blocks(text);
            assert!(
                b.iter().all(|b| !b.fence.starts_with('<')),
                "{text:?}: {b:?}"
            );
        }
        let b = blocks("<pre>\n```bash\nls\n```\n</pre>\n");
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].body.len(), 3);
        let e = parse(Path::new("c.md"), b"a\n\n<pre>\nls\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("never closed"), "{e}");
    }
}
