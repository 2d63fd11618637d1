//! What the fakes' tests share: an HTTP client, requests that return status and JSON,
//! waiting for a job to end, and a webhook receiver.

#![allow(dead_code)] // each test file uses its own part

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::routing;
use axum::{Json, Router};
use serde_json::Value;
use tryon_fakes::DEFAULT_API_KEY;

/// A client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The bearer the fakes accept by default.
pub fn bearer() -> String {
    format!("Bearer {DEFAULT_API_KEY}")
}

/// An answer: status, headers, body as JSON (`Null` when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// POSTs `body` as JSON with `auth` as the Authorization header (if any).
pub async fn post(url: &str, auth: Option<&str>, body: &Value) -> Answer {
    let mut request = client().post(url).json(body);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    answer(request.send().await.unwrap()).await
}

/// GETs `url` with `auth` as the Authorization header (if any).
pub async fn get(url: &str, auth: Option<&str>) -> Answer {
    let mut request = client().get(url);
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    answer(request.send().await.unwrap()).await
}

/// Reads `status_url` until its status is final; the statuses seen in order (each once)
/// and the final answer.
pub async fn follow(status_url: &str, every: Duration) -> (Vec<String>, Value) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen: Vec<String> = vec![];
    loop {
        let read = get(status_url, Some(&bearer())).await;
        assert_eq!(read.status, 200, "{}", read.body);
        let status = read.body["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "completed" || status == "failed" {
            return (seen, read.body);
        }
        assert!(Instant::now() < deadline, "no end after 5 s: {seen:?}");
        tokio::time::sleep(every).await;
    }
}

/// What a webhook receiver got.
#[derive(Default)]
pub struct Received {
    pub bodies: Vec<Value>,
    pub headers: Vec<HeaderMap>,
}

/// A webhook receiver on loopback answering 500 to its first `failures` deliveries and
/// 200 after; its URL (`/hook?token=…`) and what it received.
pub async fn receiver(failures: usize) -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let seen = received.clone();
    let app = Router::new().route(
        "/hook",
        routing::post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.bodies.push(body);
                seen.headers.push(headers);
                if seen.bodies.len() <= failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hook?token=per-job-secret",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

/// Waits until `done` holds, for at most `limit`.
pub async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}
