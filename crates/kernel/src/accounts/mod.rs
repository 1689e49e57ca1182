//! Accounts, sessions, roles and the decision of who may do what.

pub mod identities;
pub mod model;
pub mod second_factor;
pub mod store;
pub mod web;

pub use model::{DisplayName, Email, Grant, Password, Role, User};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Password hashing is deliberately costly (about 19 MB and tens of milliseconds): it runs on the
/// blocking pool, a few at a time, so that a flood of logins cannot stall the server.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Hashes a password off the async workers.
pub async fn hash_password_async(password: &Password) -> Result<String, crate::Error> {
    let _permit = HASHING.acquire().await.map_err(crate::Error::internal)?;
    let password = Password(password.expose().to_string());
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(crate::Error::internal)?
}

/// Verifies a password off the async workers (see [`verify_password`]).
pub async fn verify_password_async(
    password: &str,
    hash: Option<&str>,
) -> Result<bool, crate::Error> {
    let _permit = HASHING.acquire().await.map_err(crate::Error::internal)?;
    let (password, hash) = (password.to_string(), hash.map(str::to_string));
    tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(crate::Error::internal)
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &Password) -> Result<String, crate::Error> {
    let salt = SaltString::encode_b64(&crate::ids::random_bytes::<16>())
        .map_err(crate::Error::internal)?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(crate::Error::internal)
}

/// Whether `password` matches the stored hash. With no hash (unknown account), a dummy
/// verification is done all the same, so that the answer takes as long either way.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$mS9Yq0p0Wf0Ok3pKp4I8n5kR1V9yIh8xWc2sH0m3v9E";
    let (target, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY, false),
    };
    let ok = PasswordHash::new(target)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

/// What someone may want to do, for the one decision point of the kernel.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Instance administration: spaces list, users, outbox, audit log.
    AdministerInstance,
    /// Edit a space and manage its members.
    ManageSpace(&'a str),
    /// Moderate the content of a space.
    ModerateSpace(&'a str),
    /// Open one's workplace: the desks and queues of staff (any role beyond citizen).
    OpenWorkplace,
}

/// Deny by default: whether `user` may do `action`.
pub fn can(user: Option<&User>, action: Action<'_>) -> bool {
    let Some(user) = user else { return false };
    if user.is_admin() {
        return true;
    }
    match action {
        Action::AdministerInstance => false,
        Action::OpenWorkplace => !user.grants.is_empty(),
        Action::ManageSpace(space) => user.has_space_role(Role::SpaceAdmin, space),
        Action::ModerateSpace(space) => {
            user.has_space_role(Role::SpaceAdmin, space)
                || user.has_space_role(Role::Moderator, space)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let p = Password::parse("Lannion-2026").unwrap();
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Lannion-2026", Some(&h)));
        assert!(!verify_password("lannion-2026", Some(&h)));
        assert!(!verify_password("Lannion-2026", None));
    }

    use crate::testing::user_with as user;

    #[test]
    fn permissions_deny_by_default_and_follow_roles() {
        let citizen = user(vec![]);
        let mod_a = user(vec![Grant {
            role: Role::Moderator,
            space_id: Some("a".into()),
        }]);
        let sadmin_a = user(vec![Grant {
            role: Role::SpaceAdmin,
            space_id: Some("a".into()),
        }]);
        let admin = user(vec![Grant {
            role: Role::Admin,
            space_id: None,
        }]);
        assert!(!can(None, Action::ModerateSpace("a")));
        assert!(!can(Some(&citizen), Action::ManageSpace("a")));
        assert!(can(Some(&mod_a), Action::ModerateSpace("a")));
        assert!(!can(Some(&mod_a), Action::ManageSpace("a")));
        assert!(!can(Some(&mod_a), Action::ModerateSpace("b")));
        assert!(can(Some(&sadmin_a), Action::ManageSpace("a")));
        assert!(!can(Some(&sadmin_a), Action::AdministerInstance));
        assert!(can(Some(&admin), Action::AdministerInstance));
        assert!(can(Some(&admin), Action::ManageSpace("b")));
        assert!(!can(None, Action::OpenWorkplace));
        assert!(!can(Some(&citizen), Action::OpenWorkplace));
        assert!(can(Some(&mod_a), Action::OpenWorkplace));
        assert!(can(Some(&admin), Action::OpenWorkplace));
    }
}
