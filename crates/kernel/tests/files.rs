//! The file stores' conformance suite: the same stories on every backend — the data directory,
//! the database on SQLite, on PostgreSQL when `TERRITOIRES_TEST_DATABASE_URL` is set, and
//! S3-compatible storage when `TERRITOIRES_TEST_S3_URL` is set.

use bytes::Bytes;
use futures_util::StreamExt;
use kernel::config::S3Access;
use kernel::db::Db;
use kernel::testing;
use kernel::uploads::{CHUNK_BYTES, FileKey, FileStore, MAX_ATTACHMENT_BYTES, migrate};

async fn db(engine: &str) -> Db {
    let (url, _) = testing::fresh_database(engine).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate(kernel::migrations::MIGRATIONS).await.unwrap();
    db
}

/// An S3 store of the suite's storage, under a fresh prefix.
fn s3() -> Option<FileStore> {
    let (files, access) = testing::s3_files()?;
    let kernel::config::Files::S3 { bucket, prefix } = files else {
        unreachable!()
    };
    Some(FileStore::s3(&bucket, &prefix, &access).unwrap())
}

/// Every store the suite can reach, each empty, with its name and (for the database ones) its
/// database.
async fn stores() -> Vec<(String, FileStore, Option<Db>)> {
    let mut out = vec![(
        "dir".to_string(),
        FileStore::dir(testing::temp_dir().join("uploads")),
        None,
    )];
    for engine in testing::engines() {
        let db = db(engine).await;
        out.push((
            format!("database on {engine}"),
            FileStore::database(db.clone()),
            Some(db),
        ));
    }
    out.extend(s3().map(|s| ("s3".to_string(), s, None)));
    out
}

fn image(c: char) -> FileKey {
    FileKey::image(&format!("{}.png", c.to_string().repeat(32))).unwrap()
}

fn attachment(c: char, ext: &str) -> FileKey {
    FileKey::attachment(&format!("{}.{ext}", c.to_string().repeat(32))).unwrap()
}

/// Bytes that differ from one place to the next, so that a chunk out of order shows.
fn varied(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

async fn read(store: &FileStore, key: &FileKey) -> Option<Vec<u8>> {
    let stored = store.get(key).await.unwrap()?;
    let size = stored.bytes;
    let bytes = stored.into_vec().await.unwrap();
    assert_eq!(
        bytes.len() as u64,
        size,
        "{key}: the size said is the size read"
    );
    Some(bytes)
}

async fn keys(store: &FileStore) -> Vec<String> {
    let mut keys: Vec<String> = store
        .list()
        .map(|f| f.unwrap().key.to_string())
        .collect()
        .await;
    keys.sort();
    keys
}

#[test]
fn only_the_names_the_store_gives_are_keys() {
    let hash = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        FileKey::image(&format!("{hash}.png")).unwrap().as_str(),
        format!("{hash}.png")
    );
    let a = FileKey::attachment(&format!("{hash}.pdf")).unwrap();
    assert_eq!(a.as_str(), format!("attachments/{hash}.pdf"));
    assert_eq!(a.name(), format!("{hash}.pdf"));
    assert_eq!(FileKey::parse(a.as_str()), Some(a));
    for bad in [
        format!("{hash}.pdf"),
        format!("../{hash}.png"),
        format!("attachments/../{hash}.png"),
        format!("{hash}.png.tmp"),
        "attachments/x.pdf".to_string(),
        String::new(),
    ] {
        assert_eq!(FileKey::parse(&bad), None, "{bad}");
    }
}

#[tokio::test]
async fn a_file_is_written_once_and_read_back_byte_for_byte() {
    for (name, store, _) in stores().await {
        let key = image('a');
        assert_eq!(store.get(&key).await.unwrap().map(|s| s.bytes), None);
        assert_eq!(store.size(&key).await.unwrap(), None, "{name}");
        let bytes = varied(5000);
        assert!(
            store.put_bytes(&key, bytes.clone().into()).await.unwrap(),
            "{name}"
        );
        assert!(
            !store.put_bytes(&key, bytes.clone().into()).await.unwrap(),
            "{name}: the same file sent twice is written once"
        );
        assert_eq!(read(&store, &key).await, Some(bytes), "{name}");
        assert_eq!(store.size(&key).await.unwrap(), Some(5000), "{name}");
        assert_eq!(keys(&store).await, [key.to_string()], "{name}");
    }
}

#[tokio::test]
async fn images_and_attachments_are_kept_apart_and_removed_one_by_one() {
    for (name, store, _) in stores().await {
        let (photo, pdf, same_name) = (image('b'), attachment('b', "pdf"), attachment('b', "png"));
        store
            .put_bytes(&photo, Bytes::from_static(b"photo"))
            .await
            .unwrap();
        store
            .put_bytes(&pdf, Bytes::from_static(b"%PDF"))
            .await
            .unwrap();
        store
            .put_bytes(&same_name, Bytes::from_static(b"attached image"))
            .await
            .unwrap();
        let mut expected = vec![photo.to_string(), pdf.to_string(), same_name.to_string()];
        expected.sort();
        assert_eq!(keys(&store).await, expected, "{name}");
        assert_eq!(read(&store, &photo).await.unwrap(), b"photo", "{name}");
        assert_eq!(
            read(&store, &same_name).await.unwrap(),
            b"attached image",
            "{name}: an attachment is not the photo of the same name"
        );
        assert!(store.delete(&photo).await.unwrap(), "{name}");
        assert!(!store.delete(&photo).await.unwrap(), "{name}: gone already");
        assert_eq!(read(&store, &photo).await, None, "{name}");
        assert_eq!(keys(&store).await.len(), 2, "{name}");
        let listed: Vec<_> = store.list().map(|f| f.unwrap()).collect().await;
        let now = kernel::ids::now_ms();
        for f in listed {
            assert!(
                (now - 600_000..=now + 600_000).contains(&f.written_at),
                "{name}: {f:?} says when it was written"
            );
        }
    }
}

#[tokio::test]
async fn the_largest_attachment_is_written_and_read_as_a_stream() {
    for (name, store, db) in stores().await {
        let key = attachment('c', "pdf");
        let bytes = varied(MAX_ATTACHMENT_BYTES + 12_345);
        // Sent in uneven pieces, as a network delivers them.
        let pieces: Vec<std::io::Result<Bytes>> = bytes
            .chunks(300_001)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        assert!(
            store
                .put(&key, futures_util::stream::iter(pieces).boxed())
                .await
                .unwrap()
        );
        let stored = store.get(&key).await.unwrap().unwrap();
        assert_eq!(stored.bytes, bytes.len() as u64, "{name}");
        let chunks: Vec<Bytes> = stored.body.map(|c| c.unwrap()).collect().await;
        assert!(chunks.len() > 1, "{name}: read in more than one piece");
        assert_eq!(chunks.concat(), bytes, "{name}");
        if let Some(db) = db {
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT n, CAST(LENGTH(data) AS BIGINT) FROM file_chunks WHERE path = $1 ORDER BY n",
            )
            .bind(key.as_str())
            .fetch_all(db.pool())
            .await
            .unwrap();
            let expected = bytes.len().div_ceil(CHUNK_BYTES);
            assert_eq!(rows.len(), expected, "{name}: one row per MiB");
            assert!(rows.iter().all(|(_, len)| *len as usize <= CHUNK_BYTES));
            assert_eq!(chunks.len(), expected, "{name}: served one chunk at a time");
        }
    }
}

#[tokio::test]
async fn a_write_that_fails_half_way_leaves_no_file() {
    for (name, store, _) in stores().await {
        let key = attachment('d', "pdf");
        let body = futures_util::stream::iter(vec![
            Ok(Bytes::from(varied(CHUNK_BYTES + 10))),
            Err(std::io::Error::other("the sender went away")),
        ])
        .boxed();
        assert!(store.put(&key, body).await.is_err(), "{name}");
        assert_eq!(store.size(&key).await.unwrap(), None, "{name}");
        assert!(keys(&store).await.is_empty(), "{name}");
        // Written again whole, it is there.
        assert!(
            store
                .put_bytes(&key, Bytes::from_static(b"%PDF-1.4"))
                .await
                .unwrap(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn migrating_moves_every_file_and_can_be_run_again() {
    let sqlite = db("sqlite").await;
    let mut chain = vec![
        FileStore::dir(testing::temp_dir().join("uploads")),
        FileStore::database(sqlite),
    ];
    chain.extend(s3());
    chain.push(FileStore::dir(testing::temp_dir().join("uploads")));
    let files = [
        (image('e'), varied(70_000)),
        (attachment('e', "pdf"), varied(CHUNK_BYTES * 2 + 1)),
        (attachment('f', "png"), varied(10)),
    ];
    for (key, bytes) in &files {
        chain[0].put_bytes(key, bytes.clone().into()).await.unwrap();
    }
    for pair in chain.windows(2) {
        let (from, to) = (&pair[0], &pair[1]);
        let seen = std::sync::Mutex::new(Vec::new());
        let done = migrate(from, to, &|d, t| seen.lock().unwrap().push((d, t)))
            .await
            .unwrap();
        assert_eq!((done.copied, done.present), (3, 0), "{}", to.describe());
        assert_eq!(seen.into_inner().unwrap().last(), Some(&(3, 3)));
        let again = migrate(from, to, &|_, _| {}).await.unwrap();
        assert_eq!((again.copied, again.present), (0, 3), "idempotent");
    }
    let last = chain.last().unwrap();
    for (key, bytes) in &files {
        assert_eq!(read(last, key).await.as_ref(), Some(bytes), "{key}");
        assert_eq!(
            read(&chain[0], key).await.as_ref(),
            Some(bytes),
            "the source keeps its files"
        );
    }
}

#[test]
fn an_s3_store_is_set_by_its_address() {
    let access = S3Access {
        endpoint: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    };
    let store = FileStore::s3("photos-lannion", "prod", &access).unwrap();
    assert_eq!(store.describe(), "s3://photos-lannion/prod");
    let root = FileStore::s3("photos-lannion", "/", &access).unwrap();
    assert_eq!(root.describe(), "s3://photos-lannion");
}
