//! What the replay of a block reads besides the block's own text, written
//! out so that two versions of a chapter can be compared (`lab book
//! --watch`, probe21ba finding 6). A block's verdict depends on:
//! - its own reading: its commands as planned (the session they are typed
//!   in, the output the block below or a lead-in pairs with them), its
//!   role to the blocks around it, its prose, the text between it and the
//!   block above, and for a block that shows a manifest the files the
//!   chapter applied before it;
//! - the chapter's reading: the book's bindings and the contradictions
//!   [`crate::book::coherence`] finds (read from every table, earlier and
//!   later alike), and the lines after which nothing is compared.
//!
//! A save that leaves a block's text alone but changes either reading
//! changes that block's verdict, so the watch must replay it. Lines are
//! written through the caller's `place`, which names a line by the block
//! it belongs to, so that text added above leaves the reading equal.

use super::gone;
use super::plan::{Planned, plan_chapter_in};
use crate::book::bind;
use crate::book::output_below;
use crate::book::parse::Chapter;
use crate::spec::Lab;

/// A chapter's reading, its lines written by `place`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// Each block's own reading, in the chapter's order.
    pub blocks: Vec<String>,
    /// The reading of the whole chapter: what every block is judged by.
    pub chapter: String,
}

/// How the readings name a chapter line.
pub trait Place {
    /// The line, named so that it survives lines added above it.
    fn name(&self, line: usize) -> String;
    /// Whether the line is in a block the save changed (its command's
    /// generation is then no fact of the chapter's: that block replays).
    fn in_changed_block(&self, line: usize) -> bool;
}

/// `text` with every line number it cites (`line 70`, `line: 70`,
/// `lines 70`) named by `place`. A citation not caught stays a number,
/// which only makes two readings differ (a replay too many).
pub fn cite(text: &str, place: &dyn Place) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("line") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let tail = tail.strip_prefix('s').map_or(tail, |t| {
            out.push('s');
            t
        });
        let gap = tail.len() - tail.trim_start_matches([':', ' ']).len();
        let (sep, after) = tail.split_at(gap);
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if gap > 0 && digits > 0 {
            out.push_str(sep);
            out.push_str(&place.name(after[..digits].parse().unwrap_or(0)));
            rest = &after[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn planned(p: &Planned, place: &dyn Place) -> String {
    let s = &p.step;
    let at: Vec<String> = s.output_at.iter().map(|l| place.name(*l)).collect();
    let remarks: Vec<(String, &String)> = s
        .remarks_below
        .iter()
        .map(|(l, r)| (place.name(*l), r))
        .collect();
    let traffic = p
        .traffic
        .as_ref()
        .map(|(n, ip, l)| format!("{n} {ip} {}", place.name(*l)));
    cite(
        &format!(
            "{} {:?} {:?} {:?} {:?} {at:?} {} {:?} {:?} {:?} {:?} {:?} {traffic:?}",
            place.name(s.line),
            s.written,
            s.command,
            s.remark,
            s.output,
            s.cut,
            s.host,
            remarks,
            p.cmd,
            p.node,
            p.traffic_for,
        ),
        place,
    )
}

fn binding(b: &bind::Binding, place: &dyn Place) -> String {
    let pods: Vec<String> = b
        .pods
        .iter()
        .map(|(name, p)| {
            format!(
                "{name} {:?} {:?} {:?} {} {} {}",
                p.kind,
                p.node,
                p.ip,
                p.index,
                p.epoch,
                place.name(p.line)
            )
        })
        .collect();
    let shown: Vec<String> = b
        .shown
        .iter()
        .map(|s| format!("{} {:?} {:?} {}", s.pod, s.node, s.ip, place.name(s.line)))
        .collect();
    let contested: Vec<String> = b
        .contested
        .iter()
        .map(|(c, why)| format!("{c:?} {}", cite(why, place)))
        .collect();
    let subnets: Vec<String> = b
        .subnets
        .iter()
        .map(|(n, node, l)| format!("{n} {node} {}", place.name(*l)))
        .collect();
    // A changed block's own commands replay in any case.
    let epochs: Vec<String> = b
        .epochs
        .iter()
        .filter(|(l, _)| !place.in_changed_block(**l))
        .map(|(l, e)| format!("{} {e}", place.name(*l)))
        .collect();
    let conflicts: Vec<String> = b
        .conflicts
        .iter()
        .map(|(l, s)| format!("{} {}", place.name(*l), cite(s, place)))
        .collect();
    let deletions: Vec<String> = b
        .deletions
        .iter()
        .map(|d| {
            format!(
                "{} {} {:?} {:?}",
                place.name(d.line),
                d.file,
                d.maker,
                d.applied.map(|l| place.name(l))
            )
        })
        .collect();
    format!(
        "{pods:?}\n{shown:?}\n{contested:?}\n{subnets:?}\n{epochs:?}\n{conflicts:?}\n{deletions:?}"
    )
}

/// The reading of `chapter` against `lab`, as the replay makes it.
pub fn read(chapter: &Chapter, lab: &Lab, place: &dyn Place) -> Reading {
    let roles = output_below::roles(chapter);
    let plans = plan_chapter_in(chapter, &roles);
    let for_binding: Vec<Vec<_>> = plans
        .iter()
        .map(|(ps, _)| ps.iter().map(|p| (p.step.clone(), p.cmd.clone())).collect())
        .collect();
    let stops: Vec<String> = gone::stops(chapter, &plans)
        .iter()
        .map(|(l, s)| cite(&format!("{} {s:?}", place.name(*l)), place))
        .collect();
    let chapter_reading = format!(
        "{}\n{stops:?}",
        binding(&bind::gather(lab, &for_binding), place)
    );
    let text: Vec<&str> = chapter.text.lines().collect();
    let mut above_from: usize = 1;
    let blocks = chapter
        .blocks
        .iter()
        .zip(&plans)
        .zip(&roles)
        .map(|((b, (ps, prose)), role)| {
            // The text between the block above and this one: its lead-in.
            let above = text
                .get(above_from.saturating_sub(1)..b.line.saturating_sub(1))
                .unwrap_or_default()
                .join("\n");
            above_from = b.end + 1;
            let steps: Vec<String> = ps.iter().map(|p| planned(p, place)).collect();
            // A manifest a block shows is judged by the files the chapter
            // applied before it ([`super::shown_variant::applied`]).
            let files_before: Vec<&str> = if b.is_shell() {
                Vec::new()
            } else {
                chapter
                    .blocks
                    .iter()
                    .take_while(|e| e.line < b.line)
                    .flat_map(|e| &e.body)
                    .map(|(_, l)| l.as_str())
                    .filter(|l| l.contains("-f") || l.contains("--filename"))
                    .collect()
            };
            cite(
                &format!(
                    "{role:?}\n{prose:?}\n{above}\n{}\n{files_before:?}",
                    steps.join("\n")
                ),
                place,
            )
        })
        .collect();
    Reading {
        blocks,
        chapter: chapter_reading,
    }
}
