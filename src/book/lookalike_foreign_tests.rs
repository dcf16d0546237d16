//! probe21al, finding 1 (and its lesser combining mark): characters past
//! ASCII outside [`super::fold`]'s table, in a program's name or in a line
//! that reads as ping's own. Seen failing first: with
//! [`super::foreign_program`] answering `None` and `reads_as_pings`
//! (`ping_claims.rs`) `false`, the tests below failed (the lines were a
//! banner, a program lab does not know, or no claim of ping's), but for
//! `banners_and_other_scripts_are_no_program`, which guards the other
//! side and passes either way; with them back they pass.
use super::{DISGUISED, as_typed, disguised, foreign_program};
use crate::book::compare::{not_pings_own, says_what_ping_says};
use crate::book::parse::{parse, steps};
use std::path::Path;

/// The report's lines: a small capital, a Roman numeral, an Armenian
/// letter, a braille blank between two words, a combining dot.
const DISGUISED_LINES: [&str; 6] = [
    "\u{a731}udo ip link set cni0 down",
    "\u{2170}p link set cni0 down",
    "s\u{057d}do ip link set cni0 down",
    "sudo\u{2800}ip link set cni0 down",
    "s\u{0307}udo ip link set cni0 down",
    "sudo \u{2170}p link set cni0 down",
];

#[test]
fn a_program_name_past_ascii_is_a_disguised_command() {
    for line in DISGUISED_LINES {
        let shown = line.escape_unicode().to_string();
        assert!(foreign_program(line).is_some(), "{shown}");
        assert!(disguised(line), "{shown}");
        let why = as_typed(line).unwrap_err();
        assert!(why.starts_with(DISGUISED) && why.contains("U+"), "{why}");
        let why = crate::book::recognize::recognize(line).unwrap_err();
        assert!(why.starts_with(DISGUISED), "{why}");
        // After `vagrant ssh`, in a login banner's place: a command.
        let c = parse(
            Path::new("c.md"),
            format!("```bash\nvagrant ssh node1\n{line}\nexit\n```\n").as_bytes(),
        )
        .unwrap();
        let commands: Vec<String> = steps(&c.blocks[0])
            .0
            .into_iter()
            .map(|s| s.command)
            .collect();
        assert_eq!(commands, ["vagrant ssh node1", line, "exit"], "{shown}");
        // Behind a prompt too.
        assert!(foreign_program(&format!("vagrant@node1:~$ {line}")).is_some());
    }
}

#[test]
fn banners_and_other_scripts_are_no_program() {
    for line in [
        "Welcome to Ubuntu 16.04.4 LTS (GNU/Linux 4.4.0-116-generic x86_64)",
        "Добро пожаловать в Ubuntu",
        "© 2018 Canonical Ltd.",
        "┌──────────┐",
        "日本語 の テキスト",
        " * Documentation:  https://help.ubuntu.com",
        "sudo ip link set cni0 down",
    ] {
        assert_eq!(foreign_program(line), None, "{line}");
    }
    let c = parse(
        Path::new("c.md"),
        "```bash\nvagrant ssh node1\nДобро пожаловать в Ubuntu\n© 2018 Canonical Ltd.\nexit\n```\n"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(steps(&c.blocks[0]).0.len(), 2);
}

#[test]
fn a_reply_past_ascii_is_a_claim_named_by_its_characters() {
    let header = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.".to_string();
    for line in [
        "64 bytes fr\u{0585}m 10.244.3.3: \u{2170}cmp_seq=1 tt\u{217c}=63 t\u{2170}me=0.512 ms",
        "64 bytes\u{2800}from 10.244.3.3: icmp_seq=1 ttl=63 time=0.512 ms",
        "64 byte\u{0307}s fro\u{0301}m 10.244.3.3",
        "3 packets transmi\u{a731}ted",
    ] {
        assert!(says_what_ping_says(line), "{}", line.escape_unicode());
        let d = not_pings_own(&[header.clone(), line.to_string()]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains("which ping never prints") && d[0].contains("U+"),
            "{d:?}"
        );
    }
    // The author's words past ASCII claim nothing of ping's.
    for line in ["Output omitted — see above", "(sortie tronquée)"] {
        assert!(!says_what_ping_says(line), "{line}");
    }
}

/// probe21an, what was left of finding 2: a quoted word holding a space in
/// a program's place (`"sudo ip" link …`) was split at the space; bash
/// reads one word, a program no system has, and a reader who types it
/// without its quotes runs `ip`: a disguised command, saying so. A
/// parameter's default in a program's place is what bash runs. Seen
/// failing first (the reasons said `\"` is shell syntax, and `${X:-ip}`
/// was no program).
#[test]
fn a_quoted_word_with_a_space_in_a_programs_place_is_one_word() {
    for line in [
        "\"sudo ip\" link set cni0 down",
        "'sudo ip' link set cni0 down",
        "\"ip link\" set cni0 down",
        "sudo \"ip link\" set cni0 down",
        "\"sudo ip link set cni0 down\"",
    ] {
        let why = as_typed(line).unwrap_err();
        assert!(
            why.contains("as one word") && why.contains("runs `ip`"),
            "{line}: {why}"
        );
        assert!(disguised(line), "{line}");
    }
    for line in [
        "${X:-ip} link set cni0 down",
        "${X:-sudo ip} link set cni0 down",
    ] {
        let why = as_typed(line).unwrap_err();
        assert!(why.contains("(bash runs `ip`)"), "{line}: {why}");
    }
    // A quoted argument is no program's place.
    assert!(as_typed("echo \"sudo ip\"").is_ok());
    assert!(as_typed("sudo ip link set cni0 down").is_ok());
}
