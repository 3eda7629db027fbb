//! The district's schools as things of their own: listed with who belongs to
//! each, renamed, and two merged into one (the same school registered under
//! two names, 城关一小 and 城关镇第一小学).

use super::{StoreResult, Tx, audit};
use crate::args;

/// A school and how many teachers and children are registered in it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct SchoolCount {
    pub school: String,
    pub teachers: i64,
    pub students: i64,
}

pub async fn list(tx: &mut Tx) -> StoreResult<Vec<SchoolCount>> {
    tx.fetch_all(
        "SELECT s.name AS school,
                (SELECT COUNT(*) FROM staff t WHERE t.school_id = s.id AND t.role = 'teacher') AS teachers,
                (SELECT COUNT(*) FROM students c WHERE c.school_id = s.id) AS students
         FROM schools s ORDER BY s.name",
        args![],
    )
    .await
}

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

async fn id_of(tx: &mut Tx, name: &str) -> StoreResult<Option<i64>> {
    let row: Option<Id> = tx
        .fetch_optional(
            "SELECT id FROM schools WHERE name = $1",
            args![name.to_string()],
        )
        .await?;
    Ok(row.map(|r| r.id))
}

/// What renaming or merging found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renamed {
    Done,
    /// No school has the old name.
    Unknown,
    /// The new name is taken: merge instead.
    Taken,
}

/// Gives a school another name; everyone in it stays.
pub async fn rename(tx: &mut Tx, old: &str, new: &str) -> StoreResult<Renamed> {
    let Some(id) = id_of(tx, old).await? else {
        return Ok(Renamed::Unknown);
    };
    if id_of(tx, new).await?.is_some() {
        return Ok(Renamed::Taken);
    }
    tx.execute(
        "UPDATE schools SET name = $1 WHERE id = $2",
        args![new.to_string(), id],
    )
    .await?;
    audit::record(
        tx,
        "rename",
        "school",
        new,
        serde_json::json!({ "old": old, "new": new }),
    )
    .await?;
    Ok(Renamed::Done)
}

/// Moves everyone of `from` (teachers, supervisors, children, accounts' scopes)
/// into `into`, and removes `from`.
pub async fn merge(tx: &mut Tx, from: &str, into: &str) -> StoreResult<Renamed> {
    let (Some(from_id), Some(into_id)) = (id_of(tx, from).await?, id_of(tx, into).await?) else {
        return Ok(Renamed::Unknown);
    };
    if from_id == into_id {
        return Ok(Renamed::Done);
    }
    for statement in [
        "UPDATE staff SET school_id = $2 WHERE school_id = $1",
        "UPDATE students SET school_id = $2 WHERE school_id = $1",
        // An account that sees both keeps one row.
        "DELETE FROM account_schools WHERE school_id = $1
           AND account_id IN (SELECT account_id FROM account_schools WHERE school_id = $2)",
        "UPDATE account_schools SET school_id = $2 WHERE school_id = $1",
    ] {
        tx.execute(statement, args![from_id, into_id]).await?;
    }
    tx.execute("DELETE FROM schools WHERE id = $1", args![from_id])
        .await?;
    audit::record(
        tx,
        "merge",
        "school",
        into,
        serde_json::json!({ "from": from, "into": into }),
    )
    .await?;
    Ok(Renamed::Done)
}

/// A known school a name not registered may mean: its characters, in order,
/// within the other's (城关一小 within 城关镇第一小学), or the other way round.
pub fn likely_meant<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a String>,
) -> Option<&'a String> {
    fn within(short: &str, long: &str) -> bool {
        let mut rest = long.chars();
        short.chars().count() >= 3 && short.chars().all(|c| rest.any(|l| l == c))
    }
    known
        .into_iter()
        .find(|k| k.as_str() != name && (within(name, k) || within(k, name)))
}

#[cfg(test)]
mod tests {
    use super::likely_meant;

    #[test]
    fn a_short_name_is_taken_for_the_long_one_it_abbreviates() {
        let known = ["城关镇第一小学".to_string(), "东山小学".to_string()];
        assert_eq!(
            likely_meant("城关一小", &known).map(String::as_str),
            Some("城关镇第一小学")
        );
        assert_eq!(likely_meant("西山小学", &known), None);
        assert_eq!(
            likely_meant("东山小学", &known),
            None,
            "a known name is itself"
        );
    }
}
