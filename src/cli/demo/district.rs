//! The demo district as a coordinator's office keeps it: four spreadsheets with
//! the Chinese headers districts use, imported through the same path as theirs.

use chrono::NaiveDate;

use crate::domain::calendar::SchoolYear;
use crate::import::records::Kind;

pub const SCHOOLS: [&str; 3] = ["城关小学", "东山镇中心小学", "河西镇九年一贯制学校"];

/// Full-time 送教 teachers, three a school (T01, T04, T07 at the first, and so
/// on): every weekday half-day but two.
pub const TEACHERS: [(&str, &str); 9] = [
    (
        "王芳",
        "周一下午 周二上午 周二下午 周三上午 周四上午 周四下午 周五上午 周五下午",
    ),
    (
        "李娜",
        "周一上午 周一下午 周二上午 周三上午 周三下午 周四上午 周四下午 周五下午",
    ),
    (
        "张伟",
        "周一上午 周二上午 周二下午 周三上午 周三下午 周四下午 周五上午 周五下午",
    ),
    (
        "刘洋",
        "周一上午 周一下午 周二上午 周二下午 周三下午 周四上午 周四下午 周五上午",
    ),
    (
        "陈静",
        "周一上午 周一下午 周二下午 周三上午 周三下午 周四上午 周五上午 周五下午",
    ),
    (
        "杨丽",
        "周一下午 周二上午 周二下午 周三上午 周四上午 周四下午 周五上午 周五下午",
    ),
    (
        "赵敏",
        "周一上午 周一下午 周二上午 周三上午 周三下午 周四上午 周四下午 周五下午",
    ),
    (
        "黄磊",
        "周一上午 周二上午 周二下午 周三上午 周三下午 周四下午 周五上午 周五下午",
    ),
    (
        "周强",
        "周一上午 周一下午 周二上午 周二下午 周三下午 周四上午 周四下午 周五上午",
    ),
];

pub const STUDENTS: usize = 30;

/// The child whose family leaves for weeks: the demo's child in real trouble.
pub const AWAY: &str = "S005";

const SURNAMES: [&str; 10] = ["李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 12] = [
    "小明", "欣怡", "子涵", "浩然", "雨桐", "宇轩", "梓萱", "俊杰", "诗琪", "博文", "可馨", "天佑",
];
const GUARDIANS: [&str; 6] = ["建国", "秀英", "志强", "丽华", "国强", "桂芳"];
const DISABILITIES: [&str; 6] = [
    "智力残疾",
    "孤独症",
    "肢体残疾",
    "多重残疾",
    "精神残疾",
    "视力残疾",
];
const STREETS: [&str; 5] = ["幸福路", "建设街", "和平巷", "东风路", "河滨路"];
const FAMILY_SLOTS: [&str; 6] = [
    "周一上午 周二下午 周三上午 周四下午 周五上午 周五下午",
    "周一下午 周二上午 周二下午 周三下午 周四上午 周五下午",
    "周一上午 周二上午 周三下午 周四上午 周四下午 周五上午",
    "周一下午 周二下午 周三上午 周三下午 周四下午 周五上午",
    "周二上午 周二下午 周三上午 周四上午 周五上午 周五下午",
    "周一下午 周二上午 周三上午 周四下午 周五上午 周五下午",
];
const GOALS: [&str; 8] = [
    "认识数字1-10并能点数",
    "能独立穿脱外套",
    "能用完整句子表达需求",
    "练习握笔，描写自己的名字",
    "能安坐参与活动15分钟",
    "认识常见的交通标志",
    "能完成简单的家务（摆碗筷）",
    "手指精细动作训练：串珠、扣纽扣",
];

/// A child of the demo: number `i` (0-based) is S00{i+1}.
pub fn student_id(i: usize) -> String {
    format!("S{:03}", i + 1)
}

pub fn student_name(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[(i * 7) % SURNAMES.len()],
        GIVEN[i % GIVEN.len()]
    )
}

/// The school of child `i`.
pub fn school_of(i: usize) -> &'static str {
    SCHOOLS[i % SCHOOLS.len()]
}

/// The teacher id of teacher `t` (0-based).
pub fn teacher_id(t: usize) -> String {
    format!("T{:02}", t + 1)
}

pub fn teacher_email(t: usize) -> String {
    format!("t{:02}@example.org", t + 1)
}

/// A spreadsheet as CSV text.
fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let written = std::iter::once(header.iter().map(|h| h.to_string()).collect())
        .chain(rows.iter().cloned())
        .try_for_each(|row: Vec<String>| writer.write_record(row));
    let bytes = written.and_then(|()| writer.into_inner().map_err(|e| e.into_error().into()));
    String::from_utf8(bytes.expect("writing CSV to memory cannot fail"))
        .expect("CSV of UTF-8 text is UTF-8")
}

/// The four sheets, in the order they are imported: teachers, students, plans,
/// supervisors. Two children join with the second term (`second_term`), their
/// targets pro-rated.
pub fn sheets(
    year: SchoolYear,
    second_term: Option<NaiveDate>,
) -> [(Kind, &'static str, String); 4] {
    let teachers: Vec<Vec<String>> = TEACHERS
        .iter()
        .enumerate()
        .map(|(t, (name, slots))| {
            vec![
                teacher_id(t),
                name.to_string(),
                teacher_email(t),
                SCHOOLS[t % SCHOOLS.len()].into(),
                slots.to_string(),
                "2".into(),
            ]
        })
        .collect();
    let mut students = Vec::new();
    let mut plans = Vec::new();
    for i in 0..STUDENTS {
        let school = i % SCHOOLS.len();
        let surname = SURNAMES[(i * 7) % SURNAMES.len()];
        students.push(vec![
            student_id(i),
            student_name(i),
            if i % 2 == 0 { "男" } else { "女" }.into(),
            format!(
                "{}-{:02}-{:02}",
                2012 + (i % 8),
                1 + (i % 12),
                1 + (i * 3) % 28
            ),
            DISABILITIES[i % DISABILITIES.len()].into(),
            format!("{surname}{}", GUARDIANS[i % GUARDIANS.len()]),
            format!("139{:08}", 10_000_000 + i * 7_919),
            format!(
                "{}镇{}{}号",
                ["城关", "东山", "河西"][school],
                STREETS[i % STREETS.len()],
                3 + i * 2
            ),
            SCHOOLS[school].into(),
            FAMILY_SLOTS[(i / 3) % FAMILY_SLOTS.len()].into(),
        ]);
        // A teacher of the child's own school, and another of it as the backup.
        let same_school: Vec<usize> = (0..TEACHERS.len()).filter(|t| t % 3 == school).collect();
        let teacher = same_school[(i / 3) % same_school.len()];
        let backup = same_school[(i / 3 + 1) % same_school.len()];
        let goals = [GOALS[i % GOALS.len()], GOALS[(i + 3) % GOALS.len()]].join("；");
        let start = match second_term {
            Some(day) if i >= STUDENTS - 2 => day.to_string(),
            _ => String::new(),
        };
        plans.push(vec![
            student_id(i),
            year.to_string(),
            teacher_id(teacher),
            teacher_id(backup),
            start,
            goals,
        ]);
    }
    [
        (
            Kind::Teachers,
            "teachers.csv",
            csv(
                &[
                    "工号",
                    "姓名",
                    "邮箱",
                    "学校",
                    "可用时段",
                    "每日最多送教次数",
                ],
                &teachers,
            ),
        ),
        (
            Kind::Students,
            "students.csv",
            csv(
                &[
                    "学生编号",
                    "姓名",
                    "性别",
                    "出生日期",
                    "残疾类别",
                    "监护人",
                    "监护人电话",
                    "家庭住址",
                    "学校",
                    "可上门时段",
                ],
                &students,
            ),
        ),
        (
            Kind::Plans,
            "plans.csv",
            csv(
                &[
                    "学生编号",
                    "学年",
                    "送教教师",
                    "备用教师",
                    "开始日期",
                    "目标",
                ],
                &plans,
            ),
        ),
        (
            Kind::Supervisors,
            "supervisors.csv",
            csv(
                &["姓名", "邮箱", "学校"],
                &[
                    vec![
                        "赵督导".into(),
                        "zhao@example.org".into(),
                        SCHOOLS[1].into(),
                    ],
                    vec![
                        "区特教中心".into(),
                        "center@example.org".into(),
                        String::new(),
                    ],
                ],
            ),
        ),
    ]
}
