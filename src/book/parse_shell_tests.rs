//! Unit tests of [`super`] for the bookread2 session (probe21ab's findings
//! 1 and 2): prompts of any number of words, ANSI colours. Kept apart from
//! `parse_read_tests.rs` and `parse_tests.rs`.
use crate::book::parse::Block;
use crate::book::parse::{Chapter, after_prompt, parse, steps};
use std::path::Path;

fn p(text: &str) -> Chapter {
    parse(Path::new("c.md"), text.as_bytes()).unwrap()
}

fn commands(b: &Block) -> Vec<String> {
    steps(b).0.into_iter().map(|s| s.command).collect()
}

const PING: &str = "ping -c 1 10.244.1.2\n\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n";

/// probe21ab, finding 1: a prompt of four words or more (git, virtualenv,
/// themes) before a listed program is a prompt; the line was ping output.
#[test]
fn a_prompt_of_any_number_of_words_before_a_listed_program_is_one() {
    for prompt in [
        "(venv) me@host:~/lab (main) $ ",
        "vagrant@node1:~/lab (main *) $ ",
        "vagrant@node1 ~/lab (main) $ ",
        "🐳 node1 ~ ❯ ",
        "me@host:~/lab (main) [x] $ ",
        "a b c d e f g h $ ",
    ] {
        let c = p(&format!(
            "```bash\n{PING}{prompt}sudo ip link set cni0 down\n```\n"
        ));
        assert_eq!(
            commands(&c.blocks[0]),
            ["ping -c 1 10.244.1.2", "sudo ip link set cni0 down"],
            "{prompt:?}"
        );
    }
}

/// probe21ab (`pansi2.md`): a coloured prompt is read as its text.
#[test]
fn ansi_colours_are_read_past_in_a_block() {
    let c = p(&format!(
        "```bash\n{PING}\x1b[32m$\x1b[0m sudo ip link set cni0 down\n```\n"
    ));
    assert_eq!(
        commands(&c.blocks[0]),
        ["ping -c 1 10.244.1.2", "sudo ip link set cni0 down"]
    );
}

/// What a table or a sentence holds before a prompt character is no
/// prompt (a false red on chapter4 would be).
#[test]
fn words_before_an_arrow_or_a_table_cell_are_no_prompt() {
    for line in [
        "default via 10.0.2.2 dev enp0s3 -> ip route",
        "NAME  PORTS  <none> ping",
        "this is a sentence => ping",
    ] {
        assert_eq!(after_prompt(line), None, "{line}");
    }
}

/// probe21aj, finding 3: a line the reader sees as a command (its program
/// in invisible or look-alike characters) after `vagrant ssh` is a step,
/// never a login banner; recognising it says why it is not understood.
/// Seen failing first: with the parser reading the line as written, the
/// block had the one step `vagrant ssh node1`.
#[test]
fn a_disguised_command_after_vagrant_ssh_is_a_step() {
    for line in [
        "s\u{200b}udo ip link set cni0 down",
        "\u{0455}udo ip link set cni0 down",
        "s\u{00ad}udo ip link set cni0 down",
        "\u{feff}sudo ip link set cni0 down",
        "ifdow\u{043f} cni0",
    ] {
        let c = p(&format!("```bash\nvagrant ssh node1\n{line}\nexit\n```\n"));
        assert_eq!(
            commands(&c.blocks[0]),
            ["vagrant ssh node1", line, "exit"],
            "{}",
            line.escape_unicode()
        );
        let why = crate::book::recognize::recognize(line).unwrap_err();
        assert!(why.starts_with(crate::book::lookalike::DISGUISED), "{why}");
    }
    // A banner stays a banner.
    let c = p("```bash\nvagrant ssh node1\nWelcome to Ubuntu 16.04.4 LTS\nexit\n```\n");
    assert_eq!(commands(&c.blocks[0]), ["vagrant ssh node1", "exit"]);
}
