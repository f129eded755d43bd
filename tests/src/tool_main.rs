//! What the kit's command-line tools (`twofold-load`, `twofold-bench`, `twofold-ceiling`)
//! share: the runtime they run on (tokio's multi-thread runtime with its defaults, as the
//! server's own CLI uses) and how a failure ends them (the error on stderr, exit status 1).

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

/// Runs `main` to completion on a fresh multi-thread runtime.
pub fn run<E: Display>(main: impl Future<Output = Result<(), E>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(main) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
