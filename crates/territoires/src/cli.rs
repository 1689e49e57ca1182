//! The command line: serve, migrate, demo, import, user, backup, restore.

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kernel::config::{Config, FileConfig, Files, Overrides, S3Access};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

/// Territoires: citizen participation, issue reporting and the innovation ecosystem of French
/// territories, in one program.
///
/// Settings come from flags, then TERRITOIRES_* environment variables (DATABASE_URL for the
/// database), then the TOML file given by --config, then defaults: SQLite in ./data, listening
/// on 127.0.0.1:8080.
#[derive(Parser)]
#[command(name = "territoires", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

/// Settings shared by every command.
#[derive(Args)]
struct Settings {
    /// A TOML file with settings (same names as the environment variables, without the prefix,
    /// in lower case: listen, data_dir, database_url, base_url, smtp_url, mail_from, tile_url,
    /// files, s3_endpoint, s3_region, s3_access_key_id, s3_secret_access_key).
    #[arg(long, global = true, env = "TERRITOIRES_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory of the SQLite database and uploads [default: ./data].
    #[arg(long, global = true, env = "TERRITOIRES_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB [default: SQLite in the data directory].
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Where uploaded files (photos, logos, images, attachments) are kept: `dir` (the data
    /// directory, for one node), `database` (shared by every node, with no other service) or
    /// `s3://BUCKET/PREFIX` (S3-compatible object storage, reached as --s3-endpoint,
    /// --s3-region, TERRITOIRES_S3_ACCESS_KEY_ID and TERRITOIRES_S3_SECRET_ACCESS_KEY say; the
    /// usual AWS_* variables fill in the rest) [default: database with PostgreSQL, dir with
    /// SQLite]. To change it, first copy the files with `territoires files migrate --to`.
    #[arg(long, global = true, env = "TERRITOIRES_FILES", value_name = "PLACE")]
    files: Option<String>,
    /// The URL of the S3-compatible storage, such as https://s3.fr-par.scw.cloud or
    /// http://127.0.0.1:9000 (plain HTTP for such a local address) [default: Amazon S3].
    #[arg(
        long,
        global = true,
        env = "TERRITOIRES_S3_ENDPOINT",
        value_name = "URL"
    )]
    s3_endpoint: Option<String>,
    /// The region of the S3-compatible storage [default: us-east-1].
    #[arg(
        long,
        global = true,
        env = "TERRITOIRES_S3_REGION",
        value_name = "REGION"
    )]
    s3_region: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP.
    Serve(ServeArgs),
    /// Create or update the database tables, then exit.
    Migrate,
    /// Add demo content (idempotent): accounts, the spaces of Lannion, Montauban and Occitanie,
    /// the components' content, and N more spaces and N more directory actors in real communes.
    Demo {
        /// How many extra spaces, and extra directory actors, to create.
        #[arg(long, default_value_t = 30)]
        scale: usize,
    },
    /// Import reference data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Decision algorithms on files, with the same code as the platform.
    #[command(subcommand)]
    Decide(DecideCommand),
    /// Uploaded files: photos, logos, images, attachments.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Write a consistent copy of the instance into DIR (a new folder), while it serves: every
    /// table of the database as it was when the backup started, every uploaded file, and a
    /// manifest with their counts and SHA-256. Any engine, any place of the files.
    Backup {
        /// The folder to write (missing or empty).
        dir: PathBuf,
    },
    /// Restore a backup (`territoires backup`) into a new, empty database, and its files where
    /// the settings keep them (--files). The backup is checked whole first: a changed or
    /// incomplete one is refused, and nothing is written. A backup of SQLite restores into
    /// PostgreSQL and back, which is also the way from one engine to the other.
    Restore {
        /// The backup's folder.
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum FilesCommand {
    /// Copy every uploaded file from where the settings keep them (--files) to another place,
    /// with a progress bar; files already there are left as they are, so it may be run again
    /// after a stop, or while the nodes still serve (run it once more just before switching).
    /// Then set --files (or TERRITOIRES_FILES, or `files` in the configuration file) to the
    /// new place and restart the nodes. The files stay where they were.
    Migrate {
        /// Where to copy them: dir, database or s3://BUCKET/PREFIX.
        #[arg(long, value_name = "PLACE")]
        to: String,
    },
}

#[derive(Subcommand)]
enum DecideCommand {
    /// Majority judgment: reads {"tallies": [[n_worst, …, n_best], …]} (one list of counts per
    /// option; optionally "participants" with "mode": "StaticDefault" (and "default": grade),
    /// "MedianDefault" or "Normalized") and prints each option's rank, in input order, one per
    /// line: 1 is the best, tied options share a rank.
    Mj {
        /// The JSON file.
        file: PathBuf,
    },
    /// Participatory budget: reads an approval-ballot file in the pabulib format (.pb) and prints
    /// the funded project ids, one per line, sorted. `greedy` and `mes` are pabutools'
    /// greedy_utilitarian_welfare and method_of_equal_shares; `mes-complete` is MES with the
    /// voters' budget raised by 1 per voter until it would overspend, then completed greedily.
    Pb {
        /// The .pb file.
        file: PathBuf,
        /// The rule.
        #[arg(long, value_parser = ["greedy", "mes", "mes-complete"])]
        rule: String,
        /// How voters value a funded project they approve.
        #[arg(long, default_value = "cost", value_parser = ["cost", "cardinality"])]
        sat: String,
    },
    /// Opinion map of a conversation: reads `votes.json` and `comments.json` (the Polis API's
    /// shape) or, failing those, `votes.csv` and `comments.csv` (Polis' export) from DIR and
    /// prints one JSON object (schema "polis-opinion-map/1"): in-conversation participants,
    /// groups, representative and consensus statements, components and positions.
    Polis {
        /// The folder holding the conversation's files.
        dir: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "TERRITOIRES_LISTEN", value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// Public URL of the platform, used in mails [default: http://LISTEN].
    #[arg(long, env = "TERRITOIRES_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// SMTP server for outgoing mail, such as smtp://127.0.0.1:1025; without it, mail is only
    /// kept in the database's queue and shown at /admin/outbox.
    #[arg(
        long,
        env = "TERRITOIRES_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    smtp_url: Option<String>,
    /// Sender address of outgoing mail.
    #[arg(long, env = "TERRITOIRES_MAIL_FROM", value_name = "ADDRESS")]
    mail_from: Option<String>,
    /// A reverse proxy stands in front: take the client's address from X-Forwarded-For.
    #[arg(long, env = "TERRITOIRES_BEHIND_PROXY")]
    behind_proxy: bool,
    /// A bearer token that opens /metrics to a monitoring server; without it, /metrics answers
    /// only loopback clients of a node that is not behind a proxy.
    #[arg(
        long,
        env = "TERRITOIRES_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    metrics_token: Option<String>,
    /// The base URL of an addok-compatible geocoder for address search on maps, such as
    /// https://api-adresse.data.gouv.fr or a self-hosted addok; without it, points are placed by
    /// tap alone.
    #[arg(long, env = "TERRITOIRES_GEOCODER_URL", value_name = "URL")]
    geocoder_url: Option<String>,
    /// Add demo content before serving (see `territoires demo`).
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import the French territory referential from the data/ folder of the npm package
    /// @etalab/decoupage-administratif (regions.json, departements.json, epci.json, communes.json).
    Territories {
        /// The folder holding the JSON files.
        dir: PathBuf,
        /// Also write the compact extract embedded in the binary to this file.
        #[arg(long, value_name = "FILE")]
        write_extract: Option<PathBuf>,
    },
    /// Import or update directory actors from a CSV file with the columns of /data/actors.csv
    /// (a header line names them). A row with an existing id updates that actor; a bad row is
    /// reported with its line and reason and skipped.
    Actors {
        /// The CSV file (UTF-8).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an instance administrator (confirmed). The password is read from
    /// TERRITOIRES_ADMIN_PASSWORD, or from the first line of standard input.
    CreateAdmin {
        /// Email address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// Turn off the two-step verification of an account whose owner lost their device (they
    /// sign in with their password alone, and may set it up again).
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
        /// Email address of the account.
        #[arg(long)]
        email: String,
    },
}

/// Starts the logs: `TERRITOIRES_LOG` sets the filter (default `info`),
/// `TERRITOIRES_LOG_FORMAT=json` gives one JSON object a line.
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TERRITOIRES_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("TERRITOIRES_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn config(settings: &Settings, serve: Option<&ServeArgs>) -> Result<Config, String> {
    let file = match &settings.config {
        Some(path) => FileConfig::read(path).map_err(|e| e.0)?,
        None => FileConfig::default(),
    };
    let overrides = Overrides {
        listen: serve.and_then(|s| s.listen.clone()),
        data_dir: settings.data_dir.clone(),
        database_url: settings.database_url.clone(),
        base_url: serve.and_then(|s| s.base_url.clone()),
        smtp_url: serve.and_then(|s| s.smtp_url.clone()),
        mail_from: serve.and_then(|s| s.mail_from.clone()),
        behind_proxy: serve.and_then(|s| s.behind_proxy.then_some(true)),
        metrics_token: serve.and_then(|s| s.metrics_token.clone()),
        limits: None,
        geocoder_url: serve.and_then(|s| s.geocoder_url.clone()),
        files: settings.files.clone(),
        s3: S3Access {
            endpoint: settings.s3_endpoint.clone(),
            region: settings.s3_region.clone(),
            access_key_id: std::env::var("TERRITOIRES_S3_ACCESS_KEY_ID").ok(),
            secret_access_key: std::env::var("TERRITOIRES_S3_SECRET_ACCESS_KEY").ok(),
        },
        oidc: kernel::config::OidcProvider::from_settings(
            std::env::var("TERRITOIRES_OIDC_ISSUER").ok(),
            std::env::var("TERRITOIRES_OIDC_CLIENT_ID").ok(),
            std::env::var("TERRITOIRES_OIDC_CLIENT_SECRET").ok(),
        ),
        password_sign_in: None,
    };
    Config::resolve(overrides, file).map_err(|e| e.0)
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} ({eta})") {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

async fn open(config: &Config) -> Result<kernel::db::Db, String> {
    kernel::open_database(config, &territoires::components())
        .await
        .map_err(|e| e.0)
}

/// Adds the demo content. Several nodes started at once with it take their turns (an advisory
/// lock on PostgreSQL): the first adds it, the others find it there.
async fn demo(config: &Config, db: &kernel::db::Db, scale: usize) -> Result<(), String> {
    let held = kernel::locks::hold(db, kernel::locks::DEMO)
        .await
        .map_err(|e| format!("the demo content could not be created: {e}"))?;
    let added = add_demo(config, db, scale).await;
    held.release()
        .await
        .map_err(|e| format!("the demo content could not be created: {e}"))?;
    added
}

async fn add_demo(config: &Config, db: &kernel::db::Db, scale: usize) -> Result<(), String> {
    kernel::ensure_territories(db).await.map_err(|e| e.0)?;
    let pb = bar(scale as u64 + 3, "demo");
    let summary = kernel::demo::seed(db, scale, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await
    .map_err(|e| format!("the demo content could not be created: {e:?}"))?;
    let content = kernel::demo::Demo::of(config, db.clone()).map_err(|e| e.0)?;
    for add in territoires::components().into_iter().filter_map(|c| c.demo) {
        add(content.clone())
            .await
            .map_err(|e| format!("the demo content could not be created: {e:?}"))?;
    }
    pb.set_length(scale as u64);
    pb.set_position(0);
    let actors = directory::demo::scale(db, scale, &|done| pb.set_position(done as u64))
        .await
        .map_err(|e| format!("the demo actors could not be created: {e:?}"))?;
    pb.finish_and_clear();
    println!(
        "Demo: {} space(s), {} account(s) and {actors} more actor(s) created. Log in as {} with the password {}",
        summary.spaces_created,
        summary.accounts_created,
        kernel::demo::DEMO_ADMIN,
        kernel::demo::DEMO_PASSWORD
    );
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MjFile {
    tallies: Vec<Vec<u64>>,
    participants: Option<u64>,
    mode: Option<String>,
    default: Option<usize>,
    #[serde(default, rename = "title")]
    _title: Option<String>,
    #[serde(default, rename = "ranks")]
    _ranks: Option<serde_json::Value>,
}

fn decide_mj(file: &std::path::Path) -> Result<(), String> {
    use decide::mj::{Fill, rank};
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let input: MjFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let participants = || {
        input
            .participants
            .ok_or_else(|| format!("{}: this mode needs \"participants\"", file.display()))
    };
    let fill = match input.mode.as_deref() {
        None | Some("None") => Fill::None,
        Some("StaticDefault") => Fill::Static {
            participants: participants()?,
            grade: input.default.unwrap_or(0),
        },
        Some("MedianDefault") => Fill::Median {
            participants: participants()?,
        },
        Some("Normalized") => Fill::Normalized,
        Some(other) => return Err(format!("{}: unknown mode \"{other}\"", file.display())),
    };
    let ranks = rank(&input.tallies, fill).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut out = String::new();
    for r in ranks {
        out.push_str(&format!("{r}\n"));
    }
    print!("{out}");
    Ok(())
}

fn decide_pb(file: &std::path::Path, rule: &str, sat: &str) -> Result<(), String> {
    use decide::pb::{self, Satisfaction};
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let e = decide::pabulib::parse(&text).map_err(|err| format!("{}: {err}", file.display()))?;
    let sat = if sat == "cardinality" {
        Satisfaction::Cardinality
    } else {
        Satisfaction::Cost
    };
    let funded: Vec<usize> = match rule {
        "greedy" => pb::greedy(&e, sat, &[]),
        "mes" => pb::mes(&e, sat, &e.budget)
            .into_iter()
            .map(|s| s.project)
            .collect(),
        _ => pb::mes_complete(&e, sat),
    };
    let mut out = String::new();
    for id in e.ids(&funded) {
        out.push_str(&id);
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}

fn decide_polis(dir: &std::path::Path) -> Result<(), String> {
    use decide::polis;
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let located = |e: polis::InputError| format!("{}: {e}", dir.display());
    let (votes, statements) = if dir.join("votes.json").exists() {
        (
            polis::votes_from_json(&read("votes.json")?).map_err(located)?,
            polis::statements_from_json(&read("comments.json")?).map_err(located)?,
        )
    } else {
        (
            polis::votes_from_csv(&read("votes.csv")?).map_err(located)?,
            polis::statements_from_csv(&read("comments.csv")?).map_err(located)?,
        )
    };
    println!("{}", polis::opinion_map(&votes, &statements).to_json());
    Ok(())
}

/// Runs a command.
pub async fn run(cli: Cli) -> Result<(), String> {
    match &cli.command {
        Command::Decide(DecideCommand::Mj { file }) => decide_mj(file),
        Command::Decide(DecideCommand::Pb { file, rule, sat }) => decide_pb(file, rule, sat),
        Command::Decide(DecideCommand::Polis { dir }) => decide_polis(dir),
        Command::Serve(args) => serve(config(&cli.settings, Some(args))?, args.demo).await,
        Command::Migrate => {
            let config = config(&cli.settings, None)?;
            open(&config).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Files(FilesCommand::Migrate { to }) => {
            let config = config(&cli.settings, None)?;
            migrate_files(&config, to).await
        }
        Command::Backup { dir } => {
            let config = config(&cli.settings, None)?;
            backup(&config, dir).await
        }
        Command::Restore { dir } => {
            let config = config(&cli.settings, None)?;
            restore(&config, dir).await
        }
        Command::Demo { scale } => {
            let config = config(&cli.settings, None)?;
            let db = open(&config).await?;
            demo(&config, &db, *scale).await
        }
        Command::Import(ImportCommand::Actors { file }) => {
            let config = config(&cli.settings, None)?;
            let bytes =
                std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{} is not UTF-8 text", file.display()))?;
            let db = open(&config).await?;
            kernel::ensure_territories(&db).await.map_err(|e| e.0)?;
            let pb = bar(0, "actors");
            let summary = directory::import::import(&db, &text, &|done, total| {
                pb.set_length(total as u64);
                pb.set_position(done as u64);
            })
            .await
            .map_err(|e| match e {
                directory::error::StoreError::ImportEmpty => format!("{} is empty", file.display()),
                directory::error::StoreError::ImportHeader => format!(
                    "{}: the first line must name the columns, among them \"name\"",
                    file.display()
                ),
                e => format!("the import failed: {e:?}"),
            })?;
            pb.finish_and_clear();
            for (line, reason) in &summary.refused {
                eprintln!("line {line}: {reason}");
            }
            println!(
                "Actors: {} added, {} updated, {} row(s) refused",
                summary.added,
                summary.updated,
                summary.refused.len()
            );
            Ok(())
        }
        Command::Import(ImportCommand::Territories { dir, write_extract }) => {
            let config = config(&cli.settings, None)?;
            let all = kernel::territories::import::read_etalab_dir(dir).map_err(|e| e.0)?;
            if let Some(path) = write_extract {
                std::fs::write(path, kernel::territories::import::write_extract(&all))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            let db = open(&config).await?;
            let pb = bar(all.len() as u64, "territories");
            kernel::territories::store::upsert_all(&db, &all, &|n| pb.set_position(n))
                .await
                .map_err(|e| format!("the import failed, nothing was changed: {e:?}"))?;
            pb.finish_and_clear();
            println!("{} territories imported.", all.len());
            Ok(())
        }
        Command::User(UserCommand::CreateAdmin { email, name }) => {
            let config = config(&cli.settings, None)?;
            let password = match std::env::var("TERRITOIRES_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| format!("cannot read the password: {e}"))?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let tr = |e: kernel::FieldError| {
                kernel::i18n::tr(kernel::i18n::Lang::En, &format!("field.{}", e.code)).to_string()
            };
            let email = kernel::accounts::Email::parse(email).map_err(tr)?;
            let name = kernel::accounts::DisplayName::parse(name).map_err(tr)?;
            let password = kernel::accounts::Password::parse(&password).map_err(tr)?;
            let db = open(&config).await?;
            let hash = kernel::accounts::hash_password(&password).map_err(|e| format!("{e:?}"))?;
            kernel::accounts::store::create_admin_user(&db, &email, &hash, &name)
                .await
                .map_err(|e| match e {
                    kernel::Error::Invalid(f) if f.on("email").is_some() => {
                        "an account with this address exists already".to_string()
                    }
                    e => format!("{e:?}"),
                })?;
            println!("Administrator {} created.", email.as_str());
            Ok(())
        }
        Command::User(UserCommand::ResetTwoFactor { email }) => {
            let config = config(&cli.settings, None)?;
            let email = kernel::accounts::Email::parse(email)
                .map_err(|_| format!("\"{email}\" is not an e-mail address"))?;
            let db = open(&config).await?;
            let user = kernel::accounts::store::user_by_email(&db, &email)
                .await
                .map_err(|e| format!("{e:?}"))?
                .ok_or_else(|| format!("no account has the address {}", email.as_str()))?;
            let was_on = kernel::accounts::second_factor::turn_off(&db, &user.id, None)
                .await
                .map_err(|e| format!("{e:?}"))?;
            if was_on {
                println!("Two-step verification of {} is off.", email.as_str());
            } else {
                println!("{} had no two-step verification.", email.as_str());
            }
            Ok(())
        }
    }
}

/// Copies every uploaded file to the place `to` names.
async fn migrate_files(config: &Config, to: &str) -> Result<(), String> {
    use kernel::uploads::FileStore;
    let target = Files::parse(to).map_err(|e| e.0)?;
    if target == config.files {
        return Err(format!(
            "the files are kept in {target} already: --to names where they should go"
        ));
    }
    let db = open(config).await?;
    let from = FileStore::open(config, &db).map_err(|e| e.0)?;
    let into = FileStore::of(&target, config, &db).map_err(|e| e.0)?;
    let pb = bar(0, "files");
    let done = kernel::uploads::migrate(&from, &into, &|done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await
    .map_err(|e| {
        format!("the files could not all be copied ({e}); run the command again to go on")
    })?;
    pb.finish_and_clear();
    println!(
        "Files: {} copied and {} already there, from {} to {}. Now set files = \"{target}\" (or TERRITOIRES_FILES) and restart the nodes.",
        done.copied,
        done.present,
        from.describe(),
        into.describe()
    );
    Ok(())
}

/// A progress bar for a backup or a restore: one line whose message names the step.
fn steps_bar() -> ProgressBar {
    bar(0, "")
}

async fn backup(config: &Config, dir: &std::path::Path) -> Result<(), String> {
    let db = open(config).await?;
    let files = kernel::uploads::FileStore::open(config, &db).map_err(|e| e.0)?;
    let pb = steps_bar();
    let manifest = territoires::backup::backup(&db, &files, dir, &|what, done, total| {
        pb.set_message(what);
        pb.set_length(total);
        pb.set_position(done);
    })
    .await
    .map_err(|e| format!("the backup failed: {e}"))?;
    pb.finish_and_clear();
    if !manifest.files.missing.is_empty() {
        eprintln!(
            "territoires: warning: {} file(s) named by the database were not in {}: {}",
            manifest.files.missing.len(),
            files.describe(),
            manifest.files.missing.join(", ")
        );
    }
    println!(
        "Backup written to {}: {} table(s), {} row(s), {} file(s) ({} bytes).",
        dir.display(),
        manifest.tables.len(),
        manifest.tables.iter().map(|t| t.rows).sum::<u64>(),
        manifest.files.count,
        manifest.files.bytes
    );
    Ok(())
}

async fn restore(config: &Config, dir: &std::path::Path) -> Result<(), String> {
    let db = open(config).await?;
    let files = kernel::uploads::FileStore::open(config, &db).map_err(|e| e.0)?;
    let pb = steps_bar();
    let manifest = territoires::backup::restore(&db, &files, dir, &|what, done, total| {
        pb.set_message(what);
        pb.set_length(total);
        pb.set_position(done);
    })
    .await
    .map_err(|e| format!("the restore failed: {e}"))?;
    pb.finish_and_clear();
    println!(
        "Restored from {} (taken from {}): {} table(s), {} row(s), {} file(s) in {}.",
        dir.display(),
        manifest.engine,
        manifest.tables.len(),
        manifest.tables.iter().map(|t| t.rows).sum::<u64>(),
        manifest.files.count,
        files.describe()
    );
    Ok(())
}

async fn serve(config: Config, with_demo: bool) -> Result<(), String> {
    let start = Instant::now();
    let listen = config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let db = open(&config).await?;
    if with_demo {
        demo(&config, &db, 30).await?;
    }
    let (router, _state) = kernel::build(config, db, territoires::components())
        .await
        .map_err(|e| e.0)?;
    tracing::info!(address = %listen, ready_ms = start.elapsed().as_millis() as u64, "ready");
    println!("Territoires: http://{listen}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await
    .map_err(|e| format!("the server stopped: {e}"))
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
