//! `outbox list|send|retry` and `run-job`: the queue of emails and the jobs that
//! the daemon runs on a schedule, run now.

use clap::{Subcommand, ValueEnum};

use super::Context;
use super::output::{Format, print_rows};
use crate::notify::{self, Transport};
use crate::store::outbox;

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// The queued, sent and dead messages.
    List {
        /// Only messages with this status: queued, sending, sent, dead.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Send every message that is due now.
    Send,
    /// Queue a message again now (e.g. a dead one, once the address is fixed).
    Retry { id: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Job {
    /// Check every plan's pace; tell supervisors about alerts that opened, rose,
    /// are due a reminder or recovered.
    CheckPace,
    /// Send the queued emails.
    DrainOutbox,
    /// Remind teachers of visits they have not recorded; tell the coordinators
    /// about visits unrecorded for days.
    RemindUnrecorded,
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
    match job {
        Job::DrainOutbox => send(context, &store).await?,
        Job::RemindUnrecorded => {
            let report = crate::jobs::remind_unrecorded::run(
                &store,
                &context.settings,
                &context.actor,
                context.now,
            )
            .await?;
            println!(
                "Reminders: {} visit(s) to {} teacher(s); {} visit(s) escalated in {} email(s).",
                report.visits_reminded,
                report.teacher_emails,
                report.visits_escalated,
                report.coordinator_emails
            );
        }
        Job::CheckPace => {
            let report = crate::jobs::check_pace::run(
                &store,
                &context.settings,
                &context.actor,
                context.now,
            )
            .await?;
            println!(
                "Alerts: {} opened, {} worse, {} better, {} reminded, {} recovered; {} email(s) queued.",
                report.opened,
                report.raised,
                report.lowered,
                report.reminded,
                report.recovered,
                report.emails
            );
        }
    }
    store.close().await;
    Ok(())
}
