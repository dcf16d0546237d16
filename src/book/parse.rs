//! A chapter's Markdown, read the way a person reads it: fenced blocks, and
//! inside each block the commands, the output the book shows for each, and
//! the author's prose remarks (`(same node)`, `exit (from node1)`,
//! `(removed lines for brevity, only top few lines)`).
//!
//! A book block may have no prompt marker, so a line is a command when it
//! opens the block, when it carries a prompt (`$ `, `user@host:~$ `,
//! `[root@host ~]# `, `# ` before a program), or when its first word is a
//! program (`kubectl`, `vagrant`, `ping`, `rm`...), or, in a block without
//! prompts, when it has a command's shape where the output above cannot
//! hold it (`sysctl ...` after a ping's lines or a blank line): an unknown
//! command is still a command, so it can be reported as not understood
//! rather than mistaken for output. Everything else is the output of the
//! command above it.
//!
//! Input that is not a readable chapter is refused here, before anything is
//! made: a missing or unreadable file, non-UTF-8 or binary bytes, CRLF line
//! endings, an unterminated fence, a file or a block count past the bounds.

use std::path::{Path, PathBuf};

/// The most a chapter may weigh, and the most blocks it may have.
pub const MAX_BYTES: usize = 4 << 20;
pub const MAX_BLOCKS: usize = 1000;
/// How deep block quotes and list items may nest.
pub const MAX_NESTING: usize = 100;

/// Why a chapter could not be read, with the line where that shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ChapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A chapter: its text and its fenced blocks.
#[derive(Debug, Clone)]
pub struct Chapter {
    pub path: PathBuf,
    pub text: String,
    pub blocks: Vec<Block>,
    /// The code its prose shows inline, in the chapter's order.
    pub inline: Vec<InlineCode>,
}

/// One fenced block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The opening fence line as written (```` ```bash ````).
    pub fence: String,
    /// Its info string (`bash`, or empty).
    pub lang: String,
    /// The lines between the fences, with their line numbers.
    pub body: Vec<(usize, String)>,
    /// 1-based line of the closing fence.
    pub end: usize,
    /// Why a page does not show it (`not rendered: inside <script>`):
    /// such a block is never replayed ([`hidden`]).
    pub hidden: Option<String>,
    /// Its line and why lab cannot read the text a page shows there (an
    /// MDX string a `${…}` fills in): such a block is not understood.
    pub unread: Option<(usize, String)>,
}

impl Block {
    /// Whether the block is meant for a shell (or says nothing, as the
    /// chapter's "Fix the issue" block does): a shell's language by any of
    /// its names, or a language lab does not know holding a command's
    /// lines ([`lang`]).
    pub fn is_shell(&self) -> bool {
        self.hidden.is_none() && lang::is_shell(&self.lang, &self.body)
    }

    /// Why a block that is not a shell's is skipped.
    pub fn skip_reason(&self) -> String {
        match &self.hidden {
            Some(why) => why.clone(),
            None => format!("a `{}` block, not commands", self.lang),
        }
    }
}

/// A command of a block with the output the book shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    /// The line as written.
    pub written: String,
    /// The command alone: no `$ ` prompt, no trailing `(remark)`.
    pub command: String,
    /// A trailing remark in parentheses (`same node`, `from node1`).
    pub remark: Option<String>,
    /// The lines the book shows after it, blank lines at either end dropped.
    pub output: Vec<String>,
    /// The chapter line of each of `output` (what `--suggest` rewrites).
    pub output_at: Vec<usize>,
    /// The lines of output the book shows past those kept (a chapter keeps
    /// [`crate::book::caps::OUTPUT_LINES`]): counted, never compared.
    pub cut: usize,
    /// The host its prompt names (`w1` of `vagrant@w1:~$ `).
    pub host: Option<String>,
    /// The author's remarks in brackets on lines of their own below its
    /// command, each with its chapter line (also in the block's prose):
    /// among its output lines, or right under them. They may stand for
    /// output the book does not show (`(replies continue until Ctrl-C)`
    /// under a ping's header), and they claim what the command got: the
    /// replay reads them (`replay/remark_below.rs`; probe21ca, W4).
    pub remarks_below: Vec<(usize, String)>,
    /// The remarks below it past those kept (a command keeps its first
    /// [`crate::book::caps::REMARKS`]): counted, never read; the command is
    /// then not understood (probe21cf, F1).
    pub remarks_cut: usize,
    /// Past the commands a chapter has that lab reads
    /// ([`crate::book::caps::COMMANDS`]), this step stands for the rest of
    /// its block: the lines from it on, counted, never read (probe21cf, F2).
    pub unread_lines: usize,
    /// The comments right above a block's first command (no blank line
    /// between), each with its chapter line: a title of the block, read
    /// by the replay only where it claims what the line gets
    /// (`replay/remark_title.rs`; probe21ce, H1).
    pub title: Vec<(usize, String)>,
}

/// Read and split a chapter file.
pub fn read(path: &Path) -> Result<Chapter, ChapterError> {
    read_within(path, None)
}

/// [`read`], the file read only when what was opened resolves inside
/// `home` (when given): checked on the opened file, so a swap for a link
/// between a check and the read slips nothing in (`lab book --watch`).
pub fn read_within(path: &Path, home: Option<&Path>) -> Result<Chapter, ChapterError> {
    let err = |line, message: String| ChapterError {
        file: path.to_path_buf(),
        line,
        message,
    };
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let cannot = |e: std::io::Error| err(None, format!("cannot read the chapter: {e}"));
    // Opened without blocking, then its type read from what was opened: a
    // FIFO swapped in (`lab book --watch`) never waits for a writer.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(err(None, "is not a file".into()));
    }
    super::opened_inside(&file, home, "the lab folder").map_err(|why| err(None, why))?;
    if meta.len() > MAX_BYTES as u64 {
        return Err(err(
            None,
            format!(
                "the chapter is {} bytes; at most {MAX_BYTES} are read",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_BYTES as u64)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    parse(path, &bytes)
}

/// A fence being read: its line, its text, its language, its length
/// (in backticks; negative: in tildes), and the numbered lines of its body so far.
type OpenFence = (usize, String, String, isize, Vec<(usize, String)>);

/// Split a chapter's bytes into blocks.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Chapter, ChapterError> {
    let err = |line, message: String| ChapterError {
        file: path.to_path_buf(),
        line,
        message,
    };
    let line_of = |offset: usize| bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
    if let Some(i) = bytes.iter().position(|b| *b == 0) {
        return Err(err(
            Some(line_of(i)),
            "a NUL byte: this is a binary file, not a Markdown chapter".into(),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            return Err(err(
                Some(line_of(e.valid_up_to())),
                format!(
                    "bytes that are not UTF-8 (at byte {}); a chapter is UTF-8 text",
                    e.valid_up_to()
                ),
            ));
        }
    };
    if let Some(i) = text.find('\r') {
        return Err(err(
            Some(line_of(i)),
            "a carriage return (CRLF line endings); convert the chapter to LF line endings".into(),
        ));
    }
    let unreadable = |u: html_text::Unreadable| {
        err(
            Some(u.line),
            format!("the HTML of a `<pre>` block: {}", u.why),
        )
    };
    let mut blocks = Vec::new();
    let mut open: Option<OpenFence> = None;
    // Inside an HTML comment (`<!--` opening a line, up to `-->`): what a
    // reader never sees is no block (CommonMark reads no fence there; a
    // hidden block ran and was counted).
    let mut in_comment = false;
    // Block quotes and list items around the line: a block inside one is a
    // block ([`containers`]); `fence_at`: the depth and indentation of the
    // open fence's line.
    let mut containers = containers::Containers::default();
    let mut fence_at = (0, 0);
    // A code block of raw HTML being read ([`html`]).
    let mut html_open: Option<html::HtmlBlock> = None;
    // The prose read so far, for its inline code.
    let mut prose = inline::Prose::default();
    // What a page does not show, and MDX code ([`hidden`]).
    let all: Vec<&str> = text.lines().collect();
    let unseen = hidden::read(&all).map_err(|(line, why)| err(Some(line), why))?;
    // Where an indented code block opens is pulldown-cmark's word.
    let mut indented = indented::Indented::new(indented::commonmark(&all, &unseen.skip));
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if unseen.skip[i] && open.is_none() && !in_comment && html_open.is_none() {
            indented.close(&mut blocks);
            prose.end();
            continue;
        }
        let verbatim = open.is_some() || in_comment || html_open.is_some();
        // Indentation in columns ([`columns`]); a fence's body at the
        // margin, outside any container, is kept as written.
        let expanded = if verbatim && containers.is_empty() && fence_at.1 == 0 {
            std::borrow::Cow::Borrowed(raw)
        } else {
            columns::expand(raw)
        };
        let Ok(inside) = containers.enter(&expanded, verbatim, prose.is_open()) else {
            return Err(err(
                Some(n),
                format!(
                    "block quotes and list items nested more than {MAX_NESTING} deep; a chapter nests at most {MAX_NESTING}"
                ),
            ));
        };
        if let Some(h) = &mut html_open {
            if let Some(end) = h.line(n, inside.content) {
                blocks.push(h.finish(end).map_err(unreadable)?);
                html_open = None;
            }
            continue;
        }
        if inside.depth < fence_at.0
            && let Some((start, fence, lang, _, body)) = &mut open
        {
            // The container that held the fence closed: so does the fence.
            blocks.push(Block {
                line: *start,
                fence: std::mem::take(fence),
                lang: std::mem::take(lang),
                body: std::mem::take(body),
                end: n - 1,
                hidden: None,
                unread: None,
            });
            open = None;
        }
        if inside.changed && open.is_none() {
            indented.close(&mut blocks);
        }
        let line = inside.content;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if open.is_none() && (in_comment || (indent <= 3 && trimmed.starts_with("<!--"))) {
            // `<!-->` and `<!--->` close where they open (HTML's empty
            // comment; CommonMark's end condition finds their `-->`):
            // read on, they hid the block after them (probe21q).
            let after = if in_comment {
                trimmed
            } else {
                indented.close(&mut blocks);
                &trimmed[2..]
            };
            let close = after.find("-->");
            // `--!>` ends a comment in a browser, not in CommonMark: what
            // follows is shown by one and hidden by the other (probe21ag).
            if after
                .find("--!>")
                .is_some_and(|b| close.is_none_or(|c| b < c))
            {
                return Err(err(
                    Some(n),
                    "an HTML comment here ends at `--!>` for a browser and runs on to `-->` for \
                     CommonMark: what the page shows after it is not clear, so the chapter is \
                     not read"
                        .into(),
                ));
            }
            in_comment = close.is_none();
            prose.end();
            // What follows the comment on its line is text the page shows.
            if let Some(end) = close {
                prose.line(n, &after[end + 3..], false);
            }
            continue;
        }
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let fence_len = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        if open.is_none()
            && let Some(mut h) = html::HtmlBlock::open(n, line)
        {
            indented.close(&mut blocks);
            prose.end();
            if h.done {
                blocks.push(h.finish(n).map_err(unreadable)?);
            } else {
                html_open = Some(h);
            }
            continue;
        }
        match &mut open {
            None => {
                if indent <= 3 && fence_len >= 3 {
                    let info = trimmed[fence_len..].trim();
                    if fence_char == Some('`') && info.contains('`') {
                        // Inline code that starts a line: not a fence.
                        prose.line(n, line, inside.changed);
                        continue;
                    }
                    indented.close(&mut blocks);
                    prose.end();
                    let lang = lang::lang_of(info);
                    let len = fence_len as isize * if fence_char == Some('~') { -1 } else { 1 };
                    open = Some((n, raw.to_string(), lang, len, Vec::new()));
                    fence_at = (inside.depth, indent);
                } else if indented.line(n, line, &mut blocks) {
                    prose.line(n, line, inside.changed);
                } else {
                    prose.end();
                }
            }
            Some((start, fence, lang, len, body)) => {
                let closes = fence_char == Some(if *len < 0 { '~' } else { '`' })
                    && fence_len >= len.unsigned_abs();
                if indent <= 3 && closes && trimmed[fence_len..].trim().is_empty() {
                    blocks.push(Block {
                        line: *start,
                        fence: std::mem::take(fence),
                        lang: std::mem::take(lang),
                        body: std::mem::take(body),
                        end: n,
                        hidden: None,
                        unread: None,
                    });
                    open = None;
                } else {
                    // The fence's own indentation is not the code's.
                    body.push((n, line[indent.min(fence_at.1)..].to_string()));
                }
            }
        }
        if blocks.len() > MAX_BLOCKS {
            return Err(err(
                Some(blocks[MAX_BLOCKS].line),
                format!("more than {MAX_BLOCKS} fenced blocks; a chapter has at most {MAX_BLOCKS}"),
            ));
        }
    }
    indented.close(&mut blocks);
    indented::agree(&blocks, &indented.opens, &unseen.skip)
        .map_err(|(line, why)| err(Some(line), why))?;
    blocks.extend(unseen.blocks);
    blocks.sort_by_key(|b| b.line);
    for b in &mut blocks {
        if b.hidden.is_none() {
            b.hidden = unseen.marks.hidden(b.line).map(str::to_string);
        }
        // Shown or not as CSS lab does not read decides: not guessed
        // (probe21ad: `<div hidden style="display:block">` skipped a block
        // the reader sees).
        if b.hidden.is_none()
            && let Some(why) = unseen.marks.unclear(b.line)
        {
            return Err(err(
                Some(b.line),
                format!(
                    "this block is inside {why}; whether a reader sees it is not clear, so it is neither replayed nor skipped"
                ),
            ));
        }
    }
    if let Some(mut h) = html_open {
        if h.must_close() {
            let (start, tag) = h.start();
            return Err(err(
                Some(start),
                format!("the HTML block `{}` is never closed", tag.trim()),
            ));
        }
        blocks.push(h.finish(text.lines().count()).map_err(unreadable)?);
    }
    if blocks.len() > MAX_BLOCKS {
        return Err(err(
            Some(blocks[MAX_BLOCKS].line),
            format!("more than {MAX_BLOCKS} fenced blocks; a chapter has at most {MAX_BLOCKS}"),
        ));
    }
    if let Some((start, fence, ..)) = open {
        return Err(err(
            Some(start),
            format!("the fence `{}` is never closed", fence.trim()),
        ));
    }
    prose.end();
    // Inline code the page does not show tells the reader nothing.
    let mut spans = prose.spans;
    spans.retain(|s| unseen.marks.hidden(s.line).is_none());
    Ok(Chapter {
        path: path.to_path_buf(),
        text,
        blocks,
        inline: spans,
    })
}

#[path = "parse_indented.rs"]
mod indented;

#[path = "parse_columns.rs"]
mod columns;

#[path = "parse_containers.rs"]
mod containers;

#[path = "parse_html.rs"]
mod html;

#[path = "parse_html_text.rs"]
mod html_text;

#[path = "parse_html_refs.rs"]
mod html_refs;

#[path = "parse_hidden.rs"]
mod hidden;

#[path = "parse_inline.rs"]
mod inline;
pub use inline::InlineCode;

#[path = "parse_lang.rs"]
mod lang;
pub use lang::{OUTPUT_LANGS, lang_of, shows_data};

#[path = "parse_init_advice.rs"]
mod init_advice;
pub use init_advice::is_init_advice;

#[path = "parse_lines.rs"]
mod lines;
pub use lines::{
    after_assignments, after_prompt, command_shaped, is_program, is_remark, opens_with_sign,
    signs_before_a_command, steps, steps_bounded, steps_within,
};

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "parse_pre_tests.rs"]
mod pre_tests;

#[cfg(test)]
#[path = "parse_read_tests.rs"]
mod read_tests;

#[cfg(test)]
#[path = "parse_indented_tests.rs"]
mod indented_tests;

#[cfg(test)]
#[path = "parse_hidden_tests.rs"]
mod hidden_tests;

#[cfg(test)]
#[path = "parse_mdx_tests.rs"]
mod mdx_tests;
