//! Students, teachers and the words a coordinator's spreadsheet uses for them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::reason::Reason;

/// Declares a closed list of codes, each with the words accepted for it.
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal [$($alias:literal),*]),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// The word a Chinese reader sees: the first Chinese word accepted for it
            /// (so what is shown imports back), else the code.
            pub fn zh(self) -> &'static str {
                match self {
                    $($name::$variant => {
                        let words: &[&'static str] = &[$($alias),*];
                        words.iter().copied().find(|w| !w.is_ascii()).unwrap_or($code)
                    }),+
                }
            }
            /// The word in the reader's language.
            pub fn word(self, chinese: bool) -> &'static str {
                if chinese { self.zh() } else { self.code() }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl FromStr for $name {
            type Err = $crate::reason::Reason;
            fn from_str(text: &str) -> Result<Self, $crate::reason::Reason> {
                let text = text.trim();
                $(
                    if text.eq_ignore_ascii_case($code) $(|| text.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::reason::Reason::NotACode {
                    text: text.to_string(),
                    kind: $crate::reason::CodeKind::$name,
                })
            }
        }
    };
}

pub(crate) use coded;

coded!(Gender, "gender" {
    Female = "female" ["f", "女"],
    Male = "male" ["m", "男"],
});

coded!(
    /// The categories of China's disability classification (GB/T 26341), plus autism,
    /// which districts usually count apart for teaching purposes.
    Disability, "disability category" {
    Visual = "visual" ["视力残疾", "视力"],
    Hearing = "hearing" ["听力残疾", "听力"],
    Speech = "speech" ["言语残疾", "言语"],
    Physical = "physical" ["肢体残疾", "肢体"],
    Intellectual = "intellectual" ["智力残疾", "智力"],
    Mental = "mental" ["精神残疾", "精神"],
    Autism = "autism" ["孤独症", "自闭症"],
    Multiple = "multiple" ["多重残疾", "多重"],
    Other = "other" ["其他"],
});

coded!(StudentStatus, "student status" {
    Active = "active" ["在读", "在册", "在校"],
    Paused = "paused" ["暂停"],
    Left = "left" ["离开", "退出"],
});

coded!(StaffRole, "role" {
    Teacher = "teacher" ["教师", "送教教师"],
    Coordinator = "coordinator" ["特教专干", "专干"],
    Supervisor = "supervisor" ["督导"],
});

/// A Chinese mobile or landline number as families write it (spaces, dashes,
/// brackets, +86), stored one way: a mobile as its 11 digits, a landline as
/// `区号-号码`.
pub fn check_phone(text: &str) -> Result<String, Reason> {
    let text = text.trim();
    let refused = || {
        Err(Reason::NotAPhone {
            text: text.to_string(),
        })
    };
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '（' | '）'));
    if !allowed {
        return refused();
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let digits = match digits.strip_prefix("86") {
        Some(rest) if text.starts_with('+') || rest.len() == 11 => rest.to_string(),
        _ if text.starts_with('+') => return refused(),
        _ => digits,
    };
    let mobile = digits.len() == 11
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    if mobile {
        return Ok(digits);
    }
    // A landline: an area code (010, 02x: three digits; else four) and 7 or 8
    // digits, or the 7 or 8 digits alone.
    if digits.starts_with('0') {
        let area = if digits.starts_with("01") || digits.starts_with("02") {
            3
        } else {
            4
        };
        let local = digits.len().saturating_sub(area);
        if (7..=8).contains(&local) {
            return Ok(format!("{}-{}", &digits[..area], &digits[area..]));
        }
    } else if (7..=8).contains(&digits.len()) && !digits.starts_with('1') {
        return Ok(digits);
    }
    refused()
}

/// An email address good enough to send to: one @, a local part and a dotted domain.
pub fn check_email(text: &str) -> Result<String, Reason> {
    let text = text.trim();
    let valid = match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(text.to_string())
    } else {
        Err(Reason::NotAnEmail {
            text: text.to_string(),
        })
    }
}

/// An identifier from the district's spreadsheets, e.g. `S0001` or `T01`.
pub fn check_id(text: &str) -> Result<String, Reason> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Reason::Empty);
    }
    if text.len() > 64 || text.contains(char::is_whitespace) {
        return Err(Reason::NotAnId {
            text: text.to_string(),
        });
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_words_read_as_codes() {
        assert_eq!("女".parse::<Gender>(), Ok(Gender::Female));
        assert_eq!(
            "智力残疾".parse::<Disability>(),
            Ok(Disability::Intellectual)
        );
        assert_eq!("孤独症".parse::<Disability>(), Ok(Disability::Autism));
        let error = "blue".parse::<Disability>().unwrap_err();
        assert!(error.to_string().contains("visual, hearing"), "{error}");
    }

    #[test]
    fn phones_and_emails_are_checked() {
        assert_eq!(check_phone("138-0013-8000").unwrap(), "13800138000");
        assert_eq!(check_phone("138 0931 5566").unwrap(), "13809315566");
        assert_eq!(check_phone("+86 138 0931 5566").unwrap(), "13809315566");
        assert_eq!(check_phone("0931-8123456").unwrap(), "0931-8123456");
        assert_eq!(check_phone("(010) 6512 3456").unwrap(), "010-65123456");
        assert_eq!(check_phone("8123456").unwrap(), "8123456");
        for wrong in [
            "call me",
            "12345",
            "2380013800",
            "138001380001",
            "+1 415 555 0100",
        ] {
            assert!(check_phone(wrong).is_err(), "{wrong}");
        }
        assert!(check_email("li.wei@school.cn").is_ok());
        assert!(check_email("li.wei@school").is_err());
        assert!(check_email("li wei@school.cn").is_err());
    }
}
