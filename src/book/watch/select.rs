//! Which blocks a save makes stale. The chapter before and after the save
//! are compared block by block by content (a block moved down by lines
//! added above it is the same block); each block whose text changed is
//! replayed, and so are the blocks after a changed block that changes the
//! lab's state (a `kubectl apply|delete -f`), up to the next block that
//! changes it again: they ran in the state it made; and the later blocks
//! that use a name or address a changed table (`kubectl get`) shows, before
//! or after the save: the book's bindings come from its tables. Every other
//! block keeps its last verdict, moved to its new line.

use crate::book::parse::{self, Block, Chapter};
use crate::book::recognize::{Cmd, KubeAction, recognize};
use crate::book::{BlockReport, BookReport};
use std::collections::BTreeSet;

/// What a block is, for comparing two versions of a chapter.
fn key(b: &Block) -> (String, Vec<String>) {
    (
        b.fence.clone(),
        b.body.iter().map(|(_, l)| l.clone()).collect(),
    )
}

/// Whether a block changes the lab's state (applies or deletes a file).
pub fn changes_state(b: &Block) -> bool {
    b.is_shell()
        && parse::steps(b).0.iter().any(|s| {
            matches!(
                recognize(&s.command),
                Ok(Cmd::Kubectl(k)) if matches!(k.action, KubeAction::Apply { .. } | KubeAction::Delete { .. })
            )
        })
}

/// The blocks of `new` to replay (by index), and the last verdicts of the
/// others, moved to their new lines (None where a block is replayed).
pub fn select(
    old: &Chapter,
    new: &Chapter,
    last: &BookReport,
) -> (Vec<usize>, Vec<Option<BlockReport>>) {
    use similar::{DiffOp, capture_diff_slices};
    let ok: Vec<_> = old.blocks.iter().map(key).collect();
    let nk: Vec<_> = new.blocks.iter().map(key).collect();
    let mut same: Vec<Option<usize>> = vec![None; new.blocks.len()];
    for op in capture_diff_slices(similar::Algorithm::Myers, &ok, &nk) {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for k in 0..len {
                same[new_index + k] = Some(old_index + k);
            }
        }
    }
    // Names and addresses a changed table (a `kubectl get`) shows, before
    // or after the save: the book's bindings, which later blocks use.
    let defines = |b: &Block| {
        b.body
            .iter()
            .any(|(_, l)| l.contains("kubectl") && l.contains(" get "))
    };
    let mut matched_old = vec![false; old.blocks.len()];
    for o in same.iter().flatten() {
        matched_old[*o] = true;
    }
    let mut bound: BTreeSet<String> = BTreeSet::new();
    let changed_tables = new
        .blocks
        .iter()
        .zip(&same)
        .filter(|(_, s)| s.is_none())
        .map(|(b, _)| b)
        .chain(
            old.blocks
                .iter()
                .zip(&matched_old)
                .filter(|(_, m)| !**m)
                .map(|(b, _)| b),
        )
        .filter(|b| defines(b));
    for b in changed_tables {
        for (_, l) in &b.body {
            bound.extend(
                l.split_whitespace()
                    .filter(|w| {
                        w.len() >= 7
                            && w.contains(|c: char| c.is_ascii_digit())
                            && w.contains(['.', '-'])
                    })
                    .map(str::to_string),
            );
        }
    }
    let mut run: BTreeSet<usize> = BTreeSet::new();
    for (i, s) in same.iter().enumerate() {
        if s.is_some() {
            continue;
        }
        run.insert(i);
        // Later blocks that use what a changed table binds.
        for (j, b) in new.blocks.iter().enumerate().skip(i + 1) {
            if b.body
                .iter()
                .any(|(_, l)| l.split_whitespace().any(|w| bound.contains(w)))
            {
                run.insert(j);
            }
        }
        if changes_state(&new.blocks[i]) {
            for j in i + 1..new.blocks.len() {
                if changes_state(&new.blocks[j]) {
                    break;
                }
                run.insert(j);
            }
        }
    }
    let kept = (0..new.blocks.len())
        .map(|i| {
            let o = same[i].filter(|_| !run.contains(&i))?;
            let mut b = last
                .blocks
                .iter()
                .find(|b| b.line == old.blocks[o].line)?
                .clone();
            let moved = |l: usize| (l + new.blocks[i].line).saturating_sub(old.blocks[o].line);
            b.line = moved(b.line);
            b.end = moved(b.end);
            for c in &mut b.commands {
                c.line = moved(c.line);
            }
            Some(b)
        })
        .collect::<Vec<_>>();
    // A block kept without a last verdict (none was recorded) is replayed.
    let run = (0..new.blocks.len())
        .filter(|i| run.contains(i) || kept[*i].is_none())
        .collect();
    (run, kept)
}

/// The variant the lab is in after `b` ran: its last command's.
pub fn variant_after(b: &BlockReport) -> Option<&str> {
    b.commands.last().map(|c| c.variant.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn chapter(text: &str) -> Chapter {
        parse::parse(Path::new("c.md"), text.as_bytes()).unwrap()
    }

    fn report(c: &Chapter) -> BookReport {
        BookReport {
            version: 1,
            chapter: "c.md".into(),
            lab: "l".into(),
            provider: "netns".into(),
            known_file: String::new(),
            blocks: c
                .blocks
                .iter()
                .map(|b| BlockReport {
                    line: b.line,
                    end: b.end,
                    fence: b.fence.clone(),
                    verdict: crate::book::Verdict::Match,
                    commands: vec![],
                    prose: vec![],
                    duration_s: 0.0,
                })
                .collect(),
            summary: Default::default(),
            stale: vec![],
            blessed: false,
            kubectl_matrix: None,
            verdict: None,
            text: String::new(),
        }
    }

    const TEXT: &str = "# c\n\n```bash\nvagrant ssh node1\nping -c 1 10.0.0.1\n```\n\n```bash\nkubectl apply -f fix.yml\n```\n\n```bash\nvagrant ssh node1\nroute -n\n```\n\n```bash\nkubectl apply -f web.yaml\n```\n\n```bash\nvagrant ssh node2\n```\n";

    #[test]
    fn a_changed_block_alone_is_replayed_and_the_rest_move() {
        let old = chapter(TEXT);
        let new = chapter(&format!(
            "intro\n\n{}",
            TEXT.replace("10.0.0.1", "10.0.0.2")
        ));
        let (run, kept) = select(&old, &new, &report(&old));
        assert_eq!(run, [0]);
        assert_eq!(kept[1].as_ref().unwrap().line, new.blocks[1].line);
        assert_eq!(new.blocks[1].line, old.blocks[1].line + 2);
    }

    #[test]
    fn blocks_after_a_changed_state_change_are_replayed_to_the_next_one() {
        let old = chapter(TEXT);
        let new = chapter(&TEXT.replace("fix.yml", "fix2.yml"));
        let (run, _) = select(&old, &new, &report(&old));
        assert_eq!(run, [1, 2]);
        let (run, _) = select(&old, &old, &report(&old));
        assert!(run.is_empty());
    }

    #[test]
    fn blocks_using_a_changed_tables_addresses_are_replayed() {
        let text = "```bash\nkubectl get pods -o wide\nNAME READY IP NODE\nweb-abcdefghij-x1 1/1 10.244.1.2 node1\n```\n\n```bash\nvagrant ssh node2\nroute -n\n```\n\n```bash\nvagrant ssh node2\nping -c 1 10.244.1.2\n```\n";
        let old = chapter(text);
        let new = chapter(&text.replace("10.244.1.2 node1", "10.244.1.3 node1"));
        let (run, _) = select(&old, &new, &report(&old));
        assert_eq!(run, [0, 2]);
    }
}
