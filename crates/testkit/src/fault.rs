//! A fault switch: a loopback TCP forwarder placed between a service and a peer, which can at
//! any moment pass traffic, hang it (accept and never answer) or refuse it (connection reset).

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
        let (shared, shared_target) = (mode.clone(), target.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = shared_target.lock().map(|t| t.clone()).unwrap_or_default();
                match shared.load(Ordering::SeqCst) {
                    0 => {
                        let mode = shared.clone();
                        tokio::spawn(async move {
                            if let Ok(upstream) = TcpStream::connect(&target).await {
                                forward(client, upstream, mode).await;
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
        Self { url, mode, target }
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
async fn forward(client: TcpStream, upstream: TcpStream, mode: Arc<AtomicU8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    });
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match mode.load(Ordering::SeqCst) {
            0 => {
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
