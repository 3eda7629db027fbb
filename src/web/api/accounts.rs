//! Accounts, for admins: listed, made (an invitation by email), disabled.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiPath, Caller};
use super::problem::{ApiError, Problem};
use crate::domain::access::{Role, Scope};
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
    /// enabled, invited (no password yet), locked or disabled.
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
    let listed = accounts::list_users(&app.store, &caller.actor).await?;
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
    let role = match new.role {
        RoleName::Admin => Role::Admin,
        RoleName::Coordinator => Role::Coordinator,
        RoleName::Teacher => Role::Teacher,
        RoleName::Supervisor => Role::Supervisor,
    };
    let user = accounts::NewUser {
        email: new.email,
        name: new.name,
        role,
        scope: Scope::of_account(role, new.teacher_id, new.schools),
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountScope {
    /// For a teacher's account: the registered teacher.
    pub teacher_id: Option<String>,
    /// The schools a coordinator or supervisor covers; none: the whole district.
    #[serde(default)]
    pub schools: Vec<String>,
}

/// Changes whose children an account sees (admins); its sessions and tokens see
/// the new scope at their next request.
#[utoipa::path(
    put,
    path = "/api/v1/accounts/{email}/scope",
    tag = "accounts",
    params(("email" = String, Path, description = "The account's email")),
    request_body = AccountScope,
    responses(
        (status = 204, description = "Done"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn account_scope(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(email): ApiPath<String>,
    ApiJson(scope): ApiJson<AccountScope>,
) -> Result<StatusCode, ApiError> {
    accounts::set_scope(
        &app.store,
        &caller.actor,
        app.now(),
        &email,
        scope.teacher_id,
        scope.schools,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetSent {
    /// Until when the emailed link sets a new password.
    pub link_valid_until: DateTime<Utc>,
}

/// Clears an account's password and ends its sessions (admins); its owner gets
/// an email with a link to set a new one. Its API tokens keep working: revoke
/// them on its /account page or with `songjiao user revoke-token`.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{email}/reset",
    tag = "accounts",
    params(("email" = String, Path, description = "The account's email")),
    responses(
        (status = 202, body = ResetSent, description = "Cleared; the link is in the outbox"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reset(
    State(app): State<Arc<App>>,
    caller: Caller,
    ApiPath(email): ApiPath<String>,
) -> Result<(StatusCode, Json<ResetSent>), ApiError> {
    let until =
        accounts::reset(&app.store, &app.settings, &caller.actor, app.now(), &email).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetSent {
            link_valid_until: until,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The account's email.
    pub email: String,
    pub name: String,
    /// admin, coordinator, teacher or supervisor.
    pub role: String,
    /// `district`, `schools: …` or `teacher T01`.
    pub scope: String,
}

/// Who the token acts as: its account's role and scope.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    responses((status = 200, body = Me))
)]
pub async fn me(caller: Caller) -> Json<Me> {
    let actor = caller.actor;
    Json(Me {
        email: actor
            .name
            .strip_prefix("user:")
            .unwrap_or(&actor.name)
            .to_string(),
        name: actor.display_name,
        role: actor.role.to_string(),
        scope: actor.scope.to_string(),
    })
}
