//! `serve` refuses a service secret anyone could guess: too short, or a placeholder from an
//! example file. (Shipped files carrying no usable secret is checked by `make test-deploy`.)

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use testkit::process::TEST_SERVICE_SECRET;

/// Runs `stockroom serve <service>` with `secret` on any free port; `Err(stderr)` if it exits
/// instead of reporting that it listens (within 20 s).
fn serve_with_secret(service: &str, secret: &str) -> Result<(), String> {
    let db = kernel::testing::fresh_database(service);
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(["serve", service])
        .env("SERVICE_CLIENT_SECRET", secret)
        .env("BIND_ADDR", "127.0.0.1")
        .env(format!("{}_PORT", service.to_uppercase()), "0")
        .env("DATABASE_URL", &db.url)
        .env("DATABASE_SCHEMA", &db.schema)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the stockroom binary");
    let stderr = child.stderr.take().expect("piped stderr");
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    let mut written = Vec::new();
    loop {
        match lines.recv_timeout(Duration::from_secs(20)) {
            Ok(line) if line.starts_with("listening on ") => {
                child.kill().expect("stop the service");
                child.wait().expect("reap the service");
                return Ok(());
            }
            Ok(line) => written.push(line),
            // Its stderr closed: it exited, and said why.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                child.wait().expect("reap the service");
                return Err(written.join("\n"));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("{service} neither listened nor exited within 20 s: {written:?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by make test-reliability"]
async fn serve_refuses_a_short_or_placeholder_service_secret_and_names_the_fix() {
    for service in ["auth", "orders"] {
        let short =
            serve_with_secret(service, "s3cret-but-short").expect_err("short secret refused");
        assert!(
            short.contains("SERVICE_CLIENT_SECRET") && short.contains("32 bytes"),
            "{service}: the refusal names the variable and the rule: {short}"
        );
        assert!(
            !short.contains("s3cret-but-short"),
            "the refusal never echoes the secret"
        );

        let placeholder = serve_with_secret(service, "change-me-to-a-long-random-string-please")
            .expect_err("placeholder refused");
        assert!(
            placeholder.contains("placeholder") && placeholder.contains("openssl rand"),
            "{service}: {placeholder}"
        );
    }
    serve_with_secret("auth", TEST_SERVICE_SECRET).expect("a strong secret starts auth");
}
