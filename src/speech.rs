//! How lists and files speak to people: in the configured language, with times in
//! the configured zone in one format. Under zh-CN a column is headed by the
//! import's Chinese column name (学生编号, 残疾类别…), so a list saved as CSV
//! imports back, and a code is shown as the Chinese word the import reads for it
//! (男, 智力残疾, 按计划, 学生生病…). JSON keeps the codes and RFC 3339 times: it is
//! for programs.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::config::{Locale, Settings};
use crate::domain::access::Role;
use crate::domain::leave::LeaveStatus;
use crate::domain::pace::Status;
use crate::domain::slot::{SlotTable, weekday_name_zh};
use crate::domain::student::{Disability, Gender, StudentStatus};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// The language, the zone and the slot names of the settings.
#[derive(Debug, Clone)]
pub struct Speech {
    pub chinese: bool,
    pub zone: Tz,
    slots: Option<SlotTable>,
}

/// The one format of a time shown to a person: 2026-11-29 10:22.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

impl Default for Speech {
    fn default() -> Self {
        Speech {
            chinese: false,
            zone: chrono_tz::UTC,
            slots: None,
        }
    }
}

impl Speech {
    /// The settings' zone and slots, in the language a request asked for.
    pub fn in_language(settings: &Settings, chinese: bool) -> Self {
        Speech {
            chinese,
            ..Speech::of(settings)
        }
    }

    /// Chinese words with no settings at hand (headings, codes; times in UTC).
    pub fn chinese() -> Self {
        Speech {
            chinese: true,
            ..Speech::default()
        }
    }

    pub fn of(settings: &Settings) -> Self {
        Speech {
            chinese: settings.locale == Locale::ZhCn,
            zone: settings.time_zone,
            slots: settings.slot_table().ok(),
        }
    }

    /// A time as people read it, in the configured zone.
    pub fn time(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.zone)
            .format(TIME_FORMAT)
            .to_string()
    }

    /// A week as schools name it: 第15周（12月7日–11日）, its working days from
    /// Monday to Friday; without a number outside the terms. The ISO week stays
    /// for URLs and the API.
    pub fn week(
        &self,
        calendar: &crate::domain::calendar::SchoolCalendar,
        week: chrono::IsoWeek,
    ) -> String {
        use chrono::{Datelike, Duration, NaiveDate, Weekday};
        let Some(monday) = NaiveDate::from_isoywd_opt(week.year(), week.week(), Weekday::Mon)
        else {
            return format!("{}-W{:02}", week.year(), week.week());
        };
        let friday = monday + Duration::days(4);
        let number = calendar.term_week(week);
        if self.chinese {
            let span = if monday.month() == friday.month() {
                format!("{}月{}日–{}日", monday.month(), monday.day(), friday.day())
            } else {
                format!(
                    "{}月{}日–{}月{}日",
                    monday.month(),
                    monday.day(),
                    friday.month(),
                    friday.day()
                )
            };
            match number {
                Some(n) => format!("第{n}周（{span}）"),
                None => format!("{span}这一周"),
            }
        } else {
            let span = if monday.month() == friday.month() {
                format!("{}–{} {}", monday.day(), friday.day(), friday.format("%b"))
            } else {
                format!(
                    "{} {}–{} {}",
                    monday.day(),
                    monday.format("%b"),
                    friday.day(),
                    friday.format("%b")
                )
            };
            match number {
                Some(n) => format!("week {n} ({span})"),
                None => format!("the week of {span}"),
            }
        }
    }

    /// A column's heading.
    pub fn header(&self, key: &str) -> String {
        if !self.chinese {
            return key.to_string();
        }
        HEADERS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| key.to_string(), |(_, zh)| (*zh).to_string())
    }

    /// A cell's text: a code as its word, a time in the zone, a list joined as
    /// the import reads it back (slots with spaces, goals with `; `).
    pub fn cell(&self, key: &str, value: &Value) -> String {
        match value {
            Value::Null => String::new(),
            Value::String(text) => self.text(key, text),
            Value::Array(items) => {
                let words = items.iter().all(|item| match item {
                    Value::String(t) => t.is_ascii() && !t.contains(char::is_whitespace),
                    other => other.is_number(),
                });
                let texts: Vec<String> = items.iter().map(|item| self.cell(key, item)).collect();
                texts.join(if words { " " } else { "; " })
            }
            Value::Bool(yes) => match (self.chinese, yes) {
                (true, true) => "是".into(),
                (true, false) => "否".into(),
                (false, yes) => yes.to_string(),
            },
            other => other.to_string(),
        }
    }

    fn text(&self, key: &str, text: &str) -> String {
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return self.time(time.with_timezone(&Utc));
        }
        if !self.chinese {
            return text.to_string();
        }
        let word = match key {
            "gender" => text.parse::<Gender>().ok().map(Gender::zh),
            "disability" => text.parse::<Disability>().ok().map(Disability::zh),
            "outcome" => text.parse::<Outcome>().ok().map(Outcome::zh),
            "reason" => text.parse::<MissReason>().ok().map(MissReason::zh),
            "mode" => text.parse::<Mode>().ok().map(Mode::zh),
            "role" => text.parse::<Role>().ok().map(Role::zh),
            "status" | "severity" | "state" => status_word(text),
            // What an outbox message is, and how it goes.
            "kind" => match text {
                "schedule" => Some("送教安排"),
                "reminder" => Some("记录提醒"),
                "alert" => Some("预警"),
                "digest" => Some("每周汇总"),
                "account" => Some("账号"),
                "leave" => Some("请假"),
                "operator" => Some("给运维人员"),
                _ => None,
            },
            "channel" => match text {
                "email" => Some("邮件"),
                "dingtalk" => Some("钉钉群"),
                "wecom" => Some("企业微信群"),
                _ => None,
            },
            "available" | "slot" => return self.slot(text),
            // A leave's half-days, several in one text.
            "slots" if text.contains(' ') => return self.stored_slots(text),
            "slots" => return self.slot(text),
            "changed_by" | "recorded_by" | "actor" | "acknowledged_by" | "decided_by"
            | "requested_by" => return self.who(text, &std::collections::HashMap::new()),
            // An account's scope as `Scope` writes it: district, schools: A, B, teacher T01.
            "scope" => {
                return match text {
                    "district" => "全区".to_string(),
                    _ => match (
                        text.strip_prefix("schools: "),
                        text.strip_prefix("teacher "),
                    ) {
                        (Some(schools), _) => format!("学校：{}", schools.replace(", ", "、")),
                        (_, Some(teacher)) => format!("教师 {teacher}"),
                        _ => text.to_string(),
                    },
                };
            }
            _ => None,
        };
        word.map_or_else(|| text.to_string(), str::to_string)
    }

    /// A person's or family's weekly slots, as the lists show them.
    pub fn weekly_slots(&self, slots: &[crate::domain::slot::WeeklySlot]) -> String {
        let codes: Vec<String> = slots.iter().map(ToString::to_string).collect();
        self.cell("available", &serde_json::json!(codes))
    }

    /// Who did something, as audit rows and records keep it (`user:EMAIL`,
    /// `cli:USER`, `job:plan_week`…), as people read it: an account by its name
    /// (`names`, by email), the command line as 命令行（USER）, a job as
    /// 系统（每周排课）.
    pub fn who(&self, actor: &str, names: &std::collections::HashMap<String, String>) -> String {
        let person = |email: &str| {
            names
                .get(email)
                .cloned()
                .unwrap_or_else(|| email.to_string())
        };
        let (kind, rest) = actor.split_once(':').unwrap_or((actor, ""));
        match (kind, self.chinese) {
            ("user", _) => person(rest),
            ("login", true) => format!("登录（{}）", person(rest)),
            ("cli", true) if rest.is_empty() || rest == "unknown" => "命令行".into(),
            ("cli", true) => format!("命令行（{rest}）"),
            ("cli", false) => format!("command line ({rest})"),
            ("job", true) => format!("系统（{}）", job_zh(rest).unwrap_or(rest)),
            ("job", false) => format!("system ({rest})"),
            (_, true) => match actor {
                "link" => "设置密码的链接".into(),
                "session" => "登录会话".into(),
                "login" => "登录".into(),
                "api-token" => "接口令牌".into(),
                "calendar feed" => "日历订阅".into(),
                "healthz" => "健康检查".into(),
                other => other.to_string(),
            },
            _ => actor.to_string(),
        }
    }

    /// An audit row's action on its kind of record (`update` `student`), as
    /// people read it (修改学生).
    pub fn audit_action(&self, action: &str, entity: &str) -> String {
        if !self.chinese {
            return format!("{action} {entity}");
        }
        let did = match action {
            "create" => "新增",
            "update" => "修改",
            "record" => "记录",
            "add" => "添加",
            "add_unplanned" => "补记计划外的",
            "remove" => "删除",
            "end" => "结束",
            "rename" => "改名",
            "merge" => "合并",
            "scope" => "修改范围：",
            "save" => "保存",
            "revise" => "修订",
            "revoke" => "吊销",
            "acknowledge" => "确认",
            "request" => "申请",
            "decide" => "审批",
            "move_by_hand" => "手动调整",
            "cancel_by_hand" => "手动取消",
            "anonymise" => "匿名化",
            "plan" => "排课生成",
            "move" => "排课调整",
            "cancel" => "排课取消",
            "disable" => "停用",
            "enable" => "启用",
            "set_password" => "设置密码：",
            "reset_password" => "重设密码：",
            "enable_second_factor" => "开启两步验证：",
            "remove_second_factor" => "关闭两步验证：",
            "export" => "导出",
            other => other,
        };
        format!("{did}{}", self.entity_word(entity))
    }

    /// The kind of thing an audit row changed, as people read it.
    pub fn entity_word(&self, entity: &str) -> String {
        if !self.chinese {
            return entity.replace('_', " ");
        }
        AUDITED
            .iter()
            .find(|(code, _)| *code == entity)
            .map_or_else(|| entity.to_string(), |(_, word)| (*word).to_string())
    }

    /// An audit row's detail as lines a reviewer reads: `字段：旧 → 新` for
    /// what changed, `字段：值` for what was set; teachers by name
    /// (`teachers`: names by id), ids of rows left out (the row's subject says
    /// whose it is).
    pub fn change_lines(
        &self,
        detail: &str,
        teachers: &std::collections::HashMap<String, String>,
    ) -> Vec<String> {
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(detail) else {
            return vec![detail.to_string()];
        };
        let empty = if self.chinese { "（空）" } else { "(empty)" };
        let shown = |key: &str, value: &Value| {
            let teacher = matches!(key, "teacher_id" | "backup_teacher_id" | "person");
            let text = match value {
                Value::String(id) if teacher && teachers.contains_key(id) => teachers[id].clone(),
                // An account's scope and the like: its parts' values.
                Value::Object(parts) => parts
                    .iter()
                    .map(|(k, v)| self.cell(k, v))
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                other => self.cell(key, other),
            };
            if text.is_empty() {
                empty.to_string()
            } else {
                text
            }
        };
        let none = serde_json::Map::new();
        let old = object.get("old").and_then(Value::as_object);
        let new = object.get("new").and_then(Value::as_object);
        let mut lines = Vec::new();
        if old.is_some() || new.is_some() {
            let (old_fields, new_fields) = (old.unwrap_or(&none), new.unwrap_or(&none));
            let mut keys: Vec<&String> = new_fields.keys().collect();
            keys.extend(old_fields.keys().filter(|k| !new_fields.contains_key(*k)));
            for key in keys {
                let (before, after) = (
                    old_fields.get(key).unwrap_or(&Value::Null),
                    new_fields.get(key).unwrap_or(&Value::Null),
                );
                // Set where nothing was: said as set (a first record's
                // `结果：完成`, not `（空）→ 完成`); a flag still off is no change.
                let unset = |v: &Value| v.is_null() || v == &Value::Bool(false) || v == "";
                if before == after
                    || (unset(before) && unset(after))
                    || ROW_IDS.contains(&key.as_str())
                {
                    continue;
                }
                let field = match key.as_str() {
                    "teacher_id" if self.chinese => "送教教师".to_string(),
                    _ => self.header(key),
                };
                lines.push(if unset(before) {
                    format!("{field}：{}", shown(key, after))
                } else {
                    format!("{field}：{} → {}", shown(key, before), shown(key, after))
                });
            }
        }
        for (key, value) in &object {
            if key != "old" && key != "new" && !value.is_null() && !ROW_IDS.contains(&key.as_str())
            {
                lines.push(format!("{}：{}", self.header(key), shown(key, value)));
            }
        }
        lines
    }

    /// What was read of a child (an access-log row's `what`), as people read it.
    pub fn read_what(&self, what: &str) -> String {
        if !self.chinese {
            return what.to_string();
        }
        match what {
            "student page" => "学生页",
            "student page with contact and diagnosis" => "学生页（含联系方式和诊断）",
            "teacher's week" => "教师的本周送教",
            "record form" => "送教记录表",
            "record file" => "送教附件",
            "calendar feed" => "日历订阅",
            "year export" => "学年导出",
            "ledger export" => "课时账目导出",
            other => other,
        }
        .to_string()
    }

    /// Half-days as stored (`Wed-PM Thu-AM`, a leave's), as people read them.
    pub fn stored_slots(&self, codes: &str) -> String {
        let codes: Vec<&str> = codes.split_whitespace().collect();
        self.cell("available", &serde_json::json!(codes))
    }

    /// `Mon-AM` as 周一上午, `AM` as 上午 (the slot's first Chinese alias).
    fn slot(&self, text: &str) -> String {
        let name = |slot: &str| match &self.slots {
            Some(slots) => slots.label(slot, true),
            None => slot.to_string(),
        };
        match text.split_once('-') {
            Some((day, slot)) => match crate::domain::slot::parse_weekday(day) {
                Some(weekday) => format!("{}{}", weekday_name_zh(weekday), name(slot)),
                None => text.to_string(),
            },
            None => name(text),
        }
    }
}

/// A status of any list (a plan's pace, a child, leave, a visit, an email, an
/// account) as its Chinese word; the codes do not overlap.
fn status_word(code: &str) -> Option<&'static str> {
    if let Some(status) = Status::parse(code) {
        return Some(status.zh());
    }
    if let Ok(status) = code.parse::<StudentStatus>() {
        return Some(status.zh());
    }
    if let Ok(status) = code.parse::<LeaveStatus>() {
        return Some(status.zh());
    }
    if let Ok(status) = code.parse::<VisitStatus>() {
        return Some(status.zh());
    }
    Some(match code {
        "queued" => "待发送",
        "sending" => "发送中",
        "sent" => "已发送",
        "dead" => "已放弃",
        "enabled" => "可登录",
        "invited" => "待设密码",
        "disabled" => "已停用",
        "locked" => "已锁定",
        _ => return None,
    })
}

/// A daemon job's name (`plan_week`) as people read it under zh-CN.
pub fn job_zh(name: &str) -> Option<&'static str> {
    Some(match name {
        "plan_week" => "每周排课",
        "check_pace" => "进度检查",
        "digest" => "督导周报",
        "remind_unrecorded" => "记录提醒",
        "drain_outbox" => "发送邮件",
        "prune_access_log" => "清理查阅日志",
        "backup" => "备份",
        "retention" => "到期数据清理",
        _ => return None,
    })
}

/// Column headings under zh-CN: the import's Chinese column name wherever the
/// column is one the import reads (so a list imports back), else a plain word.
/// Keys of audit details that hold a row's id: no reader's word.
const ROW_IDS: &[&str] = &["plan", "plan_id", "visit_id", "id", "student_id"];

/// The kinds of things the audit log records changes to, with their words.
pub const AUDITED: &[(&str, &str)] = &[
    ("student", "学生"),
    ("plan", "送教方案"),
    ("visit", "送教记录"),
    ("visit_file", "送教附件"),
    ("alert", "预警"),
    ("teacher", "教师"),
    ("teacher_leave", "请假"),
    ("student_pause", "暂停"),
    ("account", "账号"),
    ("api_token", "接口令牌"),
    ("supervisor", "督导"),
    ("school", "学校"),
];

pub(crate) const HEADERS: &[(&str, &str)] = &[
    ("teacher_id", "教师编号"),
    ("student_id", "学生编号"),
    ("name", "姓名"),
    ("email", "邮箱"),
    ("phone", "电话"),
    ("school", "学校"),
    ("dingtalk_webhook", "钉钉机器人"),
    ("dingtalk_secret", "钉钉加签"),
    ("wecom_webhook", "企业微信机器人"),
    ("channel", "渠道"),
    ("available", "可用时段"),
    ("max_visits_per_day", "每日最多送教次数"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("disability", "残疾类别"),
    ("disability_grade", "残疾等级"),
    ("diagnosis", "诊断"),
    ("guardian_name", "监护人"),
    ("guardian_phone", "监护人电话"),
    ("address", "地址"),
    ("status", "状态"),
    ("school_year", "学年"),
    ("backup_teacher_id", "备用教师"),
    ("revision_reason", "修订原因"),
    ("teachers", "教师人数"),
    ("students", "学生人数"),
    ("visits_per_week", "每周次数"),
    ("periods_per_visit", "每次课时"),
    ("annual_target", "年度目标课时"),
    ("start_date", "开始日期"),
    ("end_date", "结束日期"),
    ("goals", "目标"),
    ("file", "文件"),
    ("goal", "目标"),
    ("visit", "送教"),
    ("code", "验证码"),
    ("password", "密码"),
    ("current_password", "当前密码"),
    ("key", "记录键"),
    ("photos", "照片"),
    ("expires_days", "有效天数"),
    ("half_day", "半天"),
    ("new", "新名称"),
    ("year", "学年"),
    ("started_at", "开始时间"),
    ("ended_at", "结束时间"),
    ("date", "日期"),
    ("day", "日期"),
    ("slot", "时段"),
    ("slots", "半天"),
    ("outcome", "结果"),
    ("periods", "课时"),
    ("reason", "原因"),
    ("mode", "方式"),
    ("note", "备注"),
    ("leave", "请假"),
    ("pauses", "暂停"),
    ("plan", "送教方案"),
    ("plan_id", "方案编号"),
    ("revision", "版本"),
    ("goal_ids", "目标编号"),
    ("updated_at", "更新时间"),
    ("student_name", "学生姓名"),
    ("target", "目标课时"),
    ("teaching_days", "教学日"),
    ("delivered", "已完成课时"),
    ("pending", "待记录课时"),
    ("expected", "应完成课时"),
    ("capacity", "最多可达课时"),
    ("visits_completed", "完成次数"),
    ("visits_missed", "未完成次数"),
    ("visits_unrecorded", "未记录次数"),
    ("changed_by", "修改人"),
    ("changed_at", "修改时间"),
    ("visit_id", "送教编号"),
    ("weekday", "星期"),
    ("id", "编号"),
    ("severity", "程度"),
    ("opened_at", "开始时间"),
    ("last_notified_at", "最近通知时间"),
    ("resolved_at", "解除时间"),
    ("acknowledged_at", "确认时间"),
    ("acknowledged_by", "确认人"),
    ("ack_note", "确认说明"),
    ("nobody_told", "无人可通知"),
    ("told", "已通知"),
    ("kind", "类型"),
    ("recipient", "收件人"),
    ("subject", "主题"),
    ("attempts", "尝试次数"),
    ("next_attempt_at", "下次尝试时间"),
    ("last_error", "最近错误"),
    ("role", "角色"),
    ("scope", "范围"),
    ("state", "账号状态"),
    ("from", "开始日期"),
    ("to", "结束日期"),
    ("teacher", "教师"),
    ("at", "时间"),
    ("actor", "操作人"),
    ("action", "操作"),
    ("entity", "对象"),
    ("entity_id", "对象编号"),
    ("detail", "详情"),
    ("account", "账号"),
    ("what", "内容"),
    ("label", "名称"),
    ("created_at", "创建时间"),
    ("expires_at", "到期时间"),
    ("last_used_at", "最近使用时间"),
    ("revoked_at", "撤销时间"),
    ("still_owed", "仍欠课时"),
    ("unrecorded_periods", "未记录课时"),
    ("goal_notes", "目标记录"),
    ("guardian_confirmed_by", "家长确认"),
    ("recorded_by", "记录人"),
    ("unplanned", "计划外"),
    ("rhythm", "频次"),
    ("dates", "起止日期"),
    ("pace", "进度"),
    ("students", "学生数"),
    ("visits×periods", "次数×课时"),
    ("family available", "家庭可用时段"),
    ("located", "记下了位置"),
    ("change_reason", "修改原因"),
    ("family_practice", "家庭练习"),
    ("person", "对象"),
    ("start", "开始"),
    ("end", "结束"),
    ("follow_up_on", "跟进日期"),
];

#[cfg(test)]
mod tests {

    #[test]
    fn who_did_it_reads_as_a_person_the_command_line_or_the_system() {
        let names =
            std::collections::HashMap::from([("t01@example.org".to_string(), "王芳".to_string())]);
        let speech = Speech::chinese();
        assert_eq!(speech.who("user:t01@example.org", &names), "王芳");
        assert_eq!(speech.who("user:x@example.org", &names), "x@example.org");
        assert_eq!(speech.who("cli:songjiao", &names), "命令行（songjiao）");
        assert_eq!(speech.who("job:plan_week", &names), "系统（每周排课）");
        assert_eq!(speech.audit_action("update", "student"), "修改学生");
        assert_eq!(
            speech.read_what("student page with contact and diagnosis"),
            "学生页（含联系方式和诊断）"
        );
        assert_eq!(
            Speech::default().who("cli:songjiao", &names),
            "command line (songjiao)"
        );
    }

    use super::*;

    fn chinese() -> Speech {
        Speech::of(&Settings::defaults())
    }

    #[test]
    fn codes_read_as_the_words_the_import_takes_back() {
        let speech = chinese();
        let cell = |key: &str, code: &str| speech.cell(key, &Value::String(code.into()));
        assert_eq!(cell("gender", "male"), "男");
        assert_eq!(cell("disability", "intellectual"), "智力残疾");
        assert_eq!(cell("status", "on_track"), "按计划");
        assert_eq!(cell("status", "at_risk"), "严重落后");
        assert_eq!(cell("reason", "student_ill"), "学生生病");
        assert_eq!(cell("reason", "王老师调岗"), "王老师调岗");
        assert_eq!(cell("slot", "AM"), "上午");
        assert_eq!(
            speech.cell("available", &serde_json::json!(["Mon-AM", "Wed-PM"])),
            "周一上午 周三下午"
        );
        for (code, word) in [("male", "男"), ("intellectual", "智力残疾")] {
            let parsed_gender = word.parse::<Gender>().map(Gender::code);
            let parsed_disability = word.parse::<Disability>().map(Disability::code);
            assert!(parsed_gender == Ok(code) || parsed_disability == Ok(code));
        }
        assert_eq!(speech.header("student_id"), "学生编号");
        let calendar = crate::domain::calendar::SchoolCalendar::from_toml(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/config/calendar/2026-2027.toml"
            ))
            .expect("the shipped calendar"),
        )
        .expect("a calendar");
        let week = |d: &str| {
            chrono::Datelike::iso_week(
                &chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a day"),
            )
        };
        assert_eq!(
            speech.week(&calendar, week("2026-12-07")),
            "第15周（12月7日–11日）"
        );
        assert_eq!(
            speech.week(&calendar, week("2026-12-02")),
            "第14周（11月30日–12月4日）"
        );
        assert_eq!(
            speech.week(&calendar, week("2026-08-20")),
            "8月17日–21日这一周"
        );
        assert_eq!(
            speech.cell(
                "updated_at",
                &Value::String("2026-11-29T02:23:42.793325216Z".into())
            ),
            "2026-11-29 10:23"
        );
        let english = Speech {
            chinese: false,
            ..chinese()
        };
        assert_eq!(
            english.cell("status", &Value::String("on_track".into())),
            "on_track"
        );
        assert_eq!(english.header("student_id"), "student_id");
    }
}
