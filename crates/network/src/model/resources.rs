//! Resources: the methodological guides, templates and tools members publish, with their
//! licence and attachments, parsed from a form into a valid resource or every field's error.

use super::Method;
use kernel::i18n::Lang;
use kernel::uploads::Attachment;
use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};

/// The kinds of resource (names in the texts, `network.resource_kind.{code}`).
pub const KINDS: &[&str] = &["guide", "template", "tool", "report"];

/// The licences a resource may carry (names in the texts, `network.licence.{code}`); `other`
/// is named in a free text.
pub const LICENCES: &[&str] = &[
    "cc_by_4",
    "cc_by_sa_4",
    "etalab_2",
    "other",
    "all_rights_reserved",
];

/// Most characters of a resource's title.
pub const TITLE_MAX: usize = 160;

/// Most characters of a resource's summary.
pub const SUMMARY_MAX: usize = 600;

/// Most characters of a resource's body.
pub const BODY_MAX: usize = 20_000;

/// Most characters of the name of another licence.
pub const LICENCE_OTHER_MAX: usize = 120;

/// A valid resource.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceInput {
    /// 5 to 160 characters.
    pub title: String,
    /// What it is for, 1 to 600 characters, paragraphs.
    pub summary: String,
    /// Markdown subset (`kernel::markdown`), may be empty.
    pub body: String,
    /// A code of [`KINDS`].
    pub kind: String,
    /// Codes of the network's methods, in the vocabulary's order, at least one.
    pub methods: Vec<String>,
    /// A code of [`LICENCES`].
    pub licence: String,
    /// The licence's name when it is `other`, else empty.
    pub licence_other: String,
    /// Attached documents.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl ResourceInput {
    /// Reads the form: `title`, `summary`, `body`, `kind`, `methods` (repeated, codes of
    /// `methods`), `licence` and, for another licence, `licence_other`. Attachments are the
    /// caller's (they come with the multipart form).
    pub fn parse<'a>(
        form: &impl FormPairs<'a>,
        methods: &[Method],
    ) -> Result<ResourceInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.take(text::line(form.get("title"), "title", 5, TITLE_MAX));
        let summary = errors.take(
            text::paragraphs(form.get("summary"), "summary", SUMMARY_MAX).and_then(|s| {
                if s.is_empty() {
                    Err(FieldError::new("summary", "text.required"))
                } else {
                    Ok(s)
                }
            }),
        );
        let body = errors.take(text::paragraphs(form.get("body"), "body", BODY_MAX));
        let kind = form.get("kind").trim().to_string();
        if kind.is_empty() {
            errors.push(FieldError::new("kind", "network.resource_kind_required"));
        } else if !KINDS.contains(&kind.as_str()) {
            errors.push(FieldError::new("kind", "network.resource_kind_unknown"));
        }
        let chosen = form.list("methods");
        if chosen.is_empty() {
            errors.push(FieldError::new("methods", "network.method_required"));
        } else if chosen.iter().any(|c| !methods.iter().any(|m| &m.code == c)) {
            errors.push(FieldError::new("methods", "network.method_unknown"));
        }
        let chosen: Vec<String> = methods
            .iter()
            .filter(|m| chosen.contains(&m.code))
            .map(|m| m.code.clone())
            .collect();
        let licence = form.get("licence").trim().to_string();
        let mut licence_other = Some(String::new());
        if licence.is_empty() {
            errors.push(FieldError::new("licence", "network.licence_required"));
        } else if !LICENCES.contains(&licence.as_str()) {
            errors.push(FieldError::new("licence", "network.licence_unknown"));
        } else if licence == "other" {
            licence_other = errors.take(text::line(
                form.get("licence_other"),
                "licence_other",
                2,
                LICENCE_OTHER_MAX,
            ));
        }
        match (title, summary, body, licence_other) {
            (Some(title), Some(summary), Some(body), Some(licence_other)) if errors.is_empty() => {
                Ok(ResourceInput {
                    title,
                    summary,
                    body,
                    kind,
                    methods: chosen,
                    licence,
                    licence_other,
                    attachments: Vec::new(),
                })
            }
            _ => Err(errors),
        }
    }

    /// The form of a resource as it stands.
    pub fn fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = [
            ("title", &self.title),
            ("summary", &self.summary),
            ("body", &self.body),
            ("kind", &self.kind),
            ("licence", &self.licence),
            ("licence_other", &self.licence_other),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
        out.extend(
            self.methods
                .iter()
                .map(|m| ("methods".to_string(), m.clone())),
        );
        out.extend(
            self.attachments
                .iter()
                .map(|a| ("kept_attachment".to_string(), a.kept_value())),
        );
        out
    }

    /// The fields that differ from `other`: compared as stored (a file replaced by another of
    /// the same name is a change), attachments shown by their names.
    pub fn diff(&self, other: &ResourceInput) -> Vec<kernel::review::FieldChange> {
        kernel::review::diff(&self.fields(), &other.fields(), |field, v| match field {
            "kept_attachment" => Attachment::from_kept(v).map_or_else(|| v.to_string(), |a| a.name),
            _ => v.to_string(),
        })
    }

    /// The licence's name in a language: the name typed for another licence.
    pub fn licence_name(&self, lang: Lang) -> String {
        if self.licence == "other" {
            self.licence_other.clone()
        } else {
            kernel::i18n::tr(lang, &format!("network.licence.{}", self.licence)).to_string()
        }
    }
}

/// What a list of resources is narrowed to: a kind, a method.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceFilter {
    /// A code of [`KINDS`].
    pub kind: Option<String>,
    /// A method's code.
    pub method: Option<String>,
}

impl ResourceFilter {
    /// The filter of an address's `kind` and `method`, each kept only when it names a known
    /// one (an unknown value narrows nothing).
    pub fn parse(kind: &str, method: &str, methods: &[Method]) -> ResourceFilter {
        let (kind, method) = (kind.trim(), method.trim());
        ResourceFilter {
            kind: KINDS.iter().find(|k| **k == kind).map(|k| k.to_string()),
            method: methods
                .iter()
                .find(|m| m.code == method)
                .map(|m| m.code.clone()),
        }
    }
    /// The query string of the filter, `kind=…&method=…&` or empty, to which a page number is
    /// added.
    pub fn query(&self) -> String {
        super::query(&[("kind", &self.kind), ("method", &self.method)])
    }
    /// Whether it narrows anything.
    pub fn is_empty(&self) -> bool {
        self.kind.is_none() && self.method.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods() -> Vec<Method> {
        crate::model::fixtures::methods(&["budget-participatif", "conversation", "debat-public"])
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<ResourceInput, FieldErrors> {
        let form: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ResourceInput::parse(&form.as_slice(), &methods())
    }

    #[test]
    fn a_good_resource_keeps_the_vocabulary_order() {
        let r = parse(&[
            ("title", "  Guide du budget participatif  "),
            ("summary", "Les étapes d'un budget participatif."),
            ("body", "**Étapes**\n\n1. Le règlement"),
            ("kind", "guide"),
            ("methods", "debat-public"),
            ("methods", "budget-participatif"),
            ("licence", "cc_by_sa_4"),
            ("licence_other", "ignorée"),
        ])
        .unwrap();
        assert_eq!(r.title, "Guide du budget participatif");
        assert_eq!(r.methods, ["budget-participatif", "debat-public"]);
        assert_eq!(r.licence, "cc_by_sa_4");
        assert_eq!(r.licence_other, "", "only another licence is named");
        let r = parse(&[
            ("title", "Modèle de règlement"),
            ("summary", "Un règlement type."),
            ("kind", "template"),
            ("methods", "conversation"),
            ("licence", "other"),
            ("licence_other", "GNU FDL 1.3"),
        ])
        .unwrap();
        assert_eq!(r.body, "");
        assert_eq!(r.licence_name(Lang::Fr), "GNU FDL 1.3");
    }

    #[test]
    fn a_bad_resource_names_every_field() {
        let e = parse(&[
            ("title", "Abc"),
            ("kind", "poster"),
            ("methods", "tirage-au-sort"),
            ("licence", "wtfpl"),
        ])
        .unwrap_err();
        assert_eq!(e.on("title"), Some("text.too_short"));
        assert_eq!(e.on("summary"), Some("text.required"));
        assert_eq!(e.on("kind"), Some("network.resource_kind_unknown"));
        assert_eq!(e.on("methods"), Some("network.method_unknown"));
        assert_eq!(e.on("licence"), Some("network.licence_unknown"));
        let e = parse(&[("title", "Un guide"), ("licence", "other")]).unwrap_err();
        assert_eq!(e.on("kind"), Some("network.resource_kind_required"));
        assert_eq!(e.on("methods"), Some("network.method_required"));
        assert_eq!(e.on("licence_other"), Some("text.required"));
        assert_eq!(e.on("title"), None);
        let e = parse(&[("licence", ""), ("body", &"x".repeat(BODY_MAX + 1))]).unwrap_err();
        assert_eq!(e.on("licence"), Some("network.licence_required"));
        assert_eq!(e.on("body"), Some("text.too_long"));
    }

    #[test]
    fn a_revision_lists_the_fields_it_changes() {
        let a = parse(&[
            ("title", "Modèle de règlement"),
            ("summary", "Un règlement type."),
            ("kind", "template"),
            ("methods", "conversation"),
            ("licence", "cc_by_4"),
        ])
        .unwrap();
        let same = ResourceInput::parse(&a.fields().as_slice(), &methods()).unwrap();
        assert_eq!(same, a, "a resource's form reads back as the resource");
        let mut b = a.clone();
        b.licence = "etalab_2".into();
        let d = a.diff(&b);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "licence");
    }

    #[test]
    fn a_filter_keeps_known_values_only() {
        let f = ResourceFilter::parse("tool", "inconnue", &methods());
        assert_eq!(f.kind.as_deref(), Some("tool"));
        assert_eq!(f.method, None);
        assert_eq!(f.query(), "kind=tool&");
        let f = ResourceFilter::parse("poster", "conversation", &methods());
        assert_eq!(f.query(), "method=conversation&");
        assert!(ResourceFilter::default().is_empty());
    }
}
