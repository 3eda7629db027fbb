//! The words of the work list (the coordinators' and supervisors' home), the
//! menu every page carries and the message after an action, per locale.

use crate::domain::access::Role;

pub struct HomeWords {
    pub lang: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub nothing_to_do: &'static str,
    pub to_plan_title: &'static str,
    /// After the week's name.
    pub not_planned: &'static str,
    pub plan_now: &'static str,
    pub short_title: &'static str,
    pub unrecorded_title: &'static str,
    pub unrecorded_hint: &'static str,
    pub remind: &'static str,
    pub worse_title: &'static str,
    pub worse_since: &'static str,
    pub worse_first_look: &'static str,
    pub was: &'static str,
    pub mark_seen: &'static str,
    pub alerts_title: &'static str,
    pub alerts_hint: &'static str,
    pub follow_up_due: &'static str,
    pub ack_note: &'static str,
    pub ack_note_hint: &'static str,
    pub follow_up_on: &'static str,
    pub ack_selected: &'static str,
    pub select: &'static str,
    pub leave_title: &'static str,
    pub decide: &'static str,
    pub exceptions_title: &'static str,
    pub exceptions_hint: &'static str,
    pub figures_district: &'static str,
    pub figures_schools: &'static str,
    pub status_legend: &'static str,
    pub projection_note: &'static str,
    pub gap: &'static str,
    pub began: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub operations_title: &'static str,
    pub operations_link: &'static str,
    pub failed_mail: &'static str,
    pub sort_by_gap: &'static str,
    pub choose_alerts: &'static str,
    pub tell_operators: &'static str,
    pub replan: &'static str,
    pub replan_hint: &'static str,
    pub plan_hint: &'static str,
    pub past_week: &'static str,
    pub changed_meanwhile: &'static str,
    pub preview_hint: &'static str,
    pub discard: &'static str,
    pub trend_title: &'static str,
    pub term_expected: &'static str,
    pub children_col: &'static str,
    pub week_visits_col: &'static str,
    pub free_col: &'static str,
    pub completion_col: &'static str,
    pub leave_col: &'static str,
    pub teachers_hint: &'static str,
    pub forgot: &'static str,
    pub audit_child: &'static str,
    pub read_child: &'static str,
    pub audit_person: &'static str,
    pub auto_plan: &'static str,
    pub follow_up_on_short: &'static str,
    pub forgot_hint: &'static str,
    pub send_link: &'static str,
    pub link_sent: &'static str,
}

impl HomeWords {
    /// `n` periods short: 差 12 课时.
    pub fn gap_of(&self, n: impl std::fmt::Display) -> String {
        if self.lang == "zh-CN" {
            format!("差 {n} 课时")
        } else {
            format!("{n} periods short")
        }
    }

    pub fn page_of(&self, page: impl std::fmt::Display, pages: impl std::fmt::Display) -> String {
        if self.lang == "zh-CN" {
            format!("第 {page}/{pages} 页")
        } else {
            format!("page {page} of {pages}")
        }
    }

    pub fn misses(&self, n: impl std::fmt::Display, reason_word: &str) -> String {
        if self.lang == "zh-CN" {
            format!("连续 {n} 次没有送成，都是因为{reason_word}")
        } else {
            format!("missed {n} times in a row, each time: {reason_word}")
        }
    }

    pub fn without_delivery(&self, days: impl std::borrow::Borrow<i64>) -> String {
        let days = *days.borrow();
        let at_least = days >= crate::domain::exception::LOOK_BACK_DAYS;
        match (self.lang == "zh-CN", at_least) {
            (true, true) => format!("{days} 天以上没有送成一次（期间安排了送教）"),
            (true, false) => format!("已 {days} 天没有送成一次（期间安排了送教）"),
            (false, true) => {
                format!("over {days} days without a visit delivered (visits were planned)")
            }
            (false, false) => {
                format!("{days} days without a visit delivered (visits were planned)")
            }
        }
    }

    pub fn unconfirmed(
        &self,
        records: impl std::fmt::Display,
        children: impl std::fmt::Display,
    ) -> String {
        if self.lang == "zh-CN" {
            format!("近四周有 {records} 次送教记录没有家长确认（{children} 名学生）。")
        } else {
            format!(
                "{records} records of the last four weeks ({children} children) lack the guardian's confirmation."
            )
        }
    }

    pub fn projected_short(
        &self,
        projected: impl std::fmt::Display,
        target: impl std::fmt::Display,
    ) -> String {
        if self.lang == "zh-CN" {
            format!("按最近的送教情况，预计学年末只有 {projected} 课时，达不到 {target} 课时")
        } else {
            format!(
                "at its recent record, {projected} periods by the year's end, short of {target}"
            )
        }
    }

    pub fn visits_of(&self, n: impl std::fmt::Display) -> String {
        if self.lang == "zh-CN" {
            format!("{n} 次送教")
        } else {
            format!("{n} visits")
        }
    }

    pub fn followed(&self, n: impl std::fmt::Display) -> String {
        if self.lang == "zh-CN" {
            format!("已确认、正在跟进的预警 {n} 条（到跟进日期会回到待处理）")
        } else {
            format!("{n} alerts acknowledged and followed (back to handle on their follow-up day)")
        }
    }

    pub fn failed(&self, n: impl std::fmt::Display) -> String {
        if self.lang == "zh-CN" {
            format!("{n} 封邮件发送失败，老师或督导可能没有收到。")
        } else {
            format!("{n} emails failed: a teacher or supervisor may not have them.")
        }
    }

    /// The message after an action, from the code the action left (never text
    /// from the request): 已确认 3 条预警.
    pub fn done(&self, code: &str, n: u32) -> Option<String> {
        let zh = self.lang == "zh-CN";
        Some(match (code, zh) {
            ("acked", true) => format!("已确认 {n} 条预警。"),
            ("acked", false) => format!("{n} alerts acknowledged."),
            ("seen", true) => "已标为看过：以后只列出新变差的学生。".into(),
            ("seen", false) => {
                "Marked as seen: only children who fall further behind from now on are listed."
                    .into()
            }
            ("reminded", true) => format!("已发出记录提醒（{n} 封邮件）。"),
            ("reminded", false) => format!("Reminders sent ({n} emails)."),
            ("moved", true) => "已调整送教。".into(),
            ("moved", false) => "The visit was moved.".into(),
            ("cancelled", true) => "已取消这次送教。".into(),
            ("cancelled", false) => "The visit was cancelled.".into(),
            ("planned", true) => format!("已排课：{n} 处变动已保存，教师会收到新的日程。"),
            ("planned", false) => {
                format!("Planned: {n} changes saved; the teachers get their new schedules.")
            }
            ("leave", true) => "已处理请假申请，教师会收到通知。".into(),
            ("leave", false) => "The leave request was decided; the teacher is told.".into(),
            ("saved", true) => "已保存。".into(),
            ("saved", false) => "Saved.".into(),
            _ => return None,
        })
    }

    /// A message page's title by its status: 找不到, 无权查看, 未能完成…
    pub fn title_of(&self, status: axum::http::StatusCode) -> &'static str {
        use axum::http::StatusCode as S;
        let zh = self.lang == "zh-CN";
        match status {
            S::NOT_FOUND => {
                if zh {
                    "找不到"
                } else {
                    "Not found"
                }
            }
            S::FORBIDDEN => {
                if zh {
                    "无权查看"
                } else {
                    "Not for you"
                }
            }
            S::GONE => {
                if zh {
                    "已不存在"
                } else {
                    "Gone"
                }
            }
            S::SERVICE_UNAVAILABLE => {
                if zh {
                    "请稍候"
                } else {
                    "Busy"
                }
            }
            s if s.is_server_error() => {
                if zh {
                    "出错了"
                } else {
                    "Something went wrong"
                }
            }
            s if s.is_client_error() => {
                if zh {
                    "未能完成"
                } else {
                    "Not done"
                }
            }
            _ => {
                if zh {
                    "送教上门平台"
                } else {
                    "Home teaching"
                }
            }
        }
    }

    /// The menu of a reader (`district`: their scope is the whole district):
    /// (address, name), the first their home. Each name is its page's title.
    pub fn menu(&self, role: &Role, district: &bool) -> Vec<(&'static str, &'static str)> {
        let zh = self.lang == "zh-CN";
        let item = |href: &'static str, zh_name: &'static str, en_name: &'static str| {
            (href, if zh { zh_name } else { en_name })
        };
        let students = if *district {
            item("/students", "学生", "Students")
        } else {
            item("/students", "本校学生", "Our schools' students")
        };
        match role {
            Role::Teacher => vec![
                item("/", "我的送教", "My visits"),
                item("/students", "我的学生", "My students"),
                item("/school-calendar", "校历", "School calendar"),
                item("/leave", "请假", "Leave"),
                item("/account", "我的账号", "My account"),
            ],
            Role::Supervisor => vec![
                item("/", "待办", "To do"),
                students,
                item("/teachers", "教师", "Teachers"),
                item("/plan", "排课表", "The week's board"),
                item("/exports", "导出", "Exports"),
                item("/school-calendar", "校历", "School calendar"),
                item("/account", "我的账号", "My account"),
            ],
            Role::Coordinator | Role::Admin => {
                let mut items = vec![
                    item("/", "待办", "To do"),
                    students,
                    item("/teachers", "教师", "Teachers"),
                    item("/plan", "排课表", "The week's board"),
                    item("/leave", "请假", "Leave"),
                    item("/school-calendar", "校历", "School calendar"),
                    item("/imports", "导入表格", "Import a sheet"),
                    item("/exports", "导出", "Exports"),
                    item("/audit", "操作记录", "Audit"),
                ];
                if *role == Role::Admin {
                    items.push(item("/operations", "运行情况", "Operations"));
                }
                items.push(item("/account", "我的账号", "My account"));
                items
            }
        }
    }
}

pub const HOME_ZH_CN: HomeWords = HomeWords {
    lang: "zh-CN",
    title: "待办",
    intro: "最要紧的排在前面，每一项旁边是可以马上做的事。",
    nothing_to_do: "眼下没有待办的事。",
    to_plan_title: "还没有排课",
    not_planned: "还没有排课：老师收不到日程，孩子们这一周不会有送教。",
    plan_now: "去排课",
    short_title: "本周没能排满的学生",
    unrecorded_title: "过了补记期限还没记录的送教",
    unrecorded_hint: "提醒只发给还没有收到过这次提醒的老师。",
    remind: "发送记录提醒",
    worse_title: "进度变差的学生",
    worse_since: "上次查看以来：",
    worse_first_look: "最近一周内：",
    was: "原为",
    mark_seen: "已看过",
    alerts_title: "待处理的预警",
    alerts_hint: "勾选已经处理（如已联系家长、已安排补课）的预警，写一句说明，可定一个跟进日期，一次确认。",
    follow_up_due: "到期跟进",
    ack_note: "处理说明",
    ack_note_hint: "如：已电话联系家长，约好补课",
    follow_up_on: "跟进日期（可不填）",
    ack_selected: "确认所选预警",
    select: "选择",
    leave_title: "待审批的请假",
    decide: "去审批",
    exceptions_title: "需要留意的情况",
    exceptions_hint: "连续三次因同一原因没送成、三周没有送成一次、按最近的送教情况学年末达不到目标、记录没有家长确认。",
    figures_district: "全区情况",
    figures_schools: "本校情况",
    status_legend: "进度的四种说法",
    projection_note: "预计学年末课时：按该生最近 8 次送教的完成情况推算（记录不足 4 次时按全区的情况）。",
    gap: "差距（课时）",
    began: "开始于",
    previous: "上一页",
    next: "下一页",
    operations_title: "运行情况",
    operations_link: "查看运行情况",
    failed_mail: "发送失败的邮件",
    sort_by_gap: "按差距排序",
    choose_alerts: "请先勾选要确认的预警，未做任何更改。",
    tell_operators: "请告知运维人员查看。",
    replan: "重新排课",
    replan_hint: "这一周已经排过课。重新排课会按现在的方案、请假和校历重新安排本周还没到的送教；已记录的和手动调整过的送教不变。先看预览，确认后才保存。",
    plan_hint: "先看预览：排课后的表格、没能排满的学生和原因、增加人手的建议。确认后才保存并通知教师。",
    past_week: "这一周的送教日都已过去，不再排课。",
    changed_meanwhile: "预览之后情况有了变化（例如有人记录了送教或调整了请假），没有保存。下面是按现在的情况重新生成的预览，请再确认。",
    discard: "不保存，返回",
    trend_title: "本学期课时：每周累计已完成与应完成",
    term_expected: "本学期应完成",
    children_col: "负责学生",
    week_visits_col: "本周送教",
    free_col: "本周空闲时段",
    completion_col: "本学期完成率",
    leave_col: "请假",
    forgot: "忘记密码",
    audit_child: "学生（姓名或编号）",
    read_child: "学生",
    audit_person: "人员（姓名或邮箱）",
    auto_plan: "这一周还没有排课，会自动排好（也可以现在先看预览、提前排）。自动排课时间：",
    follow_up_on_short: "跟进日期",
    forgot_hint: "填写登录用的邮箱，我们会给这个邮箱发一封邮件，点邮件里的链接就能设置新密码。原来的密码在设置新密码之前仍然有效。",
    send_link: "发送设置密码的邮件",
    link_sent: "如果这个邮箱有账号，设置新密码的邮件已经发出，请查收（也看看垃圾邮件）。为防止打扰，十分钟内只发一封；仍然没有收到，请管理员帮您重设。",
    teachers_hint: "完成率：本学期已过去的送教中送成的比例（未记录且过了补记期限的算没送成）。空闲时段：本周还没到、教师可送教且没有安排的半天。",
    preview_hint: "下面是排课后的样子，标着“新增”“调整”“取消”的是将要做的改动。确认后才保存并通知教师。",
};

pub const HOME_EN: HomeWords = HomeWords {
    lang: "en",
    title: "To do",
    intro: "The most urgent first, each with what you can do about it now.",
    nothing_to_do: "Nothing to do right now.",
    to_plan_title: "Not planned yet",
    not_planned: "is not planned: teachers have no schedule and no child gets a visit that week.",
    plan_now: "Plan now",
    short_title: "Children this week could not fully place",
    unrecorded_title: "Visits past the grace nobody recorded",
    unrecorded_hint: "A reminder goes only to teachers not yet reminded of that visit.",
    remind: "Send reminders",
    worse_title: "Children who fell further behind",
    worse_since: "Since your last look:",
    worse_first_look: "In the last week:",
    was: "was",
    mark_seen: "Mark as seen",
    alerts_title: "Alerts to handle",
    alerts_hint: "Tick the alerts you have handled (family called, make-ups planned), write one note, set a follow-up day if you like, and acknowledge them at once.",
    follow_up_due: "follow-up due",
    ack_note: "What was done",
    ack_note_hint: "e.g. called the family, make-ups agreed",
    follow_up_on: "Follow up on (optional)",
    ack_selected: "Acknowledge the ticked alerts",
    select: "Select",
    leave_title: "Leave waiting for a decision",
    decide: "Decide",
    exceptions_title: "Worth a look",
    exceptions_hint: "Three misses in a row for one reason, three weeks without a visit delivered, a year's end projected short of the target, records the guardian did not confirm.",
    figures_district: "The district",
    figures_schools: "Your schools",
    status_legend: "The four paces",
    projection_note: "Projected periods at the year's end: from the child's last 8 recorded visits (the district's rate below 4).",
    gap: "Gap (periods)",
    began: "began",
    previous: "Previous",
    next: "Next",
    operations_title: "Operations",
    operations_link: "See operations",
    failed_mail: "Failed emails",
    sort_by_gap: "Sort by gap",
    choose_alerts: "Tick the alerts to acknowledge first; nothing was changed.",
    tell_operators: "Please tell the operators.",
    replan: "Plan again",
    replan_hint: "This week is planned. Planning again re-arranges its visits still to come by today's plans, leave and calendar; recorded visits and visits moved by hand stay. You see a preview first; nothing is saved before you confirm.",
    plan_hint: "See a preview first: the week's grid, the children not fully placed and why, and the staffing advice. Nothing is saved or sent before you confirm.",
    past_week: "Every teaching day of this week is over: it is not planned any more.",
    changed_meanwhile: "Something changed after the preview (a visit recorded, leave changed): nothing was saved. Below is the preview as things are now; confirm again.",
    discard: "Back, without saving",
    trend_title: "This term's periods: delivered and expected, week by week",
    term_expected: "the term expects",
    children_col: "Children",
    week_visits_col: "Visits this week",
    free_col: "Free half-days this week",
    completion_col: "Delivered this term",
    leave_col: "Leave",
    forgot: "Forgot your password",
    audit_child: "Child (name or id)",
    read_child: "Child",
    audit_person: "Person (name or email)",
    auto_plan: "Not planned yet: the daemon plans this week by itself (you may preview and plan it now). It plans at",
    follow_up_on_short: "follow up on",
    forgot_hint: "Type the email you log in with: we send it a link to set a new password. Your password keeps working until you set a new one.",
    send_link: "Send me the link",
    link_sent: "If that email has an account, the email with the link is on its way (look in spam too). One is sent at most every ten minutes; nothing then? Ask an admin to reset it.",
    teachers_hint: "Delivered this term: the share of this term's past visits that took place (unrecorded past the grace counts as not). Free half-days: this week's half-days still to come the teacher is available and has no visit.",
    preview_hint: "Below is the week as planning would leave it; the visits marked added, moved or cancelled are the changes. Nothing is saved before you confirm.",
};
