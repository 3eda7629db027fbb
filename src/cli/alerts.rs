//! `supervisor add`, `alert list|ack`: who is told when a child falls behind.

use clap::Subcommand;

use super::Context;
use super::output::{Format, print_rows};
use crate::service::alerts::SupervisorSaved;
use crate::service::registry::{self, NewSupervisor};
use crate::service::{ServiceError, alerts};

#[derive(Debug, Subcommand)]
pub enum SupervisorCommand {
    /// Register a supervisor (督导) for schools, or without --school for the district.
    #[command(
        after_help = "Examples:\n  songjiao supervisor add --name 赵督导 --email zhao@example.org --school 城关小学\n  songjiao supervisor add --name 区特教中心 --email center@example.org\n  songjiao supervisor add --name 赵督导 --email zhao@example.org --dingtalk-webhook 'https://oapi.dingtalk.com/robot/send?access_token=…' --dingtalk-secret SEC…\n\nRunning it again updates the supervisor; a robot option left out keeps what is set, and\n`--wecom-webhook -` removes that robot. The robots receive the same alerts and digests as\nthe email, with less in them (README, \"Group robots\")."
    )]
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// A school (its name), once per school; none: the whole district for a new
        /// supervisor, the schools they have for one already registered.
        #[arg(long)]
        school: Vec<String>,
        /// A DingTalk group robot (自定义机器人) to post into as well: its webhook.
        #[arg(long, value_name = "URL")]
        dingtalk_webhook: Option<String>,
        /// The DingTalk robot's signing secret (加签, SEC…), when it signs.
        #[arg(long, value_name = "SECRET")]
        dingtalk_secret: Option<String>,
        /// A WeCom group robot (群机器人) to post into as well: its webhook.
        #[arg(long, value_name = "URL")]
        wecom_webhook: Option<String>,
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
            dingtalk_webhook,
            dingtalk_secret,
            wecom_webhook,
        } => {
            let supervisor = NewSupervisor {
                name: name.clone(),
                email,
                schools: school,
                dingtalk_webhook: dingtalk_webhook.unwrap_or_default(),
                dingtalk_secret: dingtalk_secret.unwrap_or_default(),
                wecom_webhook: wecom_webhook.unwrap_or_default(),
            };
            let (email, saved) =
                registry::add_supervisor(&store, &context.actor, context.now, &supervisor)
                    .await
                    .map_err(|e| match e {
                        ServiceError::Invalid(problems) => {
                            let lines: Vec<String> = problems
                                .iter()
                                .map(|p| {
                                    let flag = p.field.replace('_', "-");
                                    if context.chinese() {
                                        format!("--{flag}：{}", p.reason.chinese())
                                    } else {
                                        format!("--{p}")
                                    }
                                })
                                .collect();
                            anyhow::anyhow!("{}", lines.join("; "))
                        }
                        other => other.into(),
                    })?;
            let supervisors = registry::supervisors(&store, &context.actor).await?;
            let Some(told) = supervisors.iter().find(|s| s.email == email) else {
                anyhow::bail!("{email} was saved but is not among the supervisors: a bug");
            };
            let whom = told.schools.as_ref().map_or(
                ("全区学生".to_string(), "the whole district".to_string()),
                |schools| {
                    (
                        format!("{}学生", schools.join("、")),
                        format!("the students of {}", schools.join(", ")),
                    )
                },
            );
            let (zh, en) = match saved {
                SupervisorSaved::AccountTold(role) => (
                    format!(
                        "{}账号 {} <{email}> 今后也会收到{}的预警（按账号的范围；改范围用 songjiao user scope）。",
                        role.zh(),
                        told.name,
                        whom.0
                    ),
                    format!(
                        "The {} account {} <{email}> will also be told about {} (its account's scope; change it with songjiao user scope).",
                        role.code(),
                        told.name,
                        whom.1
                    ),
                ),
                SupervisorSaved::Created => (
                    format!(
                        "督导 {name} <{email}> 会收到{}的预警。要让其登录网页，请运行 songjiao user reset {email}（发送设置密码的链接）。",
                        whom.0
                    ),
                    format!(
                        "Supervisor {name} <{email}> will be told about {}. To let them log in to the pages: songjiao user reset {email} (emails a link to set a password).",
                        whom.1
                    ),
                ),
                _ => (
                    format!("督导 {name} <{email}> 会收到{}的预警。", whom.0),
                    format!("Supervisor {name} <{email}> will be told about {}.", whom.1),
                ),
            };
            println!("{}", context.say(zh, en));
            if let Some(robots) = Some(&told.robots).filter(|r| !r.is_empty()) {
                let set = |yes: bool, zh: &str, en: &str| {
                    if yes {
                        (format!("已设置{zh}"), format!("set{en}"))
                    } else {
                        ("未设置".to_string(), "not set".to_string())
                    }
                };
                let signed = robots.dingtalk_secret.is_some();
                let dingtalk = set(
                    robots.dingtalk_webhook.is_some(),
                    if signed { "（加签）" } else { "" },
                    if signed { " (signed)" } else { "" },
                );
                let wecom = set(robots.wecom_webhook.is_some(), "", "");
                println!(
                    "{}",
                    context.say(
                        format!("钉钉机器人：{}；企业微信机器人：{}。", dingtalk.0, wecom.0),
                        format!("DingTalk robot: {}; WeCom robot: {}.", dingtalk.1, wecom.1)
                    )
                );
            }
        }
        SupervisorCommand::List { format } => {
            let rows = registry::supervisors(&store, &context.actor).await?;
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
    alert: crate::service::alerts::AlertRow,
    told: &'static str,
}

pub async fn alert(context: &Context, command: AlertCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    match command {
        AlertCommand::List { all, format } => {
            let rows: Vec<AlertView> = alerts::list(&store, &context.actor, !all)
                .await?
                .into_iter()
                .map(|seen| seen.alert)
                .map(|alert| AlertView {
                    told: if alert.nobody_told { "nobody told" } else { "" },
                    alert,
                })
                .collect();
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        AlertCommand::Ack { id, note } => {
            alerts::acknowledge(&store, &context.actor, context.now, id, &note)
                .await
                .map_err(|error| match error {
                    ServiceError::NotFound { .. } => {
                        anyhow::Error::new(crate::reason::Reason::NoOpenAlert {
                            id: id.to_string(),
                        })
                    }
                    other => other.into(),
                })?;
            println!(
                "{}",
                context.say(
                    format!("预警 {id} 已确认：除非情况变差，不再提醒。"),
                    format!("Alert {id} acknowledged: no reminders until it gets worse.")
                )
            );
        }
    }
    store.close().await;
    Ok(())
}
