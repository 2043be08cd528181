//! A fault switch: a loopback TCP forwarder placed between a service and a peer, which can at
//! any moment pass traffic, hang it (accept and never answer) or refuse it (connection reset).
//! It also records the head (method, path, headers) of every request it passes, so a test can
//! see what one service sent another.

use std::sync::{
    atomic::{AtomicU8, Ordering},
    Arc, Mutex,
};

use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Pass = 0,
    Hang = 1,
    Refuse = 2,
}

#[derive(Clone)]
pub struct FaultSwitch {
    pub url: String,
    mode: Arc<AtomicU8>,
    target: Arc<Mutex<String>>,
    recorded: Recorded,
}

type Recorded = Arc<Mutex<Vec<RecordedRequest>>>;

/// The head of one request that passed the switch.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl FaultSwitch {
    /// Listens on a free loopback port; forwards to the target set with [`FaultSwitch::forward_to`].
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fault switch");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let mode = Arc::new(AtomicU8::new(Mode::Pass as u8));
        let target = Arc::new(Mutex::new(String::new()));
        let recorded: Recorded = Arc::default();
        let (shared, shared_target, log) = (mode.clone(), target.clone(), recorded.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = shared_target.lock().map(|t| t.clone()).unwrap_or_default();
                match shared.load(Ordering::SeqCst) {
                    0 => {
                        let (mode, log) = (shared.clone(), log.clone());
                        tokio::spawn(async move {
                            if let Ok(upstream) = TcpStream::connect(&target).await {
                                forward(client, upstream, mode, log).await;
                            }
                        });
                    }
                    1 => {
                        tokio::spawn(async move {
                            let _held = client;
                            std::future::pending::<()>().await;
                        });
                    }
                    _ => drop(client),
                }
            }
        });
        Self {
            url,
            mode,
            target,
            recorded,
        }
    }

    /// The requests passed so far, oldest first.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        self.recorded.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Where passing traffic goes: a URL such as `http://127.0.0.1:8002`.
    pub fn forward_to(&self, url: &str) {
        if let Ok(mut t) = self.target.lock() {
            *t = url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string();
        }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode as u8, Ordering::SeqCst);
    }
}

/// Copies both ways; each request chunk checks the mode first, so a pooled keep-alive
/// connection hangs or drops too when the switch is flipped.
async fn forward(client: TcpStream, upstream: TcpStream, mode: Arc<AtomicU8>, log: Recorded) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    });
    let mut buffer = vec![0u8; 16 * 1024];
    let mut heads = HeadReader::default();
    loop {
        let n = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match mode.load(Ordering::SeqCst) {
            0 => {
                for head in heads.feed(&buffer[..n]) {
                    if let Ok(mut log) = log.lock() {
                        log.push(head);
                    }
                }
                if upstream_write.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
            // Hold both halves open and never answer.
            1 => std::future::pending::<()>().await,
            _ => break,
        }
    }
    back.abort();
}

/// Finds request heads in a client's byte stream, skipping `Content-Length` bodies. A chunked
/// body ends the recording of that connection (reqwest sends JSON with a length).
#[derive(Default)]
struct HeadReader {
    pending: Vec<u8>,
    body_left: usize,
    lost: bool,
}

impl HeadReader {
    fn feed(&mut self, bytes: &[u8]) -> Vec<RecordedRequest> {
        let mut found = Vec::new();
        if self.lost {
            return found;
        }
        self.pending.extend_from_slice(bytes);
        loop {
            let skip = self.body_left.min(self.pending.len());
            self.pending.drain(..skip);
            self.body_left -= skip;
            if self.body_left > 0 {
                return found;
            }
            let Some(end) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") else {
                return found;
            };
            let head: Vec<u8> = self.pending.drain(..end + 4).collect();
            let Some(request) = parse_head(&String::from_utf8_lossy(&head)) else {
                self.lost = true;
                return found;
            };
            if request.header("transfer-encoding").is_some() {
                self.lost = true;
            }
            self.body_left = request
                .header("content-length")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            found.push(request);
            if self.lost {
                return found;
            }
        }
    }
}

fn parse_head(text: &str) -> Option<RecordedRequest> {
    let mut lines = text.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, path) = (start.next()?.to_string(), start.next()?.to_string());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(RecordedRequest {
        method,
        path,
        headers,
    })
}

/// A server that accepts connections and never answers; its URL.
pub async fn hanging_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the hanging server");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}
