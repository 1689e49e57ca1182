//! Configuration: flags, then `TERRITOIRES_*` environment variables, then an optional TOML file,
//! then defaults. The binary reads flags and environment; this module merges and checks.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The settings given by flags or environment (each `None` when not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// Address and port to listen on.
    pub listen: Option<String>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://…` or `postgres://…`).
    pub database_url: Option<String>,
    /// Public base URL, used in mails and feeds.
    pub base_url: Option<String>,
    /// SMTP URL (`smtp://host:port`, `smtps://user:pass@host`); without it, mail is only kept
    /// in the queue (read at `/admin/outbox`).
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    pub mail_from: Option<String>,
    /// Whether a reverse proxy stands in front (client addresses from `X-Forwarded-For`).
    pub behind_proxy: Option<bool>,
    /// The bearer token that opens `/metrics`.
    pub metrics_token: Option<String>,
    /// The limits on anonymous writes.
    pub limits: Option<Limits>,
    /// The base URL of an addok-compatible geocoder (empty: none).
    pub geocoder_url: Option<String>,
    /// Where uploaded files are kept: `dir`, `database` or `s3://BUCKET/PREFIX`.
    pub files: Option<String>,
    /// How to reach the S3-compatible storage of `files = "s3://…"`.
    pub s3: S3Access,
    /// An OpenID Connect provider named `oidc`, from `TERRITOIRES_OIDC_ISSUER`,
    /// `TERRITOIRES_OIDC_CLIENT_ID` and `TERRITOIRES_OIDC_CLIENT_SECRET`; added to the file's.
    pub oidc: Option<OidcProvider>,
    /// Whether people may sign in and register with a password.
    pub password_sign_in: Option<bool>,
}

/// An OpenID Connect provider people sign in with (FranceConnect, ProConnect, a regional one):
/// a `[[oidc]]` table of the TOML file.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OidcProvider {
    /// Its short name, in the sign-in addresses (`/auth/{name}`): lower-case letters, digits
    /// and dashes.
    pub name: String,
    /// Its issuer URL, whose discovery document (`/.well-known/openid-configuration`) says the
    /// rest.
    pub issuer: String,
    /// The platform's client id at the provider.
    pub client_id: String,
    /// The platform's client secret at the provider.
    pub client_secret: String,
    /// The scopes asked for, besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Its name as people know it (« FranceConnect »), in mails and on the account page; its
    /// short name when none is given.
    #[serde(default)]
    pub title: String,
    /// The sign-in button's text in French.
    #[serde(default)]
    pub label_fr: String,
    /// The sign-in button's text in English.
    #[serde(default)]
    pub label_en: String,
    /// The claims whose values, joined by a space, make the person's name on the platform.
    #[serde(default = "default_name_claims")]
    pub name_claims: Vec<String>,
    /// The claim holding the person's e-mail address.
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    /// Whether a sign-in with this provider counts as a verification of the person's identity.
    #[serde(default)]
    pub verifies_identity: bool,
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

fn default_name_claims() -> Vec<String> {
    vec!["given_name".into(), "family_name".into()]
}

fn default_email_claim() -> String {
    "email".into()
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OidcProvider {
    /// The provider named `oidc` of the three settings, when the three are given.
    pub fn from_settings(
        issuer: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    ) -> Option<OidcProvider> {
        let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        Some(OidcProvider {
            name: "oidc".into(),
            issuer: given(issuer)?,
            client_id: given(client_id)?,
            client_secret: given(client_secret)?,
            scopes: default_scopes(),
            title: String::new(),
            label_fr: String::new(),
            label_en: String::new(),
            name_claims: default_name_claims(),
            email_claim: default_email_claim(),
            verifies_identity: false,
        })
    }

    /// Its name as people know it.
    pub fn title(&self) -> &str {
        if self.title.trim().is_empty() {
            &self.name
        } else {
            self.title.trim()
        }
    }

    /// The sign-in button's text in `lang`.
    pub fn label(&self, lang: crate::i18n::Lang) -> String {
        let given = match lang {
            crate::i18n::Lang::Fr => &self.label_fr,
            crate::i18n::Lang::En => &self.label_en,
        };
        if given.trim().is_empty() {
            crate::i18n::trf(lang, "login.with_provider", &[("provider", self.title())])
        } else {
            given.clone()
        }
    }

    /// Checks the provider's settings, each problem one sentence.
    fn check(mut self) -> Result<OidcProvider, ConfigError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 32
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(ConfigError(format!(
                "the OpenID Connect provider name \"{}\" must be lower-case letters, digits and dashes, such as franceconnect",
                self.name
            )));
        }
        let what = format!("the issuer of the OpenID Connect provider {}", self.name);
        self.issuer = check_http_url(self.issuer.trim(), &what, "https://auth.example.fr")?;
        if self.client_id.trim().is_empty() || self.client_secret.is_empty() {
            return Err(ConfigError(format!(
                "the OpenID Connect provider {} needs its client_id and client_secret",
                self.name
            )));
        }
        self.scopes.retain(|s| s != "openid");
        Ok(self)
    }
}

/// How to reach S3-compatible object storage: each `None` when not given. Read from
/// `TERRITOIRES_S3_*` variables or the TOML file's `s3_*` settings; the usual `AWS_*` variables
/// fill in what neither gives.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Access {
    /// The storage's URL, such as `https://s3.fr-par.scw.cloud` or `http://127.0.0.1:9000`
    /// (plain HTTP is allowed for such a local address); none: Amazon S3 itself.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when none is given).
    pub region: Option<String>,
    /// The access key's id.
    pub access_key_id: Option<String>,
    /// The access key's secret.
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Access")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

impl S3Access {
    /// Each value of `self`, else of `other`.
    fn or(self, other: S3Access) -> S3Access {
        S3Access {
            endpoint: self.endpoint.or(other.endpoint),
            region: self.region.or(other.region),
            access_key_id: self.access_key_id.or(other.access_key_id),
            secret_access_key: self.secret_access_key.or(other.secret_access_key),
        }
    }
}

/// Where uploaded files (photos, logos, images, attachments) are kept, each under a name drawn
/// from its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// In the data directory (`DATA_DIR/uploads`): one node.
    Dir,
    /// In the database, in chunks: shared by every node of a PostgreSQL database, with no other
    /// service.
    Database,
    /// In a bucket of S3-compatible object storage, under a prefix (empty or without slashes at
    /// its ends).
    S3 {
        /// The bucket's name.
        bucket: String,
        /// The folder within the bucket.
        prefix: String,
    },
}

impl Files {
    /// Reads a `files` setting: `dir`, `database` or `s3://BUCKET[/PREFIX]`.
    pub fn parse(text: &str) -> Result<Files, ConfigError> {
        let text = text.trim();
        match text {
            "dir" => return Ok(Files::Dir),
            "database" => return Ok(Files::Database),
            _ => {}
        }
        let bad = || {
            ConfigError(format!(
                "the files setting \"{text}\" is not one of dir, database or s3://BUCKET/PREFIX"
            ))
        };
        let rest = text.strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok || prefix.starts_with('/') || prefix.contains("//") || prefix.contains(' ') {
            return Err(bad());
        }
        let prefix = prefix.trim_end_matches('/');
        Ok(Files::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

impl std::fmt::Display for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Files::Dir => f.write_str("dir"),
            Files::Database => f.write_str("database"),
            Files::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Files::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// How many anonymous writes one client address, and how many mails one target address, may
/// cause in an hour. Set in the TOML file's `[limits]` table.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Issue reports sent without a confirmed account, per client address and hour.
    pub reports_per_hour: u32,
    /// Registrations, per client address and hour.
    pub registrations_per_hour: u32,
    /// Password reset requests and confirmation resends, per client address and hour.
    pub resets_per_hour: u32,
    /// Mails that an anonymous or unconfirmed request causes (confirmations, reset links), per
    /// receiving address and hour, counted across every node.
    pub mails_per_address_per_hour: u32,
    /// Votes and statements of conversations without an account, per client address and hour
    /// (a town hall's kiosk serves many residents).
    pub conversation_writes_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            reports_per_hour: 10,
            registrations_per_hour: 5,
            resets_per_hour: 5,
            mails_per_address_per_hour: 3,
            conversation_writes_per_hour: 2000,
        }
    }
}

/// The optional TOML file, same names as the environment variables without the prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    base_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    tile_url: Option<String>,
    tile_attribution: Option<String>,
    behind_proxy: Option<bool>,
    metrics_token: Option<String>,
    limits: Option<Limits>,
    geocoder_url: Option<String>,
    files: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
    /// Whether people may sign in (and register) with a password; true by default.
    password_sign_in: Option<bool>,
    #[serde(default)]
    oidc: Vec<OidcProvider>,
}

/// The resolved configuration of a running instance.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Where the SQLite database and uploads live.
    pub data_dir: PathBuf,
    /// The database URL; SQLite in the data directory by default.
    pub database_url: String,
    /// Public base URL without trailing slash.
    pub base_url: String,
    /// SMTP URL, when mail is sent for real.
    pub smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    pub mail_from: String,
    /// Map tile URL template (Leaflet syntax).
    pub tile_url: String,
    /// Attribution shown on maps, as the tile provider requires.
    pub tile_attribution: String,
    /// Whether cookies carry the Secure flag (base URL in HTTPS).
    pub secure_cookies: bool,
    /// Whether a reverse proxy stands in front: the client's address is then the last one of
    /// `X-Forwarded-For`, the one the proxy added.
    pub behind_proxy: bool,
    /// The bearer token that opens `/metrics`; without one, only loopback clients of a node
    /// that is not behind a proxy may read it.
    pub metrics_token: Option<String>,
    /// The limits on anonymous writes.
    pub limits: Limits,
    /// The base URL of an addok-compatible geocoder (the Base Adresse Nationale's API,
    /// `https://api-adresse.data.gouv.fr`, or a self-hosted addok), without trailing slash; none
    /// by default: maps are then placed by tap alone.
    pub geocoder_url: Option<String>,
    /// Where uploaded files are kept: the database with PostgreSQL, the data directory with
    /// SQLite, unless set.
    pub files: Files,
    /// How to reach S3-compatible storage, for `files = "s3://…"` (and `territoires files
    /// migrate --to s3://…`).
    pub s3: S3Access,
    /// The OpenID Connect providers people may sign in with, each name once.
    pub oidc: Vec<OidcProvider>,
    /// Whether people may sign in and register with a password (an instance whose residents
    /// all come through FranceConnect, say, turns it off).
    pub password_sign_in: bool,
}

/// A configuration problem, said in one sentence.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl FileConfig {
    /// Reads the TOML file at `path`.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))
        })?;
        toml::from_str(&text).map_err(|e| {
            ConfigError(format!(
                "the configuration file {} is not valid: {}",
                path.display(),
                e.message()
            ))
        })
    }
}

impl Config {
    /// Merges overrides over the file over the defaults, and checks every value.
    pub fn resolve(o: Overrides, file: FileConfig) -> Result<Self, ConfigError> {
        let listen_text = o
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            ConfigError(format!(
                "the listen address \"{listen_text}\" is not of the form ADDRESS:PORT, such as 127.0.0.1:8080"
            ))
        })?;
        let data_dir = o
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = match o.database_url.or(file.database_url) {
            Some(url) => check_database_url(&url)?,
            None => format!("sqlite://{}", data_dir.join("territoires.db").display()),
        };
        let base_url = o
            .base_url
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let base_url = check_base_url(&base_url)?;
        let smtp_url = o.smtp_url.or(file.smtp_url).filter(|s| !s.is_empty());
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError(format!(
                "the SMTP URL \"{url}\" must start with smtp:// or smtps://"
            )));
        }
        let geocoder_url = o
            .geocoder_url
            .or(file.geocoder_url)
            .filter(|u| !u.trim().is_empty())
            .map(|u| check_geocoder_url(u.trim()))
            .transpose()?;
        let files = match o.files.or(file.files).filter(|f| !f.trim().is_empty()) {
            Some(text) => Files::parse(&text)?,
            None if database_url.starts_with("sqlite:") => Files::Dir,
            None => Files::Database,
        };
        let s3 = o.s3.or(S3Access {
            endpoint: file.s3_endpoint,
            region: file.s3_region,
            access_key_id: file.s3_access_key_id,
            secret_access_key: file.s3_secret_access_key,
        });
        let s3 = S3Access {
            endpoint: s3
                .endpoint
                .filter(|e| !e.trim().is_empty())
                .map(|e| check_s3_endpoint(e.trim()))
                .transpose()?,
            region: s3.region.filter(|r| !r.trim().is_empty()),
            access_key_id: s3.access_key_id.filter(|k| !k.is_empty()),
            secret_access_key: s3.secret_access_key.filter(|k| !k.is_empty()),
        };
        let mut oidc = Vec::new();
        for provider in file.oidc.into_iter().chain(o.oidc) {
            let provider = provider.check()?;
            if oidc.iter().any(|p: &OidcProvider| p.name == provider.name) {
                return Err(ConfigError(format!(
                    "two OpenID Connect providers are named {}",
                    provider.name
                )));
            }
            oidc.push(provider);
        }
        Ok(Config {
            oidc,
            password_sign_in: o.password_sign_in.or(file.password_sign_in).unwrap_or(true),
            files,
            s3,
            geocoder_url,
            listen,
            data_dir,
            database_url,
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            smtp_url,
            mail_from: o
                .mail_from
                .or(file.mail_from)
                .unwrap_or_else(|| "Territoires <ne-pas-repondre@territoires.localhost>".into()),
            tile_url: file
                .tile_url
                .unwrap_or_else(|| "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into()),
            behind_proxy: o.behind_proxy.or(file.behind_proxy).unwrap_or(false),
            metrics_token: o
                .metrics_token
                .or(file.metrics_token)
                .filter(|t| !t.trim().is_empty()),
            limits: o.limits.or(file.limits).unwrap_or_default(),
            tile_attribution: file.tile_attribution.unwrap_or_else(|| {
                "© les contributeurs d'OpenStreetMap / OpenStreetMap contributors".into()
            }),
        })
    }

    /// Creates the data directory when missing and checks that it is writable.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            ConfigError(format!(
                "cannot create the data directory {}: {e}",
                dir.display()
            ))
        })?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok").map_err(|e| {
            ConfigError(format!(
                "the data directory {} is not writable: {e}",
                dir.display()
            ))
        })?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    /// The OpenID Connect provider named `name`, if it is configured.
    pub fn oidc_provider(&self, name: &str) -> Option<&OidcProvider> {
        self.oidc.iter().find(|p| p.name == name)
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn check_database_url(url: &str) -> Result<String, ConfigError> {
    let ok = url.starts_with("sqlite:")
        || ((url.starts_with("postgres://") || url.starts_with("postgresql://"))
            && url.len() > "postgres://".len());
    if ok {
        Ok(url.to_string())
    } else {
        Err(ConfigError(format!(
            "the database URL \"{}\" is malformed: it must start with sqlite:// or postgres://",
            redact(url)
        )))
    }
}

fn check_geocoder_url(url: &str) -> Result<String, ConfigError> {
    check_http_url(url, "the geocoder URL", "https://api-adresse.data.gouv.fr")
}

fn check_s3_endpoint(url: &str) -> Result<String, ConfigError> {
    check_http_url(url, "the S3 endpoint", "https://s3.fr-par.scw.cloud")
}

/// An http(s) base address with a host, without its trailing slash; `what` and `example` name
/// it in the error.
fn check_http_url(url: &str, what: &str, example: &str) -> Result<String, ConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !host.contains(' ') => {
            Ok(url.trim_end_matches('/').to_string())
        }
        _ => Err(ConfigError(format!(
            "{what} \"{url}\" is malformed: it must look like {example}"
        ))),
    }
}

fn check_base_url(url: &str) -> Result<String, ConfigError> {
    check_http_url(url, "the base URL", "https://participation.example.fr")
}

/// A URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_listen_on_loopback_8080_with_sqlite_in_data() {
        let c = Config::resolve(Overrides::default(), FileConfig::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/territoires.db");
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert!(!c.secure_cookies);
    }

    #[test]
    fn flags_win_over_the_file() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\nbase_url = \"https://x.fr/\"").unwrap();
        let o = Overrides {
            listen: Some("127.0.0.1:9999".into()),
            ..Default::default()
        };
        let c = Config::resolve(o, file).unwrap();
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.base_url, "https://x.fr");
        assert!(c.secure_cookies);
    }

    #[test]
    fn a_geocoder_is_set_by_the_file_or_the_environment_and_none_by_default() {
        let c = Config::resolve(Overrides::default(), FileConfig::default()).unwrap();
        assert_eq!(c.geocoder_url, None);
        let file: FileConfig =
            toml::from_str("geocoder_url = \"https://api-adresse.data.gouv.fr/\"").unwrap();
        let c = Config::resolve(Overrides::default(), file).unwrap();
        assert_eq!(
            c.geocoder_url.as_deref(),
            Some("https://api-adresse.data.gouv.fr")
        );
        let o = Overrides {
            geocoder_url: Some("http://127.0.0.1:7878".into()),
            ..Default::default()
        };
        let c = Config::resolve(o, FileConfig::default()).unwrap();
        assert_eq!(c.geocoder_url.as_deref(), Some("http://127.0.0.1:7878"));
    }

    #[test]
    fn files_go_to_the_database_with_postgresql_and_to_the_data_directory_with_sqlite() {
        let c = Config::resolve(Overrides::default(), FileConfig::default()).unwrap();
        assert_eq!(c.files, Files::Dir);
        let o = Overrides {
            database_url: Some("postgres://u@h/db".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(o, FileConfig::default()).unwrap().files,
            Files::Database
        );
        let file: FileConfig = toml::from_str(
            "files = \"s3://photos-lannion/prod/\"\ns3_endpoint = \"http://127.0.0.1:9000/\"\ns3_secret_access_key = \"chut\"",
        )
        .unwrap();
        let o = Overrides {
            s3: S3Access {
                access_key_id: Some("id".into()),
                secret_access_key: Some("secret".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let c = Config::resolve(o, file).unwrap();
        assert_eq!(
            c.files,
            Files::S3 {
                bucket: "photos-lannion".into(),
                prefix: "prod".into()
            }
        );
        assert_eq!(c.files.to_string(), "s3://photos-lannion/prod");
        assert_eq!(c.s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.s3.secret_access_key.as_deref(), Some("secret"));
        assert!(
            !format!("{c:?}").contains("secret\""),
            "the secret is not shown"
        );
        for bad in ["disk", "s3://", "s3://A_B/x", "s3://ok-bucket//x"] {
            assert!(
                Files::parse(bad).unwrap_err().0.contains("files setting"),
                "{bad}"
            );
        }
    }

    #[test]
    fn providers_come_from_the_file_and_the_environment_each_checked() {
        let file: FileConfig = toml::from_str(
            "password_sign_in = false\n[[oidc]]\nname = \"franceconnect\"\nissuer = \"https://fc.example.fr/api/v2/\"\nclient_id = \"id\"\nclient_secret = \"chut\"\nlabel_fr = \"S'identifier avec FranceConnect\"\nscopes = [\"openid\", \"email\", \"birthdate\"]\nverifies_identity = true",
        )
        .unwrap();
        let o = Overrides {
            oidc: OidcProvider::from_settings(
                Some("http://127.0.0.1:9090".into()),
                Some("civic".into()),
                Some("secret".into()),
            ),
            ..Default::default()
        };
        let c = Config::resolve(o, file).unwrap();
        assert!(!c.password_sign_in);
        assert_eq!(c.oidc.len(), 2);
        assert_eq!(c.oidc[0].issuer, "https://fc.example.fr/api/v2");
        assert_eq!(c.oidc[0].scopes, ["email", "birthdate"]);
        assert_eq!(
            c.oidc[0].label(crate::i18n::Lang::Fr),
            "S'identifier avec FranceConnect"
        );
        assert_eq!(c.oidc[1].name, "oidc");
        assert!(c.oidc[1].label(crate::i18n::Lang::En).contains("oidc"));
        assert!(
            !format!("{c:?}").contains("chut"),
            "the secret is not shown"
        );
        // Half a provider in the environment is none.
        assert!(OidcProvider::from_settings(Some("http://x".into()), None, None).is_none());
        let bad = |toml: &str| {
            let file: FileConfig = toml::from_str(toml).unwrap();
            Config::resolve(Overrides::default(), file).unwrap_err().0
        };
        let one = "[[oidc]]\nname = \"NAME\"\nissuer = \"ISSUER\"\nclient_id = \"id\"\nclient_secret = \"s\"\n";
        let with = |name: &str, issuer: &str| one.replace("NAME", name).replace("ISSUER", issuer);
        assert!(bad(&with("France Connect", "https://x.fr")).contains("lower-case"));
        assert!(
            bad(&with("fc", "fc.example.fr")).contains("issuer of the OpenID Connect provider fc")
        );
        let twice = format!(
            "{}{}",
            with("fc", "https://a.fr"),
            with("fc", "https://b.fr")
        );
        assert!(bad(&twice).contains("two OpenID Connect providers are named fc"));
    }

    #[test]
    fn bad_values_are_one_clear_sentence() {
        let bad = |o: Overrides| Config::resolve(o, FileConfig::default()).unwrap_err().0;
        assert!(
            bad(Overrides {
                listen: Some("localhost".into()),
                ..Default::default()
            })
            .contains("ADDRESS:PORT")
        );
        assert!(
            bad(Overrides {
                database_url: Some("mysql://u:secret@h/db".into()),
                ..Default::default()
            })
            .contains("u:***@h/db")
        );
        assert!(
            bad(Overrides {
                base_url: Some("ftp://x".into()),
                ..Default::default()
            })
            .contains("base URL")
        );
        assert!(
            bad(Overrides {
                geocoder_url: Some("api-adresse.data.gouv.fr".into()),
                ..Default::default()
            })
            .contains("geocoder URL")
        );
        assert!(toml::from_str::<FileConfig>("colour = 1").is_err());
    }
}
