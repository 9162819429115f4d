//! The native CLI. See `mlops-loop --help`.

/// Standard output that remembers whether the reader went away (a broken pipe), so that
/// `mlops-loop data | head -1` ends quietly, as Unix tools do, instead of reporting the failed
/// write on a standard error that is often the same closed pipe; and any other failed write (a
/// full disk), so that the message says it was standard output.
#[cfg(not(target_arch = "wasm32"))]
struct Stdout<'a> {
    inner: std::io::StdoutLock<'a>,
    broken: bool,
    failed: Option<String>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Stdout<'_> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.broken = true;
            } else if self.failed.is_none() {
                self.failed = Some(e.to_string());
            }
        }
        r
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::io::Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use clap::Parser;
    use std::io::Write as _;
    let cli = mlops_loop::cli::Cli::parse();
    let mut out = Stdout {
        inner: std::io::stdout().lock(),
        broken: false,
        failed: None,
    };
    let result = mlops_loop::cli::run(cli, &mut out);
    let _ = out.flush();
    if out.broken {
        // What a shell reports for a process ended by SIGPIPE (128 + 13); nothing is printed.
        std::process::exit(mlops_loop::cli::EXIT_BROKEN_PIPE);
    }
    // A failed write to standard output (also one only the last flush met) is the failure.
    let result = match out.failed.take() {
        Some(e) => Err(mlops_loop::cli::Failure {
            code: 1,
            message: format!("cannot write standard output: {e}"),
        }),
        None => result,
    };
    if let Err(f) = result {
        // Standard error may be closed too: a failed write there must not panic.
        let _ = writeln!(std::io::stderr(), "error: {}", f.message);
        std::process::exit(f.code);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
