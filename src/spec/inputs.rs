//! The run record's inputs of a lab ([`Inputs`]): the record is written
//! low (`report`) and knows no lab; the lab's definition says what it was
//! read from, so this constructor lives here, with the data it reads.

use super::Lab;
use crate::report::run::Inputs;
use std::collections::BTreeMap;
use std::path::Path;

impl Inputs {
    /// The inputs of `lab`, read from its files as they are now (a lab
    /// loaded from the copy `up` made reads that copy); `origin` is the
    /// folder it was brought up from (for its git commit).
    pub fn of(lab: &Lab, origin: &Path, boots_box: bool) -> Inputs {
        let base = lab.file.parent().unwrap_or(Path::new("."));
        let mut digests = BTreeMap::new();
        for f in lab.own_files() {
            if let Ok(bytes) = std::fs::read(base.join(&f)) {
                let hex = crate::digest::sha256_hex(&bytes);
                digests.insert(f.to_string_lossy().into_owned(), format!("sha256:{hex}"));
            }
        }
        let cni_image = lab.variants.iter().find_map(|v| {
            std::fs::read_to_string(&v.manifest)
                .ok()
                .and_then(|t| v.cni.plugin().image(&t))
        });
        Inputs {
            files: digests,
            cni_image,
            kubernetes: Some(lab.kubernetes.clone()),
            box_name: boots_box.then(|| lab.box_name.clone()),
            box_version: None,
            git_commit: crate::report::run::git_commit(origin),
        }
    }
}
