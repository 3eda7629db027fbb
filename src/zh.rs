//! Chinese for the reasons the rules give. The domain, the import and the
//! services word their reasons once, in English (tests and logs read them); a
//! person reading Chinese gets them through this catalogue, which knows each
//! reason's pattern and the codes inside it (`student_ill` becomes 学生生病). A
//! reason it does not know is shown as written rather than guessed at; the test
//! below holds one example of every pattern, so a reworded rule shows up here.

use crate::domain::access::Role;
use crate::domain::leave::LeaveStatus;
use crate::domain::student::{Disability, Gender, StaffRole, StudentStatus};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// A field's name as the sheet's Chinese column (学生编号, 日期…), else as given.
pub fn field(name: &str) -> String {
    crate::speech::Speech::chinese().header(name)
}

/// `reason` in Chinese, or as written when no pattern knows it.
pub fn reason(reason: &str) -> String {
    for (pattern, say) in CATALOGUE {
        if let Some(parts) = captures(reason, pattern) {
            return say(&parts);
        }
    }
    reason.to_string()
}

/// The `{}` parts of `text` when it has the shape of `pattern`; each part ends
/// where the pattern's next literal text first appears.
fn captures<'a>(text: &'a str, pattern: &str) -> Option<Vec<&'a str>> {
    let literals: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(literals[0])?;
    let mut parts = Vec::new();
    for (i, literal) in literals.iter().enumerate().skip(1) {
        let last = i == literals.len() - 1;
        let end = if last && literal.is_empty() {
            rest.len()
        } else if last {
            rest.strip_suffix(literal).map(str::len)?
        } else {
            rest.find(literal)?
        };
        parts.push(&rest[..end]);
        rest = &rest[end + literal.len()..];
    }
    (rest.is_empty()).then_some(parts)
}

type Say = fn(&[&str]) -> String;

/// How to make a file the import reads, in the words of Excel's and WPS's menus.
const SAVE_AS_ZH: &str =
    "请在 Excel 或 WPS 中打开，选择“另存为” → Excel 工作簿 (*.xlsx)，或 CSV UTF-8（逗号分隔）";

/// Each reason's English pattern (`{}` for what varies) and its Chinese.
const CATALOGUE: &[(&str, Say)] = &[
    // A sheet that cannot be read at all (import/sheet.rs, import/workbook.rs).
    (
        "cell {} holds something, past the {} rows and {} columns a sheet may use here: delete what is there, or copy the table into a new sheet",
        |p| {
            format!(
                "单元格 {} 有内容，超出了这里能读的范围（最多 {} 行、{} 列）：请删除那里的内容，或把表格复制到一张新的工作表",
                p[0], p[1], p[2]
            )
        },
    ),
    (
        "the workbook unpacks to more than {} MB, far more than a register: {}, keeping only the table",
        |p| {
            format!(
                "这个工作簿解压后超过 {} MB，远大于一份名册：{SAVE_AS_ZH}，只保留表格本身",
                p[0]
            )
        },
    ),
    (
        "the workbook's sheets span more than {} cells together: {}, keeping only the table",
        |p| {
            format!(
                "这个工作簿的各工作表合计超过 {} 个单元格：{SAVE_AS_ZH}，只保留表格本身",
                p[0]
            )
        },
    ),
    (
        "the workbook is damaged, or of a kind not read here (.xlsx and .xls are): {}",
        |_| format!("工作簿已损坏，或不是这里能读的格式（能读 .xlsx 和 .xls）：{SAVE_AS_ZH}"),
    ),
    ("the workbook has no sheet", |_| "工作簿里没有工作表".into()),
    (
        "holds a line break, a tab or an invisible control character: keep it on one line",
        |_| "含有换行、制表符或看不见的控制字符：请写在一行里".into(),
    ),
    (
        "holds an invisible control character: type the text again",
        |_| "含有看不见的控制字符：请重新输入这段文字".into(),
    ),
    (
        "a recorded or past visit is not moved: correct its record instead",
        |_| "已经记录或已经过去的送教不能调动：如有不对，请改正它的记录".into(),
    ),
    (
        "the file is a web page, not a workbook (some systems' \"export to Excel\" make these): {}",
        |_| {
            format!(
                "这个文件是网页，不是工作簿（有些系统的“导出到 Excel”会生成这种文件）：{SAVE_AS_ZH}"
            )
        },
    ),
    (
        "the file is named .{} but is not a workbook (it may be damaged, or another kind of file renamed): {}",
        |p| {
            format!(
                "文件名是 .{}，但内容不是工作簿（可能已损坏，或是改了名的其他文件）：{SAVE_AS_ZH}",
                p[0]
            )
        },
    ),
    (
        "the file is UTF-16 text (Excel's \"Unicode text\"), which is not read here: {}",
        |_| format!("这个文件是 UTF-16 文本（Excel 的“Unicode 文本”），这里不能读：{SAVE_AS_ZH}"),
    ),
    ("the file is neither UTF-8 nor GBK text{}: {}", |_| {
        format!("这个文件既不是 UTF-8 也不是 GBK 文本：{SAVE_AS_ZH}")
    }),
    ("the file is empty: it needs a header row", |_| {
        "文件是空的：第一行应是表头".into()
    }),
    ("is empty but required", |_| "必填，不能为空".into()),
    (
        "{} already exists: choose a new file name (a backup never overwrites a file)",
        |p| format!("{} 已存在：请换一个文件名（备份从不覆盖已有文件）", p[0]),
    ),
    (
        "the database {} is not empty: restore into a new database (a new SQLite path, or `createdb` a new PostgreSQL database) and point --database at it",
        |p| {
            format!(
                "数据库 {} 不是空的：请恢复到新数据库（新的 SQLite 路径，或用 `createdb` 新建的 PostgreSQL 数据库），再用 --database 指向它",
                p[0]
            )
        },
    ),
    (
        "the restored database fails SQLite's integrity check: {}",
        |p| format!("恢复后的数据库没有通过 SQLite 的完整性检查：{}", p[0]),
    ),
    (
        "{} is not a songjiao backup of a SQLite database: {}",
        |p| format!("{} 不是 songjiao 的 SQLite 备份：{}", p[0], p[1]),
    ),
    (
        "{} is not a backup made by `songjiao backup` on PostgreSQL (a pg_dump custom-format file)",
        |p| {
            format!(
                "{} 不是 `songjiao backup` 在 PostgreSQL 上做的备份（pg_dump 自定义格式文件）",
                p[0]
            )
        },
    ),
    (
        "{} is not installed: it comes with PostgreSQL's client tools (Debian/Ubuntu: `apt-get install postgresql-client`; its version must be the server's or newer), or use the server's own backups",
        |p| {
            format!(
                "没有安装 {}：它属于 PostgreSQL 客户端工具（Debian/Ubuntu：`apt-get install postgresql-client`，版本不低于服务器），或者使用服务器自己的备份",
                p[0]
            )
        },
    ),
    (
        "there is no open alert {}: see `songjiao alert list`",
        |p| format!("找不到未关闭的预警 {}：见 `songjiao alert list`", p[0]),
    ),
    ("there is no {} {}: see `songjiao {} list`", |p| {
        format!(
            "找不到{} {}：见 `songjiao {} list`",
            thing(p[0]),
            p[1],
            p[2]
        )
    }),
    ("no {} {} is registered (see `songjiao {} list`)", |p| {
        format!(
            "没有登记{} {}（见 `songjiao {} list`）",
            thing(p[0]),
            p[1],
            p[2]
        )
    }),
    ("there is no {} {}", |p| {
        format!("找不到{} {}", thing(p[0]), p[1])
    }),
    ("the header row has no column {} (or {})", |p| {
        let mut names: Vec<&str> = p[1].split(", ").collect();
        let first = names.remove(0);
        names.push(p[0]);
        format!("表头没有“{first}”列（也可写 {}）", names.join("、"))
    }),
    ("is empty", |_| "不能为空".into()),
    ("`{}` is not a date like 2026-09-01", |p| {
        format!("“{}”不是日期，请写成 2026-09-01 这样", p[0])
    }),
    ("`{}` is not a whole number from {} to {}", |p| {
        format!("“{}”不是 {} 到 {} 之间的整数", p[0], p[1], p[2])
    }),
    ("is longer than {} characters", |p| {
        format!("超过 {} 个字", p[0])
    }),
    (
        "`{}` is not a phone number (a mobile of 11 digits, or a landline such as 0931-8123456)",
        |p| {
            format!(
                "“{}”不是电话号码（手机号 11 位，或座机如 0931-8123456）",
                p[0]
            )
        },
    ),
    ("`{}` is not an email address", |p| {
        format!("“{}”不是电子邮箱地址", p[0])
    }),
    ("`{}` is not a weekday like Mon", |p| {
        format!("“{}”不是星期几（如 周一）", p[0])
    }),
    (
        "`{}`: expected a weekday and a slot like Mon-AM or 周一上午",
        |p| format!("“{}”：应写星期和时段，如 周一上午", p[0]),
    ),
    (
        "`{}` is not a disability grade: write 一级, 二级, 三级 or 四级 (or 1 to 4)",
        |p| {
            format!(
                "“{}”不是残疾等级：请写 一级、二级、三级、四级（或 1 到 4）",
                p[0]
            )
        },
    ),
    ("`{}`: write it as 除周三下午外均可", |p| {
        format!("“{}”：请写成“除周三下午外均可”这样", p[0])
    }),
    ("`{}`: unknown slot `{}` (slots are {})", |p| {
        let p = [p[0], p[1], &slot_words(p[2])];
        format!("“{}”：没有“{}”这个时段（时段有 {}）", p[0], p[1], p[2])
    }),
    ("`{}` is not a slot: use one of {}", |p| {
        let p = [p[0], &slot_words(p[1])];
        format!("“{}”不是时段：可用 {}", p[0], p[1])
    }),
    ("`{}` is not a {}: use one of {}", |p| {
        let (what, words) = coded_words(p[1]);
        format!("“{}”不是有效的{what}：可用 {words}", p[0])
    }),
    (
        "header `{}` is not one we read, but close to `{}`: rename it `{}` in the sheet (or confirm with --column {}={}); its cells are not read until then",
        |p| {
            format!(
                "表头“{}”不认识，可能是“{}”：请在表格里把它改成“{}”后再导入（或确认：导入页“表头对应”填写 {}={}，命令行加 --column {}={}）；改好之前这一列不会被读取",
                p[0], p[1], p[2], p[3], p[4], p[3], p[4]
            )
        },
    ),
    (
        "the plan of {} {} changes ({}): that is a revision and needs its reason (a revision_reason column, or one --reason for the file)",
        |p| {
            let fields: Vec<String> = p[2].split(", ").map(field).collect();
            format!(
                "{} 在 {} 学年的送教方案会改变（{}）：这是送教方案修订，需要写明原因（表格中加“修订原因”一列；或为整份文件给一个原因：导入页填写“修订原因”，命令行加 --reason）",
                p[0],
                p[1],
                fields.join("、")
            )
        },
    ),
    (
        "{}: no visit can have happened then; check the date (or import with --allow-off-days to keep it, marked)",
        |p| {
            format!(
                "{}：那天不可能送教，请核对日期（确要保留：导入页勾选“保留非教学日的记录”，命令行加 --allow-off-days；记录会注明）",
                reason(p[0])
            )
        },
    ),
    ("{} is outside {}'s plan ({} to {})", |p| {
        format!(
            "{} 不在 {} 的送教方案期内（{} 至 {}）",
            p[0], p[1], p[2], p[3]
        )
    }),
    (
        "{} to {} overlaps {}: change, end or remove it first",
        |p| {
            format!(
                "{} 至 {} 与已有的 {} 重叠：请先修改、结束或删除它（用前面的编号）",
                p[0],
                p[1],
                absences(p[2])
            )
        },
    ),
    ("{} is not among the days from {} to {}", |p| {
        format!("{}不在 {} 至 {} 这几天里", half_days(p[0]), p[1], p[2])
    }),
    (
        "{} is a teacher's account: a supervisor needs an email of their own",
        |p| format!("{} 是教师的账号：督导要用自己的邮箱", p[0]),
    ),
    (
        "{} is a {} account: it hears of its own scope ({}); change that with songjiao user scope",
        |p| {
            format!(
                "{} 是{}账号：按账号自己的范围（{}）收到预警，不另设学校；要改范围请用 songjiao user scope",
                p[0],
                p[1].parse::<Role>()
                    .map_or_else(|_| p[1].to_string(), |r| r.zh().to_string()),
                crate::speech::Speech::chinese().cell("scope", &serde_json::json!(p[2]))
            )
        },
    ),
    (
        "`{}` is not a school of the district; did you mean `{}`?",
        |p| format!("“{}”不是本区登记的学校；是不是“{}”？", p[0], p[1]),
    ),
    (
        "`{}` is not a school of the district (songjiao school list)",
        |p| {
            format!(
                "“{}”不是本区登记的学校（songjiao school list 可查看已登记的学校）",
                p[0]
            )
        },
    ),
    ("{} is neither {}'s teacher nor backup", |p| {
        format!("{} 既不是 {} 的送教教师，也不是备用教师", p[0], p[1])
    }),
    (
        "`{}` is the name of {} teachers ({}): write the teacher's id",
        |p| {
            format!(
                "“{}”是 {} 位教师的名字（{}）：请写教师编号",
                p[0], p[1], p[2]
            )
        },
    ),
    ("{} is a holiday ({})", |p| {
        format!("{} 是假期（{}）", p[0], p[1])
    }),
    ("{} is a weekend day and no make-up workday", |p| {
        format!("{} 是周末，也不是调休上班日", p[0])
    }),
    ("{} is outside the terms", |p| {
        format!("{} 不在学期内", p[0])
    }),
    ("{} appears a second time (first on line {})", |p| {
        format!("{} 重复出现（第一次在第 {} 行）", p[0], p[1])
    }),
    ("no {} {} is registered (import the {}s first)", |p| {
        let what = thing(p[0]);
        format!("没有登记{what} {}（请先导入{what}）", p[1])
    }),
    ("{} has no active plan for {}", |p| {
        format!("{} 在 {} 学年没有有效的送教方案", p[0], p[1])
    }),
    ("{} has not happened yet (today is {})", |p| {
        format!("{} 还没有到（今天是 {}）", p[0], p[1])
    }),
    ("teacher {} already has another visit on {} {}", |p| {
        format!("教师 {} 在 {} {} 已有其他送教", p[0], p[1], p[2])
    }),
    (
        "the record of {} is locked (older than {} days, a change needs a reason): give the reason in the reason column",
        |p| {
            format!(
                "{} 的记录已锁定（超过 {} 天，修改需要说明原因）：请在“原因”列写明",
                p[0], p[1]
            )
        },
    ),
    ("the record of {}", |p| format!("{} 的记录", p[0])),
    (
        "{} ({} to {}) is outside every term of {}: no visits are planned",
        |p| {
            format!(
                "{}（{} 至 {}）不在 {} 学年的任何学期内：不安排送教",
                p[0], p[1], p[2], p[3]
            )
        },
    ),
    (
        "{} has no teaching day (holidays): no visits are planned",
        |p| format!("{} 没有教学日（假期）：不安排送教", p[0]),
    ),
    (
        "{}'s teaching days are all on or before today ({}): the past is not re-planned",
        |p| {
            format!(
                "{} 的教学日都在今天（{}）或之前：已过去的不再重排",
                p[0], p[1]
            )
        },
    ),
    ("goal {} is not a goal of {}'s plan (its goals: {})", |p| {
        format!(
            "目标 {} 不是 {} 计划中的目标（计划的目标编号：{}）",
            p[0], p[1], p[2]
        )
    }),
    ("older than {} days, a change needs a reason", |p| {
        format!("超过 {} 天，修改需要说明原因", p[0])
    }),
    (
        "the backup teacher must be someone else than the responsible teacher",
        |_| "备用教师不能与负责教师是同一人".into(),
    ),
    ("the plan covers no teaching day", |_| {
        "送教方案期间没有教学日".into()
    }),
    ("{} is outside the school year {}", |p| {
        format!("{} 不在 {} 学年内", p[0], p[1])
    }),
    ("must be from {} to {}", |p| {
        format!("应在 {} 到 {} 之间", p[0], p[1])
    }),
    ("must be at least 1", |_| "至少为 1".into()),
    ("{} is before the start date {}", |p| {
        format!("{} 早于开始日期 {}", p[0], p[1])
    }),
    (
        "the visit on {} at {} has not begun yet (it is now {}): record it afterwards",
        |p| {
            format!(
                "{} {} 的送教还没有开始（现在是 {}）：送教后再记录",
                p[0], p[1], p[2]
            )
        },
    ),
    (
        "{} is fewer than the plan's {} periods a visit: record it as partial",
        |p| format!("{} 少于计划每次 {} 课时：请记为部分完成", p[0], p[1]),
    ),
    ("a partial visit needs the periods given (1 to {})", |p| {
        format!("部分完成的送教要填课时（1 到 {}）", p[0])
    }),
    (
        "a partial visit gives 1 to {} periods (the plan's visit has {}); {} is not",
        |p| {
            format!(
                "部分完成的送教课时应为 1 到 {}（计划每次 {} 课时），{} 不行",
                p[0], p[1], p[2]
            )
        },
    ),
    ("a {} visit delivers no periods; {} given", |p| {
        format!("{}的送教没有课时，却填了 {}", outcome(p[0]), p[1])
    }),
    ("{} is more than the plan's {} periods a visit", |p| {
        format!("{} 超过计划每次 {} 课时", p[0], p[1])
    }),
    ("a {} visit needs a reason code: {}", |p| {
        let (_, words) = coded_words("reason code");
        format!("{}的送教要写原因：{words}", outcome(p[0]))
    }),
    ("the visit cannot end ({}) before it begins ({})", |p| {
        format!("结束时间（{}）不能早于开始时间（{}）", p[0], p[1])
    }),
    ("give the time the visit began too", |_| {
        "请同时填写开始时间".into()
    }),
    ("give the time the visit ended too", |_| {
        "请同时填写结束时间".into()
    }),
    (
        "{} starts {}: target pro-rated to {} periods (of {})",
        |p| {
            format!(
                "{} 从 {} 开始：目标按比例为 {} 课时（全年 {}）",
                p[0], p[1], p[2], p[3]
            )
        },
    ),
    (
        "the family has no available slot on this week's teaching days",
        |_| "家庭在本周的教学日没有可用时段".into(),
    ),
    ("no slot this week suits both the family and {}", |p| {
        format!("本周没有家庭和{}都合适的时段", teachers(p[0]))
    }),
    (
        "only {} day(s) this week have a slot that suits both the family and {}; a child gets at most one visit a day",
        |p| {
            format!(
                "本周只有 {} 天有家庭和{}都合适的时段；每个孩子每天最多一次送教",
                p[0],
                teachers(p[1])
            )
        },
    ),
    (
        "the slots that suit the family are taken by other students' visits of {}, or their daily limit is reached",
        |p| {
            format!(
                "家庭合适的时段已被{}给其他学生的送教占用，或已达每日上限",
                teachers(p[0])
            )
        },
    ),
    (
        "visit {} was cancelled when its week was planned again",
        |p| format!("送教 {} 在重新排课时已取消", p[0]),
    ),
];

/// "teacher T01 or backup T02" as 教师 T01 或备用教师 T02.
fn teachers(text: &str) -> String {
    if let Some(parts) = captures(text, "teacher {} or backup {}") {
        return format!("教师 {} 或备用教师 {}", parts[0], parts[1]);
    }
    if let Some(parts) = captures(text, "teacher {} (no backup teacher)") {
        return format!("教师 {}（没有备用教师）", parts[0]);
    }
    text.to_string()
}

/// Leaves or pauses as a refusal lists them (`#3 2026-12-16 to 2026-12-16
/// Wed-PM (教研); …`), in Chinese.
fn absences(list: &str) -> String {
    list.split("; ")
        .map(|one| {
            let (one, reason) = match one.split_once(" (") {
                Some((one, reason)) => (one, format!("（{}）", reason.trim_end_matches(')'))),
                None => (one, String::new()),
            };
            let words: Vec<String> = one
                .split(' ')
                .map(|word| match word {
                    "to" => "至".to_string(),
                    w if w.contains('-') && !w.starts_with(char::is_numeric) => half_days(w),
                    w => w.to_string(),
                })
                .collect();
            format!("{}{reason}", words.join(" "))
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// Half-days as stored (`Wed-PM`), in Chinese (周三下午).
fn half_days(codes: &str) -> String {
    codes
        .split_whitespace()
        .map(
            |code| match code.parse::<crate::domain::slot::WeeklySlot>() {
                Ok(w) => format!(
                    "{}{}",
                    crate::domain::slot::weekday_name_zh(w.weekday),
                    slot_words(&w.slot)
                ),
                Err(_) => code.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("、")
}

/// What a service looked for, in Chinese.
/// The default slots' names as people say them (上午, 下午).
fn slot_words(names: &str) -> String {
    names
        .split(", ")
        .map(|name| match name {
            "AM" => "上午",
            "PM" => "下午",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn thing(what: &str) -> &str {
    match what {
        "student" => "学生",
        "teacher" => "教师",
        "plan" => "送教方案",
        "visit" => "送教",
        "alert" => "预警",
        "account" => "账号",
        "supervisor" => "督导",
        "leave request" => "请假申请",
        other => other,
    }
}

fn outcome(code: &str) -> &'static str {
    code.parse::<Outcome>().map_or("", Outcome::zh)
}

/// What a list of codes is, and its words, in Chinese.
fn coded_words(what: &str) -> (&'static str, String) {
    fn words<T: Copy>(all: &[T], zh: fn(T) -> &'static str) -> String {
        all.iter().map(|v| zh(*v)).collect::<Vec<_>>().join("、")
    }
    match what {
        "gender" => ("性别", words(Gender::ALL, Gender::zh)),
        "disability category" => ("残疾类别", words(Disability::ALL, Disability::zh)),
        "student status" => ("学生状态", words(StudentStatus::ALL, StudentStatus::zh)),
        "role" => ("角色", words(Role::ALL, Role::zh)),
        "staff role" => ("角色", words(StaffRole::ALL, StaffRole::zh)),
        "visit outcome" => ("送教结果", words(Outcome::ALL, Outcome::zh)),
        "reason code" => ("原因", words(MissReason::ALL, MissReason::zh)),
        "visit mode" => ("送教方式", words(Mode::ALL, Mode::zh)),
        "leave status" => ("请假状态", words(LeaveStatus::ALL, LeaveStatus::zh)),
        "visit status" => ("送教状态", words(VisitStatus::ALL, VisitStatus::zh)),
        _ => ("值", String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn every_reason_the_rules_give_reads_in_chinese() {
        for (english, chinese) in [
            ("is empty but required", "必填，不能为空"),
            (
                "cell XFD1048576 holds something, past the 300000 rows and 64 columns a sheet may use here: delete what is there, or copy the table into a new sheet",
                "单元格 XFD1048576 有内容，超出了这里能读的范围（最多 300000 行、64 列）：请删除那里的内容，或把表格复制到一张新的工作表",
            ),
            (
                "`2026-13-01` is not a date like 2026-09-01",
                "“2026-13-01”不是日期，请写成 2026-09-01 这样",
            ),
            (
                "`9` is not a whole number from 0 to 8",
                "“9”不是 0 到 8 之间的整数",
            ),
            (
                "`lost` is not a reason code: use one of student_ill, other",
                "“lost”不是有效的原因：可用 学生生病、家长不在家、住院、教师原因、天气、学校活动、其他",
            ),
            (
                "`x` is not a gender: use one of female, male",
                "“x”不是有效的性别：可用 女、男",
            ),
            (
                "header `可上门时间` is not one we read, but close to `可上门时段`: rename it `可上门时段` in the sheet (or confirm with --column 可上门时间=可上门时段); its cells are not read until then",
                "表头“可上门时间”不认识，可能是“可上门时段”：请在表格里把它改成“可上门时段”后再导入（或确认：导入页“表头对应”填写 可上门时间=可上门时段，命令行加 --column 可上门时间=可上门时段）；改好之前这一列不会被读取",
            ),
            (
                "the plan of S005 2026-2027 changes (teacher_id, backup_teacher_id): that is a revision and needs its reason (a revision_reason column, or one --reason for the file)",
                "S005 在 2026-2027 学年的送教方案会改变（教师编号、备用教师）：这是送教方案修订，需要写明原因（表格中加“修订原因”一列；或为整份文件给一个原因：导入页填写“修订原因”，命令行加 --reason）",
            ),
            (
                "2026-10-02 is a holiday (国庆节): no visit can have happened then; check the date (or import with --allow-off-days to keep it, marked)",
                "2026-10-02 是假期（国庆节）：那天不可能送教，请核对日期（确要保留：导入页勾选“保留非教学日的记录”，命令行加 --allow-off-days；记录会注明）",
            ),
            (
                "S001 2026-12-01 appears a second time (first on line 2)",
                "S001 2026-12-01 重复出现（第一次在第 2 行）",
            ),
            (
                "no teacher T09 is registered (import the teachers first)",
                "没有登记教师 T09（请先导入教师）",
            ),
            (
                "S009 has no active plan for 2026-2027",
                "S009 在 2026-2027 学年没有有效的送教方案",
            ),
            (
                "2026-12-08 has not happened yet (today is 2026-12-05)",
                "2026-12-08 还没有到（今天是 2026-12-05）",
            ),
            (
                "teacher T01 already has another visit on 2026-12-05 AM",
                "教师 T01 在 2026-12-05 AM 已有其他送教",
            ),
            (
                "the record of 2026-11-02 is locked (older than 30 days, a change needs a reason): give the reason in the reason column",
                "2026-11-02 的记录已锁定（超过 30 天，修改需要说明原因）：请在“原因”列写明",
            ),
            (
                "a missed visit needs a reason code: student_ill, other",
                "未完成的送教要写原因：学生生病、家长不在家、住院、教师原因、天气、学校活动、其他",
            ),
            (
                "a partial visit needs the periods given (1 to 2)",
                "部分完成的送教要填课时（1 到 2）",
            ),
            ("must be from 1 to 3", "应在 1 到 3 之间"),
            (
                "2026-12-15 to 2026-12-17 overlaps #1 2026-12-16 to 2026-12-16 Wed-PM (教研); #3 2026-12-16 to 2026-12-16 Wed-AM: change, end or remove it first",
                "2026-12-15 至 2026-12-17 与已有的 #1 2026-12-16 至 2026-12-16 周三下午（教研）；#3 2026-12-16 至 2026-12-16 周三上午 重叠：请先修改、结束或删除它（用前面的编号）",
            ),
            (
                "Wed-PM is not among the days from 2026-12-14 to 2026-12-14",
                "周三下午不在 2026-12-14 至 2026-12-14 这几天里",
            ),
            (
                "liu@example.org is a coordinator account: it hears of its own scope (schools: 城关小学); change that with songjiao user scope",
                "liu@example.org 是特教专干账号：按账号自己的范围（学校：城关小学）收到预警，不另设学校；要改范围请用 songjiao user scope",
            ),
            (
                "wf@example.org is a teacher's account: a supervisor needs an email of their own",
                "wf@example.org 是教师的账号：督导要用自己的邮箱",
            ),
            (
                "`城关小` is not a school of the district; did you mean `城关小学`?",
                "“城关小”不是本区登记的学校；是不是“城关小学”？",
            ),
            ("something nobody catalogued", "something nobody catalogued"),
        ] {
            assert_eq!(reason(english), chinese, "{english}");
        }
    }
}
