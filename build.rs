//! The shipped labs (`labs/`) are embedded in the binary (`src/shipped.rs`):
//! a change to any of their files rebuilds it.

fn main() {
    println!("cargo:rerun-if-changed=labs");
}
