//! A process, its fields, its perimeter and its phases.

use super::*;

/// A participatory process of a space.
#[derive(Debug, Clone)]
pub struct Process {
    /// Opaque id.
    pub id: String,
    /// The space it belongs to.
    pub space_id: String,
    /// The space's address.
    pub space_slug: String,
    /// The space's name.
    pub space_name: String,
    /// Its address inside the space.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One-paragraph summary.
    pub summary: String,
    /// Description, paragraphs separated by blank lines.
    pub description: String,
    /// Creation time (ms).
    pub created_at: i64,
    /// Its image (an upload name), or empty.
    pub image: String,
    /// Themes.
    pub themes: Vec<String>,
    /// The area contributions must be located in, when one is set.
    pub perimeter: Option<Perimeter>,
    /// A draft (seen by its space's administrators only) or published.
    pub publication: kernel::publication::Publication,
}

impl Process {
    /// The process's page.
    pub fn url(&self) -> String {
        format!("/s/{}/processes/{}", self.space_slug, self.slug)
    }
    /// The paragraphs of the description.
    pub fn paragraphs(&self) -> Vec<&str> {
        text::split_paragraphs(&self.description)
    }
    /// The perimeter as map points (`data-polygon` of `map.js`), or empty.
    pub fn perimeter_json(&self) -> String {
        self.perimeter
            .as_ref()
            .map(Perimeter::to_json)
            .unwrap_or_default()
    }
}

/// A valid process submission.
#[derive(Debug, Clone)]
pub struct ProcessInput {
    /// Address inside the space.
    pub slug: Slug,
    /// Title, 3 to 140 characters.
    pub title: String,
    /// Summary, at most 400 characters.
    pub summary: String,
    /// Description, at most 10,000 characters.
    pub description: String,
    /// Themes, at most 10 of at most 40 characters.
    pub themes: Vec<String>,
    /// The perimeter, if any.
    pub perimeter: Option<Perimeter>,
}

/// The raw fields of a process form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProcessFields {
    /// Address.
    #[serde(default)]
    pub slug: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Summary.
    #[serde(default)]
    pub summary: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Themes, comma-separated.
    #[serde(default)]
    pub themes: String,
    /// The perimeter: one `lat, lon` per line.
    #[serde(default)]
    pub perimeter: String,
}

impl ProcessFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<ProcessInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let slug = errors.take(Slug::parse(&self.slug));
        let title = errors.take(text::line(&self.title, "title", 3, 140));
        let summary = errors.take(text::paragraphs(&self.summary, "summary", 400));
        let description = errors.take(text::paragraphs(&self.description, "description", 10_000));
        let themes = errors.take(parse_themes(&self.themes));
        let perimeter = errors.take(Perimeter::parse(&self.perimeter));
        match (slug, title, summary, description, themes, perimeter) {
            (
                Some(slug),
                Some(title),
                Some(summary),
                Some(description),
                Some(themes),
                Some(perimeter),
            ) => Ok(ProcessInput {
                slug,
                title,
                summary,
                description,
                themes,
                perimeter,
            }),
            _ => Err(errors),
        }
    }
}

/// Themes typed comma-separated: at most 10, each 2 to 40 characters, without repeats.
pub fn parse_themes(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for t in raw.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let t = text::line(t, "themes", 2, 40)?;
        if !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t);
        }
    }
    if out.len() > 10 {
        return Err(FieldError::new("themes", "process.too_many_themes"));
    }
    Ok(out)
}

/// The area of a process: a polygon of 3 to 500 points (WGS84), its ring closed implicitly.
#[derive(Debug, Clone, PartialEq)]
pub struct Perimeter(pub Vec<Position>);

impl Perimeter {
    /// Parses one `lat, lon` (or `lat lon`) per line; empty means no perimeter.
    pub fn parse(raw: &str) -> Result<Option<Perimeter>, FieldError> {
        let mut points = Vec::new();
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parts: Vec<&str> = line
                .split([';', ' ', '\t', ','])
                .filter(|p| !p.is_empty())
                .collect();
            let [lat, lon] = parts[..] else {
                return Err(FieldError::new("perimeter", "process.perimeter_format"));
            };
            let p = Position::parse(lat, lon)
                .map_err(|_| FieldError::new("perimeter", "process.perimeter_format"))?;
            points.push(p);
        }
        match points.len() {
            0 => Ok(None),
            3..=500 => Ok(Some(Perimeter(points))),
            _ => Err(FieldError::new("perimeter", "process.perimeter_points")),
        }
    }

    /// The perimeter as typed back into its form.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|p| format!("{:.6}, {:.6}", p.lat, p.lon))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// As stored and as given to the map: `[[lat, lon], …]`.
    pub fn to_json(&self) -> String {
        serde_json::Value::from(
            self.0
                .iter()
                .map(|p| serde_json::json!([p.lat, p.lon]))
                .collect::<Vec<_>>(),
        )
        .to_string()
    }

    /// Reads what [`to_json`](Self::to_json) wrote; anything else is no perimeter.
    pub fn from_json(raw: &str) -> Option<Perimeter> {
        let v: Vec<[f64; 2]> = serde_json::from_str(raw).ok()?;
        (v.len() >= 3).then(|| {
            Perimeter(
                v.into_iter()
                    .map(|[lat, lon]| Position { lat, lon })
                    .collect(),
            )
        })
    }

    /// Whether a position is inside (even-odd rule on the plane of degrees, fine at the size
    /// of a territory).
    pub fn contains(&self, p: Position) -> bool {
        let pts = &self.0;
        let mut inside = false;
        let mut j = pts.len() - 1;
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[j]);
            if (a.lat > p.lat) != (b.lat > p.lat)
                && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon
            {
                inside = !inside;
            }
            j = i;
        }
        inside
    }

    /// The centre of its bounding box, to start a map from.
    pub fn centre(&self) -> Position {
        let (mut s, mut w, mut n, mut e) = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
        for p in &self.0 {
            s = s.min(p.lat);
            n = n.max(p.lat);
            w = w.min(p.lon);
            e = e.max(p.lon);
        }
        Position {
            lat: (s + n) / 2.0,
            lon: (w + e) / 2.0,
        }
    }
}

/// A phase of a process: a name and inclusive dates (Paris calendar).
#[derive(Debug, Clone)]
pub struct Phase {
    /// Opaque id.
    pub id: String,
    /// Its process.
    pub process_id: String,
    /// Name ("Dépôt des idées").
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day.
    pub ends_on: Date,
    /// What happens in it, paragraphs separated by blank lines; may be empty.
    pub description: String,
}

impl Phase {
    /// The paragraphs of the description.
    pub fn paragraphs(&self) -> Vec<&str> {
        text::split_paragraphs(&self.description)
    }
    /// Whether `day` falls within the phase.
    pub fn covers(&self, day: Date) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// The phase current on `day`: the first covering it.
pub fn current_phase(phases: &[Phase], day: Date) -> Option<&Phase> {
    phases.iter().find(|p| p.covers(day))
}

/// A valid phase submission.
#[derive(Debug, Clone)]
pub struct PhaseInput {
    /// Name, 2 to 80 characters.
    pub name: String,
    /// First day.
    pub starts_on: Date,
    /// Last day, not before the first.
    pub ends_on: Date,
    /// Description, at most 2,000 characters.
    pub description: String,
}

/// The raw fields of a phase form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PhaseFields {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub starts_on: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub ends_on: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

impl PhaseFields {
    /// The fields of a phase, to change it.
    pub fn of(p: &Phase) -> Self {
        PhaseFields {
            name: p.name.clone(),
            starts_on: p.starts_on.to_string(),
            ends_on: p.ends_on.to_string(),
            description: p.description.clone(),
        }
    }

    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<PhaseInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.take(text::line(&self.name, "name", 2, 80));
        let starts_on = errors.take(clock::parse_date(&self.starts_on, "starts_on"));
        let ends_on = errors.take(clock::parse_date(&self.ends_on, "ends_on"));
        let description = errors.take(text::paragraphs(&self.description, "description", 2_000));
        if let (Some(a), Some(b)) = (starts_on, ends_on)
            && b < a
        {
            errors.push(FieldError::new("ends_on", "phase.ends_before"));
        }
        match (name, starts_on, ends_on, description) {
            (Some(name), Some(starts_on), Some(ends_on), Some(description))
                if errors.is_empty() =>
            {
                Ok(PhaseInput {
                    name,
                    starts_on,
                    ends_on,
                    description,
                })
            }
            _ => Err(errors),
        }
    }
}
