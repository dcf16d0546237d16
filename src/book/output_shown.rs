//! A command's output as the block below its own shows it ([`super`]
//! decides which block that is), and how it is given to the command's
//! step: apart from the rule, which fills its module.

use crate::book::parse::Step;

/// A command's output as the block below shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The command's line.
    pub line: usize,
    /// The output block's opening and closing fence lines and language.
    pub block: (usize, usize),
    pub lang: String,
    /// The lead-in between the blocks ("" when none).
    pub lead: String,
    pub output: Vec<String>,
    pub output_at: Vec<usize>,
    /// The lines past those its blocks, each read alone, kept
    /// ([`crate::book::caps::OUTPUT_LINES`]): counted, never compared.
    pub cut: usize,
    pub remarks_below: Vec<(usize, String)>,
    /// The remarks below past those its blocks kept (each command its
    /// first [`crate::book::caps::REMARKS`]).
    pub remarks_cut: usize,
    /// How many blocks show the output: 1 for the block below alone, more
    /// where it goes on from the command's own block or into the next.
    pub parts: usize,
    /// Why the lead-in rule set the (last) output block apart, where it is
    /// compared all the same ([`super::apart_output`]).
    pub apart: Option<String>,
}

/// The line put between two parts of an output shown in two blocks: a cut
/// ([`crate::book::compare::is_elision`]), since the text between them
/// may stand for lines (a reply's count is then not compared as all).
pub const CUT: &str = "…";

impl Shown {
    /// Give `steps`' command its output, as much of it as the chapter's
    /// `left` lines keep (each command its first
    /// [`crate::book::caps::PER_COMMAND`]; the rest counted in its `cut`,
    /// as [`crate::book::parse::steps_within`] does).
    pub fn attach(&self, steps: &mut [Step], left: &mut usize) {
        if let Some(s) = steps.iter_mut().find(|s| s.line == self.line) {
            let keep = self
                .output
                .len()
                .min((*left).max(crate::book::caps::PER_COMMAND));
            *left = left.saturating_sub(keep);
            s.output = self.output[..keep].to_vec();
            s.output_at = self.output_at[..keep.min(self.output_at.len())].to_vec();
            s.cut = self.output.len() - keep + self.cut;
            // Its own block's remarks (under a command that shows no
            // output there) and the output block's, each once, the
            // command's first [`crate::book::caps::REMARKS`] (probe21cf,
            // F1; each was looked for among those kept before it).
            let mut more = self.remarks_cut;
            for r in &self.remarks_below {
                if s.remarks_below.contains(r) {
                    continue;
                }
                match s.remarks_below.len() < crate::book::caps::REMARKS {
                    true => s.remarks_below.push(r.clone()),
                    false => more += 1,
                }
            }
            s.remarks_cut += more;
        }
    }

    /// Where the command's output is, said in its report.
    pub fn note(&self) -> String {
        let lead = match self.lead.is_empty() {
            true => String::new(),
            false => format!(" (after \"{}\")", self.lead),
        };
        let lang = match self.lang.is_empty() {
            true => "unlabelled".to_string(),
            false => format!("`{}`", self.lang),
        };
        let (a, b) = self.block;
        let lead = match &self.apart {
            Some(why) => format!(
                "{lead}; the book sets that block apart ({why}), but its lines read as this command's output, so they are compared as it all the same"
            ),
            None => lead,
        };
        match self.parts {
            1 => format!(
                "the book shows this command's output in the {lang} block below it, lines {a}–{b}{lead}: compared as its output"
            ),
            n => format!(
                "the book shows this command's output in {n} parts, the last in the {lang} block below it, up to line {b}{lead}: compared as one output, with a cut (`{CUT}`) between the parts"
            ),
        }
    }

    /// `more` (the next block's lines) appended to this output, after a
    /// cut at its opening fence's line.
    pub(super) fn go_on(&mut self, more: Shown) {
        self.output.push(CUT.to_string());
        self.output_at.push(more.block.0);
        self.output.extend(more.output);
        self.output_at.extend(more.output_at);
        self.remarks_below.extend(more.remarks_below);
        self.remarks_cut += more.remarks_cut;
        self.cut += more.cut;
        self.block.1 = more.block.1;
        self.lang = more.lang;
        self.lead = more.lead;
        self.apart = more.apart;
        self.parts += 1;
    }
}
