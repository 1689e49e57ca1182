//! Spaces: domain types.

use crate::error::{FieldError, FieldErrors};
use crate::territories::TerritoryRef;

/// A space's address: 2 to 40 of `a-z`, `0-9` and inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

const RESERVED: &[&str] = &["admin", "api", "new", "assets", "data", "embed", "search"];

impl Slug {
    /// Parses a slug.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let ok = (2..=SLUG_MAX).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if !ok {
            return Err(FieldError::new("slug", "slug.format"));
        }
        if RESERVED.contains(&s) {
            return Err(FieldError::new("slug", "slug.reserved"));
        }
        Ok(Slug(s.to_string()))
    }
    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address made from a title when none is typed: its words with accents folded,
    /// lowercase, joined by hyphens and cut at a word to leave room for a suffix; `fallback` when
    /// the title has no letter or digit. The first of `base`, `base-2`, `base-3`… that is neither
    /// reserved nor `taken` (the addresses already used where it must be unique).
    pub fn from_title(title: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> Slug {
        // Room for "-" and a number of up to four digits.
        const ROOM: usize = SLUG_MAX - 5;
        let mut base = String::new();
        for word in crate::text::folded_words(title) {
            let more = if base.is_empty() { 0 } else { 1 } + word.len();
            if base.len() + more > ROOM {
                if base.is_empty() {
                    base = word.chars().take(ROOM).collect();
                }
                break;
            }
            if !base.is_empty() {
                base.push('-');
            }
            base.push_str(&word);
        }
        if base.len() < 2 {
            base = fallback.to_string();
        }
        let free = |s: &str| !RESERVED.contains(&s) && !taken(s);
        if free(&base) {
            return Slug(base);
        }
        let mut n = 2u32;
        loop {
            let candidate = format!("{base}-{n}");
            if free(&candidate) {
                return Slug(candidate);
            }
            n += 1;
        }
    }
}

/// The longest address.
const SLUG_MAX: usize = 40;

/// A colour `#rrggbb` dark enough for white text on it (contrast ratio at least 4.5:1, WCAG AA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccentColor(String);

fn channel(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

impl AccentColor {
    /// Parses a colour.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let hex = s.strip_prefix('#').unwrap_or(&s);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError::new("accent_color", "color.format"));
        }
        let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        let lum = 0.2126 * channel(v(0)) + 0.7152 * channel(v(2)) + 0.0722 * channel(v(4));
        let contrast = 1.05 / (lum + 0.05);
        if contrast < 4.5 {
            return Err(FieldError::new("accent_color", "color.contrast"));
        }
        Ok(AccentColor(format!("#{hex}")))
    }
    /// `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A space as stored.
#[derive(Debug, Clone)]
pub struct Space {
    /// Opaque id.
    pub id: String,
    /// Address.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description, plain text with paragraphs.
    pub description: String,
    /// The territory it belongs to.
    pub territory: TerritoryRef,
    /// Name of that territory.
    pub territory_name: String,
    /// Accent colour.
    pub accent_color: String,
    /// File name of the logo in the uploads, if any.
    pub logo: Option<String>,
    /// Creation time (ms).
    pub created_at: i64,
}

impl Space {
    /// The space's home page.
    pub fn url(&self) -> String {
        format!("/s/{}", self.slug)
    }
    /// The paragraphs of the description.
    pub fn paragraphs(&self) -> Vec<&str> {
        crate::text::split_paragraphs(&self.description)
    }
}

/// A valid space submission.
#[derive(Debug, Clone)]
pub struct SpaceInput {
    /// Address.
    pub slug: Slug,
    /// Name, 2 to 120 characters.
    pub name: String,
    /// Description, at most 4,000 characters.
    pub description: String,
    /// Territory.
    pub territory: TerritoryRef,
    /// Accent colour.
    pub accent_color: AccentColor,
}

/// The raw fields of a space form or API body.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpaceFields {
    /// Address, such as `lannion`.
    #[schema(
        min_length = 2,
        max_length = 40,
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "lannion"
    )]
    pub slug: String,
    /// Name.
    #[schema(min_length = 2, max_length = 120, example = "Lannion participe")]
    pub name: String,
    /// Description; blank lines separate paragraphs.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// Territory as `kind/code`: `commune/22113`, `epci/200065928`, `departement/22`, `region/53`.
    #[schema(
        pattern = "^(region|departement|epci|commune)/[0-9A-Za-z]{1,9}$",
        example = "commune/22113"
    )]
    pub territory: String,
    /// Accent colour `#rrggbb`, dark enough for white text (default `#1d4f91`).
    #[serde(default)]
    #[schema(pattern = "^(#[0-9a-fA-F]{6})?$", example = "#00577a")]
    pub accent_color: String,
}

impl SpaceFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<SpaceInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let slug = errors.take(Slug::parse(&self.slug));
        let name = self.name.trim().to_string();
        if name.chars().count() < 2 || name.chars().count() > 120 {
            errors.push(FieldError::new("name", "space.name_length"));
        } else if name.chars().any(char::is_control) {
            errors.push(FieldError::new("name", "text.control"));
        }
        let description = self.description.trim().replace("\r\n", "\n");
        if description.chars().count() > 4000 {
            errors.push(FieldError::new("description", "space.description_length"));
        } else if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            errors.push(FieldError::new("description", "text.control"));
        }
        let territory = errors.take(TerritoryRef::parse(&self.territory));
        let accent_color = errors.take(AccentColor::parse(if self.accent_color.is_empty() {
            "#1d4f91"
        } else {
            &self.accent_color
        }));
        match (slug, territory, accent_color) {
            (Some(slug), Some(territory), Some(accent_color)) if errors.is_empty() => {
                Ok(SpaceInput {
                    slug,
                    name,
                    description,
                    territory,
                    accent_color,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lowercase_words() {
        assert!(Slug::parse("lannion").is_ok());
        assert!(Slug::parse("saint-brieuc-2026").is_ok());
        for bad in [
            "L",
            "Lannion",
            "-x",
            "x-",
            "a--b",
            "a b",
            "é",
            &"a".repeat(41),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Slug::parse("admin").unwrap_err().code, "slug.reserved");
    }

    #[test]
    fn an_address_from_a_title_is_folded_capped_and_made_unique_with_a_number() {
        let none = |_: &str| false;
        let s = Slug::from_title("Budget participatif : Été 2027 !", "x", none);
        assert_eq!(s.as_str(), "budget-participatif-ete-2027");
        let long = Slug::from_title(
            "Réaménagement des berges du Léguer et de la rue des Augustins",
            "x",
            none,
        );
        assert!(long.as_str().len() <= 35, "{}", long.as_str());
        assert_eq!(long.as_str(), "reamenagement-des-berges-du-leguer");
        assert!(Slug::parse(long.as_str()).is_ok());
        let taken = |s: &str| ["lannion-2030", "lannion-2030-2"].contains(&s);
        assert_eq!(
            Slug::from_title("Lannion 2030", "x", taken).as_str(),
            "lannion-2030-3"
        );
        assert_eq!(
            Slug::from_title("« ! »", "demarche", none).as_str(),
            "demarche"
        );
        // A reserved address is never made: a route owns it.
        assert_eq!(Slug::from_title("New", "x", none).as_str(), "new-2");
        let one_long_word = "a".repeat(60);
        assert_eq!(
            Slug::from_title(&one_long_word, "x", none).as_str().len(),
            35
        );
    }

    #[test]
    fn accent_colours_must_carry_white_text() {
        assert_eq!(AccentColor::parse("#1D4F91").unwrap().as_str(), "#1d4f91");
        assert_eq!(
            AccentColor::parse("#ffff00").unwrap_err().code,
            "color.contrast"
        );
        assert_eq!(AccentColor::parse("blue").unwrap_err().code, "color.format");
    }

    #[test]
    fn a_space_form_reports_every_bad_field() {
        let f = SpaceFields {
            slug: "A".into(),
            name: "x".into(),
            territory: "ville/1".into(),
            accent_color: "#fff".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        for field in ["slug", "name", "territory", "accent_color"] {
            assert!(e.on(field).is_some(), "{field}");
        }
        let f = SpaceFields {
            slug: "ok".into(),
            name: "Nul\0part".into(),
            description: "a\u{7}b".into(),
            territory: "commune/22113".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        assert_eq!(e.on("name"), Some("text.control"));
        assert_eq!(e.on("description"), Some("text.control"));
    }
}
