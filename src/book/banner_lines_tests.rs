//! probe21by, finding 5: what a known command prints is no login banner,
//! whatever the command; a real banner's lines are none of it.

use crate::book::apart_output::printed_by_a_command;

fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

/// Ubuntu 22.04's banner as `vagrant ssh` shows it on `ubuntu/jammy64`
/// (its landscape table of columns too), and 16.04's.
const JAMMY: &str = "Welcome to Ubuntu 22.04.4 LTS (GNU/Linux 5.15.0-105-generic x86_64)

 * Documentation:  https://help.ubuntu.com
 * Management:     https://landscape.canonical.com
 * Support:        https://ubuntu.com/pro

  System information as of Mon Dec  7 14:13:31 UTC 2026

  System load:  0.08              Processes:               101
  Usage of /:   3.6% of 38.70GB   Users logged in:         0
  Memory usage: 22%               IPv4 address for enp0s3: 10.0.2.15
  Swap usage:   0%

Expanded Security Maintenance for Applications is not enabled.

0 updates can be applied immediately.

New release '24.04.1 LTS' available.
Run 'do-release-upgrade' to upgrade to it.

Last login: Mon Dec  7 14:00:00 2026 from 10.0.2.2";

/// Seen failing first: each of these lines was "a banner lab does not
/// compare" (None), and its block skipped.
#[test]
fn a_known_commands_line_is_no_banner() {
    for line in [
        "Kernel IP routing table",
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface",
        "10.244.3.0      10.244.3.0      255.255.255.0   UG    0      0        0 enp0s8",
        "0.0.0.0         10.0.2.2        0.0.0.0         UG    100    0        0 eth0",
        "10.244.3.0/24 via 10.244.3.0 dev enp0s8 onlink",
        "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1",
        "FLANNEL_NETWORK=10.244.0.0/16",
        "FLANNEL_SUBNET=10.244.7.1/24",
        "I1207 13:45:10.408073       1 match.go:263] Using interface with name enp0s8 and address 10.100.198.201",
        "E1207 13:45:10.408073       1 main.go:289] Error registering network",
        "2018-04-21T11:29:35.123Z INFO flanneld started",
        "NAME      STATUS    ROLES     AGE       VERSION",
        "daemonset.apps/kube-flannel-ds created",
        "No resources found in default namespace.",
        "The connection to the server 10.100.198.200:6443 was refused - did you specify the right host or port?",
    ] {
        let book = lines(&format!("Welcome to Ubuntu 16.04.4 LTS\n\n{line}"));
        assert_eq!(printed_by_a_command(&book), Some(line), "{line}");
    }
    for banner in [
        JAMMY,
        "Welcome to Ubuntu 16.04.4 LTS (GNU/Linux 4.4.0-116-generic x86_64)\n\n * Documentation:  https://help.ubuntu.com\n0 packages can be updated.\nLast login: Sat Apr 21 11:29:35 2018 from 10.0.2.2",
    ] {
        assert_eq!(printed_by_a_command(&lines(banner)), None, "{banner}");
    }
}

#[test]
fn ssh_failing_is_found_and_a_banner_is_not_it() {
    for line in [
        "ssh: connect to host 127.0.0.1 port 2222: Connection refused",
        "kex_exchange_identification: read: Connection reset by peer",
        "vagrant@127.0.0.1: Permission denied (publickey).",
        "Connection closed by 127.0.0.1 port 2222",
    ] {
        let book = lines(&format!("{line}\n"));
        assert_eq!(super::ssh_failure(&book), Some(line), "{line}");
    }
    assert_eq!(super::ssh_failure(&lines(JAMMY)), None);
}

/// Ubuntu's legal notice at a user's first login, as `vagrant ssh`
/// shows it on a fresh box.
const LEGAL: &str = "The programs included with the Ubuntu system are free software;
the exact distribution terms for each program are described in the
individual files in /usr/share/doc/*/copyright.

Ubuntu comes with ABSOLUTELY NO WARRANTY, to the extent permitted by
applicable law.

To run a command as administrator (user \"root\"), use \"sudo <command>\".
See \"man sudo_root\" for details.";

/// probe21ca, lesser 1 (`WB3`): the notice's lines that open with a
/// small letter were read as commands under `vagrant ssh node1` ("`the`
/// is not a command lab replays"). Each is a banner's line, read as the
/// login's output; a line like them that is not the notice's is still a
/// command. Seen failing first: `the exact …` was a step of its own.
#[test]
fn the_first_logins_legal_notice_is_the_logins_output() {
    let block = format!("```bash\nvagrant ssh node1\n{LEGAL}\n\nping 10.244.1.2\n```\n");
    let c = crate::book::parse::parse(std::path::Path::new("c.md"), block.as_bytes()).unwrap();
    let (steps, _) = crate::book::parse::steps(&c.blocks[0]);
    let commands: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(
        commands,
        ["vagrant ssh node1", "ping 10.244.1.2"],
        "{steps:#?}"
    );
    assert_eq!(printed_by_a_command(&steps[0].output), None);
    for line in ["applicable law.", "permitted by  applicable law."] {
        assert!(super::legal_notice(line), "{line}");
    }
    for line in ["applicable law. ping 10.244.1.2", "the exact terms"] {
        assert!(!super::legal_notice(line), "{line}");
    }
}
