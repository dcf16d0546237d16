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
