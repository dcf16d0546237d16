//! A line's prompt, read by its shape: the prompts of shells and themes
//! lab knows by pattern (`$ `, `user@host:~$ `, `[root@host ~]# `,
//! `node1% `, `(venv) $ `, `> `), and any other by what it is made of: a
//! leading run of signs (`➜`, `❯❯❯`, `✗`, `▶`, `🐳`, `$:`, `~ →`) with
//! what the theme shows between them (a folder, a branch), or words of a
//! prompt's shape ending in a prompt character. The line behind a prompt is
//! a command, understood or not: a prompt lab did not know hid the
//! command behind it as a login banner or as `exit`'s output (probe21aq,
//! finding 1).

use super::{command_shaped, is_program};

/// A shell prompt before a command: `$ `, `user@host:~$ `, `[root@host ~]# `,
/// `host:~# `, and `# ` when a program follows (else `#` opens a comment).
static PROMPT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:\[[\w.-]+@(?P<a>[\w.-]+)(?: [^\]]*)?\]|[\w.-]+@(?P<b>[\w.-]+)(?::[^\s$#]*)?|(?P<c>[\w.-]+):[~/][^\s$#]*)?\s?[$#](?:\s+|$)",
    )
    .expect("prompt pattern")
});

/// [`PROMPT`]'s forms that name a host, with the command typed right after
/// the prompt's character (`vagrant@node1:~$sudo …`, probe21aq `pr118`).
static GLUED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:\[[\w.-]+@(?P<a>[\w.-]+)(?: [^\]]*)?\]|[\w.-]+@(?P<b>[\w.-]+)(?::[^\s$#]*)?|(?P<c>[\w.-]+):[~/][^\s$#]*)[$#]",
    )
    .expect("glued prompt pattern")
});

/// A prompt of another shape: a host's (`node1$ `, `node1 % `, `[node1]$ `,
/// `node1:~ vagrant$ `), after a virtualenv's brackets (`(venv) $ `), or a
/// prompt character alone (`% `, `> `, `>>> `). Read as output, the
/// reader's command behind it never ran (probe21z, finding 1).
static OTHER_PROMPT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:\([\w.@:~/-]+\)\s*)?(?:\[(?P<d>[\w.-]+)(?:@(?P<e>[\w.-]+))?(?:[\s:][^\]]*)?\]|(?P<f>[\w.-]+)(?:@(?P<g>[\w.-]+))?(?::[^\s$#%>]*(?:\s[\w.-]+)?)?)?(?P<s>\s?)(?P<c>[$#%»]|>{1,3})\s+",
    )
    .expect("other prompt pattern")
});

/// Prompt characters that are letters (`λ `): a prompt all the same.
const LETTERS: &[char] = &['λ'];

/// How many words a prompt of signs shows before the command (`➜  lab
/// git:(main) ✗ `, `🐳 node1 ~ ❯ `).
const PROMPT_WORDS: usize = 6;

/// Whether `w` is a sign a prompt is made of: no letter or digit of any
/// script (`λ` aside), and past ASCII or holding a prompt's character
/// (`➜`, `✗`, `🐳`, `❯❯❯`, `$:`, `~`). What opens a comment, a list's
/// item, a table's row, a path, a quote or a redirection (`#`, `-`, `*`,
/// `|`, `/`, `"`, `>`) is none, nor bash's own `!` and `:`, a tree's lines
/// (`├──`) or a cut (`…`).
fn sign(w: &str) -> bool {
    !w.is_empty()
        && (w.chars().all(|c| !c.is_alphanumeric()) || w.chars().all(|c| LETTERS.contains(&c)))
        && !w.starts_with([
            '#', '<', '|', '-', '*', '+', '=', '/', '.', '(', '[', '{', '"', '\'', '`', '\\', '&',
            ';', ',', '_',
        ])
        && (!w.is_ascii() || w.contains(['$', '%', '>', '~', '@', '^', '?']))
        && !w.chars().all(|c| c == '>')
        && !w
            .chars()
            .all(|c| ('\u{2500}'..='\u{259f}').contains(&c) || "…⋮".contains(c))
}

/// Whether sign `w` marks a list's item or a status (`•`, `●`, `✓`,
/// `✗`): a line opening with one is a prompt only before a program lab
/// lists (`● kubelet.service - …` is `systemctl status`'s output).
fn marks(w: &str) -> bool {
    w.chars().all(|c| "•●◦▪■□○◆◇★☆✓✔✗✘☐☑☒·‣⁃".contains(c))
}

/// The words of `t` with where each starts.
fn words(t: &str) -> Vec<(usize, &str)> {
    t.split_whitespace()
        .map(|w| (w.as_ptr() as usize - t.as_ptr() as usize, w))
        .collect()
}

/// A prompt of signs (see [`sign`]) opening `t`: the command after it.
/// After its last sign (before the first program lab lists), a command of
/// any program (`❯ ifdown enp0s8`, `➜ nice sudo …`: a word there may be a
/// wrapper, read as lab cannot tell); else a program lab lists past what
/// the prompt shows between its signs (`❯ ~/lab main sudo …`).
fn signs(t: &str) -> Option<&str> {
    let words = words(t);
    if !sign(words.first()?.1) {
        return None;
    }
    let window = &words[..words.len().min(PROMPT_WORDS)];
    let listed = window
        .iter()
        .skip(1)
        .position(|(_, w)| is_program(w) && !w.contains('/'))
        .map(|i| i + 1);
    let prompt = &window[..listed.unwrap_or(window.len())];
    let after = |i: usize| Some(&t[words.get(i + 1)?.0..]).filter(|r| command(r));
    // A status's mark (`✓`, `●`) opens no prompt but before a listed
    // program; after a prompt's sign it ends one (`➜  lab git:(main) ✗ `).
    let opened = !marks(words[0].1);
    let last = prompt.iter().rposition(|(_, w)| sign(w))?;
    if let Some(rest) = after(last).filter(|_| opened) {
        return Some(rest);
    }
    listed.map(|i| &t[window[i].0..])
}

/// Whether `rest`, after a prompt's sign, is a command: a program lab
/// lists, or a command's shape of two words or more that holds no
/// version control's part of a prompt (`➜  chapter4 git:(master)` is a
/// bare prompt: a folder and a branch).
fn command(rest: &str) -> bool {
    is_program(rest)
        || (command_shaped(rest)
            && rest.split_whitespace().nth(1).is_some()
            && !rest.contains(":("))
}

/// Whether `line` opens with a sign (see [`sign`]) and shows a command
/// after one of its signs, of a program lab lists or not, with a status's
/// mark too (`✗ ifdown enp0s8`): no line a login banner or `exit` prints.
pub fn signs_before_a_command(line: &str) -> bool {
    let t = line.trim();
    let words = words(t);
    words.first().is_some_and(|(_, w)| sign(w))
        && words
            .iter()
            .take(PROMPT_WORDS)
            .zip(words.iter().skip(1))
            .any(|((_, w), (at, _))| sign(w) && command(&t[*at..]))
}

/// Whether `line` opens with a sign (see [`sign`]): a prompt of signs, bare
/// (`➜  chapter4 git:(master) ✗`) or with a command behind it.
pub fn opens_with_sign(line: &str) -> bool {
    line.split_whitespace().next().is_some_and(sign)
}

/// A line's prompt: the command after it, and the host it names.
fn prompt(line: &str) -> Option<(&str, Option<String>)> {
    let t = line.trim();
    let host = |c: &regex::Captures<'_>, names: &[&str]| {
        names
            .iter()
            .find_map(|g| c.name(g))
            .map(|m| m.as_str().to_string())
    };
    if let Some(c) = PROMPT.captures(t) {
        let rest = t[c.get(0)?.end()..].trim();
        // `# word`: a root prompt only when a program follows; `#word` never.
        if t.starts_with('#') && !(c.get(0)?.end() > 1 && is_program(rest)) {
            return None;
        }
        return Some((rest, host(&c, &["a", "b", "c"])));
    }
    // A program's own line (`echo hi > ip`) has no prompt before it.
    if is_program(t) {
        return None;
    }
    if let Some(c) = GLUED.captures(t) {
        let rest = &t[c.get(0)?.end()..];
        if is_program(rest) || command_shaped(rest) {
            return Some((rest, host(&c, &["a", "b", "c"])));
        }
    }
    let listed = |rest: &str, ps2: bool| {
        let word = super::after_assignments(rest)
            .split_whitespace()
            .next()
            .unwrap_or("");
        // `> /etc/hosts` is a heredoc's or a redirection's more often.
        is_program(rest) && !(ps2 && word.starts_with('/'))
    };
    if let Some(c) = OTHER_PROMPT.captures(t) {
        let rest = &t[c.get(0)?.end()..];
        let ch = c.name("c").map_or("", |m| m.as_str());
        let named = host(&c, &["e", "g", "d", "f"]);
        // Behind a prompt lab knows, a command of any program (`% ifdown
        // enp0s8`, `node1$ nice sudo …`), but not after a word and a space
        // before `#` or `>` (`node1 # the first node`, `a > b`), after a
        // number (`50 % done`) nor at `>>`, `>>>` (a REPL's).
        let before = &t[..c.name("s").map_or(0, |m| m.start())];
        let any = command_shaped(rest)
            && !matches!(ch, ">>" | ">>>")
            && !(matches!(ch, "#" | ">") && !c["s"].is_empty() && !before.is_empty())
            && (before.is_empty() || before.bytes().any(|b| b.is_ascii_alphabetic()));
        if listed(rest, ch.starts_with('>')) || any {
            return Some((rest, named));
        }
    }
    if let Some(rest) = signs(t) {
        return Some((rest, None));
    }
    any_prompt(t, listed)
}

/// A prompt of a shape no pattern above knows (`PS C:\lab> `,
/// `(venv) me@host:~/lab (main) $ `, `lab main ✗ `): any number of words,
/// none a program, the last ending in a prompt character or a sign (an
/// arrow, `->` or `=>`, and a table's `<none>` are none), before a listed
/// program; before any command where every word of it has a prompt's shape
/// (`vagrant@node1 ~ % ifdown enp0s8`: a user and host, a bracket, a
/// folder, a sign). Capped at three words, a git or virtualenv prompt of
/// four hid the command behind it as output (probe21ab, finding 1).
fn any_prompt(t: &str, listed: impl Fn(&str, bool) -> bool) -> Option<(&str, Option<String>)> {
    let shaped = |w: &str| w.contains('@') || w.starts_with(['(', '[', '~']) || sign(w);
    let mut rest = t;
    let mut all_shaped = true;
    loop {
        let (word, after) = rest.split_once(char::is_whitespace)?;
        if is_program(word) {
            return None;
        }
        rest = after.trim_start();
        let ends = (word.ends_with(['$', '#', '%', '>', '»', '❯', '➜', 'λ'])
            && !word.ends_with("->")
            && !word.ends_with("=>")
            && !word.starts_with('<'))
            || sign(word);
        if ends && listed(rest, word.ends_with('>')) {
            return Some((rest, None));
        }
        all_shaped &= shaped(word);
        // The prompt's last sign (`➜  chapter4 git:(master) ✗` is bare).
        let last = !rest.split_whitespace().take(PROMPT_WORDS).any(sign);
        if ends && all_shaped && last && !word.ends_with('>') && !marks(word) && command(rest) {
            return Some((rest, None));
        }
    }
}

/// The host a line's prompt names (`w1` of `vagrant@w1:~$ `), if any.
pub(super) fn prompt_host(line: &str) -> Option<String> {
    prompt(line)?.1
}

/// The command after a line's prompt, if the line has one.
pub fn after_prompt(line: &str) -> Option<&str> {
    prompt(line).map(|(rest, _)| rest)
}

#[cfg(test)]
#[path = "parse_prompt_tests.rs"]
mod tests;
