use super::*;

/// probe21ab, finding 2: each line runs `sudo ip link set cni0 down` in
/// bash, and each is read past its syntax.
#[test]
fn shell_syntax_before_a_listed_program_is_read_past() {
    for line in [
        "[ -d /sys ] && sudo ip link set cni0 down",
        "[[ -d /sys ]] && sudo ip link set cni0 down",
        "(( 1 )) && sudo ip link set cni0 down",
        "\\sudo ip link set cni0 down",
        "{ sudo ip link set cni0 down; }",
        "! sudo ip link set cni0 down",
        "\"sudo\" ip link set cni0 down",
        ": ; sudo ip link set cni0 down",
        "2>/dev/null sudo ip link set cni0 down",
        "&>/dev/null sudo ip link set cni0 down",
        "OUT=\"$(sudo ip link set cni0 down)\"",
        "f() { sudo ip link set cni0 down; }; f",
        "if true; then sudo ip link set cni0 down; fi",
        "\x1b[32m$\x1b[0m sudo ip link set cni0 down",
    ] {
        assert_eq!(
            typed_program(line).as_deref(),
            Some("sudo ip link set cni0 down"),
            "{line}"
        );
        // A prompt (read past its colours) the parser reads itself.
        assert_eq!(
            hidden_program(line).is_some(),
            !line.contains('\x1b'),
            "{line}"
        );
    }
}

#[test]
fn scripts_run_by_their_path_or_sourced_are_programs() {
    for line in [". ./down.sh", "../down.sh", "~/down.sh"] {
        assert!(hidden_program(line).is_some(), "{line}");
    }
    assert!(typed_program("source ~/x.sh").is_some());
    assert!(typed_program("ping() { sudo ip link set cni0 down; command ping \"$@\"; }").is_some());
}

/// What a chapter's commands print names no program in a command's place.
#[test]
fn output_lines_run_nothing() {
    for line in [
        "kube-flannel-ds-amd64-4hqnx   1/1  Running   0   2m   10.100.198.200   master",
        "10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1",
        "default via 10.0.2.2 dev enp0s3 proto dhcp src 10.0.2.15 metric 100",
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms",
        "--- 10.244.1.2 ping statistics ---",
        "1 packets transmitted, 1 received, 0% packet loss, time 0ms",
        "rtt min/avg/max/mdev = 0.054/0.054/0.054/0.000 ms",
        "deployment.apps/nginx-deployment created",
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
        "| ip | 10.0.0.1 |",
        "#sudo ip link set cni0 down",
        "Welcome to Ubuntu 16.04.4 LTS (GNU/Linux 4.4.0-116-generic x86_64)",
        " * Documentation:  https://help.ubuntu.com",
        "<html>",
        "HTTP/1.1 200 OK",
        ". . .",
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\" />",
        "a; / >",
    ] {
        assert_eq!(typed_program(line), None, "{line}");
    }
}

#[test]
fn ansi_escapes_are_taken_off() {
    assert_eq!(strip_ansi("\x1b[1;32mok\x1b[0m"), "ok");
    assert_eq!(strip_ansi("plain"), "plain");
}

/// probe21ab (lesser, `u_linenum.md`): a line-number gutter before the
/// command the reader retypes.
#[test]
fn a_line_number_gutter_is_read_past() {
    for line in [
        "3 | sudo ip link set cni0 down",
        "3  sudo ip link set cni0 down",
        "12: sudo ip link set cni0 down",
        "3 │ sudo ip link set cni0 down",
    ] {
        assert_eq!(
            typed_program(line).as_deref(),
            Some("sudo ip link set cni0 down"),
            "{line}"
        );
    }
    assert_eq!(typed_program("0 packages can be updated."), None);
}

/// probe21an, what was left of finding 2: a word is read as bash reads it.
/// A parameter's default is what an unset parameter expands to, and bash
/// splits it (`${X:-ip} link …` runs `ip`: it was a login banner). A
/// quoted word holding a space is one word to bash (command not found),
/// but typed without its quotes it runs its first words: read so, never a
/// banner's line. Seen failing first with `parameter` expanding `${…}` to
/// nothing and `quoted` taking the words split at every space.
#[test]
fn a_word_is_read_as_bash_reads_it() {
    assert_eq!(bash_word("${X:-ip}"), "ip");
    assert_eq!(bash_word("${X=sudo}"), "sudo");
    assert_eq!(bash_word("${X:-\"sudo ip\"}"), "sudo ip");
    assert_eq!(bash_word("${X:+ip}"), "");
    assert_eq!(bash_word("s${X}udo"), "sudo");
    assert_eq!(bash_word("\"${X:-ip}\""), "ip");
    for (line, runs) in [
        ("${X:-ip} link set cni0 down", "ip link set cni0 down"),
        ("${X-ip} link set cni0 down", "ip link set cni0 down"),
        (
            "${X:-sudo ip} link set cni0 down",
            "sudo ip link set cni0 down",
        ),
        (
            "${X:-sudo} ip link set cni0 down",
            "sudo ip link set cni0 down",
        ),
        (
            "\"sudo ip\" link set cni0 down",
            "sudo ip\" link set cni0 down",
        ),
    ] {
        assert_eq!(typed_program(line).as_deref(), Some(runs), "{line}");
    }
    // An alternate value of an unset parameter is nothing.
    assert_eq!(typed_program("${X:+ip} link set cni0 down"), None);
    assert_eq!(
        shell_words("\"sudo ip\" link '${X' ${X:-a b} $'\\'' c\\ d"),
        Some(vec![
            "\"sudo ip\"",
            "link",
            "'${X'",
            "${X:-a b}",
            "$'\\''",
            "c\\ d"
        ])
    );
    // A banner's apostrophe is no quote bash waits to close: no words.
    assert_eq!(shell_words("Ubuntu's banner"), None);
}
