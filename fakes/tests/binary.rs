//! The `tryon-fake-upstream` binary: its first line is its URL, and it never outlives
//! its starter (stdin closed or SIGTERM).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tryon-fake-upstream"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_owned())
}

fn exits_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[tokio::test]
async fn prints_its_url_serves_and_exits_when_stdin_closes() {
    let (mut child, url) = start(&["--dialect", "fashn", "--status-limit", "2/60"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let submitted = post(
        &format!("{url}/v1/run"),
        Some(&bearer()),
        &json!({"model_name": "tryon-v1.6", "inputs": {
            "model_image": "https://shop.test/p.jpg", "garment_image": "https://shop.test/g.png"}}),
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let status = format!("{url}/v1/status/{}", submitted.body["id"].as_str().unwrap());
    for expected in [200, 200, 429] {
        assert_eq!(get(&status, Some(&bearer())).await.status, expected);
    }
    let stats = get(&format!("{url}/__fake/stats"), None).await.body;
    assert_eq!(stats["too_many_requests"]["status"], 1);

    drop(child.stdin.take());
    let exit = exits_within(&mut child, Duration::from_secs(5)).expect("still running");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn exits_on_sigterm() {
    let (mut child, url) = start(&["--dialect", "tryiton", "--ignore-stdin"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        child.try_wait().unwrap().is_none(),
        "--ignore-stdin keeps it running"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = exits_within(&mut child, Duration::from_secs(5)).expect("still running");
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn refuses_to_listen_beyond_loopback() {
    let (mut child, line) = start(&["--dialect", "fashn", "--listen", "0.0.0.0:0"]);
    assert_eq!(line, "", "no URL printed");
    let exit = exits_within(&mut child, Duration::from_secs(5)).expect("still running");
    assert_eq!(exit.code(), Some(2));
}
