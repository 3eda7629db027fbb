//! `config show` and `calendar show`.

use chrono::NaiveDate;
use clap::Subcommand;
use serde::Serialize;

use super::Context;
use super::output::{Format, print_table};
use crate::domain::calendar::{ProvisionalEntry, SchoolYear, Term};
use crate::domain::slot::{weekday_name, weekday_name_zh};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings in force (defaults, your file, SONGJIAO_* variables), secrets hidden.
    #[command(after_help = "Example:\n  songjiao --config district.toml config show")]
    Show,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Show a school year's terms, holidays, make-up workdays and teaching days.
    #[command(
        after_help = "Example:\n  songjiao calendar show --year 2026-2027\n  songjiao calendar show --format json"
    )]
    Show {
        /// The school year, like 2026-2027; default: the one containing today.
        #[arg(long)]
        year: Option<SchoolYear>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn config(context: &Context, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Show => print!("{}", context.settings.to_toml()),
    }
    Ok(())
}

#[derive(Serialize)]
struct CalendarJson {
    year: String,
    terms: Vec<Term>,
    teaching_days: Vec<NaiveDate>,
    teaching_weeks: usize,
    provisional: Vec<ProvisionalEntry>,
    holidays: Vec<crate::domain::calendar::Holiday>,
    make_up_workdays: Vec<crate::domain::calendar::MakeUpWorkday>,
}

pub async fn run(context: &Context, command: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::Show { year, format } = command;
    let year = year.unwrap_or_else(|| SchoolYear::containing(context.today()));
    let corrected = corrected_on_the_pages(context, year).await;
    let calendar = context.calendar(year)?;
    let provisional = calendar.provisional();
    let zh = context.chinese();
    let file = format!("{}/{year}.toml", context.settings.calendar.dir.display());
    let fix = match (&corrected, zh) {
        (Some(_), true) => "在“校历”页面上更正".to_string(),
        (Some(_), false) => "correct it on the school calendar page".to_string(),
        (None, true) => format!("修改 {file}，或在“校历”页面上更正"),
        (None, false) => format!("edit {file} or correct it on the school calendar page"),
    };
    if let Some(note) = &corrected {
        eprintln!("{note}");
    }
    for entry in &provisional {
        let (name, start, end) = (&entry.name, entry.start, entry.end);
        eprintln!(
            "{}",
            context.say(
                format!(
                    "提醒：{name}（{start} 至 {end}）是暂定的：国务院还没有公布；公布后请核对，并{fix}"
                ),
                format!(
                    "warning: {name} ({start} to {end}) is provisional: not yet announced by the State Council; \
                     check it when the notice is published and {fix}"
                )
            )
        );
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Xlsx => anyhow::bail!(
            "{}",
            context.say(
                "校历没有 Excel 格式：请用 --format csv 或 json。".into(),
                "The calendar has no Excel form: use --format csv or json.".into()
            )
        ),
        Format::Json => {
            let json = CalendarJson {
                year: year.to_string(),
                terms: calendar.terms.clone(),
                teaching_days: calendar.teaching_days(),
                teaching_weeks: calendar.teaching_weeks(),
                provisional,
                holidays: calendar.holidays.clone(),
                make_up_workdays: calendar.make_up_workdays.clone(),
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            println!();
        }
        Format::Table | Format::Csv => {
            use std::io::Write;
            let days = calendar.teaching_days();
            let (count, weeks) = (days.len(), calendar.teaching_weeks());
            writeln!(
                out,
                "{}",
                context.say(
                    format!("{year} 学年：{weeks} 个教学周，共 {count} 个教学日"),
                    format!("School year {year}: {count} teaching days in {weeks} teaching weeks")
                )
            )?;
            let word = |zh_word: &str, en: &str| if zh { zh_word } else { en }.to_string();
            let mut rows = Vec::new();
            for term in &calendar.terms {
                let count = calendar.teaching_days_between(term.start, term.end).len();
                rows.push(vec![
                    word("学期", "term"),
                    term.name.clone(),
                    term.start.to_string(),
                    term.end.to_string(),
                    context.say(
                        format!("{count} 个教学日"),
                        format!("{count} teaching days"),
                    ),
                ]);
            }
            for holiday in &calendar.holidays {
                let note = if holiday.provisional {
                    word("暂定", "provisional")
                } else {
                    String::new()
                };
                rows.push(vec![
                    word("假期", "holiday"),
                    holiday.name.clone(),
                    holiday.start.to_string(),
                    holiday.end.to_string(),
                    note,
                ]);
            }
            for day in &calendar.make_up_workdays {
                let mut note = if zh {
                    format!(
                        "{}上班，按{}课表",
                        weekday_name_zh(day.date.weekday()),
                        weekday_name_zh(day.follows)
                    )
                } else {
                    format!(
                        "{} workday, {}'s timetable",
                        weekday_name(day.date.weekday()),
                        weekday_name(day.follows)
                    )
                };
                if !calendar.in_term(day.date) {
                    note.push_str(&word("，不在学期内", ", outside term"));
                }
                if day.provisional {
                    note.push_str(&word("，暂定", ", provisional"));
                }
                rows.push(vec![
                    word("调休上班", "make-up workday"),
                    day.name.clone(),
                    day.date.to_string(),
                    day.date.to_string(),
                    note,
                ]);
            }
            rows.sort_by(|a, b| a[2].cmp(&b[2]));
            let headers: Vec<String> = if zh {
                ["类型", "名称", "开始日期", "结束日期", "说明"]
            } else {
                ["kind", "name", "from", "to", "note"]
            }
            .map(String::from)
            .to_vec();
            print_table(&headers, &rows, &mut out)?;
        }
    }
    Ok(())
}

use chrono::Datelike;

/// Reads the corrections made on the pages (when the database is set up) and
/// says who made this year's: the year's file is then no longer read.
async fn corrected_on_the_pages(context: &Context, year: SchoolYear) -> Option<String> {
    let store = match context.store().await {
        Ok(store) => store,
        Err(error) => {
            eprintln!(
                "{}",
                context.say(
                    format!("说明：只显示校历文件（{}）", super::chinese_text(&error)),
                    format!("note: showing the calendar files only ({error})")
                )
            );
            return None;
        }
    };
    let note = crate::service::school_calendar::correction(&store, &context.actor, year).await;
    store.close().await;
    match note {
        Ok(Some(stored)) => {
            let (by, at) = (
                &stored.changed_by,
                stored
                    .changed_at
                    .with_timezone(&context.settings.time_zone)
                    .format("%Y-%m-%d %H:%M"),
            );
            Some(context.say(
                format!("说明：本学年的校历已在页面上更正（最近一次由 {by} 于 {at}）；不再读取该学年的校历文件"),
                format!(
                    "note: this year's calendar was corrected on the pages (last by {by} at {at}); \
                     the year's file is no longer read"
                ),
            ))
        }
        Ok(None) => None,
        Err(error) => {
            eprintln!(
                "{}",
                context.say(
                    format!("说明：读不到校历的更正：{error}"),
                    format!("note: cannot read the calendar corrections: {error}")
                )
            );
            None
        }
    }
}
