//! Captures that wait for events, never for a fixed time: traffic starts
//! when every tcpdump has said `listening on` (read from its stderr through
//! a FIFO, as it prints it), and each tcpdump is stopped only when it has
//! handled every packet the kernel gave it (asked with SIGUSR1, which makes
//! tcpdump print `N packets captured, M packets received by filter, ...`
//! without stopping; captured = received means nothing is left in its
//! buffer). A tcpdump that cannot start (no such interface) ends its stderr
//! and the script goes on; none runs longer than 15 s.
//!
//! Used by the `capture` probe, by diagnostics' captures (the latter with
//! [`handshake`] when the traffic is made elsewhere, from a pod) and by the
//! chapter's replay (the book's `tcpdump -i IFACE` with its "other
//! session"'s ping as the traffic: [`script_unfiltered`]).

/// Shell script: a tcpdump with `filter` on each of `ifaces` (at most
/// `count` packets each), `traffic` (a command of this shell) run once all
/// listen, then each stopped when it has handled what it received. Prints
/// one `### capture-<iface>` section per interface: in tcpdump's own order,
/// its lines up to `listening on`, the packets, its closing lines.
pub fn script(ifaces: &[String], filter: &str, count: u32, traffic: &str) -> String {
    scripted(
        ifaces,
        Some(filter),
        count,
        traffic,
        "echo \"### capture-$i\"; ",
    )
}

/// [`script`] for one interface, its output as tcpdump's alone would be
/// (no section header).
pub fn script_one(iface: &str, filter: &str, count: u32, traffic: &str) -> String {
    scripted(&[iface.to_string()], Some(filter), count, traffic, "")
}

/// [`script_one`] without a filter: every packet on `iface` (the book's
/// `tcpdump -i IFACE`, which the replay runs as typed). `iface` must be an
/// interface name (letters, digits, `._-`): it is written into the script.
pub fn script_unfiltered(iface: &str, count: u32, traffic: &str) -> String {
    scripted(&[iface.to_string()], None, count, traffic, "")
}

fn scripted(
    ifaces: &[String],
    filter: Option<&str>,
    count: u32,
    traffic: &str,
    header: &str,
) -> String {
    let ifs = ifaces.join(" ");
    let jobs: String = ifaces
        .iter()
        .map(|i| format!("i={i}; ( {} ) & ", one(i, filter, count)))
        .collect();
    format!(
        "d=$(mktemp -d) || exit {no_temp}; mkfifo \"$d/ready\"; \
         {jobs}exec 4<>\"$d/ready\"; \
         for i in {ifs}; do read -r _ <&4; done; \
         {traffic} >/dev/null 2>&1; \
         for i in {ifs}; do echo go >\"$d/$i.go\"; done; wait; \
         for i in {ifs}; do {header}cat \"$d/$i.head\" \"$d/$i\" \"$d/$i.log\"; done; rm -r \"$d\"",
        no_temp = super::capture::NO_TEMP_FILE
    )
}

/// One interface `iface` (also in `$i`) in folder `$d`: tcpdump (its PID in `$d/$i.pid`,
/// and at most 15 s under `timeout`, so none outlives a lost session), its
/// stderr read through a FIFO; says `ready` on `$d/ready` once it listens
/// (or has ended); waits for `go` on `$d/$i.go`; then asks tcpdump for its
/// counts until it has handled all it received (at most 100 times), and
/// stops it.
fn one(iface: &str, filter: Option<&str>, count: u32) -> String {
    let (arg, filter) = match filter {
        Some(f) => (" \"$1\"", format!(" '{f}'")),
        None => ("", String::new()),
    };
    format!(
        "mkfifo \"$d/$i.err\" \"$d/$i.go\"; \
         timeout 15 sh -c 'echo $$ >\"$0.pid\" && exec tcpdump -l -n -i {iface} --immediate-mode -c {count}{arg}' \
         \"$d/$i\"{filter} >\"$d/$i\" 2>\"$d/$i.err\" & \
         exec 3<\"$d/$i.err\"; \
         while read -r l <&3; do echo \"$l\" >>\"$d/$i.head\"; case $l in *'listening on'*) break;; esac; done; \
         t=$(cat \"$d/$i.pid\" 2>/dev/null); [ -n \"$t\" ] || t=0; \
         echo ready >\"$d/ready\"; read -r _ <\"$d/$i.go\"; n=0; \
         while [ $n -lt 100 ] && kill -USR1 $t 2>/dev/null; do \
         got=; while read -r l <&3; do case $l in *' captured, '*) got=$l; break;; esac; echo \"$l\" >>\"$d/$i.log\"; done; \
         [ -n \"$got\" ] || break; set -- $got; [ \"$2\" = \"$5\" ] && break; n=$((n+1)); done; \
         kill $t 2>/dev/null; wait; cat <&3 >>\"$d/$i.log\""
    )
}

/// Traffic made elsewhere (from a pod, through the session): the capture's
/// `traffic` is this handshake on the node, in folder `dir` that
/// [`HANDSHAKE_SETUP`] made: it says `listening` on `dir/listening` and
/// waits for `dir/made`.
pub fn handshake(dir: &str) -> String {
    format!("echo listening >{dir}/listening; read -r _ <{dir}/made")
}

/// Make the handshake's folder and FIFOs (before the capture starts);
/// prints the folder.
pub const HANDSHAKE_SETUP: &str = "d=$(mktemp -d /tmp/lab-capture.XXXXXXXX) && \
     mkfifo \"$d/listening\" \"$d/made\" && echo \"$d\"";

/// The folder [`HANDSHAKE_SETUP`] printed, if it is one.
pub fn handshake_dir(out: &str) -> Option<String> {
    let d = out.trim();
    (d.starts_with("/tmp/lab-capture.")
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b)))
    .then(|| d.to_string())
}

/// Wait (at most 10 s) until the capture listens.
pub fn handshake_wait(dir: &str) -> String {
    format!("timeout 10 cat {dir}/listening")
}

/// Say the traffic was made (at most 10 s), and remove the folder.
pub fn handshake_done(dir: &str) -> String {
    format!("timeout 10 sh -c 'echo made >{dir}/made'; rm -r {dir}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handshake_folder_is_only_what_mktemp_prints() {
        assert_eq!(
            handshake_dir("/tmp/lab-capture.Ab3-x_9\n").as_deref(),
            Some("/tmp/lab-capture.Ab3-x_9")
        );
        for bad in [
            "",
            "/tmp/other",
            "/tmp/lab-capture.a; rm x",
            "mktemp: failed",
        ] {
            assert_eq!(handshake_dir(bad), None, "{bad}");
        }
    }

    /// A stand-in tcpdump in `dir` that prints what the real one does
    /// (listening, one packet, counts on SIGUSR1), and its arguments to
    /// `dir/args`.
    fn fake_tcpdump(dir: &std::path::Path) {
        let fake = dir.join("tcpdump");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh
echo \"$*\" >>{}
\
             trap 'echo \"tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\" >&2' USR1\n\
             trap 'kill $s; exit 0' TERM\n\
             echo \"listening on $4, link-type EN10MB\" >&2\n\
             echo \"IP 10.244.1.0 > 10.244.2.2: ICMP echo request ($4)\"\n\
             sleep 30 & s=$!\n\
             while :; do wait $s && exit 0; done\n",
                dir.join("args").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn sh(dir: &std::path::Path, script: &str) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env(
                "PATH",
                format!("{}:{}", dir.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The replay's capture: the book's interface, no filter, the traffic
    /// once tcpdump listens, tcpdump's output as its own.
    #[test]
    fn an_unfiltered_capture_is_the_books_tcpdump() {
        let dir = tempfile::tempdir().unwrap();
        fake_tcpdump(dir.path());
        let marker = dir.path().join("traffic");
        let s = script_unfiltered("flannel.1", 4, &format!("touch {}", marker.display()));
        let text = sh(dir.path(), &s);
        assert!(marker.exists(), "the traffic ran: {text}");
        assert_eq!(
            text,
            "listening on flannel.1, link-type EN10MB
\
             IP 10.244.1.0 > 10.244.2.2: ICMP echo request (flannel.1)
"
        );
        let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
        assert_eq!(
            args,
            "-l -n -i flannel.1 --immediate-mode -c 4
"
        );
    }

    /// Run `script` with `sh` where tcpdump is a stand-in that prints what
    /// the real one does (listening, one packet, counts on SIGUSR1).
    #[test]
    fn traffic_starts_when_every_capture_listens_and_all_is_printed() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("tcpdump");
        std::fs::write(
            &fake,
            "#!/bin/sh\n\
             trap 'echo \"tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\" >&2' USR1\n\
             trap 'kill $s; exit 0' TERM\n\
             echo \"listening on $4, link-type EN10MB\" >&2\n\
             echo \"IP 10.244.1.0 > 10.244.2.2: ICMP echo request ($4)\"\n\
             sleep 30 & s=$!\n\
             while :; do wait $s && exit 0; done\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let marker = dir.path().join("traffic");
        let ifaces = ["a".to_string(), "b".to_string()];
        let s = script(&ifaces, "icmp", 4, &format!("touch {}", marker.display()));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&s)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    dir.path().display(),
                    std::env::var("PATH").unwrap()
                ),
            )
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(marker.exists(), "the traffic ran: {text}");
        for i in ["a", "b"] {
            assert!(
                text.contains(&format!(
                    "### capture-{i}\nlistening on {i}, link-type EN10MB\n\
                     IP 10.244.1.0 > 10.244.2.2: ICMP echo request ({i})\n"
                )),
                "{text}"
            );
        }
    }
}
