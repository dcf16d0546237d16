//! A command a tool refused, rewritten as the tool says. The replacement is
//! read from the tool's own message, never from a rule of lab's: kubectl's
//! `exec [POD] [COMMAND] is not supported anymore. Use exec [POD] --
//! [COMMAND] instead` gives the old usage and the new one as patterns of
//! literal words and placeholders (`[POD]`, `<pod>`); the difference between
//! the two patterns (here: `--` inserted before `[COMMAND]`) is applied to
//! the book's words where the old pattern matches them, leaving every other
//! word (flags, `--kubeconfig`) where the author put it.
//!
//! Which words a placeholder takes depends on which flags take a value
//! (`-n kube-system` does, `-it` does not), which only the tool knows; so
//! each reading is tried, fewest flag values first, and the first line the
//! same tool accepts is the suggestion ([`Judge`]). A line no reading makes
//! acceptable is left as the book has it, and said so.

use async_trait::async_trait;

/// Asks the tool that refused a line whether it accepts another.
#[async_trait]
pub trait Judge: Send + Sync {
    /// `words`: the line's words after the program (`kubectl`). `Ok(true)`:
    /// accepted; `Ok(false)`: refused; `Err`: could not be asked.
    async fn accepts(&self, words: &[String]) -> Result<bool, String>;
}

/// One word of a usage pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Tok {
    Lit(String),
    Hole(String),
}

/// The old usage and the new one a refusal names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    old: Vec<Tok>,
    new: Vec<Tok>,
}

/// Phrases that end the old usage in a refusal.
const GONE: &[&str] = &[
    " is not supported",
    " is no longer supported",
    " has been removed",
    " was removed",
    " has been deprecated",
    " is deprecated",
    " is not allowed",
];

fn tokens(s: &str) -> Vec<Tok> {
    s.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '`' || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let hole = (w.starts_with('[') && w.ends_with(']') && w.len() > 2)
                || (w.starts_with('<') && w.ends_with('>') && w.len() > 2);
            if hole {
                Tok::Hole(w[1..w.len() - 1].to_uppercase())
            } else {
                Tok::Lit(w.to_string())
            }
        })
        .collect()
}

/// Read `Use NEW instead` and the old usage before `is not supported` (or
/// another of [`GONE`]) from a tool's message. `None`: it names no
/// replacement.
pub fn replacement(message: &str) -> Option<Replacement> {
    let lower = message.to_lowercase();
    let at = lower.find("use ")?;
    if at > 0 && lower.as_bytes()[at - 1].is_ascii_alphanumeric() {
        return None;
    }
    let end = at + lower[at..].find(" instead")?;
    let new = tokens(&message[at + 4..end]);
    let before = &message[..at];
    let gone = GONE.iter().filter_map(|g| before.find(g)).min()?;
    // The old usage: the words of its sentence before the phrase, without
    // the tool's `error:` and a leading `Flag`.
    let sentence = before[..gone]
        .rsplit(['.', '\n'])
        .next()
        .unwrap_or("")
        .trim();
    let old: Vec<Tok> = tokens(sentence)
        .into_iter()
        .skip_while(|t| matches!(t, Tok::Lit(w) if w.ends_with(':') || w == "Flag" || w == "flag"))
        .collect();
    (!old.is_empty() && !new.is_empty() && old != new).then_some(Replacement { old, new })
}

/// A word of the book's line: its text and byte range in the line.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(line: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        match (start, c.is_whitespace()) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push(Word {
                    text: &line[s..i],
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Where each old token stands among `w` (indices of words; the last hole
/// takes every word left), reading the flags in `valued` as taking the
/// word after them.
fn bind(old: &[Tok], w: &[Word], from: usize, valued: &[usize]) -> Option<Vec<Vec<usize>>> {
    let mut at = from;
    let mut out = Vec::new();
    for (k, t) in old.iter().enumerate() {
        // Skip flags (and the values of those read as taking one), unless
        // the flag is the literal looked for.
        let wanted = |at: usize| matches!(t, Tok::Lit(l) if w[at].text == l);
        while at < w.len() && w[at].text.starts_with('-') && w[at].text != "--" && !wanted(at) {
            at += if valued.contains(&at) { 2 } else { 1 };
        }
        if at >= w.len() {
            return None;
        }
        match t {
            Tok::Lit(l) if w[at].text == l => {
                out.push(vec![at]);
                at += 1;
            }
            Tok::Lit(_) => return None,
            Tok::Hole(_) if k + 1 == old.len() => {
                out.push((at..w.len()).collect());
                at = w.len();
            }
            Tok::Hole(_) => {
                out.push(vec![at]);
                at += 1;
            }
        }
    }
    Some(out)
}

/// An edit of the line: (byte range, text to put there).
type Edit = (std::ops::Range<usize>, String);

/// The edits that turn the old usage into the new where `at` bound it.
fn edits(r: &Replacement, w: &[Word], at: &[Vec<usize>], line_end: usize) -> Option<Vec<Edit>> {
    use similar::{DiffOp, capture_diff_slices};
    let mut out = Vec::new();
    let before = |j: usize| -> usize {
        at.get(j)
            .and_then(|ws| ws.first())
            .map(|&i| w[i].start)
            .unwrap_or(line_end)
    };
    let lits = |ts: &[Tok]| -> Option<Vec<String>> {
        ts.iter()
            .map(|t| match t {
                Tok::Lit(l) => Some(l.clone()),
                Tok::Hole(_) => None,
            })
            .collect()
    };
    for op in capture_diff_slices(similar::Algorithm::Myers, &r.old, &r.new) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                let ins = lits(&r.new[new_index..new_index + new_len])?.join(" ");
                let p = before(old_index);
                if p == line_end {
                    out.push((p..p, format!(" {ins}")));
                } else {
                    out.push((p..p, format!("{ins} ")));
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                lits(&r.old[old_index..old_index + old_len])?;
                for bound in &at[old_index..old_index + old_len] {
                    let i = *bound.first()?;
                    let end = w.get(i + 1).map(|n| n.start).unwrap_or(w[i].end);
                    out.push((w[i].start..end, String::new()));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                lits(&r.old[old_index..old_index + old_len])?;
                let ins = lits(&r.new[new_index..new_index + new_len])?.join(" ");
                let first = *at[old_index].first()?;
                let last = *at[old_index + old_len - 1].last()?;
                out.push((w[first].start..w[last].end, ins));
            }
        }
    }
    Some(out)
}

/// Apply byte edits (non-overlapping) to `s`.
fn apply(s: &str, mut e: Vec<Edit>) -> String {
    e.sort_by_key(|(r, _)| std::cmp::Reverse((r.start, r.end)));
    let mut out = s.to_string();
    for (r, t) in e {
        out.replace_range(r, &t);
    }
    out
}

/// Every way to read `command` with `r`'s old usage, fewest flag values
/// first: the command rewritten for each.
pub fn candidates(r: &Replacement, command: &str) -> Vec<String> {
    let w = words(command);
    // The tool's own words start after the program (and a `sudo`).
    let from = w
        .iter()
        .position(|x| x.text != "sudo")
        .map(|i| i + 1)
        .unwrap_or(w.len());
    // The old usage may carry leading words the line does not (`error:`):
    // the longest tail of it that starts with a literal of the line.
    let mut out = Vec::new();
    for skip in 0..r.old.len() {
        let old = &r.old[skip..];
        let Some(Tok::Lit(first)) = old.first() else {
            continue;
        };
        let Some(start) = (from..w.len()).find(|&i| w[i].text == first) else {
            continue;
        };
        let shortened = Replacement {
            old: old.to_vec(),
            new: r.new.clone(),
        };
        // Flags after the usage's first word that could take a value.
        let flags: Vec<usize> = (start + 1..w.len())
            .filter(|&i| {
                w[i].text.starts_with('-')
                    && w[i].text != "--"
                    && !w[i].text.contains('=')
                    && w.get(i + 1).is_some_and(|n| !n.text.starts_with('-'))
            })
            .take(6)
            .collect();
        let mut subsets: Vec<Vec<usize>> = (0..1u32 << flags.len())
            .map(|m| {
                flags
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| m & (1 << k) != 0)
                    .map(|(_, &i)| i)
                    .collect()
            })
            .collect();
        subsets.sort_by_key(|s: &Vec<usize>| s.len());
        for valued in subsets {
            let Some(at) = bind(old, &w, start, &valued) else {
                continue;
            };
            let Some(e) = edits(&shortened, &w, &at, command.len()) else {
                continue;
            };
            let c = apply(command, e);
            if c != command && !out.contains(&c) {
                out.push(c);
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

/// The book's command rewritten as the tool's refusal says, the first
/// reading the tool accepts; or why there is none.
pub async fn rewrite(command: &str, message: &str, judge: &dyn Judge) -> Result<String, String> {
    let r = replacement(message)
        .ok_or_else(|| "the tool's refusal names no replacement".to_string())?;
    let tried = candidates(&r, command);
    if tried.is_empty() {
        return Err("the refusal's old usage does not match the book's line".into());
    }
    for c in &tried {
        let w: Vec<String> = c
            .split_whitespace()
            .skip_while(|w| *w == "sudo")
            .skip(1)
            .map(str::to_string)
            .collect();
        if judge.accepts(&w).await? {
            return Ok(c.clone());
        }
    }
    Err(format!(
        "the tool refuses every reading of its replacement ({})",
        tried.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXEC: &str =
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead";

    /// Accepts a line as kubectl 1.32 does an `exec`: the pod before `--`,
    /// read with `-n` taking a value and `-it` none.
    struct Kubectl;

    #[async_trait]
    impl Judge for Kubectl {
        async fn accepts(&self, words: &[String]) -> Result<bool, String> {
            let mut pos = Vec::new();
            let mut i = 0;
            while i < words.len() {
                match words[i].as_str() {
                    "--" => break,
                    "-n" | "--kubeconfig" => i += 2,
                    w if w.starts_with('-') => i += 1,
                    w => {
                        pos.push(w);
                        i += 1;
                    }
                }
            }
            Ok(i < words.len() && pos.len() == 2 && pos[0] == "exec")
        }
    }

    #[test]
    fn the_message_gives_both_usages() {
        let r = replacement(EXEC).unwrap();
        assert_eq!(r.old.len(), 3);
        assert_eq!(r.new[2], Tok::Lit("--".into()));
        assert_eq!(replacement("error: unknown flag: --all-namespace"), None);
        let f = replacement("Flag --short has been deprecated, use --output=yaml instead").unwrap();
        assert_eq!(f.old, [Tok::Lit("--short".into())]);
    }

    #[tokio::test]
    async fn exec_is_rewritten_where_kubectl_accepts_it() {
        let got = rewrite(
            "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 ping 10.244.3.3",
            EXEC,
            &Kubectl,
        )
        .await;
        assert_eq!(
            got.unwrap(),
            "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 -- ping 10.244.3.3"
        );
        // `-n` takes a value: the reading with none is refused, the next is not.
        let got = rewrite(
            "kubectl --kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-v8m8f cat //run//flannel//subnet.env",
            EXEC,
            &Kubectl,
        )
        .await;
        assert_eq!(
            got.unwrap(),
            "kubectl --kubeconfig ./admin.conf exec -n kube-system kube-flannel-ds-v8m8f -- cat //run//flannel//subnet.env"
        );
    }

    #[tokio::test]
    async fn nothing_the_tool_refuses_is_suggested() {
        struct No;
        #[async_trait]
        impl Judge for No {
            async fn accepts(&self, _: &[String]) -> Result<bool, String> {
                Ok(false)
            }
        }
        let e = rewrite("kubectl exec -it p ping 10.0.0.1", EXEC, &No)
            .await
            .unwrap_err();
        assert!(e.contains("refuses every reading"), "{e}");
        let e = rewrite(
            "kubectl get pods --all-namespace",
            "error: unknown flag: --all-namespace",
            &Kubectl,
        )
        .await
        .unwrap_err();
        assert!(e.contains("names no replacement"), "{e}");
        // A deprecated flag renamed: the word is replaced where it stands.
        struct Yes;
        #[async_trait]
        impl Judge for Yes {
            async fn accepts(&self, _: &[String]) -> Result<bool, String> {
                Ok(true)
            }
        }
        let got = rewrite(
            "kubectl version --short",
            "Flag --short has been deprecated, use --output=yaml instead",
            &Yes,
        )
        .await
        .unwrap();
        assert_eq!(got, "kubectl version --output=yaml");
    }
}
