//! A space's setup for reports: teams and their members, categories (services) with their
//! questions, API clients, the area served.

use super::*;

/// Creates a team in a space.
pub async fn create_team(
    db: &Db,
    space_id: &str,
    name: &str,
    email: &str,
) -> Result<Team, StoreError> {
    let id = new_id();
    sqlx::query("INSERT INTO report_teams (id, space_id, name, email, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(space_id)
        .bind(name)
        .bind(email)
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    Ok(Team {
        id,
        name: name.into(),
        email: email.into(),
    })
}

/// What a new category is made of.
pub struct CategoryInput<'a> {
    /// Service code.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Group.
    pub group: &'a str,
    /// Keywords.
    pub keywords: &'a str,
    /// Description.
    pub description: &'a str,
    /// Team.
    pub team_id: &'a str,
    /// Extra questions.
    pub attributes: &'a [Attribute],
}

/// Creates a category routed to a team; a code the space already uses is refused on the field
/// `code`.
pub async fn create_category(
    db: &Db,
    space_id: &str,
    c: &CategoryInput<'_>,
) -> Result<String, StoreError> {
    let id = new_id();
    let attributes = json(c.attributes)?;
    let res = sqlx::query(
        "INSERT INTO report_categories (id, space_id, code, name, grp, keywords, description, team_id, attributes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(space_id)
    .bind(c.code)
    .bind(c.name)
    .bind(c.group)
    .bind(c.keywords)
    .bind(c.description)
    .bind(c.team_id)
    .bind(attributes)
    .bind(now_ms())
    .execute(db.pool())
    .await;
    match res {
        Err(e) if kernel::error::is_unique_violation(&e, "report_categories", "code") => {
            let taken = kernel::FieldError::new("code", "report.code_taken");
            Err(StoreError::Invalid(taken.into()))
        }
        other => Ok(other.map(|_| id)?),
    }
}

const CATEGORY: &str = "SELECT id, space_id, code, name, grp, keywords, description, team_id, attributes FROM report_categories";

fn category(r: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: r.try_get("id")?,
        space_id: r.try_get("space_id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        group: r.try_get("grp")?,
        keywords: r.try_get("keywords")?,
        description: r.try_get("description")?,
        team_id: r.try_get("team_id")?,
        attributes: serde_json::from_str(&r.try_get::<String, _>("attributes")?)
            .unwrap_or_default(),
    })
}

/// The categories of a space, by code.
pub async fn categories(db: &Db, space_id: &str) -> Result<Vec<Category>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CATEGORY} WHERE space_id = $1 ORDER BY code"
    )))
    .bind(space_id);
    Ok(db.fetch_all_with(query, category).await?)
}

/// The category of a space with this code.
pub async fn category_by_code(
    db: &Db,
    space_id: &str,
    code: &str,
) -> Result<Option<Category>, StoreError> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CATEGORY} WHERE space_id = $1 AND code = $2"
    )))
    .bind(space_id)
    .bind(code);
    Ok(db.fetch_optional_with(query, category).await?)
}

/// The slugs of the spaces that take reports.
pub async fn jurisdictions(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT s.slug FROM spaces s JOIN report_categories c ON c.space_id = s.id ORDER BY s.slug",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Registers a client application of a space; returns its key, shown once.
pub async fn create_client(
    db: &Db,
    space_id: &str,
    name: &str,
    key: Option<&str>,
) -> Result<String, StoreError> {
    let key = key
        .map(str::to_string)
        .unwrap_or_else(kernel::ids::new_token);
    sqlx::query("INSERT INTO report_clients (id, space_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(space_id)
        .bind(name)
        .bind(hash_secret(&key))
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    Ok(key)
}

/// The client application of a space with this key, if registered and not revoked.
pub async fn client_by_key(
    db: &Db,
    space_id: &str,
    key: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM report_clients WHERE space_id = $1 AND key_hash = $2 AND revoked_at IS NULL",
    )
    .bind(space_id)
    .bind(hash_secret(key))
    .fetch_optional(db.pool())
    .await?)
}

/// The teams of a space `user_id` belongs to.
pub async fn teams_of(db: &Db, space_id: &str, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT m.team_id FROM report_team_members m JOIN report_teams t ON t.id = m.team_id \
         WHERE t.space_id = $1 AND m.user_id = $2",
    )
    .bind(space_id)
    .bind(user_id)
    .fetch_all(db.pool())
    .await?)
}

/// Adds a member to a team.
pub async fn add_member(db: &Db, team_id: &str, user_id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The teams of a space.
pub async fn teams(db: &Db, space_id: &str) -> Result<Vec<Team>, StoreError> {
    let query =
        sqlx::query("SELECT id, name, email FROM report_teams WHERE space_id = $1 ORDER BY name")
            .bind(space_id);
    Ok(db.fetch_all_with(query, team).await?)
}

fn team(r: &AnyRow) -> Result<Team, sqlx::Error> {
    Ok(Team {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
    })
}

/// A client application of a space, without its key.
pub struct Client {
    /// Opaque id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Registered (UTC ms).
    pub created_at: i64,
}

/// The client applications of a space that are not revoked.
pub async fn clients(db: &Db, space_id: &str) -> Result<Vec<Client>, StoreError> {
    let query = sqlx::query(
        "SELECT id, name, created_at FROM report_clients WHERE space_id = $1 AND revoked_at IS NULL ORDER BY created_at",
    )
    .bind(space_id);
    Ok(db.fetch_all_with(query, client).await?)
}

fn client(r: &AnyRow) -> Result<Client, sqlx::Error> {
    Ok(Client {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Revokes a client application of a space: its key stops working at once.
pub async fn revoke_client(db: &Db, space_id: &str, id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE report_clients SET revoked_at = $1 WHERE space_id = $2 AND id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(space_id)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The members of the teams of a space: (team id, display name).
pub async fn members(db: &Db, space_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let query = sqlx::query(
        "SELECT m.team_id, u.display_name FROM report_team_members m JOIN report_teams t ON t.id = m.team_id \
         JOIN users u ON u.id = m.user_id WHERE t.space_id = $1 ORDER BY u.display_name",
    )
    .bind(space_id);
    Ok(db
        .fetch_all_with(query, |r| {
            Ok((r.try_get("team_id")?, r.try_get("display_name")?))
        })
        .await?)
}

/// The members of a team: user id and name.
pub async fn team_members(db: &Db, team_id: &str) -> Result<Vec<(String, String)>, StoreError> {
    let query = sqlx::query(
        "SELECT u.id, u.display_name FROM report_team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 AND u.deleted_at IS NULL ORDER BY u.display_name",
    )
    .bind(team_id);
    Ok(db
        .fetch_all_with(query, |r| {
            Ok((r.try_get("id")?, r.try_get("display_name")?))
        })
        .await?)
}

/// The area a space takes reports in, when its administrators set one.
pub async fn area(db: &Db, space_id: &str) -> Result<Option<crate::model::Area>, StoreError> {
    let row = sqlx::query("SELECT west, south, east, north FROM report_areas WHERE space_id = $1")
        .bind(space_id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        Some(r) => Ok(Some(crate::model::Area {
            west: r.try_get("west")?,
            south: r.try_get("south")?,
            east: r.try_get("east")?,
            north: r.try_get("north")?,
        })),
        None => Ok(None),
    }
}

/// Sets the area a space takes reports in.
pub async fn set_area(db: &Db, space_id: &str, a: &crate::model::Area) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_areas (space_id, west, south, east, north) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (space_id) DO UPDATE SET west = excluded.west, south = excluded.south, east = excluded.east, north = excluded.north",
    )
    .bind(space_id)
    .bind(a.west)
    .bind(a.south)
    .bind(a.east)
    .bind(a.north)
    .execute(db.pool())
    .await?;
    Ok(())
}
