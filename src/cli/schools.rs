//! `school list | rename | merge`: the district's schools as things of their own.

use clap::Subcommand;

use super::Context;
use super::output::{Format, print_rows};
use crate::service::registry;

#[derive(Debug, Subcommand)]
pub enum SchoolCommand {
    /// The schools, with how many teachers and children each has.
    #[command(after_help = "Example:\n  songjiao school list")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Give a school another name; everyone in it stays in it.
    #[command(after_help = "Example:\n  songjiao school rename 城关一小 城关镇第一小学")]
    Rename { old: String, new: String },
    /// One school registered under two names: move everyone of FROM (teachers,
    /// supervisors, children, accounts) into INTO and remove FROM.
    #[command(after_help = "Example:\n  songjiao school merge 城关一小 城关镇第一小学")]
    Merge { from: String, into: String },
}

pub async fn run(context: &Context, command: SchoolCommand) -> anyhow::Result<()> {
    let store = context.store().await?;
    let (actor, now) = (&context.actor, context.now);
    let result = match command {
        SchoolCommand::List { format } => {
            let schools = registry::schools(&store, actor).await?;
            print_rows(&schools, format, &mut std::io::stdout().lock())
        }
        SchoolCommand::Rename { old, new } => {
            registry::rename_school(&store, actor, now, &old, &new).await?;
            println!(
                "{}",
                context.say(
                    format!("学校“{old}”已改名为“{new}”。"),
                    format!("School {old} is now named {new}.")
                )
            );
            Ok(())
        }
        SchoolCommand::Merge { from, into } => {
            registry::merge_schools(&store, actor, now, &from, &into).await?;
            println!(
                "{}",
                context.say(
                    format!("学校“{from}”已并入“{into}”：其教师、督导、学生和账号都已转到“{into}”。"),
                    format!("School {from} is merged into {into}: its teachers, supervisors, children and accounts are now in {into}.")
                )
            );
            Ok(())
        }
    };
    store.close().await;
    result
}
