//! A chapter's Markdown, read the way a person reads it: fenced blocks, and
//! inside each block the commands, the output the book shows for each, and
//! the author's prose remarks (`(same node)`, `exit (from node1)`,
//! `(removed lines for brevity, only top few lines)`).
//!
//! A book block may have no prompt marker, so a line is a command when it
//! opens the block, when it carries a prompt (`$ `, `user@host:~$ `,
//! `[root@host ~]# `, `# ` before a program), or when its first word is a
//! program (`kubectl`, `vagrant`, `ping`, `rm`...): an unknown command is
//! still a command, so it can be reported as not understood rather than
//! mistaken for output. Everything else is the output of the command above it.
//!
//! Input that is not a readable chapter is refused here, before anything is
//! made: a missing or unreadable file, non-UTF-8 or binary bytes, CRLF line
//! endings, an unterminated fence, a file or a block count past the bounds.

use std::path::{Path, PathBuf};

/// The most a chapter may weigh, and the most blocks it may have.
pub const MAX_BYTES: usize = 4 << 20;
pub const MAX_BLOCKS: usize = 1000;

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
}

impl Block {
    /// Whether the block is meant for a shell (or says nothing, as the
    /// chapter's "Fix the issue" block does).
    pub fn is_shell(&self) -> bool {
        matches!(
            self.lang.as_str(),
            "" | "bash" | "sh" | "shell" | "console" | "shell-session" | "zsh"
        )
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
    /// The host its prompt names (`w1` of `vagrant@w1:~$ `).
    pub host: Option<String>,
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
    let mut blocks = Vec::new();
    let mut open: Option<OpenFence> = None;
    let mut indented = Indented {
        may_open: true,
        ..Indented::default()
    };
    // Inside an HTML comment (`<!--` opening a line, up to `-->`): what a
    // reader never sees is no block (CommonMark reads no fence there; a
    // hidden block ran and was counted).
    let mut in_comment = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if open.is_none() && (in_comment || (indent <= 3 && trimmed.starts_with("<!--"))) {
            let after = if in_comment {
                trimmed
            } else {
                indented.close(&mut blocks);
                &trimmed[4..]
            };
            in_comment = !after.contains("-->");
            indented.prose(line);
            continue;
        }
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let fence_len = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match &mut open {
            None => {
                if indent <= 3 && fence_len >= 3 {
                    let info = trimmed[fence_len..].trim();
                    if fence_char == Some('`') && info.contains('`') {
                        // Inline code that starts a line: not a fence.
                        indented.prose(line);
                        continue;
                    }
                    indented.close(&mut blocks);
                    let lang = info.split_whitespace().next().unwrap_or("").to_lowercase();
                    let len = fence_len as isize * if fence_char == Some('~') { -1 } else { 1 };
                    open = Some((n, line.to_string(), lang, len, Vec::new()));
                } else {
                    indented.line(n, line, &mut blocks);
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
                    });
                    open = None;
                    indented.after_fence();
                } else {
                    body.push((n, line.to_string()));
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
    Ok(Chapter {
        path: path.to_path_buf(),
        text,
        blocks,
    })
}

/// CommonMark's indented code block (four spaces or a tab), read as a
/// block without a language: it opens after a blank line (or a heading, a
/// fence, the start), never inside a list item (whose continuation lines
/// are indented too) or a paragraph; its `fence` is empty, `line` its first
/// line and `end` its last.
#[derive(Default)]
struct Indented {
    /// The previous line lets an indented block open.
    may_open: bool,
    /// Inside a list: indented lines continue its items.
    in_list: bool,
    /// The block being read, blank lines inside it kept.
    body: Vec<(usize, String)>,
}

impl Indented {
    fn code(line: &str) -> Option<&str> {
        line.strip_prefix("    ")
            .or_else(|| line.strip_prefix('\t'))
    }

    fn line(&mut self, n: usize, line: &str, blocks: &mut Vec<Block>) {
        if !self.body.is_empty() {
            if line.trim().is_empty() {
                self.body.push((n, String::new()));
                return;
            }
            if let Some(code) = Self::code(line) {
                self.body.push((n, code.to_string()));
                return;
            }
            self.close(blocks);
        }
        if self.may_open
            && !self.in_list
            && !line.trim().is_empty()
            && let Some(code) = Self::code(line)
        {
            self.body.push((n, code.to_string()));
            return;
        }
        self.prose(line);
    }

    /// A line of prose (or a heading, a list item, a blank line).
    fn prose(&mut self, line: &str) {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let marker = t.split_whitespace().next().unwrap_or("");
        let item = matches!(marker, "-" | "*" | "+")
            || marker
                .strip_suffix(['.', ')'])
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if item && indent <= 3 {
            self.in_list = true;
        } else if !t.is_empty() && indent == 0 {
            self.in_list = false;
        }
        self.may_open = t.is_empty() || t.starts_with('#');
    }

    fn after_fence(&mut self) {
        self.may_open = true;
    }

    fn close(&mut self, blocks: &mut Vec<Block>) {
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
            });
        }
        self.may_open = false;
    }
}

/// Programs whose name at the start of a line makes it a command, known to
/// `lab` or not (an unknown one is reported, never taken for output).
const PROGRAMS: &[&str] = &[
    "kubectl",
    "vagrant",
    "kubeadm",
    "ping",
    "sudo",
    "route",
    "ip",
    "cat",
    "curl",
    "tcpdump",
    "exit",
    "rm",
    "sh",
    "bash",
    "docker",
    "systemctl",
    "apt",
    "apt-get",
    "echo",
    "ls",
    "cd",
    "wget",
    "chmod",
    "chown",
    "mv",
    "cp",
    "grep",
    "ssh",
    "helm",
    "export",
    "source",
    "mkdir",
    "touch",
    "dd",
    "mkfs",
    "reboot",
    "shutdown",
    "kill",
    "killall",
    "pkill",
    "iptables",
    "tee",
    "journalctl",
    "git",
    "make",
    "python",
    "python3",
    "perl",
    "nc",
    "telnet",
    "dig",
    "nslookup",
    "traceroute",
    "ifconfig",
    "brctl",
    "bridge",
    "ethtool",
    "arp",
    "netstat",
    "ss",
    "env",
    "eval",
    "exec",
    "nohup",
    "watch",
    "sleep",
    "yes",
    "sed",
    "awk",
    "xargs",
    "find",
];

/// A shell prompt before a command: `$ `, `user@host:~$ `, `[root@host ~]# `,
/// `host:~# `, and `# ` when a program follows (else `#` opens a comment).
static PROMPT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:\[[\w.-]+@(?P<a>[\w.-]+)(?: [^\]]*)?\]|[\w.-]+@(?P<b>[\w.-]+)(?::[^\s$#]*)?|(?P<c>[\w.-]+):[~/][^\s$#]*)?\s?[$#](?:\s+|$)",
    )
    .expect("prompt pattern")
});

/// The host a line's prompt names (`w1` of `vagrant@w1:~$ `), if any.
fn prompt_host(line: &str) -> Option<String> {
    after_prompt(line)?;
    let c = PROMPT.captures(line.trim())?;
    ["a", "b", "c"]
        .iter()
        .find_map(|g| c.name(g))
        .map(|m| m.as_str().to_string())
}

/// The command after a line's prompt, if the line has one.
fn after_prompt(line: &str) -> Option<&str> {
    let t = line.trim();
    let m = PROMPT.find(t)?;
    let rest = t[m.end()..].trim();
    // `# word`: a root prompt only when a program follows; `#word` never.
    if t.starts_with('#') && !(m.end() > 1 && is_program(rest)) {
        return None;
    }
    Some(rest)
}

/// Whether the line's first word is a program (see [`PROGRAMS`]).
fn is_program(t: &str) -> bool {
    let word = t.split_whitespace().next().unwrap_or("");
    PROGRAMS.contains(&word) || word.starts_with("./") || word.starts_with('/')
}

/// A shell comment (`# ...` that is no root prompt).
fn is_comment(line: &str) -> bool {
    line.trim().starts_with('#') && after_prompt(line).is_none()
}

/// Whether `line` is a command line in a book block (see the module doc).
fn is_command(line: &str, first: bool) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    first || after_prompt(t).is_some() || is_program(t)
}

/// Whether `line`, whose first word is a program, is still the output of
/// `last`: a row of the table it prints (its header of capitals above, no
/// blank line between: a node called `cp`), or, where the block shows
/// prompts, any line without one after output began.
fn continues_output(line: &str, last: Option<&Step>, prompted: bool) -> bool {
    let Some(last) = last else { return false };
    if after_prompt(line).is_some() || last.output.last().is_none_or(|l| l.trim().is_empty()) {
        return false;
    }
    // A line that moves the reader to another machine (`exit`, `vagrant
    // ssh node2`, `ssh node2`) is a command even without a prompt: read as
    // output, the lines after it ran on the machine the reader had left.
    if matches!(
        line.split_whitespace().next(),
        Some("exit" | "logout" | "vagrant" | "ssh")
    ) {
        return false;
    }
    if prompted {
        return true;
    }
    let header = last.output.iter().find(|l| !l.trim().is_empty());
    header.is_some_and(|h| {
        let words: Vec<&str> = h.split_whitespace().collect();
        words.len() >= 2
            && words.iter().all(|w| {
                w.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_()%/".contains(&b))
            })
    }) && line.split_whitespace().count() >= 2
}

/// Whether a whole line is a remark of the author's: `(removed lines ...)`.
pub fn is_remark(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('(') && t.ends_with(')')
}

/// A remark in brackets that says output was cut (`(output omitted)`,
/// `(removed lines for brevity)`), below a step's command: a cut of its
/// output, kept in it as the cut it is. Dropped as the author's remark, a
/// table cut so was compared whole, its drift message empty (the ninth
/// probe of issue 21), and a ping's header above it claimed "no reply"
/// (the twelfth).
fn cuts_output(line: &str, step: Option<&Step>) -> bool {
    crate::book::compare::is_elision(line) && step.is_some()
}

/// A command line without its prompt and trailing remark.
fn strip(line: &str) -> (String, Option<String>) {
    let mut t = line.trim();
    if let Some(rest) = after_prompt(t) {
        t = rest;
    }
    // A trailing `# remark`, as a shell reads it (outside quotes).
    if let Some(at) = t.find(" #")
        && !t[..at].contains(['\'', '"'])
    {
        let remark = t[at + 2..].trim().to_string();
        return (t[..at].trim().to_string(), Some(remark));
    }
    if t.ends_with(')')
        && let Some(open) = t.rfind(" (")
    {
        let remark = t[open + 2..t.len() - 1].trim().to_string();
        return (t[..open].trim().to_string(), Some(remark));
    }
    (t.to_string(), None)
}

/// The block's commands, each with its output, and its prose lines.
pub fn steps(block: &Block) -> (Vec<Step>, Vec<(usize, String)>) {
    let mut steps: Vec<Step> = Vec::new();
    let mut prose = Vec::new();
    let mut seen_any = false;
    // A block whose author shows prompts: its typed lines carry one.
    let prompted = block.body.iter().any(|(_, l)| after_prompt(l).is_some());
    for (n, line) in &block.body {
        if line.trim().is_empty() {
            if let Some(s) = steps.last_mut()
                && !s.output.is_empty()
            {
                s.output.push(String::new());
                s.output_at.push(*n);
            }
            continue;
        }
        if after_prompt(line).is_some_and(|rest| rest.trim().is_empty()) {
            // A bare prompt (the terminal waiting): nothing typed, and no
            // output of the line above.
            continue;
        }
        if after_prompt(line).is_some_and(|rest| rest.starts_with('#')) {
            // A comment typed at a prompt (`vagrant@node1:~$ # ping ...`):
            // the shell runs nothing (it ran the ping: the prompt's path
            // took the `$`, and the `#` was read as a root prompt).
            prose.push((*n, line.trim().to_string()));
            continue;
        }
        if !seen_any && is_comment(line) {
            // A comment before the block's first command: prose.
            prose.push((*n, line.trim().to_string()));
            continue;
        }
        if is_command(line, !seen_any) && !continues_output(line, steps.last(), prompted) {
            seen_any = true;
            let (command, remark) = strip(line);
            steps.push(Step {
                line: *n,
                written: line.clone(),
                command,
                remark,
                output: Vec::new(),
                output_at: Vec::new(),
                host: prompt_host(line),
            });
        } else if is_remark(line) && !cuts_output(line, steps.last()) {
            prose.push((*n, line.trim().to_string()));
        } else if let Some(s) = steps.last_mut() {
            s.output.push(line.clone());
            s.output_at.push(*n);
        }
    }
    for s in &mut steps {
        while s.output.last().is_some_and(|l| l.trim().is_empty()) {
            s.output.pop();
            s.output_at.pop();
        }
    }
    (steps, prose)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
