//! `user …`: the accounts people log in with; `audit …`: the access log.

use std::io::BufRead;

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::Context;
use super::output::{Format, print_rows};
use crate::domain::access::{Role, Scope};
use crate::import::records::parse_day;
use crate::service::ServiceError;
use crate::service::accounts::{self, NewUser, UserAdded};
use crate::service::audit::Verdict;
use crate::service::audit::{self, AccessQuery};
use crate::service::tokens;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Give someone an account: without --password-stdin they get an email with a
    /// link (valid `security.invitation_hours`) to set their password.
    #[command(
        after_help = "Examples:\n  songjiao user add admin@example.org --name 张主任 --role admin\n  songjiao user add wangfang@example.org --name 王芳 --role teacher --teacher T01\n  songjiao user add zhao@example.org --name 赵督导 --role supervisor --school 育敏学校\n  songjiao user add center@example.org --name 区特教中心 --role coordinator      # the whole district\n  printf '%s\\n' 'a long passphrase' | songjiao user add ops@example.org --name 运维 --role admin --password-stdin\n\nRoles: admin, coordinator, teacher, supervisor. A teacher account is linked to a\nregistered teacher (--teacher); a coordinator or supervisor covers the schools named\n(--school, repeated) or, with none, the whole district."
    )]
    Add(UserArgs),
    /// Every account, its role, scope and state.
    #[command(after_help = "Example:\n  songjiao user list")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Stop an account from logging in; its sessions end at once.
    #[command(after_help = "Example:\n  songjiao user disable wangfang@example.org")]
    Disable { email: String },
    /// Let a disabled account log in again.
    #[command(after_help = "Example:\n  songjiao user enable wangfang@example.org")]
    Enable { email: String },
    /// Clear an account's password and end its sessions; it gets a link to set a new one.
    #[command(after_help = "Example:\n  songjiao user reset wangfang@example.org")]
    Reset { email: String },
    /// Seal every second-factor secret again under security.secrets_key (after a rotation).
    #[command(
        after_help = "Rotating the key: put the old key in security.previous_secrets_key and a new\none in security.secrets_key (64 hex digits), run this, then remove the old key.\n\nExample:\n  songjiao user rekey"
    )]
    Rekey,
    /// Change whose children an account sees.
    #[command(
        after_help = "Examples:\n  songjiao user scope zhao@example.org --school 育敏学校 --school 城关小学\n  songjiao user scope center@example.org          # the whole district"
    )]
    Scope {
        email: String,
        #[arg(long)]
        teacher: Option<String>,
        #[arg(long = "school")]
        schools: Vec<String>,
    },
    /// Make a personal API token for an account (sent as `Authorization: Bearer …`);
    /// it is printed once and kept only as a hash.
    #[command(
        after_help = "Examples:\n  songjiao user token center@example.org --label 省特教平台同步\n  songjiao user token center@example.org --label 周报 --expires-days 90"
    )]
    Token {
        email: String,
        /// What the token is for, shown in the list.
        #[arg(long, default_value = "API")]
        label: String,
        /// Stop working after this many days (default: until revoked).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// An account's API tokens: label, made, last used, expiry, revoked.
    #[command(after_help = "Example:\n  songjiao user tokens center@example.org")]
    Tokens {
        email: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Stop one of an account's API tokens at once (its id from `user tokens`).
    #[command(after_help = "Example:\n  songjiao user revoke-token center@example.org 3")]
    RevokeToken { email: String, id: i64 },
}

#[derive(Debug, Args)]
pub struct UserArgs {
    email: String,
    #[arg(long)]
    name: String,
    /// admin, coordinator, teacher or supervisor (or 管理员, 特教专干, 教师, 督导).
    #[arg(long, value_parser = |s: &str| s.parse::<Role>())]
    role: Role,
    /// For a teacher account: the registered teacher it is.
    #[arg(long)]
    teacher: Option<String>,
    /// For a coordinator or supervisor: a school they cover (repeat for more; none:
    /// the whole district).
    #[arg(long = "school")]
    schools: Vec<String>,
    /// Read the password from the first line of standard input instead of emailing
    /// an invitation.
    #[arg(long)]
    password_stdin: bool,
}

fn worded(error: ServiceError, email: &str) -> anyhow::Error {
    match error {
        ServiceError::NotFound { .. } => super::said(
            format!("there is no account {email}: see `songjiao user list`"),
            format!("找不到账号 {email}：见 `songjiao user list`"),
        ),
        ServiceError::Conflict(_) => super::said(
            format!(
                "{email} already has an account: `songjiao user reset {email}` sends a new link"
            ),
            format!("{email} 已有账号：`songjiao user reset {email}` 会发送新的设置密码链接"),
        ),
        ServiceError::Invalid(problems) => {
            let en: Vec<String> = problems.iter().map(|p| format!("--{p}")).collect();
            let zh: Vec<String> = problems
                .iter()
                .map(|p| format!("--{}：{}", p.field.replace('_', "-"), p.reason.chinese()))
                .collect();
            super::said(
                format!("{}; nothing was saved", en.join("; ")),
                format!("{}；没有保存任何内容", zh.join("；")),
            )
        }
        other => other.into(),
    }
}

pub async fn run(context: &Context, command: UserCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    let (actor, now) = (&context.actor, context.now);
    let zone = context.settings.time_zone;
    match command {
        UserCommand::Add(args) => {
            let password = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let user = NewUser {
                email: args.email.clone(),
                name: args.name,
                role: args.role,
                scope: Scope::of_account(args.role, args.teacher, args.schools),
                password,
            };
            let added = accounts::add_user(&store, &context.settings, actor, now, user)
                .await
                .map_err(|e| worded(e, &args.email))?;
            match added {
                UserAdded::WithPassword => {
                    println!(
                        "{}",
                        context.say(
                            format!("账号 {}（{}）现在可以登录。", args.email, args.role.zh()),
                            format!("Account {} ({}) can log in now.", args.email, args.role)
                        )
                    )
                }
                UserAdded::Invited { until } => {
                    let until = until.with_timezone(&zone).format("%Y-%m-%d %H:%M");
                    println!(
                        "{}",
                        context.say(
                            format!(
                                "账号 {}（{}）已建立；设置密码的链接已放入发件箱（{until} 前有效）。",
                                args.email,
                                args.role.zh()
                            ),
                            format!(
                                "Account {} ({}) made; an email with a link to set the password is in the outbox (valid until {until}).",
                                args.email, args.role
                            )
                        )
                    )
                }
            }
        }
        UserCommand::Token {
            email,
            label,
            expires_days,
        } => {
            let made = tokens::make_for_email(&store, actor, now, &email, &label, expires_days)
                .await
                .map_err(|e| worded(e, &email))?;
            let until = match made.expires_at {
                Some(at) => {
                    let at = at.with_timezone(&zone).format("%Y-%m-%d %H:%M");
                    context.say(format!("有效期至 {at}"), format!("until {at}"))
                }
                None => context.say("撤销前一直有效".into(), "until revoked".into()),
            };
            let id = made.id;
            eprintln!(
                "{}",
                context.say(
                    format!(
                        "已为 {email} 生成令牌 {id}（{label}），{until}。它只显示这一次：请像密码一样保管；`songjiao user revoke-token {email} {id}` 可让它失效。"
                    ),
                    format!(
                        "Token {id} for {email} ({label}), valid {until}. It is shown only now: keep it \
                         like a password; `songjiao user revoke-token {email} {id}` stops it."
                    )
                )
            );
            println!("{}", made.token);
        }
        UserCommand::Tokens { email, format } => {
            let rows = tokens::of_email(&store, actor, &email)
                .await
                .map_err(|e| worded(e, &email))?;
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        UserCommand::RevokeToken { email, id } => {
            tokens::revoke_for_email(&store, actor, now, &email, id)
                .await
                .map_err(|e| worded(e, &email))?;
            println!(
                "{}",
                context.say(
                    format!("{email} 的令牌 {id} 已撤销，立即失效。"),
                    format!("Token {id} of {email} is revoked: it stops working at once.")
                )
            );
        }
        UserCommand::List { format } => {
            let rows = accounts::list_users(&store, actor).await?;
            print_rows(&rows, format, &mut std::io::stdout().lock())?;
        }
        UserCommand::Disable { email } => {
            accounts::set_disabled(&store, actor, now, &email, true)
                .await
                .map_err(|e| worded(e, &email))?;
            println!(
                "{}",
                context.say(
                    format!("账号 {email} 已停用，登录会话已全部结束。"),
                    format!("Account {email} is disabled; its sessions have ended.")
                )
            );
        }
        UserCommand::Enable { email } => {
            accounts::set_disabled(&store, actor, now, &email, false)
                .await
                .map_err(|e| worded(e, &email))?;
            println!(
                "{}",
                context.say(
                    format!("账号 {email} 可以重新登录。"),
                    format!("Account {email} can log in again.")
                )
            );
        }
        UserCommand::Rekey => {
            let verdict =
                crate::service::audit::rechain(&store, &context.settings, actor, now, false)
                    .await?;
            if !matches!(verdict, Verdict::Intact { .. }) {
                store.close().await;
                anyhow::bail!(context.say(
                    format!("查阅日志没有重新链接：{}", verdict_words(context, &verdict)),
                    format!(
                        "The access log was not re-chained: {}",
                        verdict_words(context, &verdict)
                    ),
                ));
            }
            let count =
                crate::service::second_factor::reseal_all(&store, &context.settings, actor, now)
                    .await?;
            println!(
                "{}",
                context.say(
                    format!("已用当前密钥重新加密 {count} 个账号的第二重验证密钥，并重新链接查阅日志。"),
                    format!("Sealed the second-factor secrets of {count} accounts and re-chained the access log under the current key."),
                )
            );
        }
        UserCommand::Reset { email } => {
            let until = accounts::reset(&store, &context.settings, actor, now, &email)
                .await
                .map_err(|e| worded(e, &email))?;
            let until = until.with_timezone(&zone).format("%Y-%m-%d %H:%M");
            println!(
                "{}",
                context.say(
                    format!(
                        "账号 {email}：密码已清除，登录已全部退出，API 令牌已全部作废；设置新密码的链接已放入发件箱（{until} 前有效）。"
                    ),
                    format!(
                        "Account {email}: password cleared, sessions ended, API tokens revoked; a link to set a new one is in the outbox (valid until {until})."
                    )
                )
            );
        }
        UserCommand::Scope {
            email,
            teacher,
            schools,
        } => {
            accounts::set_scope(&store, actor, now, &email, teacher, schools)
                .await
                .map_err(|e| worded(e, &email))?;
            println!(
                "{}",
                context.say(
                    format!("账号 {email}：范围已修改。"),
                    format!("Account {email}: scope changed.")
                )
            );
        }
    }
    store.close().await;
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The reads of children's details: who, role, which student, what, when, from where.
    #[command(
        after_help = "Examples:\n  songjiao audit list --student S001\n  songjiao audit list --user wangfang@example.org --since 2026-11-01 --format csv"
    )]
    List(AuditListArgs),
    /// Check that no row of the access log was altered or removed.
    #[command(after_help = "Example:\n  songjiao audit verify")]
    Verify,
}

#[derive(Debug, Args)]
pub struct AuditListArgs {
    #[arg(long)]
    student: Option<String>,
    #[arg(long)]
    user: Option<String>,
    /// Only reads: the access log holds only reads (changes are in the audit log),
    /// so this is what it shows anyway.
    #[arg(long = "reads")]
    _reads: bool,
    #[arg(long, value_parser = parse_day)]
    since: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// What a broken chain means, in the reader's language.
pub(super) fn verdict_words(context: &Context, verdict: &Verdict) -> String {
    match *verdict {
        Verdict::Intact { rows } => context.say(
            format!("查阅日志完整：共 {rows} 行。"),
            format!("The access log is intact: {rows} row(s)."),
        ),
        Verdict::Altered { id } => context.say(
            format!("查阅日志第 {id} 行写入后被修改过（或不是用本系统的密钥写的）。"),
            format!("Access log row {id} was altered after it was written (or not written under this system's key)."),
        ),
        Verdict::RemovedBefore { id } => context.say(
            format!("查阅日志第 {id} 行之前的记录被删除了。"),
            format!("The access log rows before row {id} were removed."),
        ),
        Verdict::RemovedAfter { id: Some(id) } => context.say(
            format!("查阅日志第 {id} 行之后的记录被删除了。"),
            format!("The access log rows after row {id} were removed."),
        ),
        Verdict::RemovedAfter { id: None } => context.say(
            "查阅日志的记录全部被删除了。".to_string(),
            "Every access log row was removed.".to_string(),
        ),
        Verdict::AnchorBroken { id, anchored } => {
            let day = anchored.with_timezone(&context.settings.time_zone).format("%Y-%m-%d %H:%M");
            context.say(
                format!("查阅日志第 {id} 行（{day} 记在数据库之外的锚点里）已不在或被改过：记录被删除或整条链被重写了。"),
                format!("Access log row {id} (anchored outside the database at {day}) is gone or changed: rows were removed or the chain rewritten."),
            )
        }
    }
}

pub async fn audit(context: &Context, command: AuditCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    let zone = context.settings.time_zone;
    match command {
        AuditCommand::List(args) => {
            let since = args.since.and_then(|day| {
                day.and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(zone).earliest())
                    .map(|t| t.to_utc())
            });
            let query = AccessQuery {
                student_id: args.student,
                account: args.user.map(|u| u.trim().to_lowercase()),
                since,
            };
            let rows = audit::access_list(&store, &context.actor, &query).await?;
            print_rows(&rows, args.format, &mut std::io::stdout().lock())?;
        }
        AuditCommand::Verify => {
            let verdict =
                audit::verify(&store, &context.settings, &context.actor, context.now).await?;
            store.close().await;
            let anchors = audit::anchors_file(&context.settings);
            match verdict {
                Verdict::Intact { rows } => println!(
                    "{}",
                    context.say(
                        format!(
                            "查阅日志完整：共 {rows} 行，没有被修改或删除；已与 {} 中的记录核对。",
                            anchors.display()
                        ),
                        format!(
                            "The access log is intact: {rows} row(s), none altered or removed; checked against {}.",
                            anchors.display()
                        )
                    )
                ),
                broken => anyhow::bail!(verdict_words(context, &broken)),
            }
            return Ok(());
        }
    }
    store.close().await;
    Ok(())
}
