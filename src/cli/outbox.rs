//! `outbox list|send|retry` and `run-job`: the queue of emails and the jobs that
//! the daemon runs on a schedule, run now.

use clap::Subcommand;

use super::Context;
use super::output::{Format, print_rows};
use crate::jobs::{self, Job};
use crate::notify::{self, Transport};
use crate::service::{ServiceError, outbox};

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

pub async fn run(context: &Context, command: OutboxCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    match command {
        OutboxCommand::List { status, format } => {
            let rows = outbox::list(&store, &context.actor, status.as_deref()).await?;
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        OutboxCommand::Send => send(context, &store).await?,
        OutboxCommand::Retry { id } => {
            outbox::retry(&store, &context.actor, context.now, id)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound { .. } => super::said(
                        format!("there is no unsent message {id}: see `songjiao outbox list`"),
                        format!("找不到未发送的消息 {id}：见 `songjiao outbox list`"),
                    ),
                    other => other.into(),
                })?;
            println!(
                "{}",
                context.say(
                    format!("邮件 {id} 已重新排队。"),
                    format!("Message {id} is queued again.")
                )
            );
        }
    }
    store.close().await;
    Ok(())
}

async fn send(context: &Context, store: &crate::service::Store) -> anyhow::Result<()> {
    let transport = Transport::from_settings(&context.settings)?;
    let report = notify::drain(
        store,
        &context.settings,
        &transport,
        &context.actor.audit(),
        context.now,
    )
    .await?;
    let (sent, retrying, dead) = (report.sent, report.retrying, report.dead);
    println!(
        "{}",
        context.say(
            format!("已发送 {sent}，待重试 {retrying}，已放弃 {dead}。"),
            format!("{sent} sent, {retrying} to be retried, {dead} given up.")
        )
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
