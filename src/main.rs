//! The `lab` binary: a thin edge over the library. Errors are typed in the
//! library; here they become a message (with their causes) and an exit code.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything: a signal from now on is the command's (exit 130).
    let early = lab::signals::install_flag();
    lab::fault::install();
    // A panic that no operation caught is an internal error too (exit 3),
    // never Rust's 101.
    let ran = early.and_then(|()| {
        std::panic::catch_unwind(lab::cli::run).unwrap_or_else(|p| Err(lab::fault::internal(p)))
    });
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            // Failed checks were already reported by the table and summary.
            if !matches!(e, lab::LabError::ChecksFailed { .. }) {
                let msg = format!("{:#}", anyhow::Error::from(e));
                let _ = writeln!(
                    std::io::stderr(),
                    "error: {}",
                    lab::report::terminal::visible(&msg)
                );
            }
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}
