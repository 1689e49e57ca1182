//! The mail queue: a mail leaves only with the write that queued it, waits while the SMTP
//! server is down or refuses it and leaves once it takes mail, leaves once only when two nodes
//! send from one database, and is tried again from the outbox when it failed.

mod sink;

use crate::common::{TestApp, spawn_app_with};
use kernel::ids::now_ms;
use kernel::mail::{Letter, MailState, OutboxMail};
use sink::Sink;

/// A node sending through the SMTP server at `smtp`, on a database of its own.
async fn node(engine: &'static str, smtp: &str) -> TestApp {
    let smtp = smtp.to_string();
    spawn_app_with(engine, |o| o.smtp_url = Some(smtp)).await
}

/// Another node on the database of `first`, sending through the SMTP server at `smtp`.
async fn node_beside(first: &TestApp, smtp: &str) -> TestApp {
    let (smtp, url) = (smtp.to_string(), first.state.config().database_url.clone());
    spawn_app_with(first.engine, |o| {
        o.smtp_url = Some(smtp);
        o.database_url = Some(url);
    })
    .await
}

/// The mail of the queue whose subject is `subject`.
async fn queued(app: &TestApp, subject: &str) -> OutboxMail {
    app.mails()
        .await
        .into_iter()
        .find(|m| m.subject == subject)
        .unwrap_or_else(|| panic!("no mail {subject} in the queue"))
}

/// Waits until the mail whose subject is `subject` was tried `attempts` times (its sender
/// works in the background), up to five seconds.
async fn tried(app: &TestApp, subject: &str, attempts: i64) -> OutboxMail {
    for _ in 0..250 {
        let mail = queued(app, subject).await;
        if mail.attempts >= attempts {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{subject} was not tried {attempts} times");
}

#[tokio::test]
async fn a_mail_queued_in_a_write_that_is_rolled_back_never_leaves() {
    for engine in kernel::testing::engines() {
        let sink = Sink::start().await;
        let app = node(engine, &sink.url()).await;
        let mut w = app.state.db().write().await.unwrap();
        w.mail(&Letter::new(
            "anne@exemple.fr",
            "Brouillon",
            "Ce message ne part pas.",
        ))
        .await
        .unwrap();
        drop(w);
        let mut w = app.state.db().write().await.unwrap();
        w.mail(&Letter::new(
            "bruno@exemple.fr",
            "Confirmation",
            "Ce message part.",
        ))
        .await
        .unwrap();
        w.commit().await.unwrap();
        let received = sink.wait_for(1, 5).await;
        assert_eq!(received.len(), 1, "{engine}");
        assert_eq!(received[0].subject, "Confirmation");
        assert_eq!(received[0].to, ["bruno@exemple.fr"]);
        // Nothing else waits, even much later.
        let later = now_ms() + 48 * 3_600_000;
        assert_eq!(app.state.mailer().deliver_due(later).await.unwrap(), 0);
        assert_eq!(sink.received().len(), 1);
        let mails = app.mails().await;
        assert_eq!(
            mails.len(),
            1,
            "{engine}: the rolled-back mail is not queued"
        );
        assert_eq!(mails[0].state, MailState::Sent);
        assert_eq!(mails[0].attempts, 1);
        assert!(mails[0].sent_at.is_some());
    }
}

#[tokio::test]
async fn a_mail_waits_while_the_server_is_down_or_refuses_and_leaves_once_it_takes_mail() {
    for engine in kernel::testing::engines() {
        // A port nothing listens on yet: the server is down.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let app = node(engine, &format!("smtp://127.0.0.1:{port}")).await;
        let before = now_ms();
        app.state
            .mailer()
            .queue(&Letter::new(
                "anne@exemple.fr",
                "Panne",
                "Ce message attend.",
            ))
            .await
            .unwrap();
        // The sender, woken at once, finds no server: the mail waits a minute, with its error.
        let mail = tried(&app, "Panne", 1).await;
        assert_eq!(mail.state, MailState::Pending, "{engine}");
        assert!(!mail.last_error.is_empty(), "{engine}: the cause is kept");
        let wait = mail.next_attempt_at - before;
        assert!(
            (60_000..=65_000).contains(&wait),
            "{engine}: waits {wait} ms"
        );
        // Not due yet: nothing is tried.
        assert_eq!(app.state.mailer().deliver_due(now_ms()).await.unwrap(), 0);
        // The server is back but refuses mail (421): the next try fails, and waits twice as long.
        let sink = Sink::start_on(port).await;
        sink.refuse(true);
        let at = mail.next_attempt_at;
        assert_eq!(app.state.mailer().deliver_due(at).await.unwrap(), 1);
        let mail = queued(&app, "Panne").await;
        assert_eq!(
            (mail.state, mail.attempts),
            (MailState::Pending, 2),
            "{engine}"
        );
        assert!(mail.last_error.contains("421"), "{}", mail.last_error);
        let wait = mail.next_attempt_at - at;
        assert!(
            (120_000..=125_000).contains(&wait),
            "{engine}: waits {wait} ms"
        );
        assert!(sink.received().is_empty());
        // It takes mail again: the mail leaves at its next try, once.
        sink.refuse(false);
        let at = mail.next_attempt_at;
        assert_eq!(app.state.mailer().deliver_due(at).await.unwrap(), 1);
        assert_eq!(
            app.state
                .mailer()
                .deliver_due(at + 86_400_000)
                .await
                .unwrap(),
            0
        );
        let received = sink.received();
        assert_eq!(received.len(), 1, "{engine}");
        assert_eq!(received[0].subject, "Panne");
        let mail = queued(&app, "Panne").await;
        assert_eq!((mail.state, mail.attempts), (MailState::Sent, 3));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_never_send_one_mail_twice() {
    const MAILS: usize = 60;
    for engine in kernel::testing::engines() {
        let sink = Sink::start().await;
        let a = node(engine, &sink.url()).await;
        let b = node_beside(&a, &sink.url()).await;
        // Both nodes queue; each wakes its own sender, and senders of both nodes race for every
        // mail besides.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let racers: Vec<_> = [&a, &b]
            .iter()
            .flat_map(|n| std::iter::repeat_n(n.state.mailer().clone(), 3))
            .map(|mailer| {
                let done = done.clone();
                tokio::spawn(async move {
                    while !done.load(std::sync::atomic::Ordering::SeqCst) {
                        if mailer.deliver_due(now_ms()).await.unwrap() == 0 {
                            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        }
                    }
                })
            })
            .collect();
        for i in 0..MAILS {
            let from = if i % 2 == 0 { &a } else { &b };
            let subject = format!("Message {i}");
            from.state
                .mailer()
                .queue(&Letter::new("anne@exemple.fr", &subject, "Une seule fois."))
                .await
                .unwrap();
        }
        let received = sink.wait_for(MAILS, 30).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        for r in racers {
            r.await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let received_then = sink.received();
        assert_eq!(received.len(), MAILS, "{engine}");
        assert_eq!(received_then.len(), MAILS, "{engine}: no mail left twice");
        let mut subjects: Vec<String> = received_then.into_iter().map(|r| r.subject).collect();
        subjects.sort();
        subjects.dedup();
        assert_eq!(subjects.len(), MAILS, "{engine}: every mail left once");
        // Each delivery is recorded once the server has answered.
        let mut mails = a.mails().await;
        for _ in 0..250 {
            if mails.iter().all(|m| m.state == MailState::Sent) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            mails = a.mails().await;
        }
        assert_eq!(mails.len(), MAILS);
        assert!(
            mails
                .iter()
                .all(|m| m.state == MailState::Sent && m.attempts == 1),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn the_outbox_pages_the_queue_and_tries_a_failed_mail_again() {
    for engine in kernel::testing::engines() {
        let sink = Sink::start().await;
        sink.refuse(true);
        let app = node(engine, &sink.url()).await;
        app.login_as_admin().await;
        for i in 0..60 {
            app.state
                .mailer()
                .queue(&Letter::new(
                    "zoe@exemple.fr",
                    &format!("Message {i}"),
                    "Bonjour.",
                ))
                .await
                .unwrap();
        }
        // Each is refused once (the sender takes them in order), then waits a minute; a day of
        // refused tries later, the oldest is given up.
        tried(&app, "Message 59", 1).await;
        let first = queued(&app, "Message 0").await;
        sqlx::query(
            "UPDATE mail_queue SET state = 'failed', attempts = 30, last_error = 'smtp: 421 refusé' WHERE id = $1",
        )
        .bind(first.id)
        .execute(app.state.db().pool())
        .await
        .unwrap();
        // Newest first, fifty a page: the failed mail is on the second page, with its error and
        // a button to send it again.
        let (status, page) = app.get_text("/admin/outbox").await;
        assert_eq!(status, 200, "{engine}");
        assert!(page.contains("Message 59") && !page.contains("Message 0<"));
        assert!(page.contains("rel=\"next\""));
        let (_, page) = app.get_text("/admin/outbox?page=2").await;
        assert!(page.contains("Message 0<"), "{page}");
        assert!(page.contains("Échec") && page.contains("smtp: 421 refusé"));
        let retry = format!("/admin/outbox/{}/retry", first.id);
        assert!(page.contains(&format!("action=\"{retry}\"")));
        let (_, page) = app.get_text(&format!("/admin/outbox/{}", first.id)).await;
        assert!(page.contains("Renvoyer") && page.contains("smtp: 421 refusé"));
        // Without the form's token, nothing is done.
        let r = app.client.post(app.url(&retry)).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(queued(&app, "Message 0").await.state, MailState::Failed);
        // The server takes mail again; the administrator sends the failed mail again.
        sink.refuse(false);
        let r = app.post_form(&retry, &[]).await;
        assert_eq!(r.status(), 303);
        let received = sink.wait_for(1, 5).await;
        assert_eq!(received.len(), 1, "{engine}: {received:?}");
        assert_eq!(received[0].subject, "Message 0");
        // The sender records the delivery once the server has answered.
        let mail = tried(&app, "Message 0", 1).await;
        assert_eq!((mail.state, mail.attempts), (MailState::Sent, 1));
        assert_eq!(app.count("audit_log WHERE action = 'mail.retry'").await, 1);
        let (_, page) = app.get_text(&format!("/admin/outbox/{}", first.id)).await;
        assert!(page.contains("Envoyé") && !page.contains("Renvoyer"));
    }
}
