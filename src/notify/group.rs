//! What a group robot posts. A group chat is read by many people and kept by a
//! vendor, so a message carries less than an email: a child's family name and
//! given-name initial, the school, the status and the figures, and a link to
//! the child's page (login required); never a diagnosis, an address or a phone.
//! A long list becomes several messages, each within the platform's size limit.

use askama::Template;
use chrono::NaiveDate;
use pinyin::ToPinyin;

use super::mail::{AlertChange, DigestMail, StudentFigures};
use super::robot::{group_recipient, size_limit};
use crate::config::{Locale, Settings};
use crate::domain::pace::Status;
use crate::store::alerts::Supervisor;
use crate::store::outbox::{Channel, NewMessage};

/// "王小明" → "王X.", "欧阳娜娜" → "欧阳N.", "Anna Li" → "Li A.": enough for the
/// child's own staff to know who is meant, too little for anyone else.
pub fn short_name(name: &str) -> String {
    let name = plain(name.trim());
    if name.contains(' ') {
        let mut words = name.split_whitespace();
        let first = words.next().unwrap_or_default();
        let family = words.next_back().unwrap_or(first);
        return match first.chars().next() {
            Some(initial) if family != first => format!("{family} {}.", initial.to_uppercase()),
            _ => family.to_string(),
        };
    }
    let chars: Vec<char> = name.chars().collect();
    let family_len = if chars.len() > 2
        && COMPOUND_SURNAMES.contains(&&name[..chars[..2].iter().map(|c| c.len_utf8()).sum()])
    {
        2
    } else {
        1
    };
    let family: String = chars.iter().take(family_len).collect();
    match chars.get(family_len) {
        Some(&c) => format!("{family}{}.", initial(c)),
        None => family,
    }
}

/// The common two-character family names; any other name's family name is its
/// first character.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "澹台", "公冶", "太史", "申屠",
];

/// A character's initial: its pinyin's first letter for a Chinese character.
fn initial(c: char) -> String {
    match c.to_pinyin() {
        Some(pinyin) => pinyin.first_letter().to_uppercase(),
        None => c.to_uppercase().to_string(),
    }
}

/// Without the characters markdown would read as formatting.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '[' | ']' | '(' | ')' | '*' | '_' | '#' | '<' | '>' | '`' | '\\'
            )
        })
        .collect()
}

/// A child as a group message shows them.
#[derive(Debug, Clone)]
pub struct GroupStudent {
    pub name: String,
    pub school: String,
    pub status: Status,
    pub delivered: u32,
    pub pending: u32,
    pub expected: u32,
    pub target: u32,
    pub since: Option<NaiveDate>,
    pub link: String,
}

impl GroupStudent {
    pub fn new(child: &StudentFigures, public_url: &str) -> Self {
        GroupStudent {
            name: short_name(child.name),
            school: plain(child.school),
            status: child.status,
            delivered: child.delivered,
            pending: child.pending,
            expected: child.expected,
            target: child.target,
            since: child.since,
            link: format!(
                "{}/students/{}",
                public_url.trim_end_matches('/'),
                child.student_id
            ),
        }
    }
}

/// One message's worth of a split list: (part, parts) when there are several.
type Part = Option<(usize, usize)>;

pub struct Section {
    pub change: AlertChange,
    pub children: Vec<GroupStudent>,
}

pub struct GroupAlert<'a> {
    pub count: usize,
    pub part: Part,
    pub sections: Vec<Section>,
    pub link: &'a str,
}

#[derive(Template)]
enum AlertText<'a> {
    #[template(path = "robot/zh-CN/alert.md")]
    ZhCn { m: &'a GroupAlert<'a> },
    #[template(path = "robot/en/alert.md")]
    En { m: &'a GroupAlert<'a> },
}

pub struct GroupDigest<'a> {
    pub school: Option<&'a str>,
    pub part: Part,
    pub students: usize,
    pub on_track: usize,
    pub behind: usize,
    pub at_risk: usize,
    pub unreachable: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub delivered: i64,
    pub planned: i64,
    pub needing: Vec<GroupStudent>,
    pub link: &'a str,
}

impl<'a> GroupDigest<'a> {
    /// What a group hears of the digest its supervisors would be emailed.
    pub fn of(mail: &DigestMail<'a>, school: Option<&'a str>) -> Self {
        GroupDigest {
            school,
            part: None,
            students: mail.students,
            on_track: mail.on_track,
            behind: mail.behind,
            at_risk: mail.at_risk,
            unreachable: mail.unreachable,
            from: mail.from,
            to: mail.to,
            delivered: mail.delivered,
            planned: mail.planned,
            needing: mail
                .needing
                .iter()
                .map(|c| GroupStudent::new(c, mail.link))
                .collect(),
            link: mail.link,
        }
    }
}

#[derive(Template)]
enum DigestText<'a> {
    #[template(path = "robot/zh-CN/digest.md")]
    ZhCn { m: &'a GroupDigest<'a> },
    #[template(path = "robot/en/digest.md")]
    En { m: &'a GroupDigest<'a> },
}

/// An unrecorded visit as a group sees it.
#[derive(Debug, Clone)]
pub struct GroupVisit {
    pub day: NaiveDate,
    pub slot: String,
    pub student: String,
    pub school: String,
    pub teacher: String,
}

pub struct GroupEscalated<'a> {
    pub count: usize,
    pub days: u32,
    pub part: Part,
    pub visits: Vec<GroupVisit>,
    pub link: &'a str,
}

#[derive(Template)]
enum EscalatedText<'a> {
    #[template(path = "robot/zh-CN/escalated.md")]
    ZhCn { m: &'a GroupEscalated<'a> },
    #[template(path = "robot/en/escalated.md")]
    En { m: &'a GroupEscalated<'a> },
}

/// A rendered group message: the title (DingTalk shows it in the chat list) and
/// the markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMessage {
    pub title: String,
    pub text: String,
}

fn message(rendered: askama::Result<String>) -> GroupMessage {
    // Templates render plain data with no fallible filters: an error is a bug.
    let text = rendered.expect("a group template renders");
    let title = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
        .to_string();
    GroupMessage {
        title,
        text: text.trim().to_string(),
    }
}

/// Splits `items` into as few messages as fit `limit` bytes each, in order;
/// `render` draws the messages of one part.
fn split<T: Clone>(
    items: &[T],
    limit: usize,
    render: impl Fn(Vec<T>, Part) -> GroupMessage,
) -> Vec<GroupMessage> {
    // Measured with the widest part numbers a split is likely to have, so that
    // numbering the parts afterwards never pushes one over.
    let fits = |part: &[T]| render(part.to_vec(), Some((99, 99))).text.len() <= limit;
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    for item in items {
        current.push(item.clone());
        if current.len() > 1 && !fits(&current) {
            current.pop();
            parts.push(std::mem::take(&mut current));
            current.push(item.clone());
        }
    }
    if !current.is_empty() || parts.is_empty() {
        parts.push(current);
    }
    let total = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| render(part, (total > 1).then_some((i + 1, total))))
        .collect()
}

impl GroupAlert<'_> {
    /// The alert as messages of at most `limit` bytes, children grouped by change.
    pub fn render(
        count: usize,
        children: &[(AlertChange, GroupStudent)],
        link: &str,
        locale: Locale,
        limit: usize,
    ) -> Vec<GroupMessage> {
        split(children, limit, |part, number| {
            let mut sections: Vec<Section> = Vec::new();
            for (change, child) in part {
                match sections.last_mut() {
                    Some(section) if section.change == change => section.children.push(child),
                    _ => sections.push(Section {
                        change,
                        children: vec![child],
                    }),
                }
            }
            let m = GroupAlert {
                count,
                part: number,
                sections,
                link,
            };
            message(match locale {
                Locale::ZhCn => AlertText::ZhCn { m: &m }.render(),
                Locale::En => AlertText::En { m: &m }.render(),
            })
        })
    }
}

impl GroupDigest<'_> {
    /// The digest as messages of at most `limit` bytes; each repeats the counts.
    pub fn render_split(&self, locale: Locale, limit: usize) -> Vec<GroupMessage> {
        split(&self.needing, limit, |needing, part| {
            let m = GroupDigest {
                part,
                needing,
                ..*self
            };
            message(match locale {
                Locale::ZhCn => DigestText::ZhCn { m: &m }.render(),
                Locale::En => DigestText::En { m: &m }.render(),
            })
        })
    }
}

impl GroupEscalated<'_> {
    pub fn render_split(&self, locale: Locale, limit: usize) -> Vec<GroupMessage> {
        split(&self.visits, limit, |visits, part| {
            let m = GroupEscalated {
                part,
                visits,
                ..*self
            };
            message(match locale {
                Locale::ZhCn => EscalatedText::ZhCn { m: &m }.render(),
                Locale::En => EscalatedText::En { m: &m }.render(),
            })
        })
    }
}

/// Someone with group robots: a supervisor (`supervisor:<email>`) or a
/// configured group (`group:<school>`, `group:*`), and the schools they follow
/// (None: the whole district).
#[derive(Debug, Clone)]
pub struct RobotOwner {
    pub recipient: String,
    pub schools: Option<Vec<String>>,
    pub channels: Vec<Channel>,
    /// A configured group rather than a supervisor's own robot.
    pub group: bool,
}

/// Every robot owner: the supervisors who set a robot, then the config's groups.
pub fn robot_owners(supervisors: &[Supervisor], settings: &Settings) -> Vec<RobotOwner> {
    let supervisors = supervisors.iter().filter_map(|s| {
        let channels = channels(
            s.robots.dingtalk_webhook.is_some(),
            s.robots.wecom_webhook.is_some(),
        );
        (!channels.is_empty()).then(|| RobotOwner {
            recipient: s.id.clone(),
            schools: s.schools.clone(),
            channels,
            group: false,
        })
    });
    let groups = settings.notify.group.iter().map(|g| RobotOwner {
        recipient: group_recipient(g.school.as_deref()),
        schools: g.school.clone().map(|school| vec![school]),
        channels: channels(g.dingtalk_webhook.is_some(), g.wecom_webhook.is_some()),
        group: true,
    });
    supervisors.chain(groups).collect()
}

fn channels(dingtalk: bool, wecom: bool) -> Vec<Channel> {
    [(dingtalk, Channel::DingTalk), (wecom, Channel::WeCom)]
        .into_iter()
        .filter_map(|(set, channel)| set.then_some(channel))
        .collect()
}

impl RobotOwner {
    /// The owner's messages for the outbox: one per robot and part, rendered
    /// within each platform's size limit. `key` names what caused them.
    pub fn messages(
        &self,
        kind: &'static str,
        key: &str,
        render: impl Fn(usize) -> Vec<GroupMessage>,
    ) -> Vec<NewMessage> {
        let mut messages = Vec::new();
        for &channel in &self.channels {
            for (part, m) in render(size_limit(channel)).into_iter().enumerate() {
                messages.push(NewMessage {
                    idempotency_key: format!(
                        "{key}:{}:{}:{}",
                        self.recipient,
                        channel.as_str(),
                        part + 1
                    ),
                    kind,
                    channel,
                    recipient: self.recipient.clone(),
                    subject: m.title,
                    body_text: m.text,
                    body_html: None,
                    attachments: Vec::new(),
                });
            }
        }
        messages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_shows_its_family_name_and_initial() {
        assert_eq!(short_name("王小明"), "王X.");
        assert_eq!(short_name("李娜"), "李N.");
        assert_eq!(short_name("欧阳娜娜"), "欧阳N.");
        assert_eq!(short_name("欧阳"), "欧Y.");
        assert_eq!(short_name("Anna Li"), "Li A.");
        assert_eq!(short_name("王"), "王");
        assert_eq!(short_name("[王](x)小明"), "王X.");
    }
}
