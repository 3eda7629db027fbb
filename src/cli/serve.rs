//! `serve`: the daemon. Runs each job at its scheduled times, once (claims in
//! `job_runs`), catches up once after downtime, and stops cleanly on SIGTERM/SIGINT.

use clap::Args;

use super::Context;
use crate::daemon::{run_due, scheduled_jobs};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Run the jobs that are due now (or at --as-of) once, then exit: for cron-less
    /// hosts and for checking a configuration.
    #[arg(long)]
    once: bool,
}

pub async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<()> {
    let jobs = scheduled_jobs(&context.settings).map_err(anyhow::Error::msg)?;
    let store = context.store().await?;
    if args.once {
        for (job, tick, result) in run_due(
            &store,
            &context.settings,
            &context.actor,
            &jobs,
            context.now,
        )
        .await
        {
            match result {
                Ok(summary) => println!("{} ({}): {summary}", job.name(), tick.to_rfc3339()),
                Err(error) => println!("{} ({}) failed: {error}", job.name(), tick.to_rfc3339()),
            }
        }
        store.close().await;
        return Ok(());
    }
    let listen = &context.settings.web.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("web.listen `{listen}`: cannot listen there: {e}"))?;
    crate::daemon::serve(
        store,
        context.settings.clone(),
        context.actor.clone(),
        context.clock.clone(),
        listener,
        shutdown_signal(),
    )
    .await
}

/// SIGTERM (systemd, kill) or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or(()),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or(());
}
