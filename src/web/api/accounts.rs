//! Accounts, for admins: listed, made (an invitation by email), disabled.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath, Caller};
use super::problem::{ApiError, Problem};
use crate::service::accounts;
use crate::web::App;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountItem {
    pub email: String,
    pub name: String,
    /// admin, coordinator, teacher or supervisor.
    pub role: String,
    /// `district`, `schools: …` or `teacher T01`.
    pub scope: String,
    /// active, invited, locked or disabled.
    pub state: String,
}

/// Every account (admins).
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    responses(
        (status = 200, body = Vec<AccountItem>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn accounts(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Vec<AccountItem>>, ApiError> {
    let listed = accounts::list_users(&app.store, &caller.actor, app.now()).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|a| AccountItem {
                email: a.email,
                name: a.name,
                role: a.role.to_string(),
                scope: a.scope,
                state: a.state.to_string(),
            })
            .collect(),
    ))
}

/// A new account: without a password, its owner gets an email with a link to set one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: RoleName,
    /// For a teacher's account: the registered teacher.
    pub teacher_id: Option<String>,
    /// The schools a coordinator or supervisor covers; none: the whole district.
    #[serde(default)]
    pub schools: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Coordinator,
    Teacher,
    Supervisor,
}

/// Gives someone an account (admins); an invitation goes through the outbox.
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    request_body = NewAccount,
    responses(
        (status = 201, description = "Made; the invitation is in the outbox"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_account(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<StatusCode, ApiError> {
    use crate::domain::access::{Role, Scope};
    let role = match new.role {
        RoleName::Admin => Role::Admin,
        RoleName::Coordinator => Role::Coordinator,
        RoleName::Teacher => Role::Teacher,
        RoleName::Supervisor => Role::Supervisor,
    };
    let scope = match (role, new.teacher_id) {
        (_, Some(teacher_id)) => Scope::Teacher { teacher_id },
        _ if new.schools.is_empty() => Scope::District,
        _ => Scope::Schools {
            schools: new.schools,
        },
    };
    let user = accounts::NewUser {
        email: new.email,
        name: new.name,
        role,
        scope,
        password: None,
    };
    accounts::add_user(&app.store, &app.settings, &caller.actor, app.now(), user).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountState {
    /// True: the account cannot log in, its sessions and tokens stop at once.
    pub disabled: bool,
}

/// Disables or enables an account (admins).
#[utoipa::path(
    put,
    path = "/api/v1/accounts/{email}/state",
    tag = "accounts",
    params(("email" = String, Path, description = "The account's email")),
    request_body = AccountState,
    responses(
        (status = 204, description = "Done"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn account_state(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(email): ApiPath<String>,
    ApiJson(state): ApiJson<AccountState>,
) -> Result<StatusCode, ApiError> {
    accounts::set_disabled(&app.store, &caller.actor, app.now(), &email, state.disabled).await?;
    Ok(StatusCode::NO_CONTENT)
}
