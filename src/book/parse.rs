//! A chapter's Markdown, read the way a person reads it: fenced blocks, and
//! inside each block the commands, the output the book shows for each, and
//! the author's prose remarks (`(same node)`, `exit (from node1)`,
//! `(removed lines for brevity, only top few lines)`).
//!
//! A book block has no prompt marker, so a line is a command when it opens
//! the block, when it carries a `$ ` prompt, or when its first word is a
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
}

/// Read and split a chapter file.
pub fn read(path: &Path) -> Result<Chapter, ChapterError> {
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

/// A fence being read: its line, its text, its language, its length in
/// backticks, and the numbered lines of its body so far.
type OpenFence = (usize, String, String, usize, Vec<(usize, String)>);

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
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let fence_len = trimmed.bytes().take_while(|b| *b == b'`').count();
        match &mut open {
            None => {
                if indent <= 3 && fence_len >= 3 {
                    let info = trimmed[fence_len..].trim();
                    if info.contains('`') {
                        // Inline code that starts a line: not a fence.
                        continue;
                    }
                    let lang = info.split_whitespace().next().unwrap_or("").to_lowercase();
                    open = Some((n, line.to_string(), lang, fence_len, Vec::new()));
                }
            }
            Some((start, fence, lang, len, body)) => {
                if indent <= 3 && fence_len >= *len && trimmed[fence_len..].trim().is_empty() {
                    if blocks.len() == MAX_BLOCKS {
                        return Err(err(
                            Some(*start),
                            format!(
                                "more than {MAX_BLOCKS} fenced blocks; a chapter has at most {MAX_BLOCKS}"
                            ),
                        ));
                    }
                    blocks.push(Block {
                        line: *start,
                        fence: std::mem::take(fence),
                        lang: std::mem::take(lang),
                        body: std::mem::take(body),
                        end: n,
                    });
                    open = None;
                } else {
                    body.push((n, line.to_string()));
                }
            }
        }
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

/// Whether `line` is a command line in a book block (see the module doc).
fn is_command(line: &str, first: bool) -> bool {
    let t = line.trim();
    if t.is_empty() {
        return false;
    }
    if first || t.starts_with("$ ") || t == "$" || shell_prompt(t).is_some() {
        return true;
    }
    let word = t.split_whitespace().next().unwrap_or("");
    PROGRAMS.contains(&word) || word.starts_with("./") || word.starts_with('/')
}

/// Whether a whole line is a remark of the author's: `(removed lines ...)`.
pub fn is_remark(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('(') && t.ends_with(')')
}

/// The length of a shell's own prompt opening `t`, `USER@HOST:DIR$ ` or
/// `USER@HOST:DIR# ` (`vagrant@node1:~$ ping ...`): a command, as after
/// `$ ` (read as the output of the line above, it was never compared).
fn shell_prompt(t: &str) -> Option<usize> {
    let end = t.find(['$', '#'])?;
    let (who, dir) = t[..end].split_once(':')?;
    let (user, host) = who.split_once('@')?;
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    let after = &t[end + 1..];
    (word(user) && word(host) && !dir.contains(char::is_whitespace))
        .then_some(())
        .filter(|()| after.is_empty() || after.starts_with(' '))
        .map(|()| end + 1)
}

/// A command line without its prompt and trailing remark.
fn strip(line: &str) -> (String, Option<String>) {
    let mut t = line.trim();
    if let Some(n) = shell_prompt(t) {
        t = t[n..].trim();
    }
    if let Some(rest) = t.strip_prefix("$ ") {
        t = rest.trim();
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
        if is_command(line, !seen_any) {
            seen_any = true;
            let (command, remark) = strip(line);
            steps.push(Step {
                line: *n,
                written: line.clone(),
                command,
                remark,
                output: Vec::new(),
                output_at: Vec::new(),
            });
        } else if is_remark(line) {
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
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Chapter, ChapterError> {
        parse(Path::new("c.md"), text.as_bytes())
    }

    #[test]
    fn blocks_with_lines_and_languages() {
        let c =
            p("# T\n\n```bash\nping 10.0.0.1\n```\n\ntext\n```\nkubectl get nodes\n```\n").unwrap();
        assert_eq!(c.blocks.len(), 2);
        assert_eq!(
            (c.blocks[0].line, c.blocks[0].lang.as_str(), c.blocks[0].end),
            (3, "bash", 5)
        );
        assert_eq!(c.blocks[1].line, 8);
        assert!(c.blocks[1].is_shell());
    }

    #[test]
    fn bad_input_is_refused_with_its_line() {
        let e = p("a\n```bash\nls\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("never closed"), "{e}");
        let e = p("a\r\nb\r\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("CRLF"));
        let e = parse(Path::new("c.md"), b"ok\n\xff\xfe\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("UTF-8"));
        let e = parse(Path::new("c.md"), b"\x7fELF\x02\x01\x00\x00").unwrap_err();
        assert!(e.message.contains("binary"));
        let many = "```bash\nping -c 1 10.0.0.1\n```\n".repeat(MAX_BLOCKS + 1);
        let e = p(&many).unwrap_err();
        assert!(e.message.contains("more than 1000"), "{e}");
        let e = read(Path::new("/nonexistent/chapter.md")).unwrap_err();
        assert!(e.to_string().contains("cannot read the chapter"), "{e}");
    }

    #[test]
    fn steps_split_commands_output_and_remarks() {
        let c = p("```bash\nvagrant ssh node1\n\nping 10.244.1.2  (same node)\n\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n\nexit (from node1)\n```\n").unwrap();
        let (steps, prose) = steps(&c.blocks[0]);
        let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(cmds, ["vagrant ssh node1", "ping 10.244.1.2", "exit"]);
        assert_eq!(steps[1].remark.as_deref(), Some("same node"));
        assert_eq!(steps[1].output.len(), 2);
        assert!(prose.is_empty());
        let c =
            p("```bash\nkubectl logs x\n\n(removed lines for brevity)\nline one\n```\n").unwrap();
        let (steps, prose) = super::steps(&c.blocks[0]);
        assert_eq!(steps[0].output, ["line one"]);
        assert_eq!(prose[0].1, "(removed lines for brevity)");
    }

    #[test]
    fn tabs_and_blocks_without_a_language() {
        let text = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/book/tabs-and-no-language.md"
        ))
        .unwrap();
        let c = parse(Path::new("t.md"), &text).unwrap();
        assert!(c.blocks[0].is_shell() && !c.blocks[1].is_shell());
        let (steps, _) = steps(&c.blocks[0]);
        let cmds: Vec<_> = steps
            .iter()
            .map(|s| crate::book::recognize::recognize(&s.command))
            .collect();
        assert_eq!(
            cmds[0],
            Ok(crate::book::recognize::Cmd::Ssh {
                node: "node1".into()
            })
        );
        assert!(matches!(
            cmds[1],
            Ok(crate::book::recognize::Cmd::Ping { count: Some(1), .. })
        ));
        assert_eq!(steps[1].output.len(), 2);
    }

    #[test]
    fn unknown_programs_are_commands_not_output() {
        let c = p("```bash\nkubectl get nodes\nrm -rf /\n```\n").unwrap();
        let (steps, _) = steps(&c.blocks[0]);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1].command, "rm -rf /");
    }

    /// The fifth probe: `vagrant@node1:~$ ping ...` after `vagrant ssh
    /// node1` was read as that line's output, which lab never compares
    /// (it asks the node its hostname): a block claiming a reply the lab
    /// does not give was a match.
    #[test]
    fn a_shell_prompt_opens_a_command() {
        let c = p("```\n$ vagrant ssh node1\nvagrant@node1:~$ ping -c 1 10.244.2.2\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.4 ms\nroot@node1:/run# cat flannel/subnet.env\nFLANNEL_MTU=1450\nenp0s3@if2: <UP> $ # not a prompt\n```\n").unwrap();
        let (steps, _) = steps(&c.blocks[0]);
        let cmds: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            cmds,
            [
                "vagrant ssh node1",
                "ping -c 1 10.244.2.2",
                "cat flannel/subnet.env"
            ]
        );
        assert_eq!(steps[1].output.len(), 1);
        assert_eq!(steps[2].output.len(), 2);
    }
}
