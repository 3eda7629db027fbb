//! `serve`: the daemon. Runs each job at its scheduled times, once (claims in
//! `job_runs`), catches up once after downtime, and stops cleanly on SIGTERM/SIGINT.

use clap::Args;

use super::Context;
use crate::jobs::daemon::{next_wake, run_due, scheduled_jobs};

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
    let health = std::sync::Arc::new(crate::web::Health {
        store: store.clone(),
        settings: context.settings.clone(),
        jobs: jobs.clone(),
    });
    let (stop_web, web_stopped) = tokio::sync::oneshot::channel::<()>();
    let web = tokio::spawn(
        axum::serve(listener, crate::web::router(health))
            .with_graceful_shutdown(async {
                let _ = web_stopped.await;
            })
            .into_future(),
    );
    tracing::info!(jobs = jobs.len(), %listen, "songjiao serve: started");
    let grace = std::time::Duration::from_secs(context.settings.jobs.grace_seconds);
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let now = chrono::Utc::now();
        let work = run_due(&store, &context.settings, &context.actor, &jobs, now);
        let mut work = std::pin::pin!(work);
        tokio::select! {
            _ = &mut work => {}
            _ = &mut stop => {
                tracing::info!("stopping: letting the running job finish");
                if tokio::time::timeout(grace, &mut work).await.is_err() {
                    tracing::warn!("the running job did not finish within the grace time");
                }
                break;
            }
        }
        let wake = next_wake(&jobs, chrono::Utc::now(), &context.settings)
            .map(|t| (t - chrono::Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(std::time::Duration::from_secs(60))
            .min(std::time::Duration::from_secs(60));
        tokio::select! {
            _ = tokio::time::sleep(wake) => {}
            _ = &mut stop => break,
        }
    }
    let _ = stop_web.send(());
    let _ = web.await;
    store.close().await;
    tracing::info!("songjiao serve: stopped");
    Ok(())
}

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
