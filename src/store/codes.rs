//! Stored words read as the store's own types (the domain's are read in
//! `domain/stored.rs`), and the codes SQL compares with.

use crate::domain::visit::Outcome;
use crate::store::plans::StoredGoals;

songjiao_core::stored_as_text! {
    StoredGoals, "a JSON list of goal texts" => |t| serde_json::from_str(t).ok().map(StoredGoals),
}

/// The outcomes that deliver periods, as an SQL list: `('completed', 'partial')`.
pub fn delivering_sql() -> String {
    let codes: Vec<String> = Outcome::ALL
        .iter()
        .filter(|o| o.delivers())
        .map(|o| format!("'{}'", o.code()))
        .collect();
    format!("({})", codes.join(", "))
}
