//! The disability column as districts write it: a national category (GB/T 26341)
//! with or without 残疾 and often with its grade (肢体残疾二级), or a diagnosis
//! (脑瘫, 唐氏综合征, 孤独症谱系障碍…) that belongs to a category. A diagnosis is
//! kept in the child's own words; a word nobody taught us is kept too, as the
//! diagnosis of the category "other", and reported as a warning rather than
//! refused: a sheet is not lost over one cell.

use super::student::Disability;

/// What a disability cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabilityReading {
    pub category: Disability,
    /// 1 (the most severe) to 4, as the disability certificate (残疾人证) gives it.
    pub grade: Option<u8>,
    /// The words, when they name a diagnosis rather than a category. Personal
    /// data: supervisors' views and emails never show it.
    pub diagnosis: Option<String>,
    /// The words were not ones we know: kept as the diagnosis, category other.
    pub unknown: bool,
}

/// Categories as written, each with its shortened forms.
const CATEGORIES: &[(Disability, &[&str])] = &[
    (
        Disability::Visual,
        &["visual", "视力残疾", "视力", "视残", "视障", "视力障碍"],
    ),
    (
        Disability::Hearing,
        &["hearing", "听力残疾", "听力", "听残", "听障", "听力障碍"],
    ),
    (
        Disability::Speech,
        &["speech", "言语残疾", "言语", "言残", "言语障碍", "语言障碍"],
    ),
    (
        Disability::Physical,
        &["physical", "肢体残疾", "肢体", "肢残", "肢体障碍"],
    ),
    (
        Disability::Intellectual,
        &[
            "intellectual",
            "智力残疾",
            "智力",
            "智残",
            "智力障碍",
            "智障",
        ],
    ),
    (
        Disability::Mental,
        &["mental", "精神残疾", "精神", "精残", "精神障碍"],
    ),
    (Disability::Autism, &["autism", "孤独症", "自闭症"]),
    (Disability::Multiple, &["multiple", "多重残疾", "多重"]),
    (Disability::Other, &["other", "其他", "其它"]),
];

/// Diagnoses as districts write them, and the category each is counted in.
const DIAGNOSES: &[(&str, Disability)] = &[
    ("脑瘫", Disability::Physical),
    ("脑性瘫痪", Disability::Physical),
    ("脊柱裂", Disability::Physical),
    ("进行性肌营养不良", Disability::Physical),
    ("成骨不全", Disability::Physical),
    ("唐氏综合征", Disability::Intellectual),
    ("唐氏综合症", Disability::Intellectual),
    ("21三体综合征", Disability::Intellectual),
    ("发育迟缓", Disability::Intellectual),
    ("全面发育迟缓", Disability::Intellectual),
    ("智力低下", Disability::Intellectual),
    ("精神发育迟滞", Disability::Intellectual),
    ("孤独症谱系障碍", Disability::Autism),
    ("自闭症谱系障碍", Disability::Autism),
    ("阿斯伯格综合征", Disability::Autism),
    ("盲", Disability::Visual),
    ("低视力", Disability::Visual),
    ("聋", Disability::Hearing),
    ("聋哑", Disability::Multiple),
    ("癫痫", Disability::Other),
    ("多动症", Disability::Other),
];

/// The grade at the end of the words: 二级, 2级, (二级), 二级残疾.
fn split_grade(text: &str) -> (&str, Option<u8>) {
    let trimmed = text
        .trim_end_matches([')', '）'])
        .trim_end_matches("残疾")
        .trim_end();
    let Some(before) = trimmed.strip_suffix('级') else {
        return (text, None);
    };
    let mut chars = before.char_indices().rev();
    let Some((at, digit)) = chars.next() else {
        return (text, None);
    };
    let grade = match digit {
        '一' | '1' | '壹' => 1,
        '二' | '2' | '贰' => 2,
        '三' | '3' | '叁' => 3,
        '四' | '4' | '肆' => 4,
        _ => return (text, None),
    };
    let rest = before[..at]
        .trim_end_matches(['(', '（', ' ', '·', '-'])
        .trim_end();
    (rest, Some(grade))
}

/// A 残疾等级 cell: 1 to 4, or as the 残疾证 writes it (一级, 二级残疾, 三级).
pub fn read_grade(text: &str) -> Result<u8, crate::reason::Reason> {
    let text = text.trim();
    let grade = match text.parse::<u8>() {
        Ok(n) => Some(n),
        Err(_) => match split_grade(text) {
            ("", grade) => grade,
            _ => None,
        },
    };
    grade.filter(|g| (1..=4).contains(g)).ok_or_else(|| {
        crate::reason::Reason::NotADisabilityGrade {
            text: text.to_string(),
        }
    })
}

/// Reads a disability cell; None for an empty one.
pub fn read(text: &str) -> Option<DisabilityReading> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let (words, grade) = split_grade(text);
    let words = words.trim();
    let category = CATEGORIES.iter().find_map(|(category, names)| {
        names
            .iter()
            .any(|name| name.eq_ignore_ascii_case(words))
            .then_some(*category)
    });
    if let Some(category) = category {
        return Some(DisabilityReading {
            category,
            grade,
            diagnosis: None,
            unknown: false,
        });
    }
    let diagnosis = DIAGNOSES
        .iter()
        .find(|(name, _)| *name == words)
        .map(|(_, category)| *category);
    Some(DisabilityReading {
        category: diagnosis.unwrap_or(Disability::Other),
        grade,
        diagnosis: Some(text.to_string()),
        unknown: diagnosis.is_none(),
    })
}

/// The words a sheet may use, for a warning or an error: the categories, then
/// the diagnoses we count in one.
pub fn accepted_words(chinese: bool) -> String {
    if chinese {
        let categories: Vec<&str> = CATEGORIES.iter().map(|(_, names)| names[1]).collect();
        let diagnoses: Vec<&str> = DIAGNOSES.iter().map(|(name, _)| *name).collect();
        format!(
            "残疾类别（可带等级，如“肢体残疾二级”）：{}；或诊断：{}",
            categories.join("、"),
            diagnoses.join("、")
        )
    } else {
        let categories: Vec<&str> = CATEGORIES.iter().map(|(_, names)| names[0]).collect();
        format!(
            "a category ({}; in Chinese with or without 残疾 and a grade, like 肢体残疾二级) or a diagnosis such as 脑瘫, 唐氏综合征, 孤独症谱系障碍",
            categories.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str) -> (Disability, Option<u8>, Option<&str>, bool) {
        let r = read(text).unwrap();
        let diagnosis = r.diagnosis.map(|d| &*String::leak(d));
        (r.category, r.grade, diagnosis, r.unknown)
    }

    #[test]
    fn categories_with_or_without_their_suffix_and_grade() {
        use Disability::*;
        assert_eq!(reading("肢体残疾二级"), (Physical, Some(2), None, false));
        assert_eq!(reading("肢体二级"), (Physical, Some(2), None, false));
        assert_eq!(
            reading("智力残疾（一级）"),
            (Intellectual, Some(1), None, false)
        );
        assert_eq!(reading("视力残疾 4级"), (Visual, Some(4), None, false));
        assert_eq!(reading("听力"), (Hearing, None, None, false));
        assert_eq!(reading("智力残疾"), (Intellectual, None, None, false));
        assert_eq!(reading("Autism"), (Autism, None, None, false));
        assert_eq!(reading("多重残疾三级"), (Multiple, Some(3), None, false));
    }

    #[test]
    fn diagnoses_count_in_their_category_and_keep_their_words() {
        use Disability::*;
        assert_eq!(reading("脑瘫"), (Physical, None, Some("脑瘫"), false));
        assert_eq!(
            reading("脑性瘫痪"),
            (Physical, None, Some("脑性瘫痪"), false)
        );
        assert_eq!(
            reading("唐氏综合征"),
            (Intellectual, None, Some("唐氏综合征"), false)
        );
        assert_eq!(
            reading("孤独症谱系障碍"),
            (Autism, None, Some("孤独症谱系障碍"), false)
        );
        assert_eq!(reading("自闭症"), (Autism, None, None, false));
        assert_eq!(
            reading("发育迟缓"),
            (Intellectual, None, Some("发育迟缓"), false)
        );
    }

    #[test]
    fn an_unknown_word_is_kept_as_the_diagnosis_of_other() {
        assert_eq!(
            reading("雷特综合征"),
            (Disability::Other, None, Some("雷特综合征"), true)
        );
        assert_eq!(read("  "), None);
        // A grade alone is no category.
        assert!(read("二级").unwrap().unknown);
        assert_eq!(read_grade("三级"), Ok(3));
        assert_eq!(read_grade("二级残疾"), Ok(2));
        assert_eq!(read_grade("4"), Ok(4));
        assert!(read_grade("五级").is_err() && read_grade("肢体二级").is_err());
    }

    #[test]
    fn the_accepted_words_are_listed_in_the_readers_language() {
        assert!(accepted_words(true).contains("肢体残疾"));
        assert!(accepted_words(true).contains("脑瘫"));
        assert!(accepted_words(false).contains("physical"));
    }
}
