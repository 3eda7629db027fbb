//! Reading the spreadsheets districts keep: sheets (CSV or workbook) and the
//! rules each column follows. Writing them is `service::imports`.

pub mod records;
pub mod sheet;
mod workbook;

use crate::reason::Reason;
use records::{CellError, Column};

/// The column each header names (None: not read), and the headers not read.
pub type HeaderColumns = (Vec<Option<&'static str>>, Vec<String>);

/// Headers offices add that no kind reads, and that must not be taken for a
/// near miss of one that is (序号 is one stroke from 学号).
const NEVER_READ: &[&str] = &[
    "序号",
    "备注",
    "说明",
    "班级",
    "年级",
    "民族",
    "籍贯",
    "身份证号",
    "身份证号码",
    "其他",
    "联系人",
    "户籍",
    "乡镇",
    "村",
    "街道",
];

/// A header as compared: no spaces (姓 名), no required-marks or colons
/// (姓名*, 姓名：), ASCII letters in one case and half width.
fn normalized(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Levenshtein distance over characters (headers are a few characters long).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The header a person most likely meant by `word`, if one is a slip away
/// (one character wrong, missing or extra; two in a long header).
fn near_miss(word: &str, columns: &'static [Column]) -> Option<(&'static str, &'static str)> {
    let length = word.chars().count();
    // The program's own lists' headers (记录人, 导出时间…) are known, not slips.
    let written_here = crate::speech::HEADERS
        .iter()
        .any(|(key, zh)| normalized(key) == word || normalized(zh) == word);
    if length < 2 || written_here || NEVER_READ.iter().any(|w| normalized(w) == word) {
        return None;
    }
    // A short header is a slip only by a character mistyped (邮相 for 邮箱):
    // one added or missing makes another word (记录人 is not 记录).
    let slip = |d: usize, header: &str| {
        let other = header.chars().count();
        if length >= 5 && other >= 5 {
            d <= 2
        } else {
            d == 1 && other == length
        }
    };
    columns
        .iter()
        .flat_map(|c| {
            std::iter::once(c.name)
                .chain(c.aliases.iter().copied())
                .map(move |h| (c.name, h))
        })
        .map(|(name, header)| (distance(word, &normalized(header)), name, header))
        .filter(|(d, _, header)| slip(*d, &normalized(header)))
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, name, header)| (name, header))
}

/// Which column each header names: a column's name or one of its aliases, any
/// case and spacing; `confirmed` holds the headers the person said mean a
/// column (`可上门时间` → `可用时段`). A header a slip away from a known one is
/// refused with its likely meaning: its cells would otherwise be dropped.
pub fn map_headers(
    headers: &[String],
    columns: &'static [Column],
    header_line: usize,
    confirmed: &[(String, String)],
) -> Result<HeaderColumns, Vec<CellError>> {
    let mut mapped = Vec::new();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    let header_error = |column: &str, reason: Reason| CellError {
        line: header_line,
        column: column.to_string(),
        reason,
    };
    let named = |word: &str| {
        columns
            .iter()
            .find(|c| normalized(c.name) == word || c.aliases.iter().any(|a| normalized(a) == word))
    };
    for header in headers {
        let word = normalized(header);
        let meant = confirmed
            .iter()
            .find(|(said, _)| normalized(said) == word)
            .map(|(_, column)| normalized(column));
        let column = named(meant.as_deref().unwrap_or(&word));
        match column {
            Some(c) if mapped.contains(&Some(c.name)) => errors.push(header_error(
                c.name,
                Reason::HeaderTwice {
                    header: header.trim().to_string(),
                    column: c.name.to_string(),
                },
            )),
            Some(c) => mapped.push(Some(c.name)),
            None => {
                mapped.push(None);
                if let Some((name, likely)) = near_miss(&word, columns) {
                    errors.push(header_error(
                        name,
                        Reason::HeaderCloseTo {
                            header: header.trim().to_string(),
                            likely: likely.to_string(),
                        },
                    ));
                } else if !word.is_empty() {
                    ignored.push(header.trim().to_string());
                }
            }
        }
    }
    let missing: Vec<&Column> = columns
        .iter()
        .filter(|c| c.required && !mapped.contains(&Some(c.name)))
        .filter(|c| !errors.iter().any(|e| e.column == c.name))
        .collect();
    for column in missing {
        errors.push(header_error(
            column.name,
            Reason::NoColumn {
                column: column.name.to_string(),
                aliases: column.aliases.iter().map(ToString::to_string).collect(),
            },
        ));
    }
    if errors.is_empty() {
        Ok((mapped, ignored))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use records::{STUDENT_COLUMNS, TEACHER_COLUMNS};

    fn headers(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn spacing_and_marks_are_the_same_header() {
        let (mapped, ignored) = map_headers(
            &headers(&["学生编号", "姓 名", "学校*", "序号", "备注"]),
            STUDENT_COLUMNS,
            1,
            &[],
        )
        .unwrap();
        assert_eq!(
            mapped[..3],
            [Some("student_id"), Some("name"), Some("school")]
        );
        assert_eq!(ignored, ["序号", "备注"]);
    }

    #[test]
    fn a_near_miss_is_refused_with_its_likely_meaning_until_confirmed() {
        let sheet = headers(&["学生编号", "姓名", "学校", "可上门时间"]);
        let refused = map_headers(&sheet, STUDENT_COLUMNS, 3, &[]).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(
            (refused[0].line, refused[0].column.as_str()),
            (3, "available")
        );
        assert!(
            refused[0].reason.to_string().contains("`可上门时段`"),
            "{}",
            refused[0].reason
        );
        let confirmed = [("可上门时间".to_string(), "可上门时段".to_string())];
        let (mapped, _) = map_headers(&sheet, STUDENT_COLUMNS, 3, &confirmed).unwrap();
        assert_eq!(mapped[3], Some("available"));
        let typo = map_headers(
            &headers(&["工号", "姓名", "邮相", "学校"]),
            TEACHER_COLUMNS,
            1,
            &[],
        )
        .unwrap_err();
        assert_eq!(typo[0].column, "email");
    }
}
