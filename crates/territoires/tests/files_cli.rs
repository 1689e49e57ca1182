//! `territoires files migrate`: every uploaded file moves from the data directory to the
//! database, to S3-compatible storage (when `TERRITOIRES_TEST_S3_URL` names one) and back,
//! the same bytes at the end; a second run copies nothing.

use std::path::Path;
use std::process::{Command, Output};

/// Environment variables a command runs with.
type Envs = Vec<(&'static str, String)>;

fn territoires(args: &[&str], data_dir: &Path, envs: &[(&str, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(args)
        .env("TERRITOIRES_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("TERRITOIRES_CONFIG")
        .env_remove("TERRITOIRES_FILES")
        .env("TERRITOIRES_LOG", "error")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs a command that must succeed; returns what it printed.
fn ok(args: &[&str], data_dir: &Path, envs: &[(&str, String)]) -> String {
    let o = territoires(args, data_dir, envs);
    assert!(o.status.success(), "{args:?}: {}", text(&o));
    text(&o)
}

#[test]
fn files_migrate_moves_every_file_there_and_back_with_the_same_bytes() {
    let dir = kernel::testing::temp_dir();
    ok(&["migrate"], &dir, &[]);
    let uploads = dir.join("uploads");
    std::fs::create_dir_all(uploads.join("attachments")).unwrap();
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            format!("{}.png", "a".repeat(32)),
            (0..70_000u32).map(|i| (i % 251) as u8).collect(),
        ),
        (
            format!("attachments/{}.pdf", "b".repeat(32)),
            (0..2_500_000u32).map(|i| (i % 241) as u8).collect(),
        ),
        (
            format!("attachments/{}.png", "a".repeat(32)),
            b"an attached image".to_vec(),
        ),
    ];
    for (path, bytes) in &files {
        std::fs::write(uploads.join(path), bytes).unwrap();
    }
    // Something that is not a stored file stays out of it.
    std::fs::write(uploads.join("notes.txt"), b"x").unwrap();

    // Each step: where the files are, where they go.
    let mut steps: Vec<(String, String, Envs)> = vec![("dir".into(), "database".into(), vec![])];
    let mut last = "database".to_string();
    if let Some((place, access)) = kernel::testing::s3_files() {
        let envs = vec![
            ("TERRITOIRES_S3_ENDPOINT", access.endpoint.unwrap()),
            ("TERRITOIRES_S3_REGION", access.region.unwrap()),
            (
                "TERRITOIRES_S3_ACCESS_KEY_ID",
                access.access_key_id.unwrap(),
            ),
            (
                "TERRITOIRES_S3_SECRET_ACCESS_KEY",
                access.secret_access_key.unwrap(),
            ),
        ];
        steps.push((last.clone(), place.to_string(), envs.clone()));
        last = place.to_string();
        steps.push((last.clone(), "dir".into(), envs));
    } else {
        steps.push((last.clone(), "dir".into(), vec![]));
    }
    for (i, (from, to, envs)) in steps.iter().enumerate() {
        if to == "dir" {
            // Back to the data directory: it starts empty, so every byte comes from the last
            // place.
            std::fs::remove_dir_all(&uploads).unwrap();
        }
        let out = ok(
            &["--files", from, "files", "migrate", "--to", to],
            &dir,
            envs,
        );
        assert!(
            out.contains("3 copied and 0 already there"),
            "step {i}: {out}"
        );
        assert!(out.contains(&format!("files = \"{to}\"")), "{out}");
        let again = ok(
            &["--files", from, "files", "migrate", "--to", to],
            &dir,
            envs,
        );
        assert!(again.contains("0 copied and 3 already there"), "{again}");
    }
    for (path, bytes) in &files {
        assert_eq!(&std::fs::read(uploads.join(path)).unwrap(), bytes, "{path}");
    }
    assert!(!uploads.join("notes.txt").exists());

    let o = territoires(&["files", "migrate", "--to", "dir"], &dir, &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("kept in dir already"), "{}", text(&o));
    let o = territoires(&["files", "migrate", "--to", "ftp://x"], &dir, &[]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("is not one of dir, database or s3://BUCKET/PREFIX"),
        "{}",
        text(&o)
    );
}

#[test]
fn help_says_where_files_may_be_kept() {
    let dir = kernel::testing::temp_dir();
    let help = ok(&["serve", "--help"], &dir, &[]);
    for word in [
        "--files",
        "TERRITOIRES_FILES",
        "s3://BUCKET/PREFIX",
        "TERRITOIRES_S3_ENDPOINT",
        "TERRITOIRES_S3_SECRET_ACCESS_KEY",
        "files migrate",
    ] {
        assert!(help.contains(word), "{word} in {help}");
    }
    let help = ok(&["files", "migrate", "--help"], &dir, &[]);
    assert!(help.contains("--to"), "{help}");
}
