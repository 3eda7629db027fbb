//! A second factor for logins (等保 level 3 asks for two): a time-based code
//! (TOTP, RFC 6238) from an authenticator app, enrolled from the account page
//! with a QR code, and ten one-time recovery codes for a lost phone.

use crate::reason::Reason;
use chrono::{DateTime, Utc};
use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Builder, Secret, Totp};

use super::secrets::{new_secret, secret_hash};
use super::{Actor, ServiceError};
use crate::config::Settings;
use crate::sealed::Keys;
use crate::store::Store;
use crate::store::accounts::{self, Account};

/// Shown in the authenticator app next to the account.
const ISSUER: &str = "songjiao";

/// How many recovery codes an enrolment gives.
const RECOVERY_CODES: usize = 10;

fn totp(secret_base32: &str, email: &str) -> Result<Totp, ServiceError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| ServiceError::Settings(format!("a stored second-factor secret: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(email)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| ServiceError::Settings(format!("a second-factor secret: {e}")))
}

/// What to show to enrol: the QR code (inline SVG) and the secret to type in.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub qr_svg: String,
}

fn no_account() -> ServiceError {
    ServiceError::Forbidden("no account".into())
}

async fn own_account(store: &Store, actor: &Actor) -> Result<Account, ServiceError> {
    let id = actor.account_id.ok_or_else(no_account)?;
    let mut tx = store.read().await?;
    let account = accounts::by_id(&mut tx, id).await?;
    tx.rollback().await?;
    account.ok_or_else(no_account)
}

/// Starts enrolling the actor's second factor (or shows the enrolment under way
/// again): a secret not in use until a first code confirms it.
pub async fn begin(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Enrolment, ServiceError> {
    let keys = Keys::of(settings).map_err(ServiceError::Settings)?;
    let account = own_account(store, actor).await?;
    if account.totp_enabled_at.is_some() {
        return Err(ServiceError::Conflict(Reason::SecondFactorInUse));
    }
    let pending = account
        .totp_secret
        .as_deref()
        .map(|stored| keys.open(stored))
        .transpose()
        .map_err(ServiceError::Settings)?;
    let secret = pending.clone().unwrap_or_else(|| {
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes).expect("the system random generator works");
        Secret::from(bytes.to_vec()).to_base32()
    });
    let url = totp(&secret, &account.email)?
        .to_url()
        .map_err(|e| ServiceError::Settings(format!("an authenticator link: {e}")))?;
    let qr_svg = QrCode::new(url.as_bytes())
        .map_err(|e| ServiceError::Settings(format!("a QR code: {e}")))?
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .build();
    let qr_svg = match qr_svg.split_once("?>") {
        Some((_, svg)) => svg.to_string(),
        None => qr_svg,
    };
    if pending.is_none() {
        let mut tx = store.write(&actor.audit(), now).await?;
        accounts::set_totp(&mut tx, account.id, Some(&keys.seal(&secret)), false).await?;
        tx.commit().await?;
    }
    Ok(Enrolment { secret, qr_svg })
}

/// The time step a code matches (this step or the one either side), unless it
/// was used already.
pub(super) fn matching_step(
    keys: &Keys,
    account: &Account,
    code: &str,
    now: DateTime<Utc>,
) -> Option<u64> {
    let secret = keys.open(account.totp_secret.as_deref()?).ok()?;
    let step = totp(&secret, &account.email)
        .ok()?
        .check(code.trim(), now.timestamp().max(0) as u64)?;
    account
        .totp_last_step
        .is_none_or(|last| step > last)
        .then_some(step)
}

/// Confirms enrolment with a first code; answers the recovery codes, shown once.
pub async fn confirm(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
    code: &str,
) -> Result<Vec<String>, ServiceError> {
    let keys = Keys::of(settings).map_err(ServiceError::Settings)?;
    let account = own_account(store, actor).await?;
    if account.totp_secret.is_none() || account.totp_enabled_at.is_some() {
        return Err(ServiceError::Conflict(Reason::NoSecondFactorBeingSetUp));
    }
    let step = matching_step(&keys, &account, code, now)
        .ok_or_else(|| ServiceError::invalid("code", Reason::WrongSecondFactorCode))?;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let secret = new_secret();
            format!("{}-{}", &secret[..5], &secret[5..10])
        })
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| secret_hash(c)).collect();
    let mut tx = store.write(&actor.audit(), now).await?;
    accounts::set_totp(&mut tx, account.id, account.totp_secret.as_deref(), true).await?;
    accounts::set_totp_step(&mut tx, account.id, step).await?;
    accounts::replace_recovery_codes(&mut tx, account.id, &hashes).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Whether a code (from the app, or a recovery code) is good for this account now;
/// a good one is used up in `tx`.
pub(super) async fn accept(
    tx: &mut crate::store::Tx,
    settings: &Settings,
    account: &Account,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let keys = Keys::of(settings).map_err(ServiceError::Settings)?;
    if let Some(step) = matching_step(&keys, account, code, now) {
        accounts::set_totp_step(tx, account.id, step).await?;
        return Ok(true);
    }
    let recovery = code.trim().to_lowercase();
    Ok(recovery.len() == 11
        && accounts::use_recovery_code(tx, account.id, &secret_hash(&recovery)).await?)
}

/// Seals every second-factor secret again under the current key (after a
/// rotation, or to seal ones stored before sealing); answers how many.
pub async fn reseal_all(
    store: &Store,
    settings: &Settings,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    actor.admins_only("only an admin manages accounts")?;
    let keys = Keys::of(settings).map_err(ServiceError::Settings)?;
    let mut tx = store.write(&actor.audit(), now).await?;
    let mut resealed = 0;
    for account in accounts::list(&mut tx).await? {
        if let Some(stored) = &account.totp_secret {
            let sealed = keys.seal(&keys.open(stored).map_err(ServiceError::Settings)?);
            accounts::set_totp_secret(&mut tx, account.id, &sealed).await?;
            resealed += 1;
        }
    }
    tx.commit().await?;
    Ok(resealed)
}
