//! Demo content: realistic French spaces in real territories, and accounts to try them. Running
//! it again changes nothing that exists. Components add their own demo content on top.

use crate::accounts::{DisplayName, Email, Password, Role, hash_password, store as accounts};
use crate::db::Db;
use crate::error::Error;
use crate::search::fold;
use crate::spaces::model::SpaceFields;
use crate::spaces::store as spaces;
use sqlx::Row;

/// What a component's demo content is made with: the database, and where its images go.
#[derive(Clone)]
pub struct Demo {
    /// The database.
    pub db: Db,
    /// The uploaded files.
    pub uploads: crate::uploads::Uploads,
}

impl Demo {
    /// The demo content of the database `db` whose files are kept in `data_dir`.
    pub fn new(db: Db, data_dir: &std::path::Path) -> Demo {
        Demo {
            db,
            uploads: crate::uploads::Uploads::new(data_dir),
        }
    }

    /// The demo content of an instance: its database, and its files where its configuration
    /// keeps them.
    pub fn of(config: &crate::config::Config, db: Db) -> Result<Demo, crate::config::ConfigError> {
        let files = crate::uploads::FileStore::open(config, &db)?;
        Ok(Demo {
            db,
            uploads: crate::uploads::Uploads::with_files(files),
        })
    }
}

/// A banner image for demo content, as PNG: a sky of `colour` (`#rrggbb`) over three rows of
/// hills, drawn from `seed` so that each item gets its own and a new run draws the same.
pub fn banner(colour: &str, seed: u64) -> Vec<u8> {
    const W: u32 = 1200;
    const H: u32 = 480;
    let hex = |i: usize| u8::from_str_radix(colour.get(i..i + 2).unwrap_or("60"), 16).unwrap_or(96);
    let base = [hex(1), hex(3), hex(5)].map(f32::from);
    // Towards white by `t` (0 the colour, 1 white), or towards black for a negative `t`.
    let tint = |t: f32| -> image::Rgb<u8> {
        image::Rgb(base.map(|c| {
            let v = if t >= 0.0 {
                c + (255.0 - c) * t
            } else {
                c * (1.0 + t)
            };
            v.round().clamp(0.0, 255.0) as u8
        }))
    };
    // Three ridges, each a sum of two waves whose phases come from the seed.
    let mut phase = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        phase ^= phase << 13;
        phase ^= phase >> 7;
        phase ^= phase << 17;
        (phase % 10_000) as f32 / 10_000.0 * std::f32::consts::TAU
    };
    let ridges: Vec<(f32, f32, f32, image::Rgb<u8>)> = [(0.45, 0.35), (0.62, 0.0), (0.8, -0.35)]
        .into_iter()
        .map(|(height, shade)| (height, next(), next(), tint(shade)))
        .collect();
    let img = image::RgbImage::from_fn(W, H, |x, y| {
        let (fx, fy) = (x as f32 / W as f32, y as f32 / H as f32);
        let mut pixel = tint(0.85 - 0.55 * fy);
        for (height, a, b, colour) in &ridges {
            let top = height
                + 0.06 * (fx * std::f32::consts::TAU * 1.3 + a).sin()
                + 0.03 * (fx * std::f32::consts::TAU * 3.1 + b).sin();
            if fy > top {
                pixel = *colour;
            }
        }
        pixel
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("a PNG is written to memory");
    out.into_inner()
}

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Territoires-Demo-2026";
/// The demo instance administrator.
pub const DEMO_ADMIN: &str = "admin@demo.territoires.fr";
/// The key of the demo administrator's authenticator app (instance administrators sign in with
/// a second factor). Demo only: it is printed in the README so that anyone may try the demo.
pub const DEMO_ADMIN_TOTP: &str = "JBSWY3DPEHPK3PXPTERRITOIRESDEMO2";

/// The demo administrator's account id, once the demo accounts exist (the components' demo
/// content is theirs).
pub async fn admin(db: &Db) -> Result<Option<String>, Error> {
    let email = Email::parse(DEMO_ADMIN)?;
    Ok(accounts::user_by_email(db, &email).await?.map(|u| u.id))
}

struct StorySpace {
    slug: &'static str,
    name: &'static str,
    territory: &'static str,
    color: &'static str,
    description: &'static str,
    /// The area its maps open on: (west, south, east, north).
    area: (f64, f64, f64, f64),
}

/// The three spaces the product's story starts from.
const STORY: [StorySpace; 3] = [
    StorySpace {
        slug: "lannion",
        name: "Lannion participe",
        territory: "commune/22113",
        color: "#00577a",
        area: (-3.56, 48.70, -3.40, 48.79),
        description: "Cartographie participative de Lannion : signalez un lieu à améliorer, proposez un aménagement, partagez le patrimoine de votre quartier.\n\nLes contributions sont étudiées par les services de la ville et chaque proposition reçoit une réponse publique.",
    },
    StorySpace {
        slug: "montauban",
        name: "Montauban, ma ville",
        territory: "commune/82121",
        color: "#8a2d12",
        area: (1.24, 43.93, 1.47, 44.10),
        description: "Signalez en quelques secondes un nid-de-poule, un éclairage en panne ou un dépôt sauvage : votre signalement part directement au service concerné.\n\nSuivez son traitement jusqu'à sa résolution.",
    },
    StorySpace {
        slug: "occitanie",
        name: "Votation citoyenne Occitanie",
        territory: "region/76",
        color: "#6b1d5c",
        area: (-0.33, 42.33, 4.85, 45.05),
        description: "La Région Occitanie consulte ses habitantes et ses habitants sur les grandes orientations régionales.\n\nChaque personne inscrite vote une fois ; les résultats sont publiés et vérifiables.",
    },
];

const THEMES: [&str; 6] = [
    "mobilités douces et partage de l'espace public",
    "transition énergétique des bâtiments communaux",
    "végétalisation des cours d'école",
    "budget participatif des quartiers",
    "propreté et gestion des déchets",
    "vie associative et culturelle",
];

/// What the generator did.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Spaces created by this run.
    pub spaces_created: usize,
    /// Accounts created by this run.
    pub accounts_created: usize,
}

async fn ensure_account(
    db: &Db,
    email: &str,
    name: &str,
    summary: &mut DemoSummary,
) -> Result<String, Error> {
    let email = Email::parse(email)?;
    if let Some(u) = accounts::user_by_email(db, &email).await? {
        return Ok(u.id);
    }
    let hash = hash_password(&Password::parse(DEMO_PASSWORD)?)?;
    let name = DisplayName::parse(name)?;
    let id = if email.as_str() == DEMO_ADMIN {
        let id = accounts::create_admin_user(db, &email, &hash, &name).await?;
        crate::accounts::second_factor::set_up_with(db, &id, DEMO_ADMIN_TOTP).await?;
        id
    } else {
        let id = accounts::create_user(db, &email, &hash, &name, Default::default()).await?;
        sqlx::query("UPDATE users SET confirmed_at = $1 WHERE id = $2")
            .bind(crate::ids::now_ms())
            .bind(&id)
            .execute(db.pool())
            .await?;
        id
    };
    summary.accounts_created += 1;
    Ok(id)
}

fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in fold(name).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-')
        .chars()
        .take(34)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Creates the demo accounts, the three story spaces and `scale` more spaces in the most
/// populous communes. `progress(done, total)` is called as it goes.
pub async fn seed(
    db: &Db,
    scale: usize,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<DemoSummary, Error> {
    let mut summary = DemoSummary::default();
    let admin = ensure_account(db, DEMO_ADMIN, "Administration Territoires", &mut summary).await?;
    ensure_account(
        db,
        "camille.martin@demo.territoires.fr",
        "Camille Martin",
        &mut summary,
    )
    .await?;
    let lannion_admin = ensure_account(
        db,
        "yann.le-gall@demo.territoires.fr",
        "Yann Le Gall",
        &mut summary,
    )
    .await?;
    let montauban_agent = ensure_account(
        db,
        "agent.voirie@demo.territoires.fr",
        "Service voirie de Montauban",
        &mut summary,
    )
    .await?;

    let mut wanted: Vec<SpaceFields> = STORY
        .iter()
        .map(|s| SpaceFields {
            slug: s.slug.into(),
            name: s.name.into(),
            description: s.description.into(),
            territory: s.territory.into(),
            accent_color: s.color.into(),
        })
        .collect();
    if scale > 0 {
        let rows = sqlx::query(
            "SELECT code, name, departement_code FROM territories WHERE kind = 'commune' AND code NOT IN ('22113', '82121') \
             ORDER BY population DESC NULLS LAST, code LIMIT $1",
        )
        .bind(scale as i64)
        .fetch_all(db.pool())
        .await?;
        let names: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?;
        for (i, r) in rows.iter().enumerate() {
            let code: String = r.try_get("code")?;
            let name: String = r.try_get("name")?;
            // Two communes of the same name (Saint-Denis) are told apart by their département.
            let shown = if names.iter().filter(|n| **n == name).count() > 1 {
                format!(
                    "{name} ({})",
                    r.try_get::<Option<String>, _>("departement_code")?
                        .unwrap_or_default()
                )
            } else {
                name.clone()
            };
            let theme = THEMES[i % THEMES.len()];
            wanted.push(SpaceFields {
                slug: format!("{}-{}", slugify(&name), code.to_lowercase()),
                name: format!("{shown} en commun"),
                description: format!(
                    "L'espace de participation de {name}. Cette année, la commune invite ses habitantes et ses habitants à contribuer sur : {theme}.\n\nProposez, commentez, soutenez : chaque contribution reçoit une réponse."
                ),
                territory: format!("commune/{code}"),
                accent_color: ["#1d4f91", "#005f4b", "#7a3b00", "#4b2c83"][i % 4].into(),
            });
        }
    }
    let total = wanted.len() as u64;
    for (i, fields) in wanted.iter().enumerate() {
        if spaces::get_by_slug(db, &fields.slug).await?.is_none() {
            let input = fields.parse().map_err(Error::Invalid)?;
            spaces::create(db, &input, None, Some(&admin)).await?;
            summary.spaces_created += 1;
        }
        progress(i as u64 + 1, total);
    }
    for story in &STORY {
        if let Some(space) = spaces::get_by_slug(db, story.slug).await?
            && spaces::area(db, &space.id).await?.is_none()
        {
            let (west, south, east, north) = story.area;
            let area = crate::geo::Area {
                west,
                south,
                east,
                north,
            };
            spaces::set_area(db, &space.id, Some(&area), &admin).await?;
        }
    }
    if let Some(lannion) = spaces::get_by_slug(db, "lannion").await? {
        accounts::grant(
            db,
            &lannion_admin,
            Role::SpaceAdmin,
            Some(&lannion.id),
            Some(&admin),
        )
        .await?;
    }
    if let Some(montauban) = spaces::get_by_slug(db, "montauban").await? {
        accounts::grant(
            db,
            &montauban_agent,
            Role::Agent,
            Some(&montauban.id),
            Some(&admin),
        )
        .await?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_of_commune_names_are_ascii() {
        assert_eq!(slugify("Saint-Étienne"), "saint-etienne");
        assert_eq!(slugify("L'Haÿ-les-Roses"), "l-hay-les-roses");
    }
}
