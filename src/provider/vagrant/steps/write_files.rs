//! Step: write the lab's folder (`.lab/<lab>/`): the Vagrantfile, every
//! node's rendered scripts and the state, before any machine exists, so a
//! failed or interrupted `up` can always be destroyed from what is on disk.

use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::provider::vagrant::ctx::{SCRIPTS_DIR, VAGRANTFILE, VagrantCtx};
use crate::provider::vagrant::render;
use crate::state::write_atomic;
use async_trait::async_trait;

pub struct WriteFiles;

#[async_trait]
impl Step<VagrantCtx> for WriteFiles {
    async fn run(&self, ctx: &mut VagrantCtx) -> Result<()> {
        let scripts = ctx.dir.join(SCRIPTS_DIR);
        std::fs::create_dir_all(&scripts)
            .map_err(|e| LabError::io(format!("creating {}", scripts.display()), e))?;
        ctx.state.save()?;
        write_atomic(
            &ctx.dir.join(VAGRANTFILE),
            render::vagrantfile(&ctx.lab, ctx.vm)?.as_bytes(),
        )?;
        for node in &ctx.lab.nodes {
            for script in render::scripts_for(node) {
                let text = render::script(&ctx.lab, script, &node.name)?;
                write_atomic(&ctx.script_path(&node.name, script), text.as_bytes())?;
            }
        }
        Ok(())
    }
}
