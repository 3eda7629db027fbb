//! What each email says, per locale: the words live in `templates/mail/<locale>/`
//! (askama, checked when the program is built); this module holds what the
//! templates are given. A text template's first line is the subject.
//!
//! Emails carry what their reader may see (names, schools, figures; never a
//! diagnosis, phone or address outside a teacher's own schedule) and point to
//! the platform, never to a command.

use askama::Template;
use chrono::NaiveDate;

use crate::config::Locale;
use crate::domain::pace::Status;

/// A rendered email: the subject, the text and, for some, an HTML part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// The first line of a rendered text template is the subject.
pub(super) fn mail(rendered: askama::Result<String>, html: Option<askama::Result<String>>) -> Mail {
    // Templates render plain data with no fallible filters: an error is a bug.
    let rendered = rendered.expect("a mail template renders");
    let (subject, text) = rendered.split_once('\n').unwrap_or((&rendered, ""));
    Mail {
        subject: subject.trim().to_string(),
        text: format!("{}\n", text.trim()),
        html: html.map(|h| h.expect("a mail template renders")),
    }
}

/// A text-only email per locale (a template under `templates/` for each), given `m`.
macro_rules! text_mail {
    ($data:ident, $template:ident, $zh_cn:literal, $en:literal) => {
        #[derive(Template)]
        enum $template<'a> {
            #[template(path = $zh_cn)]
            ZhCn { m: &'a $data<'a> },
            #[template(path = $en)]
            En { m: &'a $data<'a> },
        }

        impl $data<'_> {
            pub fn render(&self, locale: Locale) -> Mail {
                let text = match locale {
                    Locale::ZhCn => $template::ZhCn { m: self },
                    Locale::En => $template::En { m: self },
                };
                mail(text.render(), None)
            }
        }
    };
}

/// How an alert changed since supervisors last heard of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertChange {
    Worse,
    New,
    Still,
    Recovered,
}

/// A child as an alert or digest shows them: name, school, status and figures.
#[derive(Debug, Clone)]
pub struct StudentFigures<'a> {
    pub student_id: &'a str,
    pub name: &'a str,
    pub school: &'a str,
    pub status: Status,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub target: u32,
    /// Since when the child's alert has been open (digests).
    pub since: Option<NaiveDate>,
}

pub struct AlertGroup<'a> {
    pub change: AlertChange,
    pub children: Vec<StudentFigures<'a>>,
}

/// Alerts for one supervisor (or, when nobody else could be told, an operator).
pub struct AlertMail<'a> {
    pub name: &'a str,
    pub count: usize,
    pub groups: Vec<AlertGroup<'a>>,
    pub to_operators: bool,
    pub link: &'a str,
}

#[derive(Template)]
enum AlertText<'a> {
    #[template(path = "mail/zh-CN/alert.txt")]
    ZhCn { m: &'a AlertMail<'a> },
    #[template(path = "mail/en/alert.txt")]
    En { m: &'a AlertMail<'a> },
}

#[derive(Template)]
enum AlertHtml<'a> {
    #[template(path = "mail/zh-CN/alert.html")]
    ZhCn { m: &'a AlertMail<'a> },
    #[template(path = "mail/en/alert.html")]
    En { m: &'a AlertMail<'a> },
}

impl AlertMail<'_> {
    pub fn render(&self, locale: Locale) -> Mail {
        let (text, html) = match locale {
            Locale::ZhCn => (AlertText::ZhCn { m: self }, AlertHtml::ZhCn { m: self }),
            Locale::En => (AlertText::En { m: self }, AlertHtml::En { m: self }),
        };
        mail(text.render(), Some(html.render()))
    }
}

/// A supervisor's weekly summary.
pub struct DigestMail<'a> {
    pub name: &'a str,
    pub students: usize,
    pub on_track: usize,
    pub behind: usize,
    pub at_risk: usize,
    pub unreachable: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub delivered: i64,
    pub planned: i64,
    pub needing: Vec<StudentFigures<'a>>,
    pub link: &'a str,
}

text_mail!(
    DigestMail,
    DigestText,
    "mail/zh-CN/digest.txt",
    "mail/en/digest.txt"
);

/// An unrecorded visit as a reminder lists it.
pub struct UnrecordedLine<'a> {
    pub visit_id: i64,
    pub day: NaiveDate,
    pub slot: &'a str,
    pub student: &'a str,
    pub teacher: &'a str,
}

/// A teacher's reminder of their own unrecorded visits.
pub struct UnrecordedMail<'a> {
    pub name: &'a str,
    pub visits: Vec<UnrecordedLine<'a>>,
    pub link: &'a str,
}

text_mail!(
    UnrecordedMail,
    UnrecordedText,
    "mail/zh-CN/unrecorded.txt",
    "mail/en/unrecorded.txt"
);

/// Coordinators told of visits still unrecorded long after their slot.
pub struct EscalatedMail<'a> {
    pub days: u32,
    pub visits: Vec<UnrecordedLine<'a>>,
    pub link: &'a str,
}

text_mail!(
    EscalatedMail,
    EscalatedText,
    "mail/zh-CN/unrecorded_escalated.txt",
    "mail/en/unrecorded_escalated.txt"
);

/// The operators told that a message was given up.
pub struct UndeliverableMail<'a> {
    pub id: i64,
    pub attempts: i64,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub error: &'a str,
    pub link: &'a str,
}

text_mail!(
    UndeliverableMail,
    UndeliverableText,
    "mail/zh-CN/undeliverable.txt",
    "mail/en/undeliverable.txt"
);

/// A one-time link to set a password: an invitation, or a reset.
pub struct AccountLinkMail<'a> {
    pub name: &'a str,
    pub invite: bool,
    /// Asked for by the person (忘记密码): their password still works.
    pub asked: bool,
    pub link: &'a str,
    /// When the link stops working, in the district's time.
    pub until: &'a str,
}

text_mail!(
    AccountLinkMail,
    AccountLinkText,
    "mail/zh-CN/account_link.txt",
    "mail/en/account_link.txt"
);

/// To an account's owner: logins with a wrong password, one after another, from
/// one address; that address may not try again until `until`.
pub struct LoginFailuresMail<'a> {
    pub name: &'a str,
    pub failures: usize,
    /// When the first of them was, in the district's time.
    pub since: &'a str,
    pub address: &'a str,
    pub until: &'a str,
    pub minutes: u32,
}

text_mail!(
    LoginFailuresMail,
    LoginFailuresText,
    "mail/zh-CN/login_failures.txt",
    "mail/en/login_failures.txt"
);

/// To the operators each week: the access log's end, kept outside the database.
pub struct AccessAnchorMail<'a> {
    /// In the district's time.
    pub at: &'a str,
    pub rows: i64,
    pub last_id: i64,
    pub hash: &'a str,
    /// The line to add to the anchors file.
    pub line: &'a str,
}

text_mail!(
    AccessAnchorMail,
    AccessAnchorText,
    "mail/zh-CN/access_anchor.txt",
    "mail/en/access_anchor.txt"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn child(name: &str) -> StudentFigures<'_> {
        StudentFigures {
            student_id: "S001",
            name,
            school: "城关小学",
            status: Status::AtRisk,
            delivered: 30,
            pending: 3,
            expected: 60,
            target: 216,
            since: NaiveDate::from_ymd_opt(2026, 11, 2),
        }
    }

    fn every_mail(locale: Locale, link: &str) -> Vec<Mail> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let line = || UnrecordedLine {
            visit_id: 118,
            day,
            slot: "AM",
            student: "李小明",
            teacher: "T01",
        };
        vec![
            AlertMail {
                name: "赵督导",
                count: 1,
                groups: vec![AlertGroup {
                    change: AlertChange::Worse,
                    children: vec![child("<b>李小明</b>")],
                }],
                to_operators: false,
                link,
            }
            .render(locale),
            DigestMail {
                name: "赵督导",
                students: 3,
                on_track: 2,
                behind: 0,
                at_risk: 1,
                unreachable: 0,
                from: day,
                to: day,
                delivered: 12,
                planned: 18,
                needing: vec![child("李小明")],
                link,
            }
            .render(locale),
            UnrecordedMail {
                name: "王芳",
                visits: vec![line()],
                link,
            }
            .render(locale),
            EscalatedMail {
                days: 5,
                visits: vec![line()],
                link,
            }
            .render(locale),
            UndeliverableMail {
                id: 42,
                attempts: 12,
                kind: "schedule",
                recipient: "wrong@example",
                subject: "2026-W49 送教安排（王芳）",
                error: "550 no such user",
                link,
            }
            .render(locale),
            LeaveRequestMail {
                teacher: "王芳",
                school: "城关小学",
                from: day,
                to: day,
                half_days: "周三下午",
                reason: "培训",
                link,
            }
            .render(locale),
            LeaveDecidedMail {
                name: "王芳",
                from: day,
                to: day,
                half_days: "",
                approved: true,
                link,
            }
            .render(locale),
        ]
    }

    #[test]
    fn every_mail_points_to_the_platform_and_names_no_command() {
        let link = "https://songjiao.example.org";
        for locale in [Locale::ZhCn, Locale::En] {
            for mail in every_mail(locale, link) {
                assert!(!mail.subject.is_empty() && !mail.subject.contains('\n'));
                assert!(mail.text.contains(link), "{}", mail.text);
                assert!(!mail.text.contains("songjiao "), "{}", mail.text);
                assert!(!mail.text.contains("{{"), "{}", mail.text);
            }
        }
    }

    #[test]
    fn alerts_read_in_the_locale_and_escape_html() {
        let zh = &every_mail(Locale::ZhCn, "x")[0];
        assert_eq!(zh.subject, "送教进度预警：1 名学生");
        assert!(zh.text.contains("情况加重：\n- <b>李小明</b>（城关小学）：严重落后（需补课）；已完成 30 课时（另有 3 课时待记录），应完成 60 课时，年度目标 216 课时"), "{}", zh.text);
        let html = zh.html.as_deref().unwrap();
        assert!(
            html.contains("&#60;b&#62;李小明") || html.contains("&lt;b&gt;李小明"),
            "{html}"
        );
        let en = &every_mail(Locale::En, "x")[1];
        assert_eq!(
            en.subject,
            "Weekly home-teaching summary: 3 students, 1 needing attention"
        );
        assert!(en.text.contains("- 李小明 (城关小学): at risk (needs make-up visits) since 2026-11-02; 30 of 216 periods"), "{}", en.text);
    }
}

/// Coordinators told of a teacher's leave request, to approve or decline.
pub struct LeaveRequestMail<'a> {
    pub teacher: &'a str,
    pub school: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Only these half-days (周三下午), as people read them; empty: whole days.
    pub half_days: &'a str,
    pub reason: &'a str,
    pub link: &'a str,
}

text_mail!(
    LeaveRequestMail,
    LeaveRequestText,
    "mail/zh-CN/leave_request.txt",
    "mail/en/leave_request.txt"
);

/// A teacher told what became of their leave request.
pub struct LeaveDecidedMail<'a> {
    pub name: &'a str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// As in [`LeaveRequestMail`].
    pub half_days: &'a str,
    pub approved: bool,
    pub link: &'a str,
}

text_mail!(
    LeaveDecidedMail,
    LeaveDecidedText,
    "mail/zh-CN/leave_decided.txt",
    "mail/en/leave_decided.txt"
);
