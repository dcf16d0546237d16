//! A fenced block's language, read from its info string as renderers read
//! it, and whether the block is a shell's. Apart from `parse` because the
//! forms are many: pandoc's and Quarto's braces (`{.bash}`, `{bash}`,
//! `{#id .sh .numberLines}`, `{bash, echo=FALSE}`), MyST's directives
//! (`{code-block} bash`), mdBook's commas (`bash,ignore`), attributes after
//! the name (`bash linenums="1"`, `sh {linenos=true}`, `console?prompt=$`),
//! classes (`language-bash`), and the names Linguist and Pygments give
//! shells. Read by its first word alone, `{.bash}` was "not a shell" and a
//! state change in it stopped nothing (probe21z, finding 2).
//!
//! A language lab does not know is a shell's when a line of it has a
//! command's shape ([`holds_commands`]): skipped, its change was never
//! run nor reported. Text and data (`text`, `yaml`, `json`, ...) stay what
//! they are: a prompt-less `text` block stops nothing by design, and a line
//! at a prompt in one is a change told (see `replay::gone::stops`).

use super::{after_assignments, after_prompt, is_program};

/// Shells' names and their sessions' (Linguist's and Pygments' aliases),
/// lowercase, `_` read as `-`.
const SHELLS: &[&str] = &[
    "",
    "bash",
    "sh",
    "shell",
    "zsh",
    "ksh",
    "mksh",
    "pdksh",
    "fish",
    "csh",
    "tcsh",
    "ash",
    "dash",
    "console",
    "shell-session",
    "shellsession",
    "bash-session",
    "bashsession",
    "sh-session",
    "zsh-session",
    "shell-script",
    "shellscript",
    "bash-script",
    "sh-script",
    "bourne",
    "envrc",
    "openrc",
    "nu",
    "nushell",
    "xonsh",
    "elvish",
    "ps1",
    "psm1",
    "posh",
    "pwsh",
    "powershell",
    "ps",
    "bat",
    "batch",
    "cmd",
    "dosbatch",
    "doscon",
    "winbatch",
];

/// Languages that say a block is output (lowercase, as [`lang_of`] reads
/// an info string): never a shell's, and the languages
/// [`crate::book::output_below`] reads as a command's output. One list for
/// both: kept twice, `out`, `stdout`, `result` and `results` were output
/// there and a shell's here (a `result` block with a `sudo` line ran).
pub const OUTPUT_LANGS: &[&str] = &[
    "text",
    "txt",
    "plain",
    "plaintext",
    "nohighlight",
    "no-highlight",
    "none",
    "output",
    "out",
    "stdout",
    "result",
    "results",
    "log",
    "logs",
];

/// Languages that are data by design, never a shell's (nor output,
/// [`OUTPUT_LANGS`]), whatever their lines look like (a workflow's `run:
/// sudo ...` in `yaml`, a recipe's `sudo ...` in a `makefile`).
const NOT_SHELLS: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "json5",
    "jsonc",
    "toml",
    "ini",
    "cfg",
    "conf",
    "properties",
    "xml",
    "html",
    "css",
    "diff",
    "patch",
    "markdown",
    "md",
    "csv",
    "tsv",
    "hcl",
    "tf",
    "terraform",
    "dockerfile",
    "docker",
    "containerfile",
    "makefile",
    "make",
    "nginx",
    "apache",
    "sql",
    "systemd",
    "desktop",
    "env",
    "dotenv",
    "mermaid",
    "graphviz",
    "dot",
];

/// MyST's and Sphinx's directives that name the language after them.
const DIRECTIVES: &[&str] = &["code-block", "code", "sourcecode", "code-cell"];

/// The language an info string names, lowercase (`{.bash}`: `bash`).
pub fn lang_of(info: &str) -> String {
    let t = info.trim();
    let word = if let Some(inner) = t.strip_prefix('{') {
        let (inner, after) = inner.split_once('}').unwrap_or((inner, ""));
        let words: Vec<&str> = inner
            .split([' ', '\t', ','])
            .filter(|w| !w.is_empty())
            .collect();
        let named = words
            .iter()
            .find_map(|w| w.strip_prefix('.'))
            .or_else(|| {
                words
                    .iter()
                    .find(|w| !w.starts_with('#') && !w.contains('='))
                    .copied()
            })
            .unwrap_or("");
        if DIRECTIVES.contains(&named.to_ascii_lowercase().as_str()) {
            after.split_whitespace().next().unwrap_or("")
        } else {
            named
        }
    } else {
        t.split_whitespace().next().unwrap_or("")
    };
    let word = word.split([',', '?', '{']).next().unwrap_or("");
    let word = word.trim_start_matches('.');
    let word = word
        .strip_prefix("language-")
        .or_else(|| word.strip_prefix("lang-"))
        .unwrap_or(word);
    word.to_lowercase().replace('_', "-")
}

/// Whether a line has a command's shape for a block of an unknown
/// language: a listed program behind a prompt, or a line opening with
/// `vagrant`, `kubectl`, `kubeadm` or `sudo`.
fn command_line(line: &str) -> bool {
    if after_prompt(line).is_some_and(|rest| !rest.is_empty() && is_program(rest)) {
        return true;
    }
    matches!(
        after_assignments(line).split_whitespace().next(),
        Some("vagrant" | "kubectl" | "kubeadm" | "sudo")
    )
}

/// Whether a block of the language `lang` with the lines `body` is a
/// shell's (see the module doc).
pub fn is_shell(lang: &str, body: &[(usize, String)]) -> bool {
    let lang = lang_of(lang);
    if SHELLS.contains(&lang.as_str()) {
        return true;
    }
    !OUTPUT_LANGS.contains(&lang.as_str())
        && !NOT_SHELLS.contains(&lang.as_str())
        && holds_commands(body)
}

/// Whether a line of `body` has a command's shape ([`command_line`]).
pub fn holds_commands(body: &[(usize, String)]) -> bool {
    body.iter().any(|(_, l)| command_line(l))
}

/// Languages of data the book shows for what it is (a manifest, a patch),
/// judged as such ([`crate::book::replay`]'s `shown_manifest`).
const MANIFEST_LANGS: &[&str] = &["yaml", "yml", "json", "json5", "jsonc"];
const PATCH_LANGS: &[&str] = &["diff", "patch"];

/// Whether a block of the language `lang` (as [`lang_of`] reads it) with
/// the lines `body` shows data for what it is, never a command's output: a
/// manifest (a `yaml`/`json` block naming a `kind` or an `apiVersion`) or a
/// patch (a `diff` block with a hunk or a file header). Any other block of
/// a language that is not a shell's may be a command's output, read by its
/// lines ([`crate::book::output_below`]: a ping's reply in a `terminal`,
/// `ansi` or `json` block was "not commands", and skipped; probe21ay,
/// finding 2).
pub fn shows_data(lang: &str, body: &[(usize, String)]) -> bool {
    let lines = || body.iter().map(|(_, l)| l.trim());
    let manifest = |l: &str| {
        let key = l.trim_start_matches("- ").trim_start_matches(['"', '\'']);
        ["kind", "apiVersion"].iter().any(|k| {
            key.strip_prefix(k)
                .is_some_and(|rest| rest.trim_start_matches(['"', '\'']).starts_with(':'))
        })
    };
    let patch = |l: &str| l.starts_with("@@") || l.starts_with("+++ ") || l.starts_with("diff ");
    (MANIFEST_LANGS.contains(&lang) && lines().any(manifest))
        || (PATCH_LANGS.contains(&lang) && lines().any(patch))
}

#[cfg(test)]
mod tests {
    use super::shows_data;

    fn body(s: &str) -> Vec<(usize, String)> {
        s.lines()
            .enumerate()
            .map(|(n, l)| (n + 1, l.to_string()))
            .collect()
    }

    /// probe21ay, finding 2: a manifest or a patch stays one; a ping's
    /// reply in a `yaml`, `json` or `diff` block is no data of theirs.
    #[test]
    fn manifests_and_patches_are_data_and_replies_are_not() {
        let reply = body("64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms");
        for lang in ["yaml", "json", "diff", "terminal", "python"] {
            assert!(!shows_data(lang, &reply), "{lang}");
        }
        assert!(shows_data("yaml", &body("apiVersion: v1\nkind: Pod")));
        assert!(shows_data("yml", &body("---\n- kind: List")));
        assert!(shows_data(
            "json",
            &body("{\n  \"kind\": \"Pod\",\n  \"apiVersion\": \"v1\"\n}")
        ));
        assert!(shows_data(
            "diff",
            &body("--- a/f.yml\n+++ b/f.yml\n@@ -1 +1 @@")
        ));
        assert!(!shows_data(
            "diff",
            &body("--- 10.244.3.3 ping statistics ---")
        ));
        assert!(!shows_data("terminal", &body("kind: Pod")));
    }
}
