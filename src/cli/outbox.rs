//! `outbox list|send|retry` and `run-job`: the queue of emails and the jobs that
//! the daemon runs on a schedule, run now.

use clap::Subcommand;

use super::Context;
use super::output::{Format, print_rows};
use crate::jobs::{self, Job};
use crate::notify::{self, Transport};
use crate::store::outbox;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// The queued, sent and dead messages.
    #[command(
        after_help = "Examples:\n  songjiao outbox list\n  songjiao outbox list --status dead --format csv"
    )]
    List {
        /// Only messages with this status: queued, sending, sent, dead.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Send every message that is due now.
    #[command(after_help = "Example:\n  songjiao outbox send")]
    Send,
    /// Queue a message again now (e.g. a dead one, once the address is fixed).
    #[command(after_help = "Example:\n  songjiao outbox retry 42")]
    Retry { id: i64 },
}

#[derive(serde::Serialize)]
struct Listed {
    id: i64,
    status: String,
    kind: String,
    recipient: String,
    subject: String,
    attempts: i64,
    next_attempt_at: chrono::DateTime<chrono::Utc>,
    last_error: Option<String>,
}

pub async fn run(context: &Context, command: OutboxCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    match command {
        OutboxCommand::List { status, format } => {
            let mut tx = store.read().await?;
            let rows = outbox::list(&mut tx, status.as_deref()).await?;
            tx.rollback().await?;
            let rows: Vec<Listed> = rows
                .into_iter()
                .map(|r| Listed {
                    id: r.id,
                    status: r.status,
                    kind: r.kind,
                    recipient: r.recipient,
                    subject: r.subject,
                    attempts: r.attempts,
                    next_attempt_at: r.next_attempt_at,
                    last_error: r.last_error,
                })
                .collect();
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        OutboxCommand::Send => send(context, &store).await?,
        OutboxCommand::Retry { id } => {
            let mut tx = store.write(&context.actor, context.now).await?;
            let found = outbox::retry(&mut tx, id).await?;
            tx.commit().await?;
            if !found {
                anyhow::bail!("there is no unsent message {id}: see `songjiao outbox list`");
            }
            println!("Message {id} is queued again.");
        }
    }
    store.close().await;
    Ok(())
}

async fn send(context: &Context, store: &crate::store::Store) -> anyhow::Result<()> {
    let transport = Transport::from_settings(&context.settings)?;
    let report = notify::drain(
        store,
        &context.settings,
        &transport,
        &context.actor,
        context.now,
    )
    .await?;
    println!(
        "{} sent, {} to be retried, {} given up.",
        report.sent, report.retrying, report.dead
    );
    Ok(())
}

pub async fn run_job(context: &Context, job: Job) -> anyhow::Result<()> {
    let store = context.store().await?;
    let done = jobs::run_once(
        &store,
        &context.settings,
        &context.actor,
        job,
        context.now,
        context.now,
    )
    .await;
    store.close().await;
    match done? {
        Some(summary) => println!("{summary}"),
        None => println!(
            "{} already ran for {}: nothing to do.",
            job.name(),
            context.now.to_rfc3339()
        ),
    }
    Ok(())
}
