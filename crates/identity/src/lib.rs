//! Who someone is: sign-in through the instance's OpenID Connect providers (FranceConnect for
//! residents, ProConnect for agents, a regional one), the identities an account holds, and
//! linking a provider's identity to an existing account once its owner confirms.

mod providers;
mod store;
mod web;

use kernel::Component;
use kernel::db::Migration;

/// The component's manifest.
pub fn component() -> Component {
    Component {
        name: "identity",
        routes: web::routes(),
        migrations: MIGRATIONS,
        locales: Some(LOCALES),
        ..Component::empty("identity")
    }
}

/// The component's texts, French and English.
pub const LOCALES: (&str, &str) = kernel::locales!();

/// The component's tables.
pub const MIGRATIONS: &[Migration] = kernel::migrations!("identity", "0001_sign_ins");

#[cfg(test)]
mod tests {
    #[test]
    fn both_languages_have_the_same_keys() {
        kernel::i18n::same_keys(super::LOCALES.0, super::LOCALES.1).unwrap();
    }
}
