//! The native CLI. See `mlops-loop --help`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use clap::Parser;
    let cli = mlops_loop::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(f) = mlops_loop::cli::run(cli, &mut out) {
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
