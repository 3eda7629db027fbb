//! The README as a test: every `songjiao` command in its ```sh blocks runs, in
//! order, on one fresh database, with the real binary on the PATH, in a folder
//! holding the spreadsheets the README names. A command that fails fails the test
//! with the README line it came from.
//!
//! Left out, and said so here: `cargo …` and `.ci/…` (the build and this very
//! suite) and `curl …` (the JSON API needs a running server and a token; the API
//! tests call the same routes).
//! Time: each section's commands run on the day its story happens (the clock is
//! a parameter, `SONGJIAO_NOW`), as a coordinator would live them.

use std::path::Path;
use std::process::Command;

/// The day on which each section's commands are run.
const DAYS: &[(&str, &str)] = &[
    ("## A coordinator's first day", "2026-11-23"),
    ("## Planning a week", "2026-11-27"),
    ("## Recording visits", "2026-12-05"),
    ("## Progress, ledger and exports", "2026-12-05"),
    ("## Accounts, logins and who sees what", "2026-12-05"),
    ("## The JSON API", "2026-12-05"),
    ("## Backups and a child's data", "2026-12-07"),
];

const TEACHERS: &str = "\
工号,姓名,邮箱,学校,可用时段,每日最多送教次数
T01,王芳,wangfang@example.org,城关小学,周一上午 周一下午 周二上午 周三上午 周三下午 周四下午 周五上午,2
T02,李娜,lina@example.org,城关小学,周一上午 周二上午 周二下午 周三上午 周四上午 周五下午,2
T03,陈静,chenjing@example.org,育敏学校,周一下午 周二下午 周三上午 周四上午 周五上午,2
";

const STUDENTS: [[&str; 5]; 4] = [
    ["学生编号", "姓名", "学校", "残疾类别", "可上门时段"],
    [
        "S0001",
        "李小明",
        "城关小学",
        "智力残疾",
        "周一上午 周三上午 周四下午",
    ],
    [
        "S0002",
        "王欣怡",
        "城关小学",
        "孤独症谱系障碍",
        "周二上午 周四上午 周五下午",
    ],
    [
        "S0003",
        "张子涵",
        "育敏学校",
        "脑瘫",
        "周二下午 周三上午 周五上午",
    ],
];

const PLANS: &str = "\
学生编号,学年,送教教师,备用教师,目标
S0001,2026-2027,T01,T02,认识数字；能自己穿衣
S0002,2026-2027,T02,T01,能表达需求
S0003,2026-2027,T03,,握笔
";

/// The paper sheet of week 49, typed in by the coordinator.
const WEEK49: &str = "\
学生编号,日期,时段,结果,课时,原因,方式,备注
S0002,2026-12-01,上午,完成,,,,
S0003,2026-12-02,上午,missed,,生病,,发烧
";

/// `学生.csv` for the API example.
const STUDENTS_CSV: &str = "学生编号,姓名,学校\nS0004,赵一鸣,城关小学\n";

fn write_students_xlsx(path: &Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in STUDENTS.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32, column as u16, *cell)
                .expect("a cell");
        }
    }
    workbook.save(path).expect("students.xlsx");
}

/// The README's shell lines, each with the section it is in; continuation
/// lines joined, comments after a command kept (the shell ignores them).
fn commands(readme: &str) -> Vec<(String, String)> {
    let mut commands = Vec::new();
    let (mut section, mut in_block, mut pending) = (String::new(), false, String::new());
    for line in readme.lines() {
        if !in_block && line.starts_with("## ") {
            section = line.to_string();
        }
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        let (text, continued) = match line.trim_end().strip_suffix('\\') {
            Some(head) => (head, true),
            None => (line, false),
        };
        pending.push_str(text.trim_start());
        pending.push(' ');
        if !continued {
            let command = pending.trim().to_string();
            pending.clear();
            if !command.is_empty() {
                commands.push((section.clone(), command));
            }
        }
    }
    commands
}

fn skipped(command: &str) -> bool {
    ["cargo ", ".ci/", "curl "]
        .iter()
        .any(|prefix| command.starts_with(prefix))
}

/// What happens outside the command line between two README lines: a teacher
/// asks for leave on their phone before the coordinator approves it.
fn before(command: &str, database: &Path) {
    if command.starts_with("songjiao teacher leave list --waiting") {
        common::runtime().block_on(async {
            use sqlx::Connection;
            let url = format!("sqlite://{}", database.display());
            let mut connection = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("the database");
            sqlx::query(
                "INSERT INTO teacher_leaves (teacher_id, start_date, end_date, reason, created_at, status, requested_by)
                 VALUES ('T01', '2026-12-14', '2026-12-15', '家中有事', '2026-12-05T01:00:00Z', 'requested', 'wangfang@example.org')",
            )
            .execute(&mut connection)
            .await
            .expect("a leave request");
        });
    }
}

mod common;

#[test]
fn every_command_of_the_readme_runs_in_order() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(Path::new(root).join("README.md")).expect("README.md");
    let dir = tempfile::tempdir().expect("a folder");
    let here = dir.path();
    std::os::unix::fs::symlink(Path::new(root).join("config"), here.join("config"))
        .expect("config/");
    std::fs::write(here.join("teachers.csv"), TEACHERS).expect("teachers.csv");
    write_students_xlsx(&here.join("students.xlsx"));
    std::fs::write(here.join("plans.csv"), PLANS).expect("plans.csv");
    std::fs::write(here.join("week49.csv"), WEEK49).expect("week49.csv");
    std::fs::write(here.join("学生.csv"), STUDENTS_CSV).expect("学生.csv");
    let binary = Path::new(env!("CARGO_BIN_EXE_songjiao"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let commands = commands(&readme);
    let run: Vec<&(String, String)> = commands.iter().filter(|(_, c)| !skipped(c)).collect();
    assert!(run.len() >= 40, "only {} commands found", run.len());
    for (section, command) in run {
        let day = DAYS
            .iter()
            .find(|(heading, _)| section == heading)
            .map(|(_, day)| *day)
            .unwrap_or_else(|| {
                panic!("the README section `{section}` has commands: give it a day in DAYS")
            });
        before(command, &here.join("data/songjiao.db"));
        let output = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(here)
            .env("PATH", &path)
            .env("SONGJIAO_NOW", day)
            .env("SONGJIAO_ACTOR", "readme")
            .env_remove("SONGJIAO_DATABASE_URL")
            .output()
            .expect("sh runs");
        if std::env::var_os("README_TEST_VERBOSE").is_some() {
            eprintln!("$ {command}\n{}", String::from_utf8_lossy(&output.stdout));
        }
        assert!(
            output.status.success(),
            "README ({section}, {day}): `{command}` failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
