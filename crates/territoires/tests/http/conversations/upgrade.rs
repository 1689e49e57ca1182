//! A database holding conversations from before they could belong to the network keeps them
//! whole through the migration that made the tables again: conversations, statements,
//! participants and votes, read back as before, and new ones added after.

use conversations::model::{ParticipantKey, VoteValue};
use conversations::store;

#[tokio::test]
async fn conversations_of_before_the_network_keep_their_statements_and_votes() {
    for engine in kernel::testing::engines() {
        let (db, process) = crate::load::before_network_conversations(engine).await;
        for sql in [
            "INSERT INTO conversations (id, process_id, question, description, \
             strict_moderation, statements_allowed, anonymous_allowed, closed_at, next_tid, \
             next_pid, votes, created_by, created_at, updated_at) VALUES ('c1', $1, \
             'Qu''est-ce qui compte ?', '', 1, 1, 0, NULL, 2, 2, 3, 'test', 10, 10)",
            "INSERT INTO conversation_statements (id, conversation_id, tid, body, body_key, \
             author_id, author_pid, moderation, is_meta, created_at, moderated_at) VALUES \
             ('s0', 'c1', 0, 'Des bancs.', 'des bancs', NULL, NULL, 1, 0, 11, 12), \
             ('s1', 'c1', 1, 'Des arbres.', 'des arbres', NULL, 1, -1, 0, 13, 14)",
            "INSERT INTO conversation_participants (conversation_id, participant_key, pid, \
             created_at) VALUES ('c1', 'i:a', 0, 15), ('c1', 'i:b', 1, 16)",
            "INSERT INTO statement_votes (conversation_id, pid, tid, value, voted_at) VALUES \
             ('c1', 0, 0, 1, 17), ('c1', 1, 0, -1, 18), ('c1', 1, 1, 0, 19)",
        ] {
            let mut query = sqlx::query(sql);
            if sql.contains("$1") {
                query = query.bind(&process);
            }
            query.execute(db.pool()).await.unwrap();
        }
        assert_eq!(db.migrate(conversations::MIGRATIONS).await.unwrap(), 1);
        let c = store::get(&db, "c1").await.unwrap().unwrap();
        assert_eq!(c.process_id(), Some(process.as_str()));
        assert_eq!(
            (c.question.as_str(), c.strict_moderation, c.votes),
            ("Qu'est-ce qui compte ?", true, 3)
        );
        assert!(!c.members_only());
        let statements = store::statements(&db, "c1").await.unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1].author_pid, Some(1));
        let votes = store::votes(&db, "c1").await.unwrap();
        let read: Vec<(u32, u32, i64)> = votes
            .iter()
            .map(|v| (v.pid, v.tid, v.value.as_i64()))
            .collect();
        assert_eq!(read, [(0, 0, 1), (1, 0, -1), (1, 1, 0)]);
        assert_eq!(
            store::participant(&db, "c1", &ParticipantKey::imported("b"))
                .await
                .unwrap(),
            Some(1)
        );
        // The numbers go on where they were.
        let writer = store::VoteWriter::start(db.clone());
        let pid = writer
            .cast("c1", &ParticipantKey::imported("c"), 0, VoteValue::Agree)
            .await
            .unwrap();
        assert_eq!(pid, 2);
        // A conversation belongs to a process or to the network, never to neither.
        let orphan = sqlx::query(
            "INSERT INTO conversations (id, process_id, member_id, members_only, question, \
             description, strict_moderation, statements_allowed, anonymous_allowed, next_tid, \
             next_pid, votes, created_by, created_at, updated_at) VALUES \
             ('c2', NULL, NULL, 0, 'q', '', 0, 0, 0, 0, 0, 0, 't', 0, 0)",
        )
        .execute(db.pool())
        .await;
        assert!(orphan.is_err(), "{engine}");
    }
}
