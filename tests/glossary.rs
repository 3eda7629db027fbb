//! One Chinese word for each concept (docs/glossary.md): no retired word in what
//! people read under zh-CN, the templates and catalogues, nor in the words the
//! codes are shown as. The sheets' readers (src/import) may still accept them.

use std::path::{Path, PathBuf};

use songjiao::domain::access::Role;
use songjiao::domain::leave::LeaveStatus;
use songjiao::domain::student::{Disability, Gender, StaffRole, StudentStatus};
use songjiao::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// (retired, the word kept) from the glossary's table.
fn retired() -> Vec<(String, String)> {
    let glossary = std::fs::read_to_string(root().join("docs/glossary.md")).unwrap();
    let mut retired = Vec::new();
    for line in glossary.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (kept, old) = (cells[2], cells[3]);
        if kept == "the word" || kept.starts_with("---") {
            continue;
        }
        for word in old.split(", ").filter(|w| !w.is_empty()) {
            retired.push((word.to_string(), kept.to_string()));
        }
    }
    assert!(
        retired.len() >= 10,
        "the glossary's table was read: {retired:?}"
    );
    retired
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where `retired` stands in `text` on its own: not as the start of the word
/// kept (家长不在 in 家长不在家).
fn stands_alone(text: &str, retired: &str, kept: &str) -> bool {
    text.match_indices(retired).any(|(at, _)| {
        !kept
            .split(" ")
            .any(|k| text[at..].starts_with(k) && k != retired)
    })
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // English templates have no Chinese to check; the readers accept old words.
            let name = path.file_name().unwrap().to_str().unwrap();
            if name != "en" && name != "import" {
                files(&path, out);
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "html" | "txt" | "md" | "js")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn no_retired_word_in_what_people_read() {
    let retired = retired();
    let mut checked = Vec::new();
    files(&root().join("templates"), &mut checked);
    files(&root().join("src"), &mut checked);
    // The core's catalogue of reasons (its codes' readers accept the old words).
    checked.push(root().join("core/src/reason.rs"));
    let mut found = Vec::new();
    for path in &checked {
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (word, kept) in &retired {
                if stands_alone(line, word, kept) {
                    found.push(format!(
                        "{}:{}: `{word}` (say {kept}): {}",
                        path.strip_prefix(root()).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        checked.len() > 100,
        "the sources were read: {}",
        checked.len()
    );
    assert!(found.is_empty(), "retired words:\n{}", found.join("\n"));
}

#[test]
fn the_codes_are_shown_in_the_glossarys_words() {
    let shown: Vec<&str> = Role::ALL
        .iter()
        .map(|c| c.zh())
        .chain(StaffRole::ALL.iter().map(|c| c.zh()))
        .chain(MissReason::ALL.iter().map(|c| c.zh()))
        .chain(Outcome::ALL.iter().map(|c| c.zh()))
        .chain(VisitStatus::ALL.iter().map(|c| c.zh()))
        .chain(Mode::ALL.iter().map(|c| c.zh()))
        .chain(LeaveStatus::ALL.iter().map(|c| c.zh()))
        .chain(StudentStatus::ALL.iter().map(|c| c.zh()))
        .chain(Gender::ALL.iter().map(|c| c.zh()))
        .chain(Disability::ALL.iter().map(|c| c.zh()))
        .collect();
    for (word, kept) in retired() {
        for text in &shown {
            assert!(
                !stands_alone(text, &word, &kept),
                "`{text}` is a retired word: say {kept}"
            );
        }
    }
    assert!(shown.contains(&"家长不在家") && shown.contains(&"特教专干"));
}

#[test]
fn a_retired_word_that_begins_the_kept_one_is_retired_only_alone() {
    assert!(!stands_alone(
        "未完成：家长不在家",
        "家长不在",
        "家长不在家"
    ));
    assert!(stands_alone("未完成：家长不在", "家长不在", "家长不在家"));
    assert!(stands_alone("家长不在、学生生病", "家长不在", "家长不在家"));
}
