//! `lab completions SHELL` and `lab man [--out DIR]`, both made from the one
//! clap definition. Internal commands (`proxy`, `tcp-proxy`) are hidden:
//! they are in neither the completions nor the man pages.

use super::output::out_raw;
use crate::error::{LabError, Result};
use clap_complete::env::EnvCompleter;
use std::path::Path;

/// The registration script of dynamic completion: the shell calls `lab`
/// back (`COMPLETE=SHELL lab -- WORDS`), which answers commands, options,
/// and lab, variant and node names (see `complete.rs`).
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    use clap_complete::env;
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &env::Bash,
        clap_complete::Shell::Zsh => &env::Zsh,
        clap_complete::Shell::Fish => &env::Fish,
        clap_complete::Shell::Elvish => &env::Elvish,
        clap_complete::Shell::PowerShell => &env::Powershell,
        other => {
            return Err(LabError::Usage(format!(
                "no completions for {other}: bash, zsh, fish, elvish or powershell"
            )));
        }
    };
    let mut buf = Vec::new();
    completer
        .write_registration("COMPLETE", "lab", "lab", "lab", &mut buf)
        .map_err(|e| LabError::io("writing the completion script", e))?;
    out_raw!("{}", String::from_utf8_lossy(&buf));
    Ok(())
}

/// Every page: `(file name, roff)`, `lab.1` first, then `lab-up.1`, ...,
/// and for commands with their own commands `lab-nightly-merge.1`, ...
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    // `lab help X` is `lab X --help`: not a page of its own.
    fn no_help(c: clap::Command) -> clap::Command {
        let names: Vec<String> = c
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        let mut c = c.disable_help_subcommand(true);
        for n in names {
            c = c.mut_subcommand(n, no_help);
        }
        c
    }
    let mut cmd = no_help(super::command());
    cmd.build();
    let mut pages = Vec::new();
    add(&cmd, "lab", &mut pages)?;
    Ok(pages)
}

fn add(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut page = cmd.clone().name(name.to_string());
    // Subcommands of the page are named as their own pages are.
    let mut buf = Vec::new();
    let shown: Vec<clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .cloned()
        .collect();
    for s in cmd.get_subcommands().filter(|s| s.is_hide_set()) {
        let n = s.get_name().to_string();
        page = page.mut_subcommand(n, |s| s.hide(true));
    }
    clap_mangen::Man::new(page)
        .title(name.to_string())
        .section("1")
        .manual("lab manual")
        .render(&mut buf)
        .map_err(|e| LabError::io("rendering a man page", e))?;
    pages.push((format!("{name}.1"), buf));
    for s in shown {
        add(&s, &format!("{name}-{}", s.get_name()), pages)?;
    }
    Ok(())
}

/// `lab man`: the main page to stdout; `--out DIR`: every page into DIR.
pub fn man(out: Option<&Path>) -> Result<()> {
    let pages = pages()?;
    match out {
        None => out_raw!("{}", String::from_utf8_lossy(&pages[0].1)),
        Some(dir) => {
            // Where reports are refused (a lab's state folder, the claims'
            // folder, the files of nodes and pods), pages are too
            // (probe21cf: pages were written beside a lab's `state.json`).
            crate::report::output::check_folder(
                dir,
                &crate::places::state_root(),
                &crate::state::claim::host_records(),
            )
            .map_err(|why| {
                LabError::Usage(format!(
                    "--out {}: {why}; nothing was written",
                    dir.display()
                ))
            })?;
            std::fs::create_dir_all(dir)
                .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
            // Each page replaced, never written through a link planted in
            // the folder (probe21p).
            // Never over a file kept from every report (a database, a
            // program, a lab's file) that has a page's name.
            for (file, _) in &pages {
                if let Some(why) = crate::report::output::why_kept(&dir.join(file)) {
                    return Err(LabError::Usage(format!(
                        "--out {}: {file} {why}; nothing was written",
                        dir.display()
                    )));
                }
            }
            for (file, roff) in &pages {
                crate::state::replace_file(&dir.join(file), roff, 0o644, false)?;
            }
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("{} man pages written to {}\n", pages.len(), dir.display()).as_bytes(),
            );
        }
    }
    Ok(())
}
