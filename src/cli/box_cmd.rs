//! `lab box build`: build (or reuse) the local Vagrant box for the vagrant
//! provider under libvirt and print its name. The work is the library's
//! (`provider::vagrant::box_build`); this prints.

use crate::error::Result;
use crate::provider::vagrant::box_build;
use std::io::Write;

#[derive(clap::Subcommand, Debug)]
pub enum BoxCommand {
    /// Build Debian 12 for vagrant-libvirt from this machine's apt mirror
    /// (debootstrap, qcow2, direct kernel boot) and add it to Vagrant;
    /// built once, reused while its inputs are unchanged.
    Build {
        /// Build again even when the cached box is current.
        #[arg(long)]
        force: bool,
    },
}

pub fn run(cmd: BoxCommand) -> Result<()> {
    match cmd {
        BoxCommand::Build { force } => {
            let started = std::time::Instant::now();
            let home = box_build::vagrant_home();
            let b = box_build::build(&home, force, &mut |l| eprintln!("box: {l}"))?;
            eprintln!(
                "box: {} {} in {:.1} s (key {}, {}, VAGRANT_HOME={})",
                b.name,
                if b.built {
                    "built and added"
                } else {
                    "is current"
                },
                started.elapsed().as_secs_f64(),
                b.key,
                b.dir.display(),
                home.display()
            );
            let _ = writeln!(std::io::stdout(), "{}", b.name);
            Ok(())
        }
    }
}
