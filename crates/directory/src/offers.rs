//! Offers: what a company of the directory sells to territories (title, themes, description,
//! the sizes of territory it suits, the territories where it is deployed, its status), parsed
//! from a form into a valid offer or every field's error, and stored.
//!
//! An offer is written by the owners of a published actor and shown at once (the actor itself
//! was moderated); moderators, and the owners, withdraw it.

use crate::error::StoreError;
use kernel::changes::Entry;
use kernel::db::{Db, Op};
use kernel::ids::{new_id, now_ms};
use kernel::territories::{Territory, TerritoryKind, TerritoryRef};
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Sizes of territory an offer suits: the population bands of the referential.
pub const SIZES: &[&str] = kernel::territories::POPULATION_BANDS;

/// Where an offer stands commercially.
pub const STATUSES: &[&str] = &["available", "pilot", "development", "withdrawn"];

/// Most territories an offer lists as references.
pub const MAX_REFERENCES: usize = 50;

/// A valid offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferInput {
    /// 3 to 140 characters.
    pub title: String,
    /// Themes of the directory's taxonomy, at least one.
    pub themes: Vec<String>,
    /// Markdown subset, at most 10,000 characters.
    pub description: String,
    /// Codes of [`SIZES`].
    pub sizes: Vec<String>,
    /// Territories where it is deployed, `kind/code`, each in the referential.
    pub references: Vec<String>,
    /// A code of [`STATUSES`].
    pub status: String,
}

/// The raw fields of an offer form (`themes` and `sizes` repeat; `references` is one
/// territory per line, by `kind/code`, INSEE code or name).
pub struct OfferFields<'a>(pub &'a [(String, String)]);

impl<'a> FormPairs<'a> for OfferFields<'a> {
    fn pairs(&self) -> &'a [(String, String)] {
        self.0
    }
}

impl<'a> OfferFields<'a> {
    /// Parses the form; `resolve` turns a typed territory into `kind/code` and says whether
    /// the referential holds it.
    pub fn parse(
        &self,
        tax: &crate::terms::Taxonomy,
        resolve: impl Fn(&str) -> Option<String>,
    ) -> Result<OfferInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(self.get("title"), "title", 3, 140));
        let themes = self.list("themes");
        if themes.is_empty() {
            errors.push(FieldError::new("themes", "actor.themes_required"));
        } else if themes.iter().any(|t| !tax.knows("theme", t)) {
            errors.push(FieldError::new("themes", "actor.unknown_term"));
        }
        let description = errors.take(text::paragraphs(
            self.get("description"),
            "description",
            10_000,
        ));
        let sizes = self.list("sizes");
        if sizes.iter().any(|s| !SIZES.contains(&s.as_str())) {
            errors.push(FieldError::new("sizes", "actor.unknown_term"));
        }
        let mut references: Vec<String> = Vec::new();
        let typed: Vec<&str> = self
            .get("references")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if typed.len() > MAX_REFERENCES {
            errors.push(FieldError::new("references", "offer.too_many_references"));
        } else {
            for line in typed {
                match resolve(line) {
                    Some(r) if !references.contains(&r) => references.push(r),
                    Some(_) => {}
                    None => {
                        errors.push(FieldError::new("references", "offer.reference"));
                        break;
                    }
                }
            }
        }
        let status = self.get("status").trim().to_string();
        if !STATUSES.contains(&status.as_str()) {
            errors.push(FieldError::new("status", "offer.status"));
        }
        match (title, description) {
            (Some(title), Some(description)) if errors.is_empty() => Ok(OfferInput {
                title,
                themes,
                description,
                sizes,
                references,
                status,
            }),
            _ => Err(errors),
        }
    }
}

impl OfferInput {
    /// The form of an offer as it stands.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("title".to_string(), self.title.clone()),
            ("description".to_string(), self.description.clone()),
            ("references".to_string(), self.references.join("\n")),
            ("status".to_string(), self.status.clone()),
        ];
        out.extend(
            self.themes
                .iter()
                .map(|t| ("themes".to_string(), t.clone())),
        );
        out.extend(self.sizes.iter().map(|t| ("sizes".to_string(), t.clone())));
        out
    }
}

/// An offer as stored, with what the pages show of its actor.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Opaque id.
    pub id: String,
    /// The actor that makes it.
    pub actor_id: String,
    /// The actor's name.
    pub actor_name: String,
    /// The actor's address (`/directory/actors/{slug}`).
    pub actor_url: String,
    /// The actor's position.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Whether it is shown (not withdrawn) and its actor published.
    pub visible: bool,
    /// Its fields.
    pub data: OfferInput,
    /// Creation (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
    /// The actor's région (INSEE code).
    pub region: String,
    /// The actor's commune (INSEE code).
    pub actor_commune: String,
}

impl Offer {
    /// Its page.
    pub fn url(&self) -> String {
        offer_url(&self.id)
    }
}

/// The page of the offer with this id.
pub fn offer_url(id: &str) -> String {
    format!("/directory/offers/{id}")
}

fn split(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

const SELECT: &str = "SELECT o.id, o.actor_id, a.name, a.slug, a.lat, a.lon, \
     CASE WHEN o.state = 'published' AND a.state = 'published' THEN 1 ELSE 0 END AS visible, \
     o.title, o.themes, o.description, o.sizes, o.refs, o.status, o.created_at, o.updated_at, \
     a.region, a.commune FROM offers o JOIN actors a ON a.id = o.actor_id";

fn from_row(r: &AnyRow) -> Result<Offer, sqlx::Error> {
    Ok(Offer {
        id: r.try_get("id")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("name")?,
        actor_url: crate::store::actor_url(&r.try_get::<String, _>("slug")?),
        lat: r.try_get("lat")?,
        lon: r.try_get("lon")?,
        visible: r.try_get::<i64, _>("visible")? == 1,
        data: OfferInput {
            title: r.try_get("title")?,
            themes: split(&r.try_get::<String, _>("themes")?, ','),
            description: r.try_get("description")?,
            sizes: split(&r.try_get::<String, _>("sizes")?, ','),
            references: split(&r.try_get::<String, _>("refs")?, ','),
            status: r.try_get("status")?,
        },
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        region: r.try_get("region")?,
        actor_commune: r.try_get("commune")?,
    })
}

/// Adds an offer to an actor. Returns its id.
pub async fn create(
    db: &Db,
    actor_id: &str,
    o: &OfferInput,
    by: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let now = now_ms();
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO offers (id, actor_id, state, title, themes, description, sizes, refs, status, \
         created_by, created_at, updated_at) VALUES ($1, $2, 'published', $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&id)
    .bind(actor_id)
    .bind(&o.title)
    .bind(o.themes.join(","))
    .bind(&o.description)
    .bind(o.sizes.join(","))
    .bind(o.references.join(","))
    .bind(&o.status)
    .bind(by)
    .bind(now)
    .execute(&mut *w)
    .await?;
    w.audit(Some(by), "offer.create", "offer", &id, &o.title)
        .await?;
    w.changed(crate::OFFER, &id, Op::Upsert).await?;
    w.commit().await?;
    Ok(id)
}

/// Rewrites an offer's fields.
pub async fn update(db: &Db, id: &str, o: &OfferInput, by: &str) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    sqlx::query(
        "UPDATE offers SET title = $1, themes = $2, description = $3, sizes = $4, refs = $5, \
         status = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(&o.title)
    .bind(o.themes.join(","))
    .bind(&o.description)
    .bind(o.sizes.join(","))
    .bind(o.references.join(","))
    .bind(&o.status)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?;
    w.audit(Some(by), "offer.update", "offer", id, "").await?;
    w.changed(crate::OFFER, id, Op::Upsert).await?;
    w.commit().await?;
    Ok(())
}

/// Withdraws an offer from the directory, logged with the reason, with the `mails` that tell
/// its owners.
pub async fn withdraw(
    db: &Db,
    id: &str,
    reason: &str,
    by: &str,
    mails: &[kernel::mail::Letter],
) -> Result<(), StoreError> {
    let mut w = db.write().await?;
    let n = sqlx::query(
        "UPDATE offers SET state = 'removed', updated_at = $1 WHERE id = $2 AND state = 'published'",
    )
    .bind(now_ms())
    .bind(id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::OfferRemoved);
    }
    w.audit(Some(by), "offer.remove", "offer", id, reason)
        .await?;
    w.changed(crate::OFFER, id, Op::Upsert).await?;
    w.mails(mails).await?;
    w.commit().await?;
    Ok(())
}

/// One offer, withdrawn or not.
pub async fn get(db: &Db, id: &str) -> Result<Option<Offer>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The offers of an actor that are shown, by title.
pub async fn of_actor(db: &Db, actor_id: &str) -> Result<Vec<Offer>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE o.actor_id = $1 AND o.state = 'published' ORDER BY o.title, o.id"
    )))
    .bind(actor_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// What the list of offers is filtered by: a theme, a size of territory, a status.
#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    /// A theme of the directory's taxonomy.
    pub theme: Option<String>,
    /// A code of [`SIZES`].
    pub size: Option<String>,
    /// A code of [`STATUSES`].
    pub status: Option<String>,
}

impl OfferFilter {
    fn sql(&self) -> (String, Vec<String>) {
        let mut clauses = vec!["o.state = 'published' AND a.state = 'published'".to_string()];
        let mut binds = Vec::new();
        for (column, value) in [("o.themes", &self.theme), ("o.sizes", &self.size)] {
            if let Some(v) = value {
                binds.push(format!("%,{v},%"));
                clauses.push(format!("(',' || {column} || ',') LIKE ${}", binds.len()));
            }
        }
        if let Some(v) = &self.status {
            binds.push(v.clone());
            clauses.push(format!("o.status = ${}", binds.len()));
        }
        (clauses.join(" AND "), binds)
    }
}

/// A page of the shown offers matching a filter, by title, and how many match in all.
pub async fn list(
    db: &Db,
    filter: &OfferFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Offer>, i64), StoreError> {
    let (clause, binds) = filter.sql();
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM offers o JOIN actors a ON a.id = o.actor_id WHERE {clause}"
    )));
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(db.pool()).await?;
    let n = binds.len();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE {clause} ORDER BY o.title, o.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    )));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(db.pool()).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

/// The SQL condition that an offer is on one of `n` themes, bound as parameters 1 to `n`
/// (`%,{theme},%`).
fn on_any_theme(n: usize) -> String {
    (1..=n)
        .map(|i| format!("(',' || o.themes || ',') LIKE ${i}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The shown offers on one of some themes, by actor (the challenges' suggestions).
pub async fn on_themes(db: &Db, themes: &[String], limit: i64) -> Result<Vec<Offer>, StoreError> {
    if themes.is_empty() {
        return Ok(Vec::new());
    }
    let any = on_any_theme(themes.len());
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE o.state = 'published' AND a.state = 'published' AND ({any}) \
         ORDER BY a.name_key, o.title LIMIT ${}",
        themes.len() + 1
    )));
    for t in themes {
        q = q.bind(format!("%,{t},%"));
    }
    let rows = q.bind(limit).fetch_all(db.pool()).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The shown offers on one of some themes whose actor is located in `area` or which list
/// deployments, those located first, by actor, at most `limit`; each with whether its actor is
/// located in the area (the deployments are the caller's to compare with it).
pub async fn on_themes_in(
    db: &Db,
    themes: &[String],
    area: &Territory,
    limit: i64,
) -> Result<Vec<(Offer, bool)>, StoreError> {
    if themes.is_empty() {
        return Ok(Vec::new());
    }
    let any = on_any_theme(themes.len());
    let n = themes.len();
    // Whether the actor is located in the area, with the area's code as parameter `p`.
    let located = |p: usize| match area.kind {
        TerritoryKind::Region => format!("a.region = ${p}"),
        TerritoryKind::Departement => format!("a.departement = ${p}"),
        TerritoryKind::Commune => format!("a.commune = ${p}"),
        TerritoryKind::Epci => format!(
            "a.commune IN (SELECT code FROM territories WHERE kind = 'commune' AND epci_code = ${p})"
        ),
    };
    // The offers' columns, and whether the actor is located in the area.
    let select = SELECT.replacen(
        " FROM offers o",
        &format!(
            ", CASE WHEN {} THEN 1 ELSE 0 END AS located FROM offers o",
            located(n + 1)
        ),
        1,
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{select} WHERE o.state = 'published' AND a.state = 'published' AND ({any}) \
         AND ({} OR o.refs <> '') ORDER BY 18 DESC, a.name_key, o.title LIMIT ${}",
        located(n + 2),
        n + 3
    )));
    for t in themes {
        q = q.bind(format!("%,{t},%"));
    }
    let rows = q
        .bind(&area.code)
        .bind(&area.code)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((from_row(r)?, r.try_get::<i64, _>("located")? == 1)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// One page of the shown offers by id, after a cursor (the open data).
pub async fn export_page(
    db: &Db,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<Offer>, StoreError> {
    let after = after.map(|(_, id)| id).unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE o.state = 'published' AND a.state = 'published' AND o.id > $1 \
         ORDER BY o.id LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

fn entry(o: Offer) -> Entry {
    Entry {
        doc: o.visible.then(|| kernel::search::SearchDoc {
            kind: "offer",
            id: o.id.clone(),
            url: o.url(),
            title: o.data.title.clone(),
            body: format!(
                "{} {}",
                o.actor_name,
                kernel::markdown::to_plain(&o.data.description)
            ),
            tag: "search.tag.offer",
            subtitle: o.actor_name.clone(),
            boost: 1.0,
            region: o.region.clone(),
            date: None,
        }),
        point: None,
        sublayer: None,
    }
}

/// Every shown offer as an index entry.
pub async fn index_entries(db: Db) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE o.state = 'published' AND a.state = 'published'"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(|r| from_row(r).map(entry)).collect()
}

/// The index entry of one offer.
pub async fn index_entry(db: Db, id: String) -> Result<Option<Entry>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE o.id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| from_row(&r).map(entry)).transpose()
}

/// Parses `kind/code` references as stored.
pub fn references(o: &OfferInput) -> Vec<TerritoryRef> {
    o.references
        .iter()
        .filter_map(|r| TerritoryRef::parse(r).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_offer_is_parsed_and_its_references_resolved() {
        let p = pairs(&[
            ("title", "Éclairage public piloté"),
            ("themes", "lighting"),
            ("themes", "energy"),
            ("sizes", "2k_10k"),
            ("references", "Lannion\n22113\n"),
            ("status", "available"),
        ]);
        let tax = crate::terms::Taxonomy::seeded();
        let o = OfferFields(&p)
            .parse(&tax, |t| {
                (t == "Lannion" || t == "22113").then(|| "commune/22113".to_string())
            })
            .unwrap();
        assert_eq!(o.themes, ["lighting", "energy"]);
        assert_eq!(o.references, ["commune/22113"], "one territory once");
        let bad = pairs(&[
            ("title", "É"),
            ("themes", "teleportation"),
            ("sizes", "huge"),
            ("references", "Atlantide"),
            ("status", "maybe"),
        ]);
        let e = OfferFields(&bad).parse(&tax, |_| None).unwrap_err();
        for (field, code) in [
            ("themes", "actor.unknown_term"),
            ("sizes", "actor.unknown_term"),
            ("references", "offer.reference"),
            ("status", "offer.status"),
        ] {
            assert_eq!(e.on(field), Some(code), "{field}");
        }
        assert!(e.on("title").is_some());
    }
}
