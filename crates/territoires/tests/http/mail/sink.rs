//! A small SMTP server for the tests, in the test's process: it speaks what a client needs to
//! hand over a mail (greeting, EHLO, MAIL, RCPT, DATA, QUIT) and counts what it takes. It can
//! refuse every connection with a 421 greeting, as a server out of service does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One mail the sink took.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
}

/// A running sink.
#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refusing: Arc<AtomicBool>,
}

impl Sink {
    /// A sink taking mail on a free port.
    pub async fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Sink::serve(listener)
    }

    /// A sink taking mail on `port` (a port chosen earlier and left free meanwhile).
    pub async fn start_on(port: u16) -> Sink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        Sink::serve(listener)
    }

    fn serve(listener: TcpListener) -> Sink {
        let sink = Sink {
            port: listener.local_addr().unwrap().port(),
            received: Default::default(),
            refusing: Default::default(),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(stream).await;
                });
            }
        });
        sink
    }

    /// The URL a node sends through.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Whether it refuses every new connection (421) or takes mail.
    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    /// What it took so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until it took `n` mails, up to `seconds`; returns what it took.
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 50 {
            if self.received.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.received()
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        if self.refusing.load(Ordering::SeqCst) {
            write
                .write_all(b"421 4.3.2 Service not available, closing channel\r\n")
                .await?;
            return Ok(());
        }
        write.write_all(b"220 sink ESMTP\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let verb = line
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 sink\r\n",
                "MAIL" => {
                    to.clear();
                    b"250 2.1.0 Ok\r\n"
                }
                "RCPT" => {
                    let address = line
                        .split_once('<')
                        .and_then(|(_, rest)| rest.split_once('>'))
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default();
                    to.push(address);
                    b"250 2.1.5 Ok\r\n"
                }
                "DATA" => {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut subject = String::new();
                    while let Some(data) = lines.next_line().await? {
                        if data == "." {
                            break;
                        }
                        if let Some(s) = data.strip_prefix("Subject: ") {
                            subject = s.to_string();
                        }
                    }
                    self.received.lock().unwrap().push(Received {
                        to: std::mem::take(&mut to),
                        subject,
                    });
                    b"250 2.0.0 Ok: queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 2.0.0 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"250 Ok\r\n",
            };
            write.write_all(answer).await?;
        }
        Ok(())
    }
}
