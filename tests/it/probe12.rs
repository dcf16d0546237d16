//! The twelfth probe's findings (docs/security-probe.md, "twelfth probe"),
//! each seen failing on the code before its fix.

use crate::harness::{copy_lab, require_root, unique_name};

/// False greens of `lab book`: a `cat` and an `ip route` whose book output
/// is another command's (tcpdump's banner, which comparison drops as
/// version-worded) compared nothing and matched; a ping whose replies old
/// iputils numbers `icmp_req=` was read by its facts alone, so who
/// answered (node2's pod) was never compared; a login then a ping cut to
/// `...` made a matching block of the login alone. On the code before the
/// fixes: 17, 22, 29 and 38 were `match`. The last two blocks are true and
/// stay `match`.
#[test]
fn a_claim_in_another_commands_words_or_an_old_pings_is_never_a_false_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p12", "book/probe12-claims.md");
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (7, "skipped".to_string()),
            (17, "drift".into()),
            (22, "drift".into()),
            (29, "drift".into()),
            (38, "skipped".into()),
            (47, "match".into()),
            (55, "match".into()),
        ],
        "{stdout}"
    );
}

/// Lesser findings of the same probe, one fixture: on netns a `get pods`
/// table is compared with what the lab observes, and the line's `-l
/// app=X` was not (flannel's pods for `-l app=nginx`, nginx's for `-l
/// app=redis`: skipped without a difference); a row of a newer kubectl
/// (`RESTARTS 7 (2m ago)`) was dropped, so a table of such rows compared
/// nothing; a comment at a prompt (`vagrant@node1:~$ # ping ...`) ran the
/// ping; a true capture drifted by the reader's `^C` and tcpdump's counts.
/// On the code before the fixes: 13, 24, 34 skipped, block 43 ran `ping`,
/// 49 drift.
#[test]
fn a_table_for_another_line_drifts_and_a_comment_runs_nothing() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p12", "book/probe12-tables.md");
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (3, "skipped".to_string()),
            (13, "drift".into()),
            (24, "drift".into()),
            (34, "drift".into()),
            (43, "skipped".into()),
            (49, "match".into()),
        ],
        "{stdout}"
    );
    let comment = &v["blocks"][4];
    assert_eq!(comment["line"], 43);
    assert_eq!(
        comment["commands"].as_array().map(Vec::len),
        Some(0),
        "{comment}"
    );
}

/// `lab nightly` of `lab`, its record kept in `db`, its reports in `out`.
fn nightly(work: &std::path::Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .env("LAB_STATE_DIR", work.join("state"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(work)
        .arg("nightly")
        .args(args)
        .output()
        .unwrap()
}

/// A database made a read-only `nightly report` read a file of the
/// host's: the night's `suggestion.patch` was computed from the chapter at
/// the path a run's record names, when that path is a file here. A record
/// naming a 0600 file whose line matched the record's command copied the
/// lines around it into the 0644 patch (by hand: `SECRET_TOKEN=...` of a
/// root-only file outside every lab). Databases are inputs (`nightly
/// merge` takes other machines'). Now the patch is the lab's own `book:`'s.
/// On the code before the fix the patch below held `SECRET_TOKEN`.
#[test]
fn a_database_never_makes_the_nightly_read_a_file_it_names() {
    use std::ffi::OsStr;
    require_root();
    let name = unique_name("p12");
    let lab = copy_lab("chapter4", &name);
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("history.db");
    let out = work.path().join("out");
    let night = |n: &str| {
        let o = nightly(
            work.path(),
            &[
                lab.path().as_os_str(),
                OsStr::new("--providers"),
                OsStr::new("netns"),
                OsStr::new("--night"),
                OsStr::new(n),
                OsStr::new("--db"),
                db.as_os_str(),
                OsStr::new("--out"),
                out.as_os_str(),
            ],
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    night("night-1");
    // Between the nights the chapter's first reply on node1 gets TTL 65:
    // that block newly drifts, so the night suggests a patch.
    crate::harness::edit(
        &lab.path().join("chapter.md"),
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64",
        "64 bytes from 10.244.1.2: icmp_seq=1 ttl=65",
    );
    let summary = night("night-2");
    let patch = std::fs::read_to_string(out.join("suggestion.patch")).unwrap_or_default();
    assert!(
        patch.contains("-64 bytes from 10.244.1.2: icmp_seq=1 ttl=65"),
        "{patch}\n{summary}"
    );
    // A file the record names, with the drifting command at its line.
    let secret = lab.path().join("notes").join("secret.md");
    std::fs::create_dir(secret.parent().unwrap()).unwrap();
    let mut text: Vec<String> = (1..83).map(|i| format!("filler {i}")).collect();
    text.extend(
        [
            "```",
            "ping 10.244.1.2",
            "SECRET_TOKEN=p12-hunter2",
            "64 bytes from 10.244.1.2: icmp_seq=1 ttl=65 time=0.054 ms",
            "```",
            "",
        ]
        .map(String::from),
    );
    std::fs::write(&secret, text.join("\n")).unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let changed = c
        .execute(
            "UPDATE runs SET record = json_set(record, '$.book.chapter', ?1) WHERE id = (SELECT max(id) FROM runs WHERE record IS NOT NULL)",
            [secret.to_str().unwrap()],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(c);
    let again = work.path().join("again");
    let o = nightly(
        work.path(),
        &[
            OsStr::new("report"),
            OsStr::new("--db"),
            db.as_os_str(),
            OsStr::new("--out"),
            again.as_os_str(),
        ],
    );
    let patch = std::fs::read_to_string(again.join("suggestion.patch")).unwrap_or_default();
    assert!(
        !patch.contains("SECRET_TOKEN"),
        "{patch}\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The lab's own chapter still gives the night its patch.
    assert!(
        patch.contains("-64 bytes from 10.244.1.2: icmp_seq=1 ttl=65"),
        "{patch}"
    );
}

/// `lab nightly --out DIR` wrote its pages, `nights/` and `suggestion.patch`
/// into the claims' folder (`/run/lab`), a lab's state folder and a node's
/// `/etc` (by hand: exit 1 after writing), where every other report is
/// refused. Now such a folder is a usage error, exit 2, nothing written.
#[test]
fn the_nightlys_reports_never_land_among_claims_state_or_a_nodes_files() {
    use std::ffi::OsStr;
    require_root();
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("state");
    let lab_state = state.join("p12-some-lab");
    std::fs::create_dir_all(&lab_state).unwrap();
    std::fs::write(lab_state.join("lock"), "").unwrap();
    let claims = std::path::PathBuf::from("/run/lab");
    let outs = [
        claims.join(unique_name("p12out")),
        std::path::PathBuf::from("/run/lab-root").join(unique_name("p12out")),
        lab_state.join("reports"),
    ];
    for out in &outs {
        let o = nightly(
            work.path(),
            &[
                OsStr::new("report"),
                OsStr::new("--db"),
                work.path().join("history.db").as_os_str(),
                OsStr::new("--out"),
                out.as_os_str(),
            ],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
        assert!(
            err.contains("--out") && err.contains("write reports elsewhere"),
            "{err}"
        );
        assert!(!out.exists(), "{} was made", out.display());
    }
}

/// False greens of `lab book`: a ping's replies cut in forms the cut rules
/// did not know (`⋮`, `. . .`, `# ...`, `—snip—`) or by a remark in
/// parentheses (`(output omitted)`, read as the author's prose and dropped)
/// left its header alone, which claims "no reply": a `match` against
/// node2's pod, which does not answer. On the code before the fix all six
/// were `match`; the sixth (the header alone, no cut) was `match` until
/// the fourteenth probe: no table of the chapter binds 10.244.3.3 to a lab
/// pod, and a ping to an address that is nothing of the lab's gets no
/// reply whatever the lab is (skipped now; chapter 4's own header-alone
/// ping, bound to node2's pod, still matches). The last
/// shows another ping's header (node1's own pod's) for node2's pod: `match`
/// before, now drift.
#[test]
fn replies_cut_in_other_forms_are_never_a_match() {
    require_root();
    let (stdout, v) = crate::book::chapter4_with("p12", "book/probe12-cuts.md");
    assert_eq!(
        crate::book::verdicts(&v),
        [
            (7, "skipped".to_string()),
            (13, "skipped".into()),
            (19, "skipped".into()),
            (25, "skipped".into()),
            (31, "skipped".into()),
            (39, "skipped".into()),
            (46, "drift".into()),
        ],
        "{stdout}"
    );
}
