//! `twofold-server`: runs the server, or talks to a running one as its admin CLI.

fn main() -> std::process::ExitCode {
    twofold_server::cli::main()
}
