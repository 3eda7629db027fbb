use std::process::ExitCode;

use clap::Parser;
use songjiao::cli::{Cli, LogFormat, run};

fn main() -> ExitCode {
    return_large_blocks_when_freed();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
        .block_on(run_cli())
}

/// glibc serves a block of 128 KiB or more with its own mapping, returned to the
/// system when freed, but raises that threshold to the size of each such block
/// freed: after one login's 19 MiB of password hashing, later hashes come from
/// the heaps of the threads that ran them, and stay there (100 logins at once
/// left 565 MB held instead of 90). A fixed threshold keeps large blocks mapped
/// and returned.
fn return_large_blocks_when_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread
    // starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

async fn run_cli() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => songjiao::cli::refused_arguments(error),
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // Output piped into `head` that stopped reading: not a failure.
        Err(error)
            if error.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            // One line that says what failed and why, then the causes.
            let (failed, because) = songjiao::cli::output::error_words();
            eprintln!("{failed}{error}");
            for cause in error.chain().skip(1) {
                eprintln!("{because}{cause}");
            }
            ExitCode::FAILURE
        }
    }
}
