//! Captures that wait for events, never for a fixed time: traffic starts
//! when every tcpdump has said `listening on` (read from its stderr through
//! a FIFO, as it prints it), and each tcpdump is stopped only when it has
//! handled every packet the kernel gave it (asked with SIGUSR1, which makes
//! tcpdump print `N packets captured, M packets received by filter, ...`
//! without stopping; captured = received means nothing is left in its
//! buffer). A tcpdump that cannot start (no such interface) ends its stderr
//! and the script goes on; none runs longer than 15 s.
//!
//! Used by the `capture` probe, by diagnostics' captures (the latter
//! with [`handshake`] when the traffic is made elsewhere, from a pod) and
//! by the book's own tcpdump lines ([`script_typed`]).

/// Shell script: a tcpdump with `filter` on each of `ifaces` (at most
/// `count` packets each), `traffic` (a command of this shell) run once all
/// listen, then each stopped when it has handled what it received. Prints
/// one `### capture-<iface>` section per interface: in tcpdump's own order,
/// its lines up to `listening on`, the packets, its closing lines.
pub fn script(ifaces: &[String], filter: &str, count: u32, traffic: &str) -> String {
    let jobs: Vec<(String, String)> = ifaces
        .iter()
        .map(|i| (i.clone(), one(&tcpdump(i, count), &format!("'{filter}'"))))
        .collect();
    scripted(&jobs, traffic, "echo \"### capture-$i\"; ")
}

/// [`script`] for one interface, its output as tcpdump's alone would be
/// (no section header).
pub fn script_one(iface: &str, filter: &str, count: u32, traffic: &str) -> String {
    let job = one(&tcpdump(iface, count), &format!("'{filter}'"));
    scripted(&[(iface.to_string(), job)], traffic, "")
}

/// A capture command line as someone typed it (the book's `tcpdump -l -n
/// -i IFACE -c N`: words of this shell, quoted), under the same events:
/// `traffic` runs once it listens; its output as tcpdump's alone would be.
/// `--immediate-mode` is added, so that what it received is handled before
/// it is stopped.
pub fn script_typed(typed: &str, traffic: &str) -> String {
    let args = typed.trim_start();
    let args = args.strip_prefix("tcpdump").unwrap_or(args).trim();
    // Inside the single quotes of `sh -c '…'`: a quote as '\''.
    let body = format!("{} --immediate-mode", args.replace('\'', "'\\''"));
    scripted(&[("typed".to_string(), one(&body, ""))], traffic, "")
}

/// tcpdump's arguments for the probes: at most `count` packets on `iface`
/// of the filter given as `$1`.
fn tcpdump(iface: &str, count: u32) -> String {
    format!("-l -n -i {iface} --immediate-mode -c {count} \"$1\"")
}

/// `jobs`: (a name for its files, its capture from [`one`]) each.
///
/// A capture that cannot write its files (the node's disk is full) exits
/// [`NO_TEMP_FILE`] saying so on stderr, after its tcpdumps ended: what it
/// saw is not a capture that saw nothing. It checks once before it starts
/// (a write whose error names the cause), and each capture counts every
/// write it makes after that.
fn scripted(jobs: &[(String, String)], traffic: &str, header: &str) -> String {
    let ifs = jobs
        .iter()
        .map(|(i, _)| i.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let started: String = jobs
        .iter()
        .map(|(i, job)| format!("i={i}; ( {job} ) & set -- \"$@\" $!; "))
        .collect();
    // Says why on stderr, removes the folder, exits NO_TEMP_FILE.
    let no_space = format!(
        "exec sh -c 'echo \"lab: the capture cannot write its temporary files in $0: \
         is the disk of the node full?\" >&2; rm -r \"$0\"; exit {NO_TEMP_FILE}' \"$d\""
    );
    format!(
        "d=$(mktemp -d) || exit {NO_TEMP_FILE}; \
         echo lab | cat >\"$d/.space\" && mkfifo \"$d/ready\" || {no_space}; set --; \
         {started}exec 4<>\"$d/ready\"; \
         for i in {ifs}; do read -r _ <&4; done; \
         {traffic} >/dev/null 2>&1; \
         for i in {ifs}; do echo go >\"$d/$i.go\"; done; \
         f=0; for j in \"$@\"; do wait $j || f=$?; done; [ $f != {NO_TEMP_FILE} ] || {no_space}; \
         for i in {ifs}; do {header}cat \"$d/$i.head\" \"$d/$i\" \"$d/$i.log\"; done; rm -r \"$d\""
    )
}

/// The exit code of a capture that cannot write its temporary files (see
/// [`scripted`]).
pub const NO_TEMP_FILE: i32 = 97;

/// One capture, its files named by `$i` in folder `$d`: `tcpdump {args}`
/// (`args` inside the single quotes of `sh -c`, `positional` its `$1`; its PID in `$d/$i.pid`,
/// its packets written to `$d/$i` by a `cat` whose failure is seen, and at
/// most 15 s under `timeout`, so none outlives a lost session), its
/// stderr read through a FIFO; says `ready` on `$d/ready` once it listens
/// (or has ended); waits for `go` on `$d/$i.go`; then asks tcpdump for its
/// counts until it has handled all it received (at most 100 times), and
/// stops it. It exits [`NO_TEMP_FILE`] if any of its writes failed (a
/// missing PID is one: never `kill 0`, the whole group), 0 otherwise.
fn one(args: &str, positional: &str) -> String {
    format!(
        "f=0; mkfifo \"$d/$i.err\" \"$d/$i.go\" || f={no_temp}; \
         timeout 15 sh -c 'echo $$ >\"$0.pid\" && exec tcpdump {args}' \"$d/$i\" {positional} \
         2>\"$d/$i.err\" | cat >\"$d/$i\" & c=$!; \
         exec 3<\"$d/$i.err\"; \
         while read -r l <&3; do echo \"$l\" >>\"$d/$i.head\" || f={no_temp}; case $l in *'listening on'*) break;; esac; done; \
         t=$(cat \"$d/$i.pid\" 2>/dev/null); [ -n \"$t\" ] || f={no_temp}; \
         echo ready >\"$d/ready\"; read -r _ <\"$d/$i.go\"; n=0; \
         while [ -n \"$t\" ] && [ $n -lt 100 ] && kill -USR1 $t 2>/dev/null; do \
         got=; while read -r l <&3; do case $l in *' captured, '*) got=$l; break;; esac; echo \"$l\" >>\"$d/$i.log\" || f={no_temp}; done; \
         [ -n \"$got\" ] || break; set -- $got; [ \"$2\" = \"$5\" ] && break; n=$((n+1)); done; \
         [ -z \"$t\" ] || kill $t 2>/dev/null; wait $c || f={no_temp}; wait; \
         cat <&3 >>\"$d/$i.log\" || f={no_temp}; exit $f",
        no_temp = NO_TEMP_FILE
    )
}

/// Whether a capture's output shows that tcpdump listened (`listening on
/// IFACE, ...`): one that never did (no such interface, no permission) saw
/// nothing, which is no evidence of what the network carried.
pub fn listened(out: &str) -> bool {
    out.lines()
        .any(|l| l.trim_start().starts_with("listening on "))
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

    /// A stand-in for tcpdump that prints what the real one does
    /// (listening, one packet, counts on SIGUSR1), in a folder to put first
    /// on PATH. Its packet is printed before it says it listens: the
    /// capture may ask for its counts as soon as it listens, and a fake
    /// that answered before printing its packet would end without it (a
    /// race of the fake's, which failed 2 runs in 60 under load).
    fn fake_tcpdump() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("tcpdump");
        std::fs::write(
            &fake,
            "#!/bin/sh\n\
             trap 'echo \"tcpdump: 1 packet captured, 1 packet received by filter, 0 packets dropped by kernel\" >&2' USR1\n\
             s=\n\
             trap 'test -n \"$s\" && kill $s; exit 0' TERM\n\
             echo \"IP 10.244.1.0 > 10.244.2.2: ICMP echo request ($4) [$*]\"\n\
             echo \"listening on $4, link-type EN10MB\" >&2\n\
             sleep 30 & s=$!\n\
             while :; do wait $s && exit 0; done\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    fn run(dir: &tempfile::TempDir, script: &str) -> String {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
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
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn traffic_starts_when_every_capture_listens_and_all_is_printed() {
        let dir = fake_tcpdump();
        let marker = dir.path().join("traffic");
        let ifaces = ["a".to_string(), "b".to_string()];
        let s = script(&ifaces, "icmp", 4, &format!("touch {}", marker.display()));
        let text = run(&dir, &s);
        assert!(marker.exists(), "the traffic ran: {text}");
        for i in ["a", "b"] {
            assert!(
                text.contains(&format!(
                    "### capture-{i}\nlistening on {i}, link-type EN10MB\n\
                     IP 10.244.1.0 > 10.244.2.2: ICMP echo request ({i}) \
                     [-l -n -i {i} --immediate-mode -c 4 icmp]\n"
                )),
                "{text}"
            );
        }
    }

    /// The book's typed line runs as typed (plus `--immediate-mode`), the
    /// traffic once it listens (the marker is made only after `listening
    /// on`), and its output is tcpdump's alone.
    #[test]
    fn a_typed_capture_waits_for_listening_not_for_a_time() {
        let dir = fake_tcpdump();
        let marker = dir.path().join("traffic");
        let listened = dir.path().join("listened");
        let s = script_typed(
            "tcpdump -l -n -i 'flannel.1' -c 4",
            &format!(
                "test -s \"$d/$i.head\" && touch {}; touch {}",
                listened.display(),
                marker.display()
            ),
        );
        let text = run(&dir, &s);
        assert!(marker.exists(), "the traffic ran: {text}");
        assert!(
            listened.exists(),
            "the traffic ran before it listened: {text}"
        );
        assert_eq!(
            text,
            "listening on flannel.1, link-type EN10MB\n\
             IP 10.244.1.0 > 10.244.2.2: ICMP echo request (flannel.1) \
             [-l -n -i flannel.1 -c 4 --immediate-mode]\n"
        );
    }
}
