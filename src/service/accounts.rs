//! Accounts and logins: who may use the platform, with which role and scope;
//! passwords (argon2id, hashed off the async threads), one-time links, sessions
//! that end, and failed logins that lock an account and slow an address.

use crate::reason::Reason;
use std::time::Duration as StdDuration;

use super::secrets::{new_secret, secret_hash};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Actor, ServiceError};
use crate::config::{SecuritySettings, Settings};
use crate::domain::access::{Role, Scope};
use crate::domain::student::check_email;
use crate::notify::mail::{AccountLinkMail, LoginFailuresMail};
use crate::store::accounts::{self, Account, LinkPurpose, SessionRow};
use crate::store::outbox::{self, NewMessage};
use crate::store::{Store, people};

/// Checks a new password against the policy; the reasons in plain words.
pub fn check_password(password: &str, policy: &SecuritySettings) -> Result<(), ServiceError> {
    let length = password.chars().count();
    if length < policy.min_password_length {
        return Err(ServiceError::invalid(
            "password",
            Reason::PasswordTooShort {
                min: policy.min_password_length,
                length,
            },
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < policy.password_character_classes {
        return Err(ServiceError::invalid(
            "password",
            Reason::PasswordTooPlain {
                classes: policy.password_character_classes,
            },
        ));
    }
    Ok(())
}

/// Password hashes computed at once: each takes 19 MiB for a moment, so a crowd
/// of logins (no account needed) would otherwise take gigabytes. As many as the
/// cores: more would not finish sooner. The rest wait their turn (at most
/// `web.max_connections` requests are open, so the queue is bounded too).
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Runs `work` (argon2) on a blocking thread once a hashing turn is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let _turn = HASHING
        .acquire()
        .await
        .expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work).await
}

/// argon2id with its default parameters (19 MiB, 2 passes), off the async threads.
async fn hash_password(password: String) -> Result<String, ServiceError> {
    hashing(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| ServiceError::invalid("password", Reason::PasswordUnusable))
    })
    .await
    .map_err(|e| ServiceError::Settings(format!("the password hasher stopped: {e}")))?
}

/// A hash of nothing in particular, verified against when an account does not
/// exist, so that the answer takes the same time either way.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29uZ2ppYW9zb25namlhbw$8BHMxOsVxOl1MBYq6qU1o6W2gTXb3sCwDDLuLkeR6oQ";

async fn verify_password(password: String, hash: Option<String>) -> bool {
    hashing(move || {
        let stored = hash.as_deref().unwrap_or(DUMMY_HASH);
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let verified = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        verified && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

/// How long a login from an address waits after `failures` recent failures: a
/// second per failure from the threshold on, at most 10, whatever it tries.
fn address_wait(failures: u32, threshold: u32) -> Option<StdDuration> {
    (failures >= threshold)
        .then(|| StdDuration::from_secs(u64::from((failures - threshold + 1).min(10))))
}

pub(super) fn require_admin(actor: &Actor) -> Result<(), ServiceError> {
    actor.admins_only("only an admin manages accounts")
}

/// The account with this email, or "not found" naming it.
pub(super) async fn account_by_email(
    tx: &mut crate::store::Tx,
    email: &str,
) -> Result<Account, ServiceError> {
    accounts::by_email(tx, email)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            what: "account",
            id: email.to_string(),
        })
}

/// Who an account acts as, for the command line acting on someone's behalf
/// (the demo's people): an admin's to ask.
pub async fn on_behalf_of(
    store: &Store,
    actor: &Actor,
    email: &str,
) -> Result<Actor, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let account = account_by_email(&mut tx, email).await?;
    tx.rollback().await?;
    Ok(actor_of(&account))
}

/// An account as lists show it: never its password hash.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// "district", "schools: 育敏学校, 城关小学" or "teacher T01".
    pub scope: String,
    pub state: &'static str,
}

impl AccountView {
    fn of(account: &Account) -> Self {
        let state = if account.disabled_at.is_some() {
            "disabled"
        } else if account.password_hash.is_none() {
            "invited"
        } else {
            "enabled"
        };
        AccountView {
            email: account.email.clone(),
            name: account.name.clone(),
            role: account.role,
            scope: account.scope.to_string(),
            state,
        }
    }
}

/// Someone to give an account to.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// None: an invitation link is emailed instead.
    pub password: Option<String>,
}

/// What adding a user did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAdded {
    WithPassword,
    /// The invitation is in the outbox, valid until then.
    Invited {
        until: DateTime<Utc>,
    },
}

/// The scope must name things that exist: a registered teacher, known schools.
async fn check_scope(
    tx: &mut crate::store::Tx,
    role: Role,
    scope: &Scope,
) -> Result<(), ServiceError> {
    role.check_scope(scope)
        .map_err(|reason| ServiceError::invalid("scope", reason))?;
    match scope {
        Scope::Teacher { teacher_id } => {
            if people::teacher(tx, teacher_id).await?.is_none() {
                return Err(ServiceError::invalid(
                    "teacher",
                    Reason::NotARegisteredTeacher {
                        teacher: teacher_id.clone(),
                    },
                ));
            }
        }
        Scope::Schools { schools } => {
            let known = people::school_names(tx).await?;
            for school in schools {
                if !known.contains(school) {
                    return Err(ServiceError::invalid(
                        "school",
                        Reason::NotASchool {
                            text: school.clone(),
                        },
                    ));
                }
            }
        }
        Scope::District => {}
    }
    Ok(())
}

/// Queues the email with a one-time link to set a password; the link is valid
/// `security.invitation_hours`.
async fn send_link(
    tx: &mut crate::store::Tx,
    settings: &Settings,
    account_id: i64,
    email: &str,
    name: &str,
    purpose: LinkPurpose,
    asked: bool,
) -> Result<DateTime<Utc>, ServiceError> {
    let token = new_secret();
    let until = tx.now + Duration::hours(i64::from(settings.security.invitation_hours));
    accounts::create_link(tx, &secret_hash(&token), account_id, purpose, until).await?;
    // The queued email holds the link's secret sealed (the outbox is read by
    // whoever reads the database); it is opened as the email is sent.
    let keys = crate::sealed::Keys::of(settings).map_err(ServiceError::Settings)?;
    let link = format!(
        "{}{}{}",
        settings.web.public_url.trim_end_matches('/'),
        crate::sealed::PASSWORD_LINK,
        keys.seal(&token)
    );
    let until_local = until
        .with_timezone(&settings.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let mail = AccountLinkMail {
        name,
        invite: purpose == LinkPurpose::Invite,
        asked,
        link: &link,
        until: &until_local,
    }
    .render(settings.locale);
    outbox::enqueue(
        tx,
        vec![NewMessage {
            idempotency_key: format!("account-link:{account_id}:{}", secret_hash(&token)),
            kind: "account",
            channel: crate::store::outbox::Channel::Email,
            recipient: email.to_string(),
            subject: mail.subject,
            body_text: mail.text,
            body_html: None,
            attachments: Vec::new(),
        }],
    )
    .await?;
    Ok(until)
}

pub async fn add_user(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    user: NewUser,
) -> Result<UserAdded, ServiceError> {
    require_admin(actor)?;
    // Kept in lower case: an email is found whatever case it is typed in.
    let email = check_email(&user.email)
        .map_err(|e| ServiceError::invalid("email", e))?
        .to_lowercase();
    let name = user.name.trim();
    if name.is_empty() {
        return Err(ServiceError::invalid(
            "name",
            Reason::NameNeeded { what: "account" },
        ));
    }
    let hash = match user.password {
        Some(password) => {
            check_password(&password, &settings.security)?;
            Some(hash_password(password).await?)
        }
        None => None,
    };
    let mut tx = store.write(&actor.audit(), now).await?;
    check_scope(&mut tx, user.role, &user.scope).await?;
    if accounts::by_email(&mut tx, &email).await?.is_some() {
        return Err(ServiceError::Conflict(Reason::AccountExists {
            email: email.clone(),
        }));
    }
    let id = accounts::create(
        &mut tx,
        &email,
        name,
        user.role,
        &user.scope,
        hash.as_deref(),
    )
    .await?;
    let added = match hash {
        Some(_) => UserAdded::WithPassword,
        None => UserAdded::Invited {
            until: send_link(
                &mut tx,
                settings,
                id,
                &email,
                name,
                LinkPurpose::Invite,
                false,
            )
            .await?,
        },
    };
    tx.commit().await?;
    Ok(added)
}

/// Every account's name by its email, for pages that name who did something:
/// for anyone signed in (colleagues' names, nothing more).
pub async fn names(
    store: &Store,
    _actor: &Actor,
) -> Result<std::collections::HashMap<String, String>, ServiceError> {
    let mut tx = store.read().await?;
    let all = accounts::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(all.into_iter().map(|a| (a.email, a.name)).collect())
}

pub async fn list_users(store: &Store, actor: &Actor) -> Result<Vec<AccountView>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.read().await?;
    let rows = accounts::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows.iter().map(AccountView::of).collect())
}

/// Disables (`disabled`) or enables an account; disabling ends its sessions at once.
pub async fn set_disabled(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    email: &str,
    disabled: bool,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let account = account_by_email(&mut tx, email).await?;
    accounts::set_disabled(&mut tx, account.id, disabled.then_some(now)).await?;
    if disabled {
        accounts::end_sessions(&mut tx, account.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Clears the password, ends every session, revokes every API token and emails a
/// link to set a new one.
pub async fn reset(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    email: &str,
) -> Result<DateTime<Utc>, ServiceError> {
    require_admin(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let account = account_by_email(&mut tx, email).await?;
    accounts::set_password(&mut tx, account.id, None).await?;
    accounts::end_sessions(&mut tx, account.id).await?;
    crate::store::tokens::revoke_all(&mut tx, account.id).await?;
    let until = send_link(
        &mut tx,
        settings,
        account.id,
        &account.email,
        &account.name,
        LinkPurpose::Reset,
        false,
    )
    .await?;
    tx.commit().await?;
    Ok(until)
}

/// Someone who forgot their password asks for a link to set a new one (the
/// login page's 忘记密码). The link goes to the account's own email, for an
/// account that exists and is not disabled, at most one every
/// [`FORGOT_EVERY_MINUTES`]; the answer is the same either way, so that the form
/// tells nobody which emails have accounts. The password stays until the link
/// is used: someone else asking cannot lock the owner out.
pub async fn forgot_password(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    email: &str,
) -> Result<(), ServiceError> {
    let email = email.trim().to_lowercase();
    let mut tx = store
        .write(&Actor::new("forgot-password").audit(), now)
        .await?;
    let Some(account) = accounts::by_email(&mut tx, &email).await? else {
        return Ok(());
    };
    let recent = accounts::newest_link(&mut tx, account.id)
        .await?
        .is_some_and(|at| now - at < Duration::minutes(FORGOT_EVERY_MINUTES));
    if account.disabled_at.is_some() || recent {
        return Ok(());
    }
    send_link(
        &mut tx,
        settings,
        account.id,
        &account.email,
        &account.name,
        LinkPurpose::Reset,
        true,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A forgotten password's link is sent at most this often per account.
pub const FORGOT_EVERY_MINUTES: i64 = 10;

/// Changes whose children an account may see: its teacher, or its schools (none:
/// the whole district), as [`Scope::of_account`] reads them for its role.
pub async fn set_scope(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    email: &str,
    teacher: Option<String>,
    schools: Vec<String>,
) -> Result<(), ServiceError> {
    require_admin(actor)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let account = account_by_email(&mut tx, email).await?;
    let scope = Scope::of_account(account.role, teacher, schools);
    check_scope(&mut tx, account.role, &scope).await?;
    accounts::set_scope(&mut tx, &account, &scope).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a password through a one-time link (an invitation or a reset); the link
/// and any other open link of the account are used up.
pub async fn set_password_by_link(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    token: &str,
    password: String,
) -> Result<String, ServiceError> {
    check_password(&password, &settings.security)?;
    let hash = hash_password(password).await?;
    let mut tx = store.write(&Actor::new("link").audit(), now).await?;
    let not_found = || ServiceError::NotFound {
        what: "link",
        id: "(expired or used)".into(),
    };
    let account_id = accounts::link_account(&mut tx, &secret_hash(token))
        .await?
        .ok_or_else(not_found)?;
    let account = accounts::by_id(&mut tx, account_id)
        .await?
        .ok_or_else(not_found)?;
    accounts::set_password(&mut tx, account.id, Some(&hash)).await?;
    accounts::use_links(&mut tx, account.id).await?;
    tx.commit().await?;
    Ok(account.email)
}

/// Whether a one-time link can still be used (to show its form, or say it cannot).
pub async fn link_is_valid(
    store: &Store,
    now: DateTime<Utc>,
    token: &str,
) -> Result<bool, ServiceError> {
    let mut tx = store.write(&Actor::new("link").audit(), now).await?;
    let valid = accounts::link_account(&mut tx, &secret_hash(token))
        .await?
        .is_some();
    tx.rollback().await?;
    Ok(valid)
}

/// Where a login came from.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    pub user_agent: String,
}

/// A session begun: the cookie's value (shown once, never stored) and who it is.
#[derive(Debug, Clone)]
pub struct Login {
    pub session_id: String,
    pub actor: Actor,
    /// The password was right; the session opens with the second factor's code.
    pub awaiting_code: bool,
}

/// What a person must do before anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MustDo {
    /// The password is older than `security.password_max_age_days`.
    ChangePassword,
    /// Their role is in `security.require_totp_for` and they have no second factor.
    SetUpSecondFactor,
}

/// Who a session is, and what they must do first, if anything.
#[derive(Debug, Clone)]
pub struct Signed {
    pub actor: Actor,
    pub must: Option<MustDo>,
}

fn must_do(account: &Account, settings: &Settings, now: DateTime<Utc>) -> Option<MustDo> {
    let policy = &settings.security;
    let expired = policy.password_max_age_days > 0
        && account
            .password_changed_at
            .is_none_or(|at| now - at > Duration::days(i64::from(policy.password_max_age_days)));
    if expired {
        Some(MustDo::ChangePassword)
    } else if policy.require_totp_for.contains(&account.role) && account.totp_enabled_at.is_none() {
        Some(MustDo::SetUpSecondFactor)
    } else {
        None
    }
}

/// How long the second factor's code may take after the password.
const CODE_WAIT: Duration = Duration::minutes(5);

/// Why a login did not succeed; never whether the account exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefused {
    /// Wrong email or password (or an account that is disabled or has no password).
    Wrong,
    /// Too many failures: locked until then.
    Locked { until: DateTime<Utc> },
    /// The second factor's code was not right (the password was).
    WrongCode,
}

/// The actor an account acts as.
pub fn actor_of(account: &Account) -> Actor {
    Actor {
        name: format!("user:{}", account.email),
        display_name: account.name.clone(),
        role: account.role,
        scope: account.scope.clone(),
        account_id: Some(account.id),
    }
}

/// Checks an email and password and begins a session. Failures are counted per
/// email and address over the last `lockout_minutes`, the same way whether the
/// account exists or not: `max_failed_logins` of them stop that email from that
/// address (never its owner elsewhere) until the oldest is that old, and the
/// owner is told by email. An address with many failures (any email) is slowed.
pub async fn login(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    email: &str,
    password: String,
    client: &Client,
) -> Result<Result<Login, LoginRefused>, ServiceError> {
    let policy = &settings.security;
    let window = Duration::minutes(i64::from(policy.lockout_minutes));
    let email = email.trim().to_lowercase();
    let audit = Actor::new(format!("login:{email}")).audit();
    let (account, (address_failures, mut failures)) = {
        let mut tx = store.write(&audit, now).await?;
        let account = accounts::by_email(&mut tx, &email).await?;
        let failures =
            accounts::login_failures_since(&mut tx, &client.address, &email, now - window).await?;
        tx.rollback().await?;
        (account, failures)
    };
    if let Some(until) = locked_until(&failures, policy.max_failed_logins, window) {
        return Ok(Err(LoginRefused::Locked { until }));
    }
    if let Some(wait) = address_wait(address_failures, policy.address_failures_before_slowing) {
        tokio::time::sleep(wait).await;
    }
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let verified = verify_password(password, hash).await;
    let mut tx = store.write(&audit, now).await?;
    let Some(account) = account
        .as_ref()
        .filter(|a| verified && a.disabled_at.is_none())
    else {
        failures.push(now);
        let owner = account.as_ref().filter(|a| a.disabled_at.is_none());
        let refused = refuse(&mut tx, settings, &email, owner, client, &failures, window).await?;
        tx.commit().await?;
        return Ok(Err(refused));
    };
    let awaiting_code = account.totp_enabled_at.is_some();
    if !awaiting_code {
        accounts::clear_login_failures(&mut tx, &client.address, &email).await?;
    }
    let session_id = new_secret();
    let expires_at = if awaiting_code {
        now + CODE_WAIT
    } else {
        now + Duration::hours(i64::from(policy.session_lifetime_hours))
    };
    accounts::create_session(
        &mut tx,
        &secret_hash(&session_id),
        account.id,
        expires_at,
        &client.address,
        &client.user_agent,
        awaiting_code,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Login {
        session_id,
        actor: actor_of(account),
        awaiting_code,
    }))
}

/// When an email's failures from one address (oldest first, the last
/// `lockout_minutes` only) stop stopping it: once the one that makes the count
/// `max` is that old. None: not stopped.
fn locked_until(failures: &[DateTime<Utc>], max: u32, window: Duration) -> Option<DateTime<Utc>> {
    let max = max.max(1) as usize;
    (failures.len() >= max).then(|| failures[failures.len() - max] + window)
}

/// Records a failed login of `email` from the client (`failures` holds it
/// already) and says what to answer; the failure that stops the email from that
/// address tells the account's `owner` (enabled), if there is one, by email
/// (once a window).
async fn refuse(
    tx: &mut crate::store::Tx,
    settings: &Settings,
    email: &str,
    owner: Option<&Account>,
    client: &Client,
    failures: &[DateTime<Utc>],
    window: Duration,
) -> Result<LoginRefused, ServiceError> {
    accounts::record_login_failure(tx, &client.address, email).await?;
    let Some(until) = locked_until(failures, settings.security.max_failed_logins, window) else {
        return Ok(LoginRefused::Wrong);
    };
    if let Some(owner) = owner {
        let local = |at: DateTime<Utc>| {
            at.with_timezone(&settings.time_zone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let mail = LoginFailuresMail {
            name: &owner.name,
            failures: failures.len(),
            since: &local(failures[0]),
            address: &client.address,
            until: &local(until),
            minutes: settings.security.lockout_minutes,
        }
        .render(settings.locale);
        let period = tx.now.timestamp() / window.num_seconds().max(1);
        outbox::enqueue(
            tx,
            vec![NewMessage {
                idempotency_key: format!("login-failures:{}:{period}", owner.id),
                kind: "account",
                channel: crate::store::outbox::Channel::Email,
                recipient: owner.email.clone(),
                subject: mail.subject,
                body_text: mail.text,
                body_html: None,
                attachments: Vec::new(),
            }],
        )
        .await?;
    }
    Ok(LoginRefused::Locked { until })
}

/// The second step of a login with a second factor: the code from the app (or a
/// recovery code) for the session waiting for it. A wrong code counts as a
/// failed login; a good one opens a session under a new id.
pub async fn login_code(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    waiting_session_id: &str,
    code: &str,
    client: &Client,
) -> Result<Result<Login, LoginRefused>, ServiceError> {
    let policy = &settings.security;
    let window = Duration::minutes(i64::from(policy.lockout_minutes));
    let id_hash = secret_hash(waiting_session_id);
    let mut tx = store.write(&Actor::new("login").audit(), now).await?;
    let waiting = accounts::session(&mut tx, &id_hash)
        .await?
        .filter(|s| s.awaiting_code && s.ended_at.is_none() && s.expires_at > now);
    let account = match &waiting {
        Some(session) => accounts::by_id(&mut tx, session.account_id).await?,
        None => None,
    };
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else {
        tx.rollback().await?;
        return Ok(Err(LoginRefused::Wrong));
    };
    let (_, mut failures) =
        accounts::login_failures_since(&mut tx, &client.address, &account.email, now - window)
            .await?;
    if let Some(until) = locked_until(&failures, policy.max_failed_logins, window) {
        accounts::end_session(&mut tx, &id_hash).await?;
        tx.commit().await?;
        return Ok(Err(LoginRefused::Locked { until }));
    }
    if !super::second_factor::accept(&mut tx, settings, &account, code, now).await? {
        failures.push(now);
        let refused = refuse(
            &mut tx,
            settings,
            &account.email,
            Some(&account),
            client,
            &failures,
            window,
        )
        .await?;
        if refused != LoginRefused::Wrong {
            accounts::end_session(&mut tx, &id_hash).await?;
        }
        tx.commit().await?;
        return Ok(Err(match refused {
            LoginRefused::Wrong => LoginRefused::WrongCode,
            locked => locked,
        }));
    }
    accounts::clear_login_failures(&mut tx, &client.address, &account.email).await?;
    accounts::end_session(&mut tx, &id_hash).await?;
    let session_id = new_secret();
    accounts::create_session(
        &mut tx,
        &secret_hash(&session_id),
        account.id,
        now + Duration::hours(i64::from(policy.session_lifetime_hours)),
        &client.address,
        &client.user_agent,
        false,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(Login {
        session_id,
        actor: actor_of(&account),
        awaiting_code: false,
    }))
}

/// The actor behind a session cookie, if the session is still open at `now`
/// (not ended, not idle past `session_idle_minutes`, within its lifetime, its
/// account enabled); the session is kept alive by the request.
/// How long keeping a session alive may wait for the database's write lock.
const SESSION_WRITE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn session_actor(
    store: &Store,
    settings: &Settings,
    now: DateTime<Utc>,
    session_id: &str,
) -> Result<Option<Signed>, ServiceError> {
    let idle = Duration::minutes(i64::from(settings.security.session_idle_minutes));
    let id_hash = secret_hash(session_id);
    // Read without the write lock: while another process writes (SQLite has one
    // writer), a page's session is still known.
    let mut tx = store.read().await?;
    // A session still waiting for its second factor opens no page, and stays
    // waiting for its code.
    let Some(session) = accounts::session(&mut tx, &id_hash)
        .await?
        .filter(|s| !s.awaiting_code)
    else {
        tx.rollback().await?;
        return Ok(None);
    };
    let open = session.ended_at.is_none()
        && session.expires_at > now
        && now - session.last_seen_at <= idle;
    let account = if open {
        accounts::by_id(&mut tx, session.account_id)
            .await?
            .filter(|a| a.disabled_at.is_none() && a.password_hash.is_some())
    } else {
        None
    };
    tx.rollback().await?;
    // Kept alive at most once a minute, in a short write of its own: if the
    // database cannot take it now, the page is answered all the same and a later
    // request keeps the session alive.
    let touch = match &account {
        Some(_) if now - session.last_seen_at >= Duration::minutes(1) => Some(true),
        Some(_) => None,
        None => Some(false),
    };
    if let Some(alive) = touch {
        let write = async {
            let mut tx = store.write(&Actor::new("session").audit(), now).await?;
            if alive {
                accounts::touch_session(&mut tx, &id_hash).await?;
            } else {
                accounts::end_session(&mut tx, &id_hash).await?;
            }
            tx.commit().await?;
            Ok::<(), ServiceError>(())
        };
        match tokio::time::timeout(SESSION_WRITE_WAIT, write).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "a session was not kept alive"),
            Err(_) => tracing::warn!("a session was not kept alive: the database is busy"),
        }
    }
    Ok(account.map(|account| Signed {
        actor: actor_of(&account),
        must: must_do(&account, settings, now),
    }))
}

pub async fn logout(
    store: &Store,
    now: DateTime<Utc>,
    session_id: &str,
) -> Result<(), ServiceError> {
    let mut tx = store.write(&Actor::new("session").audit(), now).await?;
    accounts::end_session(&mut tx, &secret_hash(session_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// A session as its owner sees it on their account page.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// A short, stable name for it (the start of its hash), to end it by.
    pub handle: String,
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub address: String,
    pub user_agent: String,
}

fn session_view(session: &SessionRow, current_hash: &str) -> SessionView {
    SessionView {
        handle: session.id_hash[..16].to_string(),
        current: session.id_hash == current_hash,
        created_at: session.created_at,
        last_seen_at: session.last_seen_at,
        address: session.address.clone(),
        user_agent: session.user_agent.clone(),
    }
}

/// What the account page shows its owner.
#[derive(Debug, Clone)]
pub struct MyAccount {
    pub sessions: Vec<SessionView>,
    /// A second factor is in use.
    pub second_factor: bool,
}

/// The actor's own open sessions and whether they have a second factor.
pub async fn my_account(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    session_id: &str,
) -> Result<MyAccount, ServiceError> {
    let account_id = actor
        .account_id
        .ok_or_else(|| ServiceError::Forbidden("no account".into()))?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let sessions = accounts::open_sessions(&mut tx, account_id).await?;
    let account = accounts::by_id(&mut tx, account_id).await?;
    tx.rollback().await?;
    let current = secret_hash(session_id);
    Ok(MyAccount {
        sessions: sessions.iter().map(|s| session_view(s, &current)).collect(),
        second_factor: account.is_some_and(|a| a.totp_enabled_at.is_some()),
    })
}

/// Ends one of the actor's own sessions, named by its handle.
pub async fn end_my_session(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    handle: &str,
) -> Result<(), ServiceError> {
    let account_id = actor
        .account_id
        .ok_or_else(|| ServiceError::Forbidden("no account".into()))?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let session = accounts::open_sessions(&mut tx, account_id)
        .await?
        .into_iter()
        .find(|s| s.id_hash.starts_with(handle) && handle.len() == 16)
        .ok_or_else(|| ServiceError::NotFound {
            what: "session",
            id: handle.to_string(),
        })?;
    accounts::end_session(&mut tx, &session.id_hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the actor's own password (the current one first); other sessions end
/// and every API token is revoked (a password changed may have been known).
pub async fn change_password(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    session_id: &str,
    current: String,
    new: String,
) -> Result<(), ServiceError> {
    let account_id = actor
        .account_id
        .ok_or_else(|| ServiceError::Forbidden("no account".into()))?;
    check_password(&new, &settings.security)?;
    let account = {
        let mut tx = store.read().await?;
        let account = accounts::by_id(&mut tx, account_id).await?;
        tx.rollback().await?;
        account.ok_or_else(|| ServiceError::Forbidden("no account".into()))?
    };
    if !verify_password(current, account.password_hash.clone()).await {
        return Err(ServiceError::invalid(
            "current_password",
            Reason::WrongCurrentPassword,
        ));
    }
    let hash = hash_password(new).await?;
    let mut tx = store.write(&actor.audit(), now).await?;
    accounts::set_password(&mut tx, account_id, Some(&hash)).await?;
    crate::store::tokens::revoke_all(&mut tx, account_id).await?;
    let keep = secret_hash(session_id);
    for session in accounts::open_sessions(&mut tx, account_id).await? {
        if session.id_hash != keep {
            accounts::end_session(&mut tx, &session.id_hash).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(length: usize, classes: usize) -> SecuritySettings {
        let mut security = Settings::defaults().security;
        security.min_password_length = length;
        security.password_character_classes = classes;
        security
    }

    #[test]
    fn the_password_policy_counts_characters_and_classes() {
        assert!(check_password("短密码", &policy(10, 0)).is_err());
        assert!(check_password("送教上门每周两次三课时", &policy(10, 0)).is_ok());
        let three = policy(10, 3);
        assert!(check_password("alllowercase", &three).is_err());
        assert!(check_password("Mixed-case-only", &three).is_ok());
        assert!(check_password("lower and 123", &three).is_ok());
        assert!(check_password("lowerand123", &three).is_err());
    }

    #[test]
    fn an_address_that_keeps_failing_waits_longer_up_to_ten_seconds() {
        assert_eq!(address_wait(19, 20), None);
        assert_eq!(address_wait(20, 20), Some(StdDuration::from_secs(1)));
        assert_eq!(address_wait(23, 20), Some(StdDuration::from_secs(4)));
        assert_eq!(address_wait(500, 20), Some(StdDuration::from_secs(10)));
    }

    /// An unknown account is checked against this hash, so it must cost a real
    /// argon2 computation (a hash that did not parse would answer at once).
    #[test]
    fn the_stand_in_hash_is_a_real_argon2id_hash() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("a PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(
            Argon2::default()
                .verify_password(b"anything", &parsed)
                .is_err()
        );
    }

    #[test]
    fn secrets_are_long_random_and_kept_as_hashes() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}
