//! `config show` and `calendar show`.

use chrono::NaiveDate;
use clap::Subcommand;
use serde::Serialize;

use super::Context;
use super::output::{Format, print_table};
use crate::domain::calendar::{ProvisionalEntry, SchoolYear, Term};
use crate::domain::slot::weekday_name;

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
    let calendar = context
        .settings
        .calendar(year)
        .map_err(anyhow::Error::msg)?;
    let provisional = calendar.provisional();
    let fix = match &corrected {
        Some(_) => "correct it on the school calendar page".to_string(),
        None => format!(
            "edit {}/{year}.toml or correct it on the school calendar page",
            context.settings.calendar.dir.display()
        ),
    };
    if let Some(note) = &corrected {
        eprintln!("{note}");
    }
    for entry in &provisional {
        eprintln!(
            "warning: {} ({} to {}) is provisional: not yet announced by the State Council; \
             check it when the notice is published and {fix}",
            entry.name, entry.start, entry.end,
        );
    }
    let mut out = std::io::stdout().lock();
    match format {
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
            writeln!(
                out,
                "School year {year}: {} teaching days in {} teaching weeks",
                days.len(),
                calendar.teaching_weeks()
            )?;
            let mut rows = Vec::new();
            for term in &calendar.terms {
                let count = calendar.teaching_days_between(term.start, term.end).len();
                rows.push(vec![
                    "term".into(),
                    term.name.clone(),
                    term.start.to_string(),
                    term.end.to_string(),
                    format!("{count} teaching days"),
                ]);
            }
            for holiday in &calendar.holidays {
                let note = if holiday.provisional {
                    "provisional"
                } else {
                    ""
                };
                rows.push(vec![
                    "holiday".into(),
                    holiday.name.clone(),
                    holiday.start.to_string(),
                    holiday.end.to_string(),
                    note.into(),
                ]);
            }
            for day in &calendar.make_up_workdays {
                let mut note = format!(
                    "{} workday, {}'s timetable",
                    weekday_name(day.date.weekday()),
                    weekday_name(day.follows)
                );
                if !calendar.in_term(day.date) {
                    note.push_str(", outside term");
                }
                if day.provisional {
                    note.push_str(", provisional");
                }
                rows.push(vec![
                    "make-up workday".into(),
                    day.name.clone(),
                    day.date.to_string(),
                    day.date.to_string(),
                    note,
                ]);
            }
            rows.sort_by(|a, b| a[2].cmp(&b[2]));
            let headers: Vec<String> = ["kind", "name", "from", "to", "note"]
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
            eprintln!("note: showing the calendar files only ({error})");
            return None;
        }
    };
    let note = async {
        let mut tx = store.read().await?;
        crate::store::calendars::of_year(&mut tx, &year.to_string()).await
    }
    .await;
    store.close().await;
    match note {
        Ok(Some(stored)) => Some(format!(
            "note: this year's calendar was corrected on the pages (last by {} at {}); \
             the year's file is no longer read",
            stored.changed_by,
            stored
                .changed_at
                .with_timezone(&context.settings.time_zone)
                .format("%Y-%m-%d %H:%M")
        )),
        Ok(None) => None,
        Err(error) => {
            eprintln!("note: cannot read the calendar corrections: {error}");
            None
        }
    }
}
