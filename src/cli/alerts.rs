//! `supervisor add`, `alert list|ack`: who is told when a child falls behind.

use clap::Subcommand;

use super::Context;
use super::output::{Format, print_rows};
use crate::domain::student::check_email;
use crate::store::alerts;

#[derive(Debug, Subcommand)]
pub enum SupervisorCommand {
    /// Register a supervisor (督导) for one school, or without --school for the district.
    #[command(
        after_help = "Examples:\n  songjiao supervisor add --name 赵督导 --email zhao@example.org --school 城关小学\n  songjiao supervisor add --name 区特教中心 --email center@example.org"
    )]
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The school (its name); none: the whole district.
        #[arg(long)]
        school: Option<String>,
    },
    /// The supervisors and their schools.
    #[command(after_help = "Example:\n  songjiao supervisor list")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Alerts, open ones first by default.
    #[command(after_help = "Example:\n  songjiao alert list --all")]
    List {
        /// Resolved ones too.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Acknowledge an alert: no more reminders until it gets worse.
    #[command(after_help = "Example:\n  songjiao alert ack 12 --note \"已与家长沟通，下周补课\"")]
    Ack {
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn supervisor(context: &Context, command: SupervisorCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    match command {
        SupervisorCommand::Add {
            name,
            email,
            school,
        } => {
            let email = check_email(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let mut tx = store.write(&context.actor, context.now).await?;
            alerts::save_supervisor(&mut tx, name.trim(), &email, school.as_deref()).await?;
            tx.commit().await?;
            println!(
                "Supervisor {name} <{email}> will be told about {}.",
                school.map_or("the whole district".to_string(), |s| format!(
                    "the students of {s}"
                ))
            );
        }
        SupervisorCommand::List { format } => {
            let mut tx = store.read().await?;
            let rows = alerts::supervisors(&mut tx).await?;
            tx.rollback().await?;
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
    }
    store.close().await;
    Ok(())
}

/// An alert as listed: "nobody told" where no supervisor heard of it.
#[derive(serde::Serialize)]
struct AlertView {
    #[serde(flatten)]
    alert: alerts::AlertRow,
    told: &'static str,
}

pub async fn alert(context: &Context, command: AlertCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    match command {
        AlertCommand::List { all, format } => {
            let mut tx = store.read().await?;
            let rows: Vec<AlertView> = alerts::list(&mut tx, !all)
                .await?
                .into_iter()
                .map(|alert| AlertView {
                    told: if alert.nobody_told { "nobody told" } else { "" },
                    alert,
                })
                .collect();
            tx.rollback().await?;
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        AlertCommand::Ack { id, note } => {
            crate::service::alerts::acknowledge(
                &store,
                &context.service_actor(),
                context.now,
                id,
                &note,
            )
            .await
            .map_err(|error| match error {
                crate::service::ServiceError::NotFound { .. } => {
                    anyhow::anyhow!("there is no open alert {id}: see `songjiao alert list`")
                }
                other => other.into(),
            })?;
            println!("Alert {id} acknowledged: no reminders until it gets worse.");
        }
    }
    store.close().await;
    Ok(())
}
