//! Stored words read as domain types at the store's edge (with the `sqlx`
//! feature): a column holding `completed` is an [`Outcome`] from the moment it is
//! read, and a word the program does not know is an error naming it, never a
//! guess. Here because only this crate may implement sqlx's traits for its types;
//! nothing else in the core knows of a database.

use crate::domain::access::Role;
use crate::domain::leave::LeaveStatus;
use crate::domain::pace::Status;
use crate::domain::student::{Disability, Gender, StudentStatus};
use crate::domain::visit::{MissReason, Mode, Outcome, VisitStatus};

/// Text columns decoded by `$parse`, which knows only what the program stores
/// (the codes, not the aliases people may type). Exported for the store's own
/// stored types.
#[macro_export]
macro_rules! stored_as_text {
    ($($ty:ty, $what:literal => $parse:expr),+ $(,)?) => {$(
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
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

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<DB>>::decode(value)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(text).ok_or_else(|| {
                    format!(
                        "the database holds `{text}` where {} was expected",
                        $what
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
    Outcome, "a visit outcome" => |t| code(Outcome::ALL, Outcome::code, t),
    MissReason, "a reason code" => |t| code(MissReason::ALL, MissReason::code, t),
    Mode, "a visit mode" => |t| code(Mode::ALL, Mode::code, t),
    VisitStatus, "a visit status" => |t| code(VisitStatus::ALL, VisitStatus::code, t),
    Gender, "a gender" => |t| code(Gender::ALL, Gender::code, t),
    Disability, "a disability category" => |t| code(Disability::ALL, Disability::code, t),
    StudentStatus, "a student status" => |t| code(StudentStatus::ALL, StudentStatus::code, t),
    Status, "a pace status" => Status::parse,
    Role, "a role" => |t| code(Role::ALL, Role::code, t),
    LeaveStatus, "a leave status" => |t| code(LeaveStatus::ALL, LeaveStatus::code, t),
}
