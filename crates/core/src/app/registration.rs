//! Self-registration (PRODUCT §13, `serve --self-registration`): a number without an account
//! gets a code like any other (and counts in the same limits); once the code is right, the
//! app asks for a name (and optionally email and birth date) and the account is made with
//! those claims, `email_verified: false`. A deactivated user's number never registers again.
use serde::Deserialize;

use super::AppError;
use crate::clock::UnixTime;
use crate::crypto::random_id;
use crate::model::User;
use crate::msisdn::Msisdn;
use crate::store::{Enrollment, Store};

/// What the app asks a new user for.
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    pub email: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: Option<String>,
}

impl Profile {
    /// The profile as it is stored: trimmed, empty optional values dropped.
    fn checked(&self, now: UnixTime) -> Result<Profile, AppError> {
        let text = |s: &str| s.trim().to_owned();
        let given_name = text(&self.given_name);
        let family_name = text(&self.family_name);
        if given_name.is_empty() || given_name.chars().count() > 100 || family_name.chars().count() > 100 {
            return Err(AppError::InvalidRequest("profile.given_name must be 1 to 100 characters"));
        }
        let email = self.email.as_deref().map(text).filter(|e| !e.is_empty());
        if email.as_ref().is_some_and(|e| e.len() > 254 || !e.contains('@') || e.contains(char::is_whitespace)) {
            return Err(AppError::InvalidRequest("profile.email must be an email address"));
        }
        let birthdate = self.birthdate.as_deref().map(text).filter(|b| !b.is_empty());
        if birthdate.as_ref().is_some_and(|b| crate::backchannel::age_at(b, now).is_none()) {
            return Err(AppError::InvalidRequest("profile.birthdate must be YYYY-MM-DD"));
        }
        Ok(Profile { given_name, family_name, email, birthdate })
    }
}

/// Whether a code for this enrollment may open an account: self-registration is on, the
/// enrollment was for a number without an account, and the number still has none (or an
/// active one that a racing registration just made).
pub async fn registers(store: &dyn Store, e: &Enrollment, self_registration: bool) -> Result<bool, AppError> {
    if e.user_id.is_some() || !self_registration {
        return Ok(false);
    }
    let phone = Msisdn::parse(&e.phone_number).ok_or(AppError::InvalidPhoneNumber)?;
    Ok(store.user_by_phone(&phone).await?.is_none_or(|u| u.active))
}

/// Checks the profile before the code is used up.
pub fn check_profile(profile: Option<&Profile>, now: UnixTime) -> Result<Profile, AppError> {
    profile.ok_or(AppError::InvalidRequest("a new account needs a profile with given_name"))?.checked(now)
}

/// Opens the account (or finds the one a racing registration of the same number opened).
pub async fn register(store: &dyn Store, phone_number: &str, p: Profile, now: UnixTime) -> Result<String, AppError> {
    let phone = Msisdn::parse(phone_number).ok_or(AppError::InvalidPhoneNumber)?;
    let user = User {
        user_id: random_id(),
        phone_number: phone.clone(),
        given_name: p.given_name,
        family_name: p.family_name,
        email: p.email,
        email_verified: false,
        birthdate: p.birthdate,
        nin: None,
        active: true,
        addresses: vec![],
        created_at: now,
    };
    if store.insert_user(&user).await? {
        return Ok(user.user_id);
    }
    match store.user_by_phone(&phone).await? {
        Some(u) if u.active => Ok(u.user_id),
        _ => Err(AppError::InvalidCode),
    }
}
