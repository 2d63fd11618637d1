//! Real processes for the replica tests: a `redis-server` (from apt, installed by
//! `scripts/setup.sh`) on a free loopback port with its own temporary directory, and
//! gateway replicas (the real binary) pointed at it. Both are killed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{PAGE, SECRET};

/// Children of the test end with it, even when it is killed before its `Drop`s run:
/// the kernel sends them SIGKILL when the thread that started them ends (Linux).
pub fn ends_with_the_test(command: &mut Command) -> &mut Command {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches only the child being made.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    command
}

/// A free loopback port (bound, noted, closed).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Redis server of the test's own.
pub struct RedisServer {
    child: Option<Child>,
    /// Its port on 127.0.0.1 (the TLS port when it speaks TLS).
    pub port: u16,
    dir: PathBuf,
    /// Settings beyond the plain ones (TLS, passwords, users).
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts one and waits until it answers.
    pub fn start() -> Self {
        Self::start_with(|_, _| vec![])
    }

    /// Starts one with more settings: `settings(dir, port)` gives them, with the
    /// server's own directory (for files) and its port.
    pub fn start_with(settings: impl FnOnce(&std::path::Path, u16) -> Vec<String>) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("tryon-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let extra = settings(&dir, port);
        let mut server = RedisServer {
            child: None,
            port,
            dir,
            extra,
        };
        server.restart();
        server
    }

    /// Where it keeps its files (certificates included).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills it (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on the same port, empty, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = ends_with_the_test(&mut Command::new("redis-server"))
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server (scripts/setup.sh installs it from apt)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Settings for a Redis that speaks only TLS on `port`, with a CA of its own made
/// in `dir` by `openssl` (from apt): `dir/ca.crt` is the CA clients must trust, and
/// the server's certificate names `localhost` and 127.0.0.1.
pub fn tls_only(dir: &std::path::Path, port: u16) -> Vec<String> {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (scripts/setup.sh installs it from apt)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=tryon test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    let file = |name: &str| dir.join(name).display().to_string();
    vec![
        "--port".into(),
        "0".into(),
        "--tls-port".into(),
        port.to_string(),
        "--tls-cert-file".into(),
        file("server.crt"),
        "--tls-key-file".into(),
        file("server.key"),
        "--tls-ca-cert-file".into(),
        file("ca.crt"),
        "--tls-auth-clients".into(),
        "no".into(),
    ]
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One gateway replica: the real binary, on its own port.
pub struct Replica {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Replica {
    /// Starts the binary with `args` on `port` (0: any), sharing the test secret.
    pub fn start(port: u16, args: &[&str]) -> Self {
        let port = if port == 0 { free_port() } else { port };
        let mut child = ends_with_the_test(&mut Command::new(env!("CARGO_BIN_EXE_tryon-gateway")))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("TRYON_ALLOWED_ORIGINS", PAGE)
            .env("TRYON_TOKEN_SECRET", SECRET)
            // Many jobs from one address; the quota tests set their own.
            .env("TRYON_SESSION_IMAGES_PER_HOUR", "0")
            .env("TRYON_ADDRESS_IMAGES_PER_HOUR", "0")
            .env("TRYON_DAILY_IMAGE_BUDGET", "off")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut first,
        )
        .unwrap();
        assert!(first.contains("listening"), "{first}");
        Replica {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Kills it (SIGKILL), in the middle of whatever it does.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `n` replicas sharing `redis`, each started with `args`.
pub fn replicas(n: usize, redis: &RedisServer, args: &[&str]) -> Vec<Replica> {
    let url = redis.url();
    let mut all: Vec<&str> = vec!["--redis-url", &url];
    all.extend_from_slice(args);
    (0..n).map(|_| Replica::start(0, &all)).collect()
}

/// A TCP relay on loopback in front of a server, that can go quiet: after
/// [`QuietRelay::go_quiet`], every connection open at that moment stays open but
/// carries nothing more either way (as when a NAT or firewall forgets a flow: no reset,
/// no close); connections opened later are relayed as before.
pub struct QuietRelay {
    /// Its port on 127.0.0.1.
    pub port: u16,
    quiet_below: std::sync::Arc<std::sync::atomic::AtomicU64>,
    opened: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl QuietRelay {
    /// Relays 127.0.0.1:`port` (threads that end with the test process).
    pub fn start(port: u16) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = QuietRelay {
            port: listener.local_addr().unwrap().port(),
            quiet_below: Arc::new(AtomicU64::new(0)),
            opened: Arc::new(AtomicU64::new(0)),
        };
        let (quiet_below, opened) = (relay.quiet_below.clone(), relay.opened.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
                    continue;
                };
                let number = opened.fetch_add(1, Ordering::SeqCst);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let quiet_below = quiet_below.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(n) = std::io::Read::read(&mut from, &mut buffer) {
                            if n == 0 {
                                let _ = to.shutdown(std::net::Shutdown::Write);
                                return;
                            }
                            // A quiet connection swallows what it reads, and stays open.
                            if number >= quiet_below.load(Ordering::SeqCst)
                                && std::io::Write::write_all(&mut to, &buffer[..n]).is_err()
                            {
                                return;
                            }
                        }
                    });
                }
            }
        });
        relay
    }

    /// `redis://127.0.0.1:PORT/0` through the relay.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Every connection open now goes quiet; returns how many there were.
    pub fn go_quiet(&self) -> u64 {
        use std::sync::atomic::Ordering;
        let open = self.opened.load(Ordering::SeqCst);
        self.quiet_below.store(open, Ordering::SeqCst);
        open
    }
}
