//! Which blocks a save makes stale: the watch's verdicts must be the ones
//! a fresh `lab book` of the saved chapter gives (probe21ba finding 6). The
//! chapter before and after the save are compared block by block by
//! content (a block moved down by lines added above it is the same block);
//! replayed are
//! - each block whose text changed;
//! - each block whose text is the same but whose replay reads something
//!   else ([`reading`]): the output block paired with it or set apart
//!   under it, the session it is typed in, the text that leads into it;
//! - the blocks after a changed block that changes the lab's state (a
//!   `kubectl apply|delete -f`), up to the next block that changes it
//!   again: they ran in the state it made;
//! - every block, when the chapter's own reading changed: the book's
//!   bindings and the contradictions coherence finds come from every
//!   table, earlier blocks are judged by later tables too, and the lines
//!   after which nothing is compared end any block after them; or when a
//!   block that changed the lab's state is gone.
//!
//! Every other block keeps its last verdict, moved to its new line; the
//! chapter-wide judgement (known drift, stale entries) is made again over
//! all of them by the caller.

use crate::book::parse::{self, Block, Chapter};
use crate::book::recognize::{Cmd, KubeAction, recognize};
use crate::book::replay::reading;
use crate::book::{BlockReport, BookReport};
use crate::spec::Lab;
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

/// How the readings ([`reading`]) name a line of one version of the
/// chapter: by the block of the new version it belongs to (or follows),
/// so that a block moved by lines added above it reads the same.
struct Places<'a> {
    chapter: &'a Chapter,
    /// Each block's index in the new version and whether the save changed
    /// it (an old block changed is the new block at its place in the
    /// changed run, where the run kept its length); None for an old block
    /// removed.
    in_new: Vec<Option<(usize, bool)>>,
    /// Which version, for lines of changed blocks (never equal across).
    side: &'static str,
}

impl Places<'_> {
    /// The block holding `line`, or else the last block above it, and
    /// whether it holds it.
    fn block_at(&self, line: usize) -> Option<(usize, bool)> {
        let k = self.chapter.blocks.iter().rposition(|b| b.line <= line)?;
        Some((k, line <= self.chapter.blocks[k].end))
    }
}

impl reading::Place for Places<'_> {
    fn name(&self, line: usize) -> String {
        match self.block_at(line) {
            None => format!("top+{line}"),
            Some((k, inside)) => {
                let b = &self.chapter.blocks[k];
                let kind = |changed| if changed { "changed" } else { "b" };
                match (self.in_new[k], inside) {
                    (Some((i, c)), true) => format!("{}{i}+{}", kind(c), line - b.line),
                    (Some((i, c)), false) => format!("after-{}{i}+{}", kind(c), line - b.end),
                    (None, _) => format!("{}@{line}", self.side),
                }
            }
        }
    }

    fn in_changed_block(&self, line: usize) -> bool {
        matches!(
            self.block_at(line),
            Some((k, true)) if self.in_new[k].is_none_or(|(_, changed)| changed)
        )
    }
}

/// What a save makes the watch replay.
pub struct Selection {
    /// The blocks of the new chapter to replay (by index).
    pub run: Vec<usize>,
    /// The last verdicts of the others, moved to their new lines (None
    /// where a block is replayed).
    pub kept: Vec<Option<BlockReport>>,
    /// Why every block is replayed, where it is.
    pub whole: Option<&'static str>,
}

/// What `new` needs replayed after `old`'s last replay `last` (module
/// header), against `lab`.
pub fn select(old: &Chapter, new: &Chapter, last: &BookReport, lab: &Lab) -> Selection {
    use similar::{DiffOp, capture_diff_slices};
    let ok: Vec<_> = old.blocks.iter().map(key).collect();
    let nk: Vec<_> = new.blocks.iter().map(key).collect();
    let mut same: Vec<Option<usize>> = vec![None; new.blocks.len()];
    let mut old_in_new: Vec<Option<(usize, bool)>> = vec![None; old.blocks.len()];
    for op in capture_diff_slices(similar::Algorithm::Myers, &ok, &nk) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    same[new_index + k] = Some(old_index + k);
                    old_in_new[old_index + k] = Some((new_index + k, false));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } if old_len == new_len => {
                for k in 0..old_len {
                    old_in_new[old_index + k] = Some((new_index + k, true));
                }
            }
            _ => {}
        }
    }
    let old_places = Places {
        chapter: old,
        in_new: old_in_new.clone(),
        side: "old",
    };
    let new_places = Places {
        chapter: new,
        in_new: (0..new.blocks.len())
            .map(|i| Some((i, same[i].is_none())))
            .collect(),
        side: "new",
    };
    let before = reading::read(old, lab, &old_places);
    let after = reading::read(new, lab, &new_places);
    let removed_a_state_change = old
        .blocks
        .iter()
        .zip(&old_in_new)
        .any(|(b, i)| i.is_none() && changes_state(b));
    // A changed block that changes the lab's state, before or after the
    // save (an old block changed is the new block at its place).
    let changes_state_now_or_then = |i: usize| {
        changes_state(&new.blocks[i])
            || old
                .blocks
                .iter()
                .zip(&old_in_new)
                .any(|(b, at)| *at == Some((i, true)) && changes_state(b))
    };
    let whole = if before.chapter != after.chapter {
        Some("the book's bindings or stops changed")
    } else if removed_a_state_change {
        Some("a block that changed the lab's state is gone")
    } else {
        None
    };
    if whole.is_some() {
        return Selection {
            run: (0..new.blocks.len()).collect(),
            kept: vec![None; new.blocks.len()],
            whole,
        };
    }
    let mut run: BTreeSet<usize> = BTreeSet::new();
    for (i, s) in same.iter().enumerate() {
        match s {
            // The text is the same but what its replay reads is not (the
            // output block paired with it, its session, its lead-in).
            Some(o) if before.blocks[*o] == after.blocks[i] => continue,
            _ => {
                run.insert(i);
            }
        }
        if s.is_none() && changes_state_now_or_then(i) {
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
    Selection {
        run,
        kept,
        whole: None,
    }
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

    fn lab() -> Lab {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default()).unwrap()
    }

    fn selected(old: &Chapter, new: &Chapter) -> Selection {
        select(old, new, &report(old), &lab())
    }

    #[test]
    fn a_changed_block_alone_is_replayed_and_the_rest_move() {
        let old = chapter(TEXT);
        let new = chapter(&format!(
            "intro\n\n{}",
            TEXT.replace("10.0.0.1", "10.0.0.2")
        ));
        let s = selected(&old, &new);
        assert_eq!(s.run, [0]);
        assert!(s.whole.is_none());
        assert_eq!(s.kept[1].as_ref().unwrap().line, new.blocks[1].line);
        assert_eq!(new.blocks[1].line, old.blocks[1].line + 2);
    }

    #[test]
    fn blocks_after_a_changed_state_change_are_replayed_to_the_next_one() {
        let old = chapter(TEXT);
        let new = chapter(&TEXT.replace("fix.yml", "fix2.yml"));
        assert_eq!(selected(&old, &new).run, [1, 2]);
        assert!(selected(&old, &old).run.is_empty());
    }

    /// Probe21ba finding 6 (W2): a save that changes only the output block
    /// paired with a command replays the command's block too.
    #[test]
    fn a_changed_paired_output_replays_the_command_it_is_paired_with() {
        let text = "```bash\nvagrant ssh node1\nping -c 1 10.0.0.1\n```\n\nOutput:\n\n```text\nPING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n64 bytes from 10.0.0.1: icmp_seq=1 ttl=63 time=0.5 ms\n```\n\n```bash\nroute -n\n```\n";
        let old = chapter(text);
        let new = chapter(&text.replace("ttl=63", "ttl=99"));
        let s = selected(&old, &new);
        assert_eq!(s.run, [0, 1]);
        assert!(s.whole.is_none());
    }

    /// Probe21ba finding 6 (W1): a later table that binds differently is
    /// read by coherence against earlier blocks too: all are replayed.
    #[test]
    fn a_changed_table_replays_earlier_blocks_too() {
        let text = "```bash\nvagrant ssh node1\nping -c 1 10.244.1.2\n```\n\n```bash\nkubectl get pods -o wide\nNAME                     READY     STATUS    RESTARTS   AGE       IP           NODE\nnginx-deployment-abcdefghij-x1b2c   1/1       Running   0          1m        10.244.1.2   node1\n```\n\n```bash\nvagrant ssh node2\nroute -n\n```\n";
        let old = chapter(text);
        let new = chapter(&text.replace("10.244.1.2   node1", "10.244.1.2   node2"));
        let s = selected(&old, &new);
        assert_eq!(s.run, [0, 1, 2]);
        assert!(s.whole.is_some());
        // A table changed where it binds nothing replays itself alone.
        let new = chapter(&text.replace("Running", "Pending"));
        assert_eq!(selected(&old, &new).run, [1]);
    }

    /// The shipped chapter with a line added to its title's paragraph, and
    /// with a ping's reply changed: no binding moves, so the watch replays
    /// only the block the line leads into, then only the ping's block.
    #[test]
    fn chapter4_edited_without_binding_replays_only_what_it_touched() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("labs/chapter4/chapter.md")).unwrap();
        let old = chapter(&text);
        let new = chapter(&format!("A line added.\n\n{text}"));
        let s = selected(&old, &new);
        assert!(s.whole.is_none());
        assert_eq!(s.run, [0]);
        assert_eq!(s.kept[1].as_ref().unwrap().line, old.blocks[1].line + 2);
        let at = text.find("ttl=").unwrap();
        let changed = format!("{}ttl=9{}", &text[..at], &text[at + 5..]);
        let new = chapter(&changed);
        let s = selected(&old, &new);
        assert!(s.whole.is_none(), "{:?}", s.whole);
        assert_eq!(s.run.len(), 1);
    }
}
