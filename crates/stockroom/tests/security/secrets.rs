//! `serve` refuses a service secret anyone could guess: too short, or a placeholder from an
//! example file. (Shipped files carrying no usable secret is checked by `make test-deploy`.)

use std::{
    io::Read,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use testkit::process::{free_port, TEST_SERVICE_SECRET};

/// Runs `stockroom serve <service>` with `secret`; `Err(stderr)` if it exits within 20 s.
fn serve_with_secret(service: &str, secret: &str) -> Result<(), String> {
    let db = kernel::testing::fresh_database(service);
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom"))
        .args(["serve", service])
        .env("SERVICE_CLIENT_SECRET", secret)
        .env("BIND_ADDR", "127.0.0.1")
        .env(format!("{}_PORT", service.to_uppercase()), port.to_string())
        .env("DATABASE_URL", &db.url)
        .env("DATABASE_SCHEMA", &db.schema)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the stockroom binary");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(_status) = child.try_wait().expect("poll the child") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                pipe.read_to_string(&mut stderr).expect("read stderr");
            }
            return Err(stderr);
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            child.kill().expect("stop the service");
            child.wait().expect("reap the service");
            return Ok(());
        }
        assert!(
            Instant::now() < deadline,
            "{service} neither started nor exited"
        );
        std::thread::sleep(Duration::from_millis(20));
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
