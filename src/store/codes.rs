//! Stored words read as domain types at the store's edge: a column holding
//! `completed` is an [`Outcome`] from the moment it is read, and a word the
//! program does not know is an error naming it, never a guess.

use sqlx::Database;
use sqlx::error::BoxDynError;

use crate::domain::access::Role;
use crate::domain::pace::Status;
use crate::domain::student::{Disability, Gender, StudentStatus};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// Text columns decoded by `$parse`, which knows only the stored codes (not the
/// aliases people may type).
macro_rules! stored_as_text {
    ($($ty:ty => $parse:expr),+ $(,)?) => {$(
        impl<DB: Database> sqlx::Type<DB> for $ty
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> sqlx::Decode<'r, DB> for $ty
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let text = <&str as sqlx::Decode<DB>>::decode(value)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(text).ok_or_else(|| {
                    format!(
                        "the database holds `{text}` where a {} was expected",
                        stringify!($ty)
                    )
                    .into()
                })
            }
        }
    )+};
}

/// A coded enum's stored code, exactly.
fn code<T: Copy + 'static>(
    all: &'static [T],
    code: fn(T) -> &'static str,
    text: &str,
) -> Option<T> {
    all.iter().copied().find(|v| code(*v) == text)
}

stored_as_text! {
    Outcome => |t| code(Outcome::ALL, Outcome::code, t),
    MissReason => |t| code(MissReason::ALL, MissReason::code, t),
    Mode => |t| code(Mode::ALL, Mode::code, t),
    VisitStatus => |t| code(VisitStatus::ALL, VisitStatus::code, t),
    Gender => |t| code(Gender::ALL, Gender::code, t),
    Disability => |t| code(Disability::ALL, Disability::code, t),
    StudentStatus => |t| code(StudentStatus::ALL, StudentStatus::code, t),
    Status => Status::parse,
    Role => |t| code(Role::ALL, Role::code, t),
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
