//! The `lab` binary: a thin edge over the library (see `lab::cli`).

fn main() {
    std::process::exit(lab::cli::main());
}
