//! A coordinator's first day: create the database, load the district's
//! spreadsheets, look at plans; on SQLite and on PostgreSQL.

mod common;

use common::{TestDb, path};

const TEACHERS: &str = "\
teacher_id,name,email,school,available,max_visits_per_day
T01,王芳,wangfang@example.org,城关小学,Mon-AM Tue-PM Thu-AM,2
T02,李娜,lina@example.org,城关小学,周一下午 周三上午,
";

const STUDENTS: &str = "\
student_id,name,gender,birth_date,disability,guardian_name,guardian_phone,address,school,available
S001,李小明,男,2015-03-02,智力残疾,李强,13800138000,城关镇幸福路1号,城关小学,Mon-AM Thu-AM
S002,王欣怡,女,2016/5/9,autism,王秀英,139-0013-9000,城关镇建设街2号,城关小学,Tue-PM Wed-AM
";

const PLANS: &str = "\
student_id,school_year,teacher_id,backup_teacher_id,visits_per_week,periods_per_visit,annual_target,start_date,end_date,goals
S001,2026-2027,T01,T02,,,,,,认识数字1-10；能自己穿衣
S002,2026-2027,T02,,2,3,216,2027-02-22,,能用完整句子表达需求
";

fn district(db: &TestDb) {
    db.ok(&["init"]);
    for (kind, text) in [
        ("teachers", TEACHERS),
        ("students", STUDENTS),
        ("plans", PLANS),
    ] {
        // Set up in August, before the year: plans without dates cover the year.
        db.import_as_of("2026-08-20", kind, text);
    }
}

fn init_is_idempotent_and_required(db: &TestDb) {
    let error = db.fails(&["student", "list"]);
    assert!(error.contains("songjiao init"), "{error}");
    db.ok(&["init"]);
    db.ok(&["init"]);
    assert_eq!(
        db.json(&["student", "list", "--format", "json"]),
        serde_json::json!([])
    );
}

fn a_district_loads_from_its_spreadsheets(db: &TestDb) {
    district(db);
    let teachers = db.json(&["teacher", "list", "--format", "json"]);
    assert_eq!(teachers[0]["teacher_id"], "T01");
    assert_eq!(
        teachers[0]["available"],
        serde_json::json!(["Mon-AM", "Tue-PM", "Thu-AM"])
    );
    assert_eq!(
        teachers[1]["available"],
        serde_json::json!(["Mon-PM", "Wed-AM"])
    );
    assert_eq!(teachers[1]["max_visits_per_day"], serde_json::Value::Null);

    let students = db.json(&["student", "list", "--format", "json"]);
    assert_eq!(students.as_array().unwrap().len(), 2);
    assert_eq!(students[1]["birth_date"], "2016-05-09");
    assert_eq!(students[0]["disability"], "intellectual");
    assert_eq!(students[0]["guardian_name"], "李强");

    let plan = db.json(&[
        "plan",
        "show",
        "S001",
        "--year",
        "2026-2027",
        "--format",
        "json",
    ]);
    assert_eq!(plan["teacher_id"], "T01");
    assert_eq!(plan["backup_teacher_id"], "T02");
    assert_eq!(plan["visits_per_week"], 2);
    assert_eq!(plan["periods_per_visit"], 3);
    assert_eq!(plan["target"], 216);
    assert_eq!(
        plan["start_date"], "2026-09-01",
        "empty start_date means the first teaching day"
    );
    assert_eq!(plan["end_date"], "2027-07-02");
    assert_eq!(
        plan["goals"],
        serde_json::json!(["认识数字1-10", "能自己穿衣"])
    );

    // S002 joins with the spring term: the target is pro-rated to its share.
    let late = db.json(&[
        "plan",
        "show",
        "S002",
        "--year",
        "2026-2027",
        "--format",
        "json",
    ]);
    let target = late["target"].as_u64().unwrap();
    assert!(target > 90 && target < 120, "{target}");

    let csv = db.ok(&["student", "list", "--format", "csv"]);
    assert!(
        csv.starts_with(
            "\u{feff}学生编号,姓名,性别,出生日期,残疾类别,残疾等级,诊断,监护人,监护人电话,地址,学校,可用时段"
        ),
        "{csv}"
    );
    // Under zh-CN the list speaks the import's words, so it imports back unchanged.
    assert!(
        csv.contains(",男,") && csv.contains("智力残疾") && csv.contains("周一上午"),
        "{csv}"
    );
    let file = db.file("students-again.csv", csv.as_bytes());
    let again = db.ok(&["import", path(&file), "--kind", "students"]);
    assert!(again.contains("新增 0，更新 0"), "{again}");
    let english = db.run_with_env(
        &["student", "list", "--format", "csv"],
        &[("SONGJIAO_LOCALE", "en")],
    );
    assert!(
        String::from_utf8_lossy(&english.stdout)
            .starts_with("\u{feff}student_id,name,gender,birth_date,disability")
    );
}

fn importing_the_same_file_twice_updates_rather_than_duplicates(db: &TestDb) {
    district(db);
    let again = db.import("students", STUDENTS);
    assert!(again.contains("新增 0，更新 0，不变 2"), "{again}");

    let changed = STUDENTS.replace("城关镇幸福路1号", "城关镇幸福路9号");
    let output = db.import("students", &changed);
    assert!(output.contains("新增 0，更新 1，不变 1"), "{output}");
    assert_eq!(
        db.json(&["student", "list", "--format", "json"])
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // More visits a week is a revision: it needs its reason.
    let file = db.file(
        "plans-again.csv",
        PLANS.replace("T01,T02,,,,,,", "T01,T02,3,,,,,"),
    );
    let output = db.ok(&[
        "import",
        path(&file),
        "--kind",
        "plans",
        "--reason",
        "家长要求",
    ]);
    assert!(output.contains("新增 0，更新 1，不变 1"), "{output}");
    let history = db.json(&["plan", "history", "S001", "--format", "json"]);
    assert_eq!(
        history.as_array().unwrap().len(),
        2,
        "the old revision is kept"
    );
    assert_eq!(history[1]["visits_per_week"], 3);
}

fn one_bad_row_imports_nothing_and_every_bad_cell_is_named(db: &TestDb) {
    db.ok(&["init"]);
    let bad = "\
student_id,name,gender,birth_date,disability,guardian_name,guardian_phone,address,school,available
S001,李小明,男,2015-03-02,智力残疾,李强,13800138000,城关镇幸福路1号,城关小学,Mon-AM
S002,王欣怡,女,2016-02-30,autism,王秀英,13900139000,城关镇建设街2号,城关小学,Tue-PM
S003,,男,2014-01-01,blue,张三,call me,某地,城关小学,Mon-EVE
S001,李小明,男,2015-03-02,智力残疾,李强,13800138000,城关镇幸福路1号,城关小学,Mon-AM
";
    let file = db.file("bad.csv", bad);
    // (An unknown disability word, `blue`, is no error: it is kept as the
    // diagnosis with a warning.)
    let error = db.fails(&["import", path(&file), "--kind", "students"]);
    for expected in [
        "第 3 行，“出生日期”列：“2016-02-30”不是日期",
        "第 4 行，“姓名”列：必填，不能为空",
        "第 4 行，“监护人电话”列：“call me”不是电话号码",
        "第 4 行，“可用时段”列：“Mon-EVE”",
        "第 5 行，“学生编号”列：S001 重复出现（第一次在第 2 行）",
        "没有导入任何内容",
    ] {
        assert!(
            error.contains(expected),
            "missing `{expected}` in:\n{error}"
        );
    }
    // The same in English, for a district that chose `locale = "en"`.
    let english = db.run_with_env(
        &["import", path(&file), "--kind", "students"],
        &[("SONGJIAO_LOCALE", "en")],
    );
    let error = common::stderr(&english);
    for expected in [
        "line 3, column birth_date",
        "line 4, column name: is empty",
        "line 4, column guardian_phone",
        "line 4, column available: `Mon-EVE`",
        "line 5, column student_id: S001 appears a second time (first on line 2)",
        "nothing was imported",
    ] {
        assert!(
            error.contains(expected),
            "missing `{expected}` in:\n{error}"
        );
    }
    assert_eq!(
        db.json(&["student", "list", "--format", "json"]),
        serde_json::json!([])
    );
}

fn plans_must_name_registered_people(db: &TestDb) {
    district(db);
    let file = db.file(
        "plans.csv",
        PLANS.replace("S002,2026-2027,T02", "S999,2026-2027,T09"),
    );
    let error = db.fails(&["import", path(&file), "--kind", "plans"]);
    assert!(
        error.contains("第 3 行，“学生编号”列：没有登记学生 S999"),
        "{error}"
    );
    assert!(
        error.contains("第 3 行，“教师编号”列：没有登记教师 T09"),
        "{error}"
    );

    let file = db.file("plans3.csv", PLANS.replace("2027-02-22", "2028-02-22"));
    let error = db.fails(&["import", path(&file), "--kind", "plans"]);
    assert!(
        error.contains("第 3 行，“开始日期”列：2028-02-22 不在 2026-2027 学年内"),
        "{error}"
    );

    let file = db.file("headers.csv", "student_id,teacher_id\nS001,T01\n");
    let error = db.fails(&["import", path(&file), "--kind", "plans"]);
    assert!(
        error.contains("第 1 行，“学年”列：表头没有“学年”列"),
        "{error}"
    );
}

fn chinese_headers_gbk_and_bom_files_import(db: &TestDb) {
    db.ok(&["init"]);
    let chinese = "教师编号,姓名,邮箱,学校,可用时段\nT01,王芳,wangfang@example.org,城关小学,周一上午 周四下午\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(chinese);
    let file = db.file("教师.csv", gbk);
    db.ok(&["import", path(&file), "--kind", "teachers"]);

    let students =
        "学生编号,姓名,监护人,学校,可上门时段,序号\nS001,李小明,李强,城关小学,周一上午,1\n";
    let file = db.file(
        "学生.csv",
        [b"\xEF\xBB\xBF".as_slice(), students.as_bytes()].concat(),
    );
    let output = db.ok(&["import", path(&file), "--kind", "students"]);
    assert!(
        output.contains("未读取的列（不属于此类表格）：序号"),
        "{output}"
    );

    let teacher = db.json(&["teacher", "show", "T01", "--format", "json"]);
    assert_eq!(teacher["name"], "王芳");
    assert_eq!(
        teacher["available"],
        serde_json::json!(["Mon-AM", "Thu-PM"])
    );
    let student = db.json(&["student", "show", "S001", "--format", "json"]);
    assert_eq!(student["guardian_name"], "李强");
}

/// A sheet of students never loses what it does not say: a column it lacks and
/// a cell left empty keep what is stored; 无 clears a field on purpose.
fn a_sheet_keeps_what_it_does_not_say(db: &TestDb) {
    district(db);
    let stored = |db: &TestDb| {
        db.sql_rows(
            "SELECT COALESCE(diagnosis, '') || '|' || COALESCE(CAST(disability_grade AS TEXT), '')
                    || '|' || COALESCE(guardian_phone, '') || '|' || COALESCE(address, '')
             FROM students WHERE id = 'S001'",
        )[0]
        .clone()
    };
    db.import(
        "students",
        "学生编号,姓名,学校,诊断,残疾等级\nS001,李小明,城关小学,唐氏综合征,2\n",
    );
    let before = stored(db);
    assert!(before.starts_with("唐氏综合征|2|"), "{before}");
    // The program's own short list, back in: no diagnosis or grade column, an
    // empty address.
    let output = db.import(
        "students",
        "学生编号,姓名,学校,地址\nS001,李小明,城关小学,\n",
    );
    assert!(
        output.contains("不变 1"),
        "nothing it does not say changes: {output}"
    );
    assert_eq!(stored(db), before);
    db.import(
        "students",
        "学生编号,姓名,学校,监护人电话\nS001,李小明,城关小学,无\n",
    );
    let cleared = stored(db);
    let fields: Vec<&str> = cleared.split('|').collect();
    assert_eq!(fields[..2], ["唐氏综合征", "2"], "{cleared}");
    assert_eq!(fields[2], "", "无 clears the phone: {cleared}");
    assert_eq!(
        fields[3],
        before.split('|').nth(3).unwrap(),
        "the address is kept"
    );
}

/// A plans sheet that would change a plan says so field by field, and a change
/// of teacher, backup, rhythm, target or goals is a revision: refused without a
/// reason (naming the row and the fields), recorded with it. A blank backup
/// cell keeps the backup.
fn a_plans_sheet_revises_a_plan_only_with_a_reason(db: &TestDb) {
    district(db);
    let sheet = db.file(
        "plans2.csv",
        "学生编号,学年,送教教师,备用教师,目标\nS001,2026-2027,T01,,认识数字1-10；能自己穿衣\nS002,2026-2027,T01,,能用完整句子表达需求\n",
    );
    let refused = db.fails(&["import", path(&sheet), "--kind", "plans", "--dry-run"]);
    assert!(
        refused.contains("第 3 行") && refused.contains("修订原因") && refused.contains("教师编号"),
        "{refused}"
    );
    assert!(
        !refused.contains("第 2 行"),
        "a blank backup cell keeps the backup: S001's plan does not change: {refused}"
    );
    let checked = db.ok(&[
        "import",
        path(&sheet),
        "--kind",
        "plans",
        "--dry-run",
        "--reason",
        "王芳老师调岗",
    ]);
    assert!(
        checked.contains("第 3 行 S002 王欣怡 2026-2027：教师编号 T02 → T01"),
        "{checked}"
    );
    assert!(checked.contains("更新 1，不变 1"), "{checked}");
    db.ok(&[
        "import",
        path(&sheet),
        "--kind",
        "plans",
        "--reason",
        "王芳老师调岗",
    ]);
    let history = db.ok(&["plan", "history", "S002", "--format", "csv"]);
    assert!(history.contains("王芳老师调岗"), "{history}");
    let plan = db.ok(&["plan", "show", "S001"]);
    assert!(plan.contains("T02"), "S001 keeps its backup: {plan}");
    // A 修订原因 column speaks for its row.
    let own = db.file(
        "plans3.csv",
        "学生编号,学年,送教教师,每周次数,修订原因\nS001,2026-2027,T01,3,家长要求增加\n",
    );
    let output = db.ok(&["import", path(&own), "--kind", "plans"]);
    assert!(output.contains("每周次数 2 → 3"), "{output}");
    let history = db.ok(&["plan", "history", "S001", "--format", "csv"]);
    assert!(history.contains("家长要求增加"), "{history}");
}

/// A header a slip away from one the import reads is refused with its likely
/// meaning (its cells would be dropped), until renamed or confirmed; title rows
/// above the header are skipped; phones are read however written and stored
/// one way; a child left with no time for visits is pointed out.
fn a_roster_as_offices_keep_it(db: &TestDb) {
    district(db);
    let roster = "2026-2027学年送教上门学生花名册,,,,\n\
                  序号,学生编号,姓 名,学校,可上门时间,监护人电话\n\
                  1,S010,赵一,城关小学,周一上午 周三上午,138 0931 5566\n\
                  2,S011,钱二,城关小学,,0931-8123456\n";
    let sheet = db.file("花名册.csv", roster);
    let refused = db.fails(&["import", path(&sheet), "--kind", "students"]);
    assert!(
        refused.contains("第 2 行") && refused.contains("“可上门时间”不认识，可能是“可上门时段”"),
        "{refused}"
    );
    let imported = db.ok(&[
        "import",
        path(&sheet),
        "--kind",
        "students",
        "--column",
        "可上门时间=可上门时段",
    ]);
    assert!(imported.contains("新增 2"), "{imported}");
    assert!(
        imported.contains("第 4 行：S011 钱二 没有家庭可上门的时段"),
        "{imported}"
    );
    let stored =
        db.sql_rows("SELECT guardian_phone FROM students WHERE id IN ('S010', 'S011') ORDER BY id");
    assert_eq!(stored, ["13809315566", "0931-8123456"]);
    let shown = db.ok(&["student", "show", "S010"]);
    assert!(shown.contains("周一上午"), "{shown}");
    let wrong = db.file(
        "wrong.csv",
        "学生编号,姓名,学校,监护人电话\nS012,孙三,城关小学,1234\n",
    );
    let refused = db.fails(&["import", path(&wrong), "--kind", "students"]);
    assert!(refused.contains("“1234”不是电话号码"), "{refused}");
    // A change to a stored child is shown field by field, in words.
    let changed = db.file(
        "changed.csv",
        "学生编号,姓名,学校,监护人电话\nS010,赵一,城关小学,139 0000 1111\n",
    );
    let checked = db.ok(&["import", path(&changed), "--kind", "students", "--dry-run"]);
    assert!(
        checked.contains("第 2 行 S010 赵一：监护人电话 13809315566 → 13900001111"),
        "{checked}"
    );
}

/// A term of paper records as written: dates without their year read within
/// the school year, and every problem of the file in one pass (a cell, a child
/// with no plan) before anything is written.
fn paper_records_read_as_written_and_every_problem_at_once(db: &TestDb) {
    district(db);
    let sheet = db.file(
        "纸质记录.csv",
        "学生编号,日期,时段,结果\nS001,11月23日,上午,完成\nS001,11月24日,晚上,完成\nS009,11月25日,上午,完成\n",
    );
    let refused = db.fails(&["import", path(&sheet), "--kind", "visits"]);
    assert!(
        refused.contains("发现 2 处问题")
            && refused.contains("第 3 行")
            && refused.contains("第 4 行"),
        "{refused}"
    );
    let fixed = db.file(
        "纸质记录2.csv",
        "学生编号,日期,时段,结果\nS001,11月23日,上午,完成\nS001,11/24,下午,完成\n",
    );
    let imported = db.ok(&["import", path(&fixed), "--kind", "visits"]);
    assert!(imported.contains("新增 2"), "{imported}");
    let days = db
        .sql_rows("SELECT CAST(day AS TEXT) FROM visits WHERE outcome = 'completed' ORDER BY day");
    assert_eq!(days, ["2026-11-23", "2026-11-24"]);
    // A record that cannot be true: refused, or kept and marked when asked.
    let sunday = db.file(
        "周日.csv",
        "学生编号,日期,时段,结果\nS001,11月29日,上午,完成\n",
    );
    let refused = db.fails(&["import", path(&sunday), "--kind", "visits"]);
    assert!(
        refused.contains("2026-11-29 是周末，也不是调休上班日")
            && refused.contains("--allow-off-days"),
        "{refused}"
    );
    let kept = db.ok(&[
        "import",
        path(&sunday),
        "--kind",
        "visits",
        "--allow-off-days",
    ]);
    assert!(
        kept.contains("第 2 行：2026-11-29 是周末") && kept.contains("已按要求保留"),
        "{kept}"
    );
    let marked = db.sql_rows(
        "SELECT detail FROM audit_log WHERE action = 'add_unplanned' AND detail LIKE '%周末%'",
    );
    assert_eq!(marked.len(), 1, "the record's history says why it is off");
    // Grades and availability as offices write them.
    let students = db.file(
        "学生.csv",
        "学生编号,姓名,学校,残疾等级,可上门时段\nS020,周五,城关小学,二级,周二全天\nS021,吴六,城关小学,4,除周三下午外均可\n",
    );
    db.ok(&["import", path(&students), "--kind", "students"]);
    let shown = db.ok(&["student", "show", "S020"]);
    assert!(
        shown.contains("周二上午") && shown.contains("周二下午"),
        "{shown}"
    );
    let grades = db.sql_rows(
        "SELECT CAST(disability_grade AS TEXT) FROM students WHERE id IN ('S020', 'S021') ORDER BY id",
    );
    assert_eq!(grades, ["2", "4"]);
}

/// Every list the program writes carries every column its import reads: a list
/// exported and imported back changes nothing, and one cell edited changes that
/// one field.
fn each_list_imports_back_unchanged_and_one_edit_changes_one_field(db: &TestDb) {
    district(db);
    for (list, kind, from, to) in [
        (
            "teacher",
            "teachers",
            "lina@example.org",
            "lina@school.example.org",
        ),
        ("student", "students", "城关镇建设街2号", "城关镇建设街8号"),
        (
            "plan",
            "plans",
            "能用完整句子表达需求",
            "能用完整句子表达需求；会说谢谢",
        ),
    ] {
        let listed = db.ok(&[list, "list", "--format", "csv"]);
        let file = db.file(&format!("{list}-list.csv"), &listed);
        let again = db.ok(&["import", path(&file), "--kind", kind, "--dry-run"]);
        assert!(
            again.contains("更新 0") && !again.contains("会改变"),
            "{list} list back in: {again}\n{listed}"
        );
        assert!(listed.contains(from), "{listed}");
        let edited = db.file(&format!("{list}-edited.csv"), listed.replace(from, to));
        let output = db.ok(&[
            "import",
            path(&edited),
            "--kind",
            kind,
            "--dry-run",
            "--reason",
            "核对",
        ]);
        assert!(output.contains("更新 1"), "{list}: {output}");
        let changed: Vec<&str> = output.lines().filter(|l| l.contains(" → ")).collect();
        assert_eq!(changed.len(), 1, "{list}: {output}");
        assert!(changed[0].contains(to), "{list}: {output}");
        // The same list as an Excel workbook imports back unchanged too.
        let workbook = db
            .command()
            .args([list, "list", "--format", "xlsx"])
            .output()
            .unwrap();
        assert!(workbook.status.success(), "{}", common::stderr(&workbook));
        assert!(
            workbook.stdout.starts_with(b"PK"),
            "{list}: an xlsx is a zip"
        );
        let file = db.dir.path().join(format!("{list}-list.xlsx"));
        std::fs::write(&file, &workbook.stdout).unwrap();
        let again = db.ok(&["import", path(&file), "--kind", kind, "--dry-run"]);
        assert!(
            again.contains("更新 0") && !again.contains("会改变"),
            "{list} workbook back in: {again}"
        );
    }
    // A visit list: the planned visits read back record nothing; a recorded one
    // read back is unchanged.
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let listed = db.ok(&["visit", "list", "--format", "csv"]);
    let first = listed
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    db.ok(&[
        "--as-of",
        "2026-12-04",
        "visit",
        "record",
        &first,
        "--outcome",
        "completed",
    ]);
    let listed = db.ok(&["visit", "list", "--format", "csv"]);
    let file = db.file("visit-list.csv", &listed);
    let again = db.ok(&[
        "--as-of",
        "2026-12-04",
        "import",
        path(&file),
        "--kind",
        "visits",
        "--dry-run",
    ]);
    assert!(again.contains("新增 0，更新 0"), "{again}\n{listed}");
}

/// A plans or visits sheet may name a teacher by name when only one teacher has
/// it, and is refused naming the candidates when several do; a paper record
/// that says the backup went is booked to the backup.
fn teachers_named_by_name_in_plans_and_visits(db: &TestDb) {
    district(db);
    let plans = db.file(
        "按姓名.csv",
        "学生编号,学年,送教教师,备用教师\nS002,2026-2027,李娜,王芳\n",
    );
    db.ok(&[
        "import",
        path(&plans),
        "--kind",
        "plans",
        "--reason",
        "加备用教师",
    ]);
    let plan = db.json(&["plan", "show", "S002", "--format", "json"]);
    assert_eq!(plan["backup_teacher_id"], "T01", "{plan}");
    db.import(
        "teachers",
        "teacher_id,name,email,school\nT03,王芳,wf2@example.org,东山小学\n",
    );
    let refused = db.fails(&["import", path(&plans), "--kind", "plans", "--dry-run"]);
    assert!(
        refused.contains("“王芳”是 2 位教师的名字（T01 城关小学、T03 东山小学）"),
        "{refused}"
    );
    let records = db.file(
        "备用教师送教.csv",
        "学生编号,日期,时段,结果,送教教师\nS001,11月25日,下午,完成,李娜\n",
    );
    db.ok(&["import", path(&records), "--kind", "visits"]);
    let teacher =
        db.sql_rows("SELECT teacher_id FROM visits WHERE CAST(day AS TEXT) = '2026-11-25'");
    assert_eq!(teacher, ["T02"], "S001's backup went");

    // A planned visit the paper says the backup made: the same visit, booked to them.
    db.ok(&["--as-of", "2026-11-27", "plan-week", "--week", "2026-W49"]);
    let planned = db.sql_rows(
        "SELECT CAST(v.day AS TEXT) || ' ' || v.slot FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND v.teacher_id = 'T01' AND v.status = 'planned'
         ORDER BY v.day",
    );
    let (day, slot) = planned[0].split_once(' ').unwrap();
    let records = db.file(
        "备用教师代课.csv",
        format!("学生编号,日期,时段,结果,送教教师\nS001,{day},{slot},完成,李娜\n"),
    );
    let said = db.ok(&[
        "--as-of",
        "2026-12-05",
        "import",
        path(&records),
        "--kind",
        "visits",
    ]);
    assert!(said.contains("更新 1"), "{said}");
    let booked = db.sql_rows(&format!(
        "SELECT v.teacher_id || ' ' || v.outcome FROM visits v JOIN plans p ON p.id = v.plan_id
         WHERE p.student_id = 'S001' AND CAST(v.day AS TEXT) = '{day}'"
    ));
    assert_eq!(booked, ["T02 completed"], "one visit, booked to the backup");
}

/// Schools as things of their own: listed with their people, renamed, two names
/// of one school merged; a sheet's school close to a registered one and a
/// plan's teacher of another school are pointed out.
fn schools_are_listed_renamed_and_merged(db: &TestDb) {
    district(db);
    let listed = db.ok(&["school", "list", "--format", "csv"]);
    assert!(
        listed.contains("学校,教师人数,学生人数") && listed.contains("城关小学,2,2"),
        "{listed}"
    );
    let output = db.import("students", "学生编号,姓名,学校\nS030,孙七,城关小\n");
    assert!(
        output.contains("学校“城关小”没有登记，已登记的有“城关小学”"),
        "{output}"
    );
    db.ok(&["school", "merge", "城关小", "城关小学"]);
    db.ok(&["school", "rename", "城关小学", "城关镇第一小学"]);
    let listed = db.ok(&["school", "list", "--format", "csv"]);
    assert!(
        listed.contains("城关镇第一小学,2,3") && !listed.contains("城关小,"),
        "{listed}"
    );
    let shown = db.ok(&["student", "show", "S030"]);
    assert!(shown.contains("城关镇第一小学"), "{shown}");
    db.import(
        "teachers",
        "teacher_id,name,email,school\nT05,赵六,zl@example.org,东山小学\n",
    );
    db.fails(&["school", "rename", "东山小学", "城关镇第一小学"]);
    let plans = db.file("跨校.csv", "学生编号,学年,送教教师\nS030,2026-2027,T05\n");
    let output = db.ok(&["import", path(&plans), "--kind", "plans"]);
    assert!(
        output.contains("S030（城关镇第一小学）的教师 T05 赵六 是另一所学校（东山小学）的"),
        "{output}"
    );
    let history = db.sql_rows("SELECT action FROM audit_log WHERE entity = 'school' ORDER BY id");
    assert_eq!(history, ["merge", "rename"]);
}

fn xlsx_files_import(db: &TestDb) {
    db.ok(&["init"]);
    let path_buf = db.dir.path().join("students.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "学生编号",
        "姓名",
        "出生日期",
        "监护人电话",
        "学校",
        "可上门时段",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "S001").unwrap();
    sheet.write_string(1, 1, "李小明").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2015, 3, 2).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_datetime_with_format(1, 2, &date, &format)
        .unwrap();
    sheet.write_number(1, 3, 13800138000.0).unwrap();
    sheet.write_string(1, 4, "城关小学").unwrap();
    sheet.write_string(1, 5, "Mon-AM Wed-PM").unwrap();
    workbook.save(&path_buf).unwrap();

    db.ok(&["import", path(&path_buf), "--kind", "students"]);
    let student = db.json(&["student", "show", "S001", "--format", "json"]);
    assert_eq!(student["birth_date"], "2015-03-02");
    assert_eq!(student["guardian_phone"], "13800138000");
}

fn a_dry_run_changes_nothing(db: &TestDb) {
    db.ok(&["init"]);
    let file = db.file("teachers.csv", TEACHERS);
    let output = db.ok(&["import", path(&file), "--kind", "teachers", "--dry-run"]);
    assert!(
        output.contains("试导入 2 行") && output.contains("新增 2"),
        "{output}"
    );
    assert_eq!(
        db.json(&["teacher", "list", "--format", "json"]),
        serde_json::json!([])
    );
}

fn a_second_plan_is_refused_and_revising_keeps_history(db: &TestDb) {
    district(db);
    let error = db.fails(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2026-2027",
        "--teacher",
        "T02",
    ]);
    assert!(error.contains("已经有送教方案 #"), "{error}");
    assert!(
        error.contains("songjiao plan set S001 --year 2026-2027 --revise"),
        "{error}"
    );

    let output = db.ok(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2026-2027",
        "--revise",
        "--teacher",
        "T02",
        "--no-backup",
        "--goal",
        "能自己穿衣",
        "--goal",
        "认识颜色",
        "--reason",
        "王老师调岗",
    ]);
    assert!(output.contains("已修订为第 2 版"), "{output}");
    let plan = db.json(&[
        "plan",
        "show",
        "S001",
        "--year",
        "2026-2027",
        "--format",
        "json",
    ]);
    assert_eq!(plan["teacher_id"], "T02");
    assert_eq!(plan["backup_teacher_id"], serde_json::Value::Null);
    assert_eq!(plan["goals"], serde_json::json!(["能自己穿衣", "认识颜色"]));
    let history = db.json(&["plan", "history", "S001", "--format", "json"]);
    assert_eq!(history[0]["teacher_id"], "T01");
    assert_eq!(history[1]["reason"], "王老师调岗");
    assert_eq!(history[1]["changed_by"], "cli:test");

    let error = db.fails(&[
        "plan",
        "set",
        "S002",
        "--year",
        "2026-2027",
        "--revise",
        "--end",
        "2026-08-15",
    ]);
    assert!(
        error.contains("--end: 2026-08-15 早于开始日期 2027-02-22")
            && error.contains("没有保存任何内容"),
        "{error}"
    );
    let error = db.fails(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2025-2026",
        "--teacher",
        "T09",
    ]);
    assert!(error.contains("没有登记教师 T09"), "{error}");
}

fn students_and_teachers_are_added_one_by_one(db: &TestDb) {
    db.ok(&["init"]);
    db.ok(&[
        "teacher",
        "add",
        "--id",
        "T01",
        "--name",
        "王芳",
        "--email",
        "wf@example.org",
        "--school",
        "城关小学",
        "--available",
        "Mon-AM Tue-AM",
    ]);
    let error = db.fails(&[
        "teacher",
        "add",
        "--id",
        "T01",
        "--name",
        "王芳",
        "--email",
        "wf@example.org",
        "--school",
        "城关小学",
    ]);
    assert!(error.contains("已经登记过"), "{error}");
    let error = db.fails(&[
        "teacher",
        "add",
        "--id",
        "T02",
        "--name",
        "李娜",
        "--email",
        "not-an-email",
        "--school",
        "城关小学",
        "--max-visits-per-day",
        "0",
    ]);
    assert!(
        error.contains("--email：“not-an-email”不是电子邮箱地址"),
        "{error}"
    );
    assert!(error.contains("--max-visits-per-day"), "{error}");

    db.ok(&[
        "student",
        "add",
        "--id",
        "S001",
        "--name",
        "李小明",
        "--school",
        "城关小学",
        "--gender",
        "男",
        "--available",
        "周一上午",
    ]);
    db.ok(&[
        "plan",
        "set",
        "S001",
        "--year",
        "2026-2027",
        "--teacher",
        "T01",
        "--goal",
        "认识数字",
    ]);

    db.ok(&[
        "teacher",
        "leave",
        "add",
        "T01",
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-11",
        "--reason",
        "培训",
    ]);
    db.ok(&[
        "student",
        "pause",
        "S001",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-20",
        "--reason",
        "住院",
    ]);
    let error = db.fails(&[
        "student",
        "pause",
        "S001",
        "--from",
        "2026-12-20",
        "--to",
        "2026-12-01",
    ]);
    assert!(error.contains("早于 --from"), "{error}");
    // Leave over days another leave covers names the one in the way.
    let error = db.fails(&[
        "teacher",
        "leave",
        "add",
        "T01",
        "--from",
        "2026-12-09",
        "--to",
        "2026-12-15",
    ]);
    assert!(
        error.contains("与已有的 #1 2026-12-07 至 2026-12-11（培训） 重叠")
            && !error.contains("before --from"),
        "{error}"
    );
    let error = db.fails(&[
        "teacher",
        "leave",
        "add",
        "T09",
        "--from",
        "2026-12-07",
        "--to",
        "2026-12-11",
    ]);
    assert!(error.contains("没有登记教师 T09"), "{error}");

    let teacher = db.json(&["teacher", "show", "T01", "--format", "json"]);
    let leave = teacher["leave"][0].as_str().unwrap().to_string();
    assert!(leave.ends_with(" 2026-12-07..2026-12-11 (培训)"), "{leave}");
    let show_student = || {
        db.json(&[
            "student",
            "show",
            "S001",
            "--format",
            "json",
            "--as-of",
            "2026-11-30",
        ])
    };
    let student = show_student();
    let pause = student["pauses"][0].as_str().unwrap().to_string();
    assert!(pause.ends_with(" 2026-12-01..2026-12-20 (住院)"), "{pause}");
    assert!(student["plan"].as_str().unwrap().contains("teacher T01"));

    // The child is back early: the pause ends today; a leave entered by mistake goes.
    let number = |shown: &str| shown[1..shown.find(' ').unwrap()].to_string();
    let (pause_id, leave_id) = (number(&pause), number(&leave));
    let error = db.fails(&[
        "--as-of",
        "2026-11-30",
        "student",
        "end-pause",
        "S001",
        &pause_id,
    ]);
    assert!(
        error.contains("no pause #") && error.contains("running today"),
        "{error}"
    );
    let ended = db.ok(&[
        "--as-of",
        "2026-12-04",
        "student",
        "end-pause",
        "S001",
        &pause_id,
    ]);
    assert!(ended.contains("今天（2026-12-04）结束"), "{ended}");
    assert!(
        show_student()["pauses"][0]
            .as_str()
            .unwrap()
            .ends_with(" 2026-12-01..2026-12-04 (住院)")
    );
    db.ok(&["teacher", "leave", "remove", "T01", &leave_id]);
    let teacher = db.json(&["teacher", "show", "T01", "--format", "json"]);
    assert_eq!(teacher["leave"], serde_json::json!([]));
    let error = db.fails(&["teacher", "leave", "remove", "T01", &leave_id]);
    assert!(
        error.contains(&format!("T01 has no leave #{leave_id}")),
        "{error}"
    );
    assert_eq!(
        db.sql("UPDATE audit_log SET actor = actor WHERE action IN ('end', 'remove')"),
        2
    );
}

/// Made on Sunday 29 November without a start date: the plan starts on Monday and
/// owes its share from then; it is on track on its first days and no alert opens.
fn a_plan_made_during_the_year_starts_that_day_and_is_on_track(db: &TestDb) {
    db.ok(&["init"]);
    db.import("teachers", TEACHERS);
    db.import("students", STUDENTS);
    let sheet = "student_id,school_year,teacher_id\nS001,2026-2027,T01\n";
    let imported = db.import_as_of("2026-11-29", "plans", sheet);
    assert!(
        imported.contains("S001 从 2026-11-30 开始：目标按比例为 148 课时（全年 216）"),
        "{imported}"
    );
    let set = db.ok(&[
        "--as-of",
        "2026-11-29",
        "plan",
        "set",
        "S002",
        "--teacher",
        "T02",
    ]);
    assert!(
        set.contains("S002 从 2026-11-30 开始：目标按比例为 148 课时"),
        "{set}"
    );
    for as_of in ["2026-11-30", "2026-12-02T12:00:00Z"] {
        let rows = db.json(&["--as-of", as_of, "progress", "--format", "json"]);
        for row in rows.as_array().unwrap() {
            assert_eq!(row["status"], "on_track", "{as_of}: {row}");
            assert_eq!(row["expected"], 0, "{as_of}: {row}");
            assert_eq!(row["target"], 148, "{as_of}: {row}");
        }
    }
    let check = db.ok(&["--as-of", "2026-11-30", "run-job", "check-pace"]);
    assert!(check.contains("0 opened"), "{check}");
    // plan show reads the same pace as progress.
    let shown = db.json(&[
        "--as-of",
        "2026-11-30",
        "plan",
        "show",
        "S001",
        "--format",
        "json",
    ]);
    assert_eq!(
        (&shown["status"], &shown["expected"], &shown["start_date"]),
        (
            &serde_json::json!("on_track"),
            &serde_json::json!(0),
            &serde_json::json!("2026-11-30")
        ),
        "{shown}"
    );
    // The same sheet again the next day keeps the plan's start: nothing changes.
    let again = db.import_as_of("2026-12-01", "plans", sheet);
    assert!(again.contains("不变 1"), "{again}");
}

/// A person's details change with the flags given; the rest stays, a bad value
/// changes nothing, and the audit names the fields without copying them.
fn details_change_through_edit(db: &TestDb) {
    db.ok(&["init"]);
    db.import(
        "teachers",
        "teacher_id,name,email,school,available\nT01,王芳,wf@example.org,城关小学,Mon-AM Tue-AM\n",
    );
    db.import(
        "students",
        "student_id,name,school,gender,disability,guardian_phone,address\n\
         S001,李小明,城关小学,男,智力残疾,13800138000,城关镇幸福路1号\n",
    );
    let said = db.ok(&[
        "student",
        "edit",
        "S001",
        "--guardian-phone",
        "13900139000",
        "--address",
        "",
    ]);
    assert!(said.contains("已更新：地址、监护人电话"), "{said}");
    let student = db.json(&["student", "show", "S001", "--format", "json"]);
    assert_eq!(student["guardian_phone"], "13900139000");
    assert_eq!(student["address"], serde_json::Value::Null);
    assert_eq!(student["disability"], "intellectual");
    assert_eq!(student["name"], "李小明");

    let error = db.fails(&["student", "edit", "S001", "--guardian-phone", "call me"]);
    assert!(error.contains("--guardian-phone"), "{error}");
    let error = db.fails(&["student", "edit", "S404", "--name", "某某"]);
    assert!(error.contains("没有登记学生 S404"), "{error}");
    assert_eq!(
        db.json(&["student", "show", "S001", "--format", "json"])["guardian_phone"],
        "13900139000"
    );

    db.ok(&[
        "teacher",
        "edit",
        "T01",
        "--available",
        "周一上午 周四下午",
        "--max-visits-per-day",
        "1",
    ]);
    let teacher = db.json(&["teacher", "show", "T01", "--format", "json"]);
    assert_eq!(teacher["max_visits_per_day"], 1);
    assert_eq!(teacher["email"], "wf@example.org");
    assert_eq!(
        teacher["available"].as_array().map(Vec::len),
        Some(2),
        "{teacher}"
    );
    let audit =
        db.sql_rows("SELECT detail FROM audit_log WHERE entity = 'student' AND action = 'update'");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0].contains("guardian_phone"), "{}", audit[0]);
    assert!(
        !audit[0].contains("13900139000") && !audit[0].contains("幸福路"),
        "{}",
        audit[0]
    );
}

fn an_old_excel_file_imports_and_a_bad_one_says_how_to_save_it(db: &TestDb) {
    db.ok(&["init"]);
    let old = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/students-old-excel.xls");
    let output = db.ok(&["import", path(&old), "--kind", "students"]);
    assert!(output.contains("新增 2"), "{output}");
    let not_a_workbook = db.file("学生.xlsx", "这不是表格");
    std::fs::write(&not_a_workbook, [0x00u8, 0x9F, 0xFF, 0xFE, 0x81]).unwrap();
    let error = db.fails(&["import", path(&not_a_workbook), "--kind", "students"]);
    assert!(
        error.contains("内容不是工作簿") && error.contains("另存为") && !error.contains("EOCD"),
        "{error}"
    );
}

/// Guardians' phones stored before they were normalised are written the one
/// way by `init`; one that is not a phone is left and named.
fn init_normalises_the_phones_stored_before(db: &TestDb) {
    db.migrated_before("0024");
    let at = "'2026-11-30T01:00:00Z'";
    db.sql("INSERT INTO schools (id, name) VALUES (1, '城关小学')");
    db.sql(&format!(
        "INSERT INTO students (id, name, guardian_phone, school_id, status, created_at, updated_at)
         VALUES ('S001', '李小明', '138 0931 5566', 1, 'active', {at}, {at}),
                ('S002', '王欣怡', '0931-812 3456', 1, 'active', {at}, {at}),
                ('S003', '张子涵', '问奶奶', 1, 'active', {at}, {at})"
    ));
    let output = db.command().arg("init").output().unwrap();
    let (said, warned) = (
        String::from_utf8_lossy(&output.stdout).to_string(),
        common::stderr(&output),
    );
    assert!(output.status.success(), "{warned}");
    assert!(said.contains("2 个监护人电话"), "{said}");
    assert!(warned.contains("S003"), "{warned}");
    let phone =
        |id: &str| db.json(&["student", "show", id, "--format", "json"])["guardian_phone"].clone();
    assert_eq!(phone("S001"), "13809315566");
    assert_eq!(phone("S002"), "0931-8123456");
    assert_eq!(phone("S003"), "问奶奶");
}

on_both_databases!(
    init_normalises_the_phones_stored_before,
    a_sheet_keeps_what_it_does_not_say,
    a_plans_sheet_revises_a_plan_only_with_a_reason,
    a_roster_as_offices_keep_it,
    paper_records_read_as_written_and_every_problem_at_once,
    each_list_imports_back_unchanged_and_one_edit_changes_one_field,
    teachers_named_by_name_in_plans_and_visits,
    schools_are_listed_renamed_and_merged,
    an_old_excel_file_imports_and_a_bad_one_says_how_to_save_it,
    a_plan_made_during_the_year_starts_that_day_and_is_on_track,
    init_is_idempotent_and_required,
    a_district_loads_from_its_spreadsheets,
    importing_the_same_file_twice_updates_rather_than_duplicates,
    one_bad_row_imports_nothing_and_every_bad_cell_is_named,
    plans_must_name_registered_people,
    chinese_headers_gbk_and_bom_files_import,
    xlsx_files_import,
    a_dry_run_changes_nothing,
    a_second_plan_is_refused_and_revising_keeps_history,
    students_and_teachers_are_added_one_by_one,
    details_change_through_edit,
);
