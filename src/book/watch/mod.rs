//! `lab book --watch`: the chapter kept open against a lab that stays up.
//! After one whole replay, the chapter, its known-drift file and the lab's
//! files are watched through the kernel's file events (`notify`: inotify on
//! Linux; nothing polls). Their folders are watched, not the files, so an
//! editor that saves by writing a new file and renaming it is seen too; an
//! event counts only when a file's content changed.
//! - a save of the chapter replays the blocks it changed, the blocks whose
//!   replay reads something it changed (a paired output, a session) and
//!   the blocks that depend on their state, or the whole chapter where the
//!   book's bindings changed ([`select`]), each run from the variant the
//!   lab was in before it; the other blocks keep their verdicts, and known
//!   drift and stale entries are judged again over the whole chapter;
//! - a save of the known-drift file judges the last replay again;
//! - a save of the lab's files (the lab file, a manifest of any variant, a
//!   workload) loads the lab again, re-applies its first variant (the
//!   variant switch) and replays the whole chapter: such a change can
//!   change what any block saw, a block of a variant the chapter has left
//!   too, and a verdict a fresh `lab book` would not give is never kept.
//!
//! Each replayed block is one line: its opening line, its verdict, its first
//! command (each new difference below it). Bad input (a chapter that does
//! not parse, a lab file that does not validate) is said and waited out:
//! the last good one stays in use. A signal ends it ([`watch`] returns).

pub mod select;

use super::known::{self, KnownFile};
use super::parse::{self, Chapter};
use super::replay::{self, LiveTarget, Target};
use super::{BlockReport, BookReport, Homes, Verdict, judge};
use crate::error::{LabError, Result};
use crate::provider::Provider;
use crate::report::Reporter;
use crate::spec::{Lab, LoadOptions};
use crate::state::{self, State};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One line of a replayed block, cut to `width` columns.
pub fn block_line(b: &BlockReport, width: usize) -> String {
    let head = format!("{:>5}  {:<12} ", b.line, b.verdict.as_str());
    let room = width.saturating_sub(head.chars().count()).max(10);
    let cmd = b.first_command();
    let cmd = if cmd.chars().count() > room {
        format!("{}…", cmd.chars().take(room - 1).collect::<String>())
    } else {
        cmd.to_string()
    };
    format!("{head}{cmd}")
}

/// The block's new differences, one line each, cut to `width`.
fn difference_lines(b: &BlockReport, width: usize) -> Vec<String> {
    b.commands
        .iter()
        .flat_map(|c| c.differences_known())
        .filter(|(_, k)| k.is_none())
        .map(|(d, _)| {
            let l = format!("         {d}");
            if l.chars().count() > width {
                format!("{}…", l.chars().take(width - 1).collect::<String>())
            } else {
                l
            }
        })
        .collect()
}

/// Where the watch's lines go, and how wide they may be.
pub struct Sink<'a> {
    pub print: &'a (dyn Fn(&str) + Sync),
    pub width: usize,
}

impl Sink<'_> {
    fn blocks<'b>(&self, blocks: impl IntoIterator<Item = &'b BlockReport>) {
        for b in blocks {
            (self.print)(&block_line(b, self.width));
            if b.verdict == Verdict::Drift {
                for d in difference_lines(b, self.width) {
                    (self.print)(&d);
                }
            }
        }
    }
}

/// The files watched, by what they are.
struct Files {
    chapter: PathBuf,
    known: PathBuf,
    /// Where the chapter and the known-drift file must resolve.
    homes: Homes,
    /// The lab file and the manifests it names (the originals).
    lab: Vec<PathBuf>,
    /// Each file's last content seen.
    seen: BTreeMap<PathBuf, Option<Vec<u8>>>,
}

impl Files {
    fn new(chapter: &Path, known: &Path, homes: &Homes, lab: &Lab, lab_file: &Path) -> Files {
        let base = lab_file.parent().unwrap_or(Path::new("."));
        let mut f = Files {
            chapter: abs(chapter),
            known: abs(known),
            homes: homes.clone(),
            lab: state::lab_files_of(lab)
                .into_iter()
                .map(|p| abs(&base.join(p)))
                .filter(|p| *p != abs(chapter))
                .collect(),
            seen: BTreeMap::new(),
        };
        for p in f.all() {
            let c = f.content(&p);
            f.seen.insert(p, c);
        }
        f
    }

    /// [`seen_content`] of a watched file, never read where the start's
    /// rules would not read it (a chapter or known-drift file swapped for a
    /// link out of its folder: `None`, a change its check then says).
    fn content(&self, p: &Path) -> Option<Vec<u8>> {
        let allowed = if *p == self.chapter {
            self.homes.chapter_ok(p)
        } else if *p == self.known {
            self.homes.known_ok(p)
        } else {
            Ok(())
        };
        allowed.ok()?;
        seen_content(p)
    }

    fn all(&self) -> Vec<PathBuf> {
        let mut v = vec![self.chapter.clone(), self.known.clone()];
        v.extend(self.lab.iter().cloned());
        v
    }

    /// Of `paths` (from events), the watched files whose content changed.
    fn changed(&mut self, paths: &[PathBuf]) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for p in self.all() {
            if !paths.iter().any(|e| abs(e) == p) {
                continue;
            }
            let now = self.content(&p);
            if self.seen.get(&p) != Some(&now) {
                self.seen.insert(p.clone(), now);
                out.push(p);
            }
        }
        out
    }
}

/// What a watched file holds now, to tell a save: its bytes (at most
/// [`parse::MAX_BYTES`] and one more), or `None` when it is gone or is not
/// a regular file (a change the loader of that file then explains).
/// Opened without blocking and read only when regular: a file swapped for
/// a FIFO would wait for a writer, deaf to Ctrl-C, and a link to a device
/// would never end.
fn seen_content(p: &Path) -> Option<Vec<u8>> {
    crate::input_file::head_of_regular(p, parse::MAX_BYTES as u64)
}

fn abs(p: &Path) -> PathBuf {
    let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    match (
        p.parent().and_then(|d| std::fs::canonicalize(d).ok()),
        p.file_name(),
    ) {
        (Some(d), Some(n)) => d.join(n),
        _ => p,
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Watch until a signal: see the module header. `lab` and `state` are the
/// lab that is up; `chapter` and `known` as [`super::prepare`] read them.
#[allow(clippy::too_many_arguments)]
pub async fn watch(
    mut lab: Lab,
    state: &mut State,
    provider: &dyn Provider,
    mut chapter: Chapter,
    known_path: PathBuf,
    mut known: KnownFile,
    homes: &Homes,
    rep: &Reporter,
    sink: &Sink<'_>,
) -> Result<()> {
    let lab_file = state.lab_file.clone();
    let workers = state.workers;
    let mut files = Files::new(&chapter.path, &known_path, homes, &lab, &lab_file);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<PathBuf>>();
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if let Ok(e) = e {
            let _ = tx.send(e.paths);
        }
    })
    .map_err(|e| LabError::Step {
        step: "watch".into(),
        message: format!("cannot watch files: {e}"),
    })?;
    let mut dirs: Vec<PathBuf> = files
        .all()
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        use notify::Watcher;
        watcher
            .watch(d, notify::RecursiveMode::NonRecursive)
            .map_err(|e| LabError::Step {
                step: "watch".into(),
                message: format!("cannot watch {}: {e}", d.display()),
            })?;
    }
    let mut report: Option<BookReport> = None;
    // Lab files that changed: the lab to re-apply before the next replay.
    let mut reapply = false;
    loop {
        let mut target = LiveTarget::new(&lab, state, provider, rep).await?;
        let since = Instant::now();
        if reapply {
            // A saved lab file or manifest (of any variant) or a changed
            // `kubernetes:` can change what any block saw, also blocks of
            // a variant the chapter has left: the whole chapter is replayed
            // from its first variant, as a fresh `lab book` would.
            let v = lab.default_variant.clone();
            target.switch(&v).await?;
            (sink.print)(&format!(
                "lab: variant {v} re-applied; replaying the whole chapter"
            ));
            let r = replay::replay(&chapter, &lab, &mut target, &known).await;
            sink.blocks(&r.blocks);
            report = Some(r);
        } else if report.is_none() {
            let r = replay::replay(&chapter, &lab, &mut target, &known).await;
            sink.blocks(&r.blocks);
            report = Some(r);
        }
        (sink.print)(&format!(
            "watching {} (Ctrl-C ends; replayed in {:.1} s)",
            name(&chapter.path),
            since.elapsed().as_secs_f64()
        ));
        reapply = false;
        let new_lab = loop {
            let first = tokio::select! {
                p = rx.recv() => p.unwrap_or_default(),
                _ = crate::signals::interrupted() => {
                    target.close().await;
                    return Ok(());
                }
            };
            let saved = Instant::now();
            let mut paths = first;
            // A save is several events (write, close, rename): take the
            // burst as one.
            while let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(30), rx.recv()).await
            {
                paths.extend(p);
            }
            let changed = files.changed(&paths);
            if changed.is_empty() {
                continue;
            }
            if changed.iter().any(|p| files.lab.contains(p)) {
                match crate::spec::load_file(&lab_file, LoadOptions { workers }) {
                    Ok(l) => match not_switchable(&lab, &l, &target.variant()) {
                        None => break Some(l),
                        Some(why) => (sink.print)(&format!("lab: {why}; the lab stays as it was")),
                    },
                    Err(e) => (sink.print)(&format!("lab: {e}; the lab stays as it was")),
                }
            }
            let mut last = report.take().expect("a replay before a save");
            if changed.contains(&files.known) {
                // The start's rules at every re-read (on the opened file).
                match known::load_within(&known_path, homes.known.as_deref()) {
                    Ok(k) => {
                        known = k;
                        let before: Vec<Verdict> = last.blocks.iter().map(|b| b.verdict).collect();
                        judge::judge(&mut last, &known);
                        (sink.print)(&format!("{}: judged again", name(&known_path)));
                        sink.blocks(
                            last.blocks
                                .iter()
                                .zip(before)
                                .filter(|(b, v)| b.verdict != *v)
                                .map(|(b, _)| b),
                        );
                    }
                    Err(e) => (sink.print)(&e),
                }
            }
            if changed.contains(&files.chapter) {
                let read = parse::read_within(&chapter.path, homes.chapter.as_deref());
                match read.map_err(|e| e.to_string()) {
                    Ok(new) => {
                        last = again(&chapter, new.clone(), last, &lab, &mut target, &known, sink)
                            .await?;
                        chapter = new;
                        (sink.print)(&format!(
                            "replayed in {:.2} s after the save",
                            saved.elapsed().as_secs_f64()
                        ));
                    }
                    Err(e) => (sink.print)(&e),
                }
            }
            report = Some(last);
        };
        target.close().await;
        drop(target);
        if let Some(l) = new_lab {
            // The lab as the instance that is up (`--name`), never the lab
            // its file names: that one may be up beside it.
            let l = state::instance::as_state_names(l, state);
            let base = lab_file.parent().unwrap_or(Path::new("."));
            state::copy_lab_files(&l, &state.dir())?;
            state.lab_files = state::lab_files_of(&l);
            state.lab_digest = state::digest_to_record(&state.dir(), base, &state.lab_files);
            state.save()?;
            lab = l;
            reapply = true;
        }
    }
}

/// Why a saved lab cannot be brought in by re-applying the variant `now`,
/// if it cannot: a variant switch changes the pod network and workloads,
/// never the nodes or their networks, and needs the variant it re-applies.
fn not_switchable(old: &Lab, new: &Lab, now: &str) -> Option<String> {
    let machines = |l: &Lab| serde_json::to_value((&l.nodes, &l.network, &l.interfaces)).ok();
    if machines(old) != machines(new) {
        return Some("its nodes or networks changed, which a variant switch does not change (`lab destroy`, then `lab book` again)".into());
    }
    (!new.variants.iter().any(|v| v.name == now))
        .then(|| format!("it has no variant {now}, the one the lab is in"))
}

/// The blocks of `new` that a save made stale, replayed (each run of them
/// from the variant the lab was in before it), merged with the others'
/// last verdicts and judged.
async fn again(
    old: &Chapter,
    new: Chapter,
    last: BookReport,
    lab: &Lab,
    target: &mut LiveTarget<'_>,
    known: &KnownFile,
    sink: &Sink<'_>,
) -> Result<BookReport> {
    let select::Selection { run, kept, whole } = select::select(old, &new, &last, lab);
    match whole {
        Some(why) => (sink.print)(&format!("{why}: replaying the whole chapter")),
        None => (sink.print)(&format!(
            "replaying {} of {} blocks (those the save changed or changed what they read)",
            run.len(),
            new.blocks.len()
        )),
    }
    let mut blocks: Vec<Option<BlockReport>> = kept;
    let mut i = 0;
    while i < run.len() {
        // A run of consecutive blocks.
        let mut j = i;
        while j + 1 < run.len() && run[j + 1] == run[j] + 1 {
            j += 1;
        }
        let want = blocks[..run[i]]
            .iter()
            .rev()
            .flatten()
            .find_map(|b| select::variant_after(b).map(str::to_string))
            .unwrap_or_else(|| lab.default_variant.clone());
        if target.variant() != want {
            (sink.print)(&format!("switching the lab to variant {want}"));
            target.switch(&want).await?;
        }
        let lines: Vec<usize> = run[i..=j].iter().map(|&k| new.blocks[k].line).collect();
        let got = replay::replay_only(&new, lab, target, known, Some(&lines)).await;
        for b in got.blocks {
            if let Some(k) = new.blocks.iter().position(|x| x.line == b.line) {
                blocks[k] = Some(b);
            }
        }
        i = j + 1;
    }
    let mut r = BookReport {
        blocks: blocks.into_iter().flatten().collect(),
        text: new.text.clone(),
        ..last
    };
    judge::judge(&mut r, known);
    let lines: Vec<usize> = run.iter().map(|&k| new.blocks[k].line).collect();
    sink.blocks(r.blocks.iter().filter(|b| lines.contains(&b.line)));
    Ok(r)
}
