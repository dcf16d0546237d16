//! Unit tests of [`super`] for the bookread session (probe21z's findings
//! 1 to 3): prompts lab did not know, shell blocks under other language
//! names, tabs as indentation. Kept apart from `parse_tests.rs`, which is
//! near the 600-line bound.
use super::*;

pub(super) fn p(text: &str) -> Chapter {
    parse(Path::new("c.md"), text.as_bytes()).unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/book/bookread/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub(super) fn commands(b: &Block) -> Vec<String> {
    steps(b).0.into_iter().map(|s| s.command).collect()
}

/// Prompts of other shells and other set-ups, before a program lab lists:
/// the line is the command the reader types (probe21z, finding 1).
#[test]
fn unknown_prompts_before_a_listed_program_are_commands() {
    for prompt in [
        "node1$ ",
        "node1 $ ",
        "% ",
        "node1% ",
        "➜ ",
        "➜  ~ ",
        "❯ ",
        "λ ",
        "» ",
        "(node1) $ ",
        "(venv) node1$ ",
        "[node1]$ ",
        "[node1 ~]$ ",
        "node1:~ vagrant$ ",
        "> ",
        ">>> ",
        "node1 # ",
        "vagrant@node1 $ ",
        "root@node1# ",
        "PS C:\\lab> ",
        "me@host:~/lab (main) $ ",
        "node1 ~ % ",
    ] {
        let line = format!("{prompt}sudo ip link set cni0 down");
        assert_eq!(
            after_prompt(&line),
            Some("sudo ip link set cni0 down"),
            "{prompt:?}"
        );
    }
    // The probe's block: the line after the ping's reply is a command.
    let c = p(&fixture("prompt_node1dollar.md"));
    assert_eq!(
        commands(&c.blocks[1]),
        [
            "vagrant ssh node1",
            "ping -c 1 10.244.1.2",
            "sudo ip link set cni0 down",
            "ping -c 1 10.244.1.2",
            "exit"
        ]
    );
    let c = p(&fixture("prompt_percent.md"));
    assert!(
        commands(&c.blocks[1]).contains(&"sudo ip link set cni0 down".to_string()),
        "{:?}",
        commands(&c.blocks[1])
    );
}

/// A prompt names the machine it is on where it says one.
#[test]
fn a_prompt_of_another_shape_names_its_host() {
    let c = p("```bash\nnode1$ sudo ip link set cni0 down\n[node2]$ ip route\n% ip route\n```\n");
    let hosts: Vec<Option<String>> = steps(&c.blocks[0]).0.into_iter().map(|s| s.host).collect();
    assert_eq!(hosts, [Some("node1".into()), Some("node2".into()), None]);
}

/// Output is never read as a prompt: a ping's reply, a table's rows,
/// tcpdump's `>`, curl's progress header, an arrow in output, a program's
/// own name before `>` (a redirection), a heredoc's `> ` lines.
#[test]
fn output_is_not_read_as_a_prompt() {
    for line in [
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms",
        "nginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1",
        "12:00:00.000000 IP 10.244.1.2 > 10.244.3.3: ICMP echo request, id 1, seq 1, length 64",
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current",
        "100   612  100   612    0     0   597k      0 --:--:-- --:--:-- --:--:--  597k",
        "cni0 -> ip link",
        "a => sudo b",
        "node1 <none> ip",
        "a > b",
        "echo hi > ip",
    ] {
        assert_eq!(after_prompt(line), None, "{line:?}");
    }
    let c = p(
        "```bash\ncat <<EOF > /tmp/x\n> sudo ip link set cni0 down\n> EOF\nping -c 1 10.0.0.1\n```\n",
    );
    assert_eq!(
        commands(&c.blocks[0]),
        ["cat <<EOF > /tmp/x", "ping -c 1 10.0.0.1"]
    );
    let c = p("```bash\n$ echo a \\\n> sudo ip link set cni0 down\n```\n");
    assert_eq!(commands(&c.blocks[0]).len(), 1);
}

/// Read as renderers read info strings: pandoc's and Quarto's braces,
/// mdBook's commas, attributes after the name, other shells' names.
#[test]
fn shell_blocks_under_other_language_names_are_shell_blocks() {
    for info in [
        "{.bash}",
        "{bash}",
        "{.sh .numberLines}",
        "{#id .bash}",
        "{bash, echo=FALSE}",
        "bash,ignore",
        "BASH",
        "bash linenums=\"1\"",
        "sh {linenos=true}",
        "console?prompt=$",
        "shell-script",
        "ksh",
        "fish",
        "ShellSession",
        "bash-session",
        "sh-session",
        "zsh",
        "ps1",
        "powershell",
        "language-bash",
    ] {
        let c = p(&format!("```{info}\nping -c 1 10.0.0.1\n```\n"));
        assert!(c.blocks[0].is_shell(), "{info}");
    }
    let c = p(&fixture("lang_pandoc_bash.md"));
    assert!(c.blocks[1].is_shell());
    let c = p(&fixture("lang_mdbook_bash_ignore.md"));
    assert!(c.blocks.iter().all(Block::is_shell));
}

/// A language lab does not know, whose lines have a command's shape, is
/// read as a shell's; data and text are not; nor an unknown language
/// without such a line.
#[test]
fn an_unknown_language_with_commands_is_read_and_data_is_not() {
    for body in [
        "vagrant ssh node1\nsudo ip link set cni0 down\nexit",
        "kubectl get pods",
        "node1$ sudo ip link set cni0 down",
    ] {
        let c = p(&format!("```terminal\n{body}\n```\n"));
        assert!(c.blocks[0].is_shell(), "{body}");
    }
    for (lang, body) in [
        (
            "yaml",
            "steps:\n  - run: |\n      sudo ip link set cni0 down",
        ),
        ("json", "{\"a\": 1}"),
        ("text", "sudo ip link set cni0 down"),
        ("nohighlight", "PING 10.0.0.1"),
        ("python", "import os\nprint(1)"),
        ("terminal", "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data."),
    ] {
        let c = p(&format!("```{lang}\n{body}\n```\n"));
        assert!(!c.blocks[0].is_shell(), "{lang}");
    }
}

fn code_lines_of_lab(text: &str) -> Vec<usize> {
    let mut lines: Vec<usize> = p(text)
        .blocks
        .iter()
        .flat_map(|b| b.body.iter())
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
    lines.sort();
    lines
}

/// Tabs in indentation go to the next multiple of four columns, as
/// CommonMark reads them (probe21z, finding 3): lab calls code the lines
/// pulldown-cmark calls code.
#[test]
fn tabs_indent_as_commonmark_reads_them() {
    let texts = [
        fixture("tab_indent.md"),
        fixture("tab_hidden_change.md"),
        "Text:\n\n \tvagrant ssh node1\n  \tsudo ip link set cni0 down\n   \texit\n".into(),
        "- Ping:\n\n\t```\n\tping -c 1 10.0.0.1\n\t```\n\nafter\n".into(),
        "-\tTake it down:\n\n\t```bash\n\tsudo ip link set cni0 down\n\t```\n".into(),
        "- item\n\n  \tcode in the item\n\nprose\n".into(),
        ">\t\tcode in a quote\n".into(),
        "-\t\tcode in an item\n".into(),
        " \t```bash\n \tnot a fence: code\n".into(),
        "  ```bash\n\tping -c 1 10.0.0.1\n  ```\n".into(),
        "para\n\tlazy, not code\n".into(),
        "> - item\n>\n> \t  code in a quote's item\n".into(),
        "1.\tstep\n\n\t\tcode in a numbered item\n".into(),
        "- a\n  - b\n\n\t\tcode in a nested item\n".into(),
        "\t```bash\n\tnot a fence\n\t```\n".into(),
        "- item\n\n\t```bash\n\tsudo ip link set cni0 down\n  \t```\n".into(),
        ">\t```bash\n>\tping -c 1 10.0.0.1\n>\t```\n".into(),
    ];
    for text in &texts {
        assert_eq!(
            code_lines_of_lab(text),
            super::hidden_tests::code_lines_shown_by_pulldown(text),
            "{text:?}"
        );
    }
    // The probe's hidden change is a block of three commands.
    let c = p(&fixture("tab_hidden_change.md"));
    let cmds: Vec<Vec<String>> = c.blocks.iter().map(commands).collect();
    assert!(
        cmds.contains(&vec![
            "vagrant ssh node1".to_string(),
            "sudo ip link set cni0 down".into(),
            "exit".into()
        ]),
        "{cmds:?}"
    );
    // A fence's tab-indented body at the margin is kept as written.
    let c = p("```bash\n\tping -c 1 10.0.0.1\n```\n");
    assert_eq!(c.blocks[0].body[0].1, "\tping -c 1 10.0.0.1");
}
