//! User codes (CIBA §7.1 `user_code`, spec §12): a secret the user sets in the app, stored
//! like a PIN, that clients with `backchannel_user_code_parameter` must send with every
//! request, so that knowing a phone number is not enough to push a login to someone's phone.
//! Wrong codes are counted before they are checked; 5 in a row lock user codes for an hour.
use crate::OAuthError;
use crate::app::AppError;
use crate::backchannel::Params;
use crate::clock::UnixTime;
use crate::crypto::PinHasher;
use crate::model::{Client, User};
use crate::store::{Store, UserCodeAttempt};

/// Wrong user codes in a row before user codes are refused (spec §12).
pub const MAX_WRONG_USER_CODES: i64 = 5;
/// How long they are refused then.
pub const USER_CODE_LOCK: i64 = 3600;

/// 4 to 12 characters, none of them control characters.
pub fn valid(code: &str) -> bool {
    (4..=12).contains(&code.chars().count()) && !code.chars().any(char::is_control)
}

/// The backchannel step: for a client that uses user codes, the code must be sent
/// (`missing_user_code`) and be the user's (`invalid_user_code`); other clients' codes are
/// ignored (spec §3.2).
pub async fn check(
    store: &dyn Store,
    pins: &PinHasher,
    client: &Client,
    user: &User,
    params: &Params,
    now: UnixTime,
) -> Result<(), OAuthError> {
    if !client.security.user_code_required {
        return Ok(());
    }
    let code = params.get("user_code").ok_or(OAuthError::MissingUserCode)?;
    match store.begin_user_code_attempt(&user.user_id, MAX_WRONG_USER_CODES, now).await? {
        UserCodeAttempt::NoCode => Err(OAuthError::InvalidUserCode),
        UserCodeAttempt::Locked { .. } => Err(OAuthError::UserCodeLocked),
        UserCodeAttempt::Check { hash, attempt } => {
            let right = valid(code) && pins.verify(code, &hash);
            let lock = (!right && attempt >= MAX_WRONG_USER_CODES).then_some(now + USER_CODE_LOCK);
            store.end_user_code_attempt(&user.user_id, right, lock).await?;
            if right { Ok(()) } else { Err(OAuthError::InvalidUserCode) }
        }
    }
}

/// `PUT /app-api/v1/user-code`: the device's user sets a new user code.
pub async fn set(store: &dyn Store, pins: &PinHasher, user_id: &str, code: &str) -> Result<(), AppError> {
    if !valid(code) {
        return Err(AppError::InvalidRequest("user_code must be 4 to 12 characters"));
    }
    store.set_user_code(user_id, &pins.hash(code)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_4_to_12_printable_characters() {
        for ok in ["1234", "abcd", "æøå-1", "123456789012"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["123", "1234567890123", "12\n34", ""] {
            assert!(!valid(bad), "{bad:?}");
        }
    }
}
