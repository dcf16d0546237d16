//! What commands print: lines to stdout (a closed stdout is not an error),
//! and the end of a recorded run (table, summary, reports, exit code).

use crate::error::{LabError, Result};
use crate::ops::Ran;
use crate::report::{output::Reports, table};
use std::io::Write;

/// A line to stdout; a closed stdout (`lab status | head -1`) is not an error.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Text to stdout as is, with the same tolerance.
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

pub(crate) use {out, out_raw};

/// Text for the terminal: on stdout, or on stderr when a report goes to
/// stdout (stdout is then that report alone).
pub fn show(reports: &Reports, text: &str) {
    if reports.to_stdout() {
        let _ = write!(std::io::stderr(), "{text}");
    } else {
        out_raw!("{text}");
    }
}

/// Show a run's results (table, then summary) and write the reports asked
/// for, then say how the run ended: the run's own error first (a failed
/// step or teardown, a signal), then a report that could not be written,
/// then failed checks. A report that cannot be written is said after the
/// results, never instead of them, and does not stop the other report.
pub fn finish_run(ran: Ran, reports: &Reports) -> Result<()> {
    let show = |text: &str| show(reports, text);
    let report = &ran.report;
    // A run that failed before any check ran (its bring-up) has no table:
    // the error says what happened.
    let shown = ran.error.is_none() || !report.results.is_empty();
    if shown {
        show(&table::render_fit(report, table::terminal_width()));
    }
    let unwritten = reports.write(report);
    if shown {
        show(&format!(
            "{} in {}\n",
            report.tally().summary(),
            crate::report::style::duration(report.duration_s)
        ));
    }
    let unwritten = (!unwritten.is_empty()).then(|| LabError::Step {
        step: "write reports".into(),
        message: format!(
            "{}; the results are in the table above",
            unwritten.join("; ")
        ),
    });
    let failed = ran.result();
    if let Some(e) = ran.error {
        if let Some(u) = unwritten {
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                crate::report::terminal::visible(&u.to_string())
            );
        }
        return Err(e);
    }
    if let Some(u) = unwritten {
        return Err(u);
    }
    match failed {
        Some(failed) => Err(failed),
        None => Ok(()),
    }
}

/// `-o/--output`: how a command that describes something prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// One JSON document, schema-versioned (see docs/*.schema.json).
    Json,
}

/// The `-o/--output` option of a command.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct OutputArg {
    /// Print as a table (default) or as JSON (schema in docs/).
    #[arg(
        short = 'o',
        long = "output",
        value_enum,
        default_value = "table",
        value_name = "FORMAT"
    )]
    pub output: Format,
}
