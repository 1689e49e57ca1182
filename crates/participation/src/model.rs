//! Processes: domain types.

use kernel::FieldErrors;
use kernel::spaces::Slug;
use kernel::text;

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
}

impl ProcessFields {
    /// Parses every field, collecting all errors.
    pub fn parse(&self) -> Result<ProcessInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let slug = errors.take(Slug::parse(&self.slug));
        let title = errors.take(text::line(&self.title, "title", 3, 140));
        let summary = errors.take(text::paragraphs(&self.summary, "summary", 400));
        let description = errors.take(text::paragraphs(&self.description, "description", 10_000));
        match (slug, title, summary, description) {
            (Some(slug), Some(title), Some(summary), Some(description)) => Ok(ProcessInput {
                slug,
                title,
                summary,
                description,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_needs_an_address_and_a_title() {
        let f = ProcessFields {
            slug: "Budget 2027".into(),
            title: "B".into(),
            ..Default::default()
        };
        let e = f.parse().unwrap_err();
        assert_eq!(e.on("slug"), Some("slug.format"));
        assert_eq!(e.on("title"), Some("text.too_short"));
        let ok = ProcessFields {
            slug: "budget-2027".into(),
            title: "Budget participatif 2027".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.slug.as_str(), "budget-2027");
    }
}
