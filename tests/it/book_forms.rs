//! `lab book` on blocks written the ways other books write them: prompts
//! of every kind, `~~~` fences, indented blocks, cut output, a node's
//! prompt instead of `vagrant ssh`.

use crate::book::{book_in, verdicts};
use crate::harness::{copy_lab, fixture, require_root, unique_name};

/// `lab book` of a throw-away copy of chapter4 with `extra` arguments.
fn book(extra: &[&str]) -> crate::book::Booked {
    let name = unique_name("bf");
    let lab = copy_lab("chapter4", &name);
    book_in(&name, lab, extra)
}

/// Blocks written the ways other books write them (`tests/fixtures/book/
/// prompts-and-fences.md`): `user@host:~$`, `[root@host ~]#` and `# `
/// prompts, a `~~~` fence, an indented block with a comment, a `route -n`
/// cut with `...`, a login banner. Each is replayed and compared: the wrong
/// TTLs are drift at their lines, the cut table is compared only on the row
/// it shows, and the banner nothing compares is never a match.
#[test]
fn prompts_tilde_fences_indented_blocks_and_cut_output_are_read_as_a_reader_reads_them() {
    require_root();
    let chapter = fixture("book/prompts-and-fences.md");
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        verdicts(&v),
        [
            (6, "match".to_string()),
            (17, "drift".into()),
            (27, "drift".into()),
            (36, "match".into()),
            (48, "skipped".into()),
        ],
        "{stdout}"
    );
    let diffs: Vec<(u64, String)> = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["commands"].as_array().unwrap().iter())
        .flat_map(|c| {
            let line = c["line"].as_u64().unwrap();
            c["differences"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |d| (line, d.as_str().unwrap().to_string()))
        })
        .collect();
    assert_eq!(diffs.len(), 2, "{diffs:?}");
    assert_eq!(diffs[0].0, 19);
    assert!(diffs[0].1.contains("ttl 61; the lab shows"), "{diffs:?}");
    assert_eq!(diffs[1].0, 29);
    assert!(diffs[1].1.contains("ttl 62; the lab shows"), "{diffs:?}");
    // Every ping of the three prompt styles ran on node1.
    let pings = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["commands"].as_array().unwrap().iter())
        .filter(|c| c["command"] == "ping -c 1 10.244.1.2" && c["ran_on"] == "node1")
        .count();
    assert_eq!(pings, 3, "{stdout}");
}

/// A line typed at a node's prompt (`vagrant@node1:~$ route -n`) with no
/// `vagrant ssh` before it runs on that node and is compared (the wrong
/// TTL is drift at its line); at the prompt of a machine that is no node of
/// the lab (`me@laptop:~$`) it runs nowhere and is not understood.
#[test]
fn a_nodes_prompt_says_where_a_line_runs() {
    require_root();
    let chapter = fixture("book/node-prompts.md");
    let (code, stdout, v, ..) = book(&["--chapter", chapter.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        verdicts(&v),
        [(5, "drift".to_string()), (17, "not_understood".into())],
        "{stdout}"
    );
    let first = &v["blocks"][0]["commands"];
    assert_eq!(first[0]["ran_on"], "node1", "{stdout}");
    assert_eq!(first[0]["verdict"], "match", "{stdout}");
    assert_eq!(first[1]["verdict"], "drift", "{stdout}");
    assert!(
        first[1]["differences"][0]
            .as_str()
            .unwrap()
            .contains("ttl 63; the lab shows"),
        "{stdout}"
    );
}
