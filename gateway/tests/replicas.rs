//! Gateway replicas sharing one Redis, as real processes: requests spread round-robin,
//! the mint limit across replicas, and Redis killed and restarted in the middle.

mod common;

use std::time::{Duration, Instant};

use common::hosted::hosted_job;
use common::replicas::{replicas, tls_only, QuietRelay, RedisServer, Replica};
use common::*;
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap()
}

async fn mint_on(http: &reqwest::Client, base: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/v1/sessions"))
        .header("origin", PAGE)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A session token minted on `base`.
async fn token_on(http: &reqwest::Client, base: &str) -> String {
    let (code, session) = mint_on(http, base).await;
    assert_eq!(code, 200, "{session}");
    session["token"].as_str().unwrap().to_owned()
}

/// Submits `body` on `base`; the job id.
async fn submit_on(http: &reqwest::Client, base: &str, token: &str, body: &Value) -> String {
    let r = http
        .post(format!("{base}/api/v1/tryon/clothes"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The ids Redis at `url` gave the pub/sub connections open now (in the order they
/// came: a newer connection has a higher id).
async fn listeners(url: &str) -> Vec<u64> {
    let client = redis::Client::open(url).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut con)
        .await
        .unwrap();
    list.lines()
        .filter_map(|line| line.strip_prefix("id=")?.split(' ').next()?.parse().ok())
        .collect()
}

/// Waits until `base` mints again; fails the test if it has not within `limit`.
async fn mints_again_within(http: &reqwest::Client, base: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let (code, answer) = mint_on(http, base).await;
        if code == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "{base} still refuses: {answer}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn get_on(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let r = http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Follows job `id` as the widget does, with long-polls of `wait` seconds that each
/// say the last status seen, poll `turn` going to `base(turn)`, until the job completes
/// or fails: the last status, and every status seen.
async fn follow(
    http: &reqwest::Client,
    token: &str,
    id: &str,
    wait: u32,
    base: impl Fn(usize) -> String,
) -> (Value, Vec<String>) {
    let mut seen: Vec<String> = vec![];
    for turn in 0..60 {
        let since = seen.last().map_or("starting", String::as_str);
        let url = format!(
            "{}/api/v1/status/{id}?wait={wait}&since={since}",
            base(turn)
        );
        let (code, status) = get_on(http, &url, token).await;
        assert_eq!(code, 200, "{status} from {}", base(turn));
        let now = status["status"].as_str().unwrap().to_owned();
        seen.push(now.clone());
        if now == "completed" || now == "failed" {
            return (status, seen);
        }
    }
    panic!("job {id} never ended: {seen:?}");
}

#[tokio::test]
async fn a_sandbox_job_submitted_on_one_replica_is_followed_and_fetched_on_the_others() {
    let redis = RedisServer::start();
    let all = replicas(
        3,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "0.05"],
    );
    let http = client();
    let token = token_on(&http, &all[0].base).await;
    let id = submit_on(&http, &all[1].base, &token, &job(json!({"num_samples": 2}))).await;
    // Round-robin: every status read on the next replica, long-polling.
    let (done, seen) = follow(&http, &token, &id, 10, |turn| {
        all[(turn + 2) % 3].base.clone()
    })
    .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(seen.len() >= 3, "the replicas saw it move: {seen:?}");
    // The pictures, from every replica (two were rendered elsewhere).
    for url in done["output"].as_array().unwrap() {
        let path = url
            .as_str()
            .unwrap()
            .splitn(4, '/')
            .nth(3)
            .unwrap()
            .to_owned();
        let mut bodies = vec![];
        for replica in &all {
            let r = http
                .get(format!("{}/{path}", replica.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} on {}", replica.base);
            assert_eq!(r.headers()["content-type"], "image/png");
            bodies.push(r.bytes().await.unwrap());
        }
        assert!(bodies.iter().all(|b| *b == bodies[0] && b.len() > 10_000));
    }
}

#[tokio::test]
async fn the_mint_limit_holds_across_replicas_whatever_the_client_writes_in_x_forwarded_for() {
    let redis = RedisServer::start();
    let all = replicas(
        3,
        &redis,
        &["--mint-rate-per-minute", "6", "--trusted-proxies", "1"],
    );
    let http = client();
    let mut answers = vec![];
    for n in 0..12 {
        // The client rotates its own entry; the proxy appends the address it saw.
        let r = http
            .post(format!("{}/v1/sessions", all[n % 3].base))
            .header("origin", PAGE)
            .header("x-forwarded-for", format!("198.51.100.{n}, 203.0.113.7"))
            .send()
            .await
            .unwrap();
        answers.push((r.status().as_u16(), r.headers().get("retry-after").cloned()));
    }
    let allowed = answers.iter().filter(|(code, _)| *code == 200).count();
    assert_eq!(
        allowed, 6,
        "six mints a minute for the client, not per replica: {answers:?}"
    );
    assert!(
        answers[6..]
            .iter()
            .all(|(code, wait)| *code == 429 && wait.is_some()),
        "{answers:?}"
    );
    // Another client still gets its own allowance.
    let r = http
        .post(format!("{}/v1/sessions", all[0].base))
        .header("origin", PAGE)
        .header("x-forwarded-for", "203.0.113.8")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn redis_killed_and_restarted_gives_clear_errors_then_recovers_without_a_restart() {
    let mut redis = RedisServer::start();
    let all = replicas(
        2,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "0.05"],
    );
    let http = client();
    let token = token_on(&http, &all[0].base).await;
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;

    redis.kill();
    // Minting fails closed, at once and clearly, on every replica.
    for replica in &all {
        let started = Instant::now();
        let (code, answer) = mint_on(&http, &replica.base).await;
        assert_eq!(code, 503, "{answer}");
        assert_eq!(answer["error"]["name"], "SharedStateUnavailable");
        assert!(answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Redis"));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    // The replica that runs the job still answers for it; the other says why it cannot.
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}", all[0].base),
        &token,
    )
    .await;
    assert_eq!(code, 200, "{status}");
    let started = Instant::now();
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}?wait=5", all[1].base),
        &token,
    )
    .await;
    assert_eq!(code, 503, "{status}");
    assert_eq!(status["error"]["name"], "SharedStateUnavailable");
    assert!(started.elapsed() < Duration::from_secs(3));
    let health = get_json(&http, &format!("{}/healthz", all[1].base)).await;
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["redis"]["up"], false);
    let metrics = get_text(&http, &format!("{}/metrics", all[1].base)).await;
    assert!(metrics.contains("tryon_redis_up 0"), "{metrics}");

    redis.restart();
    // Both replicas come back by themselves.
    for replica in &all {
        mints_again_within(&http, &replica.base, Duration::from_secs(15)).await;
        let health: Value = get_json(&http, &format!("{}/healthz", replica.base)).await;
        assert_eq!(health["status"], "ok", "{health}");
    }
    // And a new job is shared again.
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;
    let (code, status) = get_on(
        &http,
        &format!("{}/api/v1/status/{id}?wait=10&since=starting", all[1].base),
        &token,
    )
    .await;
    assert_eq!(code, 200, "{status}");
}

#[tokio::test]
async fn redis_connections_that_go_quiet_are_replaced_and_shared_state_comes_back() {
    let redis = RedisServer::start();
    let relay = QuietRelay::start(redis.port);
    let url = relay.url();
    let args = [
        "--redis-url",
        &url,
        "--engine",
        "sandbox",
        "--sandbox-latency-scale",
        "0.5",
        "--mint-rate-per-minute",
        "1000",
    ];
    let all = [Replica::start(0, &args), Replica::start(0, &args)];
    let http = client();
    for replica in &all {
        assert_eq!(
            mint_on(&http, &replica.base).await.0,
            200,
            "through the relay"
        );
    }
    // Both replicas' command and pub/sub connections go quiet.
    let quiet_listener = *listeners(&redis.url()).await.iter().max().unwrap();
    assert!(relay.go_quiet() >= 4, "every connection went quiet");
    // Redis no longer answers on them: a clear refusal within the time limit.
    let started = Instant::now();
    let (code, answer) = mint_on(&http, &all[0].base).await;
    assert_eq!(code, 503, "{answer}");
    assert_eq!(answer["error"]["name"], "SharedStateUnavailable");
    assert!(started.elapsed() < Duration::from_secs(3));
    // The quiet command connections are given up for new ones, and minting works again
    // without a restart (the kernel alone would have kept them for minutes).
    for replica in &all {
        mints_again_within(&http, &replica.base, Duration::from_secs(10)).await;
    }
    // The quiet pub/sub connections are opened again once three heartbeats went
    // unheard (Redis numbers its clients in order: every listener it has now came
    // after the quiet ones): then a job on one replica reaches a shopper waiting on
    // the other as it happens, not when the long-poll runs out (20 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = listeners(&redis.url()).await;
        if now.len() == 2 && now.iter().all(|id| *id > quiet_listener) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the listeners were not opened again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = token_on(&http, &all[0].base).await;
    let submitted = Instant::now();
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;
    let (status, _) = follow(&http, &token, &id, 20, |_| all[1].base.clone()).await;
    assert_eq!(status["status"], "completed", "{status}");
    let done = submitted.elapsed();
    // The job itself takes 3 s (6 s × 0.5).
    assert!(
        done < Duration::from_secs(8),
        "seen completed after {done:?}"
    );
}

#[tokio::test]
async fn a_sandbox_result_finished_while_redis_was_away_reaches_the_others_once_it_is_back() {
    let mut redis = RedisServer::start();
    // Jobs of 3 s (6 s × 0.5): Redis is gone before this one ends.
    let all = replicas(
        2,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "0.5"],
    );
    let http = client();
    let token = token_on(&http, &all[0].base).await;
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;
    redis.kill();
    // The replica that runs it finishes it alone.
    let (status, _) = follow(&http, &token, &id, 10, |_| all[0].base.clone()).await;
    assert_eq!(status["status"], "completed", "{status}");
    // Redis comes back empty; the job's end and its picture are shared again, and the
    // other replica answers for both within seconds.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    let picture = loop {
        let (code, status) = get_on(
            &http,
            &format!("{}/api/v1/status/{id}", all[1].base),
            &token,
        )
        .await;
        if code == 200 && status["status"] == "completed" {
            let url = status["output"][0].as_str().unwrap().to_owned();
            let r = http.get(&url).send().await.unwrap();
            if r.status() == 200 {
                break r.bytes().await.unwrap();
            }
        }
        assert!(Instant::now() < deadline, "{code} {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(image::load_from_memory(&picture).is_ok());
}

/// FASHN's fake at 1/20 of its pace (0.45 s jobs, its windows scaled alike).
async fn fashn(scale: f64, mut config: tryon_fakes::FakeConfig) -> tryon_fakes::FakeUpstream {
    config.time_scale = scale;
    tryon_fakes::FakeUpstream::start(config).await.unwrap()
}

/// Replica flags for the upstream engine on `fake`, FASHN's limits scaled by `scale`.
fn upstream_args(fake: &tryon_fakes::FakeUpstream, scale: f64, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--engine",
        "upstream",
        "--upstream",
        "fashn",
        "--upstream-url",
        fake.url(),
        "--upstream-api-key",
        tryon_fakes::DEFAULT_API_KEY,
        "--upstream-poll-seconds",
        &format!("{}", 3.0 * scale),
        "--upstream-submit-limit",
        &format!("50/{}", 60.0 * scale),
        "--upstream-status-limit",
        &format!("50/{}", 10.0 * scale),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// One shopper whose every request goes to the next replica of `bases` (a
/// round-robin load balancer); returns its final status.
async fn round_robin_shopper(
    http: &reqwest::Client,
    bases: &[String],
    n: usize,
    garment: &str,
) -> Value {
    let token = token_on(http, &bases[n % bases.len()]).await;
    let body = hosted_job(garment, json!({}));
    let id = submit_on(http, &bases[(n + 1) % bases.len()], &token, &body).await;
    follow(http, &token, &id, 5, |turn| {
        bases[(n + 2 + turn) % bases.len()].clone()
    })
    .await
    .0
}

#[tokio::test]
async fn an_upstream_job_is_read_by_one_replica_and_answered_by_all() {
    let redis = RedisServer::start();
    let fake = fashn(0.05, tryon_fakes::FakeConfig::fashn()).await;
    let all = replicas(3, &redis, &refs(&upstream_args(&fake, 0.05, &[])));
    let bases: Vec<String> = all.iter().map(|r| r.base.clone()).collect();
    let http = client();
    let done = futures_util::future::join_all(
        (0..6).map(|n| round_robin_shopper(&http, &bases, n, "tee")),
    )
    .await;
    for status in &done {
        assert_eq!(status["status"], "completed", "{status}");
        assert!(status["output"][0]
            .as_str()
            .unwrap()
            .starts_with(fake.url()));
    }
    let stats = fake.stats();
    assert_eq!((stats.jobs, stats.submits), (6, 6));
    assert_eq!(
        stats.too_many_requests.status + stats.too_many_requests.submit,
        0
    );
    // One reader across the replicas: a 0.45 s job read every 0.15 s at most (+ the end
    // and one for a lease changing hands); three readers would read three times as often.
    let most = stats.status_reads_per_job.values().max().copied().unwrap();
    assert!(most <= 6, "{:?}", stats.status_reads_per_job);
}

#[tokio::test]
async fn a_replica_killed_in_the_middle_of_jobs_loses_no_shopper_and_sends_no_job_twice() {
    let redis = RedisServer::start();
    // 1.8 s jobs.
    let fake = fashn(0.2, tryon_fakes::FakeConfig::fashn()).await;
    let mut all = replicas(3, &redis, &refs(&upstream_args(&fake, 0.2, &[])));
    let bases: Vec<String> = all.iter().map(|r| r.base.clone()).collect();
    let http = client();
    let shoppers: Vec<_> = (0..9)
        .map(|n| {
            let (http, bases) = (http.clone(), bases.clone());
            tokio::spawn(async move {
                let token = token_on(&http, &bases[n % 3]).await;
                let body = hosted_job("tee", json!({}));
                let id = submit_on(&http, &bases[n % 3], &token, &body).await;
                // The widget's long-polls, round-robin; a dead replica's refusal is
                // retried on the next one, as the widget retries.
                let mut since = "starting".to_owned();
                for turn in 0..200 {
                    let base = &bases[(n + turn) % 3];
                    let url = format!("{base}/api/v1/status/{id}?wait=5&since={since}");
                    let Ok(r) = http.get(url).bearer_auth(&token).send().await else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    let status: Value = r.json().await.unwrap();
                    if let Some(s) = status["status"].as_str() {
                        since = s.to_owned();
                        if s == "completed" || s == "failed" {
                            return status;
                        }
                    }
                }
                panic!("shopper {n} never saw the end");
            })
        })
        .collect();
    // Every job is with FASHN and has been read (so its reader holds its lease); then
    // the first replica dies, in the middle, its leases with it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.stats().status_reads_per_job.len() < 9 {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            fake.stats().status_reads_per_job
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Instant::now();
    all[0].kill();
    for shopper in shoppers {
        let status = shopper.await.unwrap();
        assert_eq!(status["status"], "completed", "{status}");
    }
    // Its jobs waited for their leases to run out (3 s), then another replica read them.
    assert!(
        killed.elapsed() >= Duration::from_secs(2),
        "{:?}",
        killed.elapsed()
    );
    let stats = fake.stats();
    assert_eq!(
        (stats.submits, stats.jobs),
        (9, 9),
        "no job submitted twice"
    );
}

#[tokio::test]
async fn a_webhook_on_one_replica_answers_the_shopper_waiting_on_another_at_once() {
    let redis = RedisServer::start();
    let fake = fashn(0.05, tryon_fakes::FakeConfig::fashn()).await;
    // The load balancer's address: the first replica's. Callbacks land there.
    let port = common::replicas::free_port();
    let public = format!("http://127.0.0.1:{port}");
    let args = upstream_args(
        &fake,
        0.05,
        &[
            "--public-url",
            &public,
            "--upstream-webhook-fallback-seconds",
            "60",
        ],
    );
    let url = redis.url();
    let mut with_redis = vec!["--redis-url", url.as_str()];
    with_redis.extend(refs(&args));
    let first = common::replicas::Replica::start(port, &with_redis);
    let others = replicas(2, &redis, &refs(&args));
    let http = client();
    let token = token_on(&http, &others[0].base).await;
    // FASHN's own delivery is held back (`nowebhook`): the test delivers it, timed.
    let body = hosted_job("tee_nowebhook", json!({}));
    let id = submit_on(&http, &others[0].base, &token, &body).await;
    let upstream_id = common::hosted::upstream_id(&id);
    let callback = fake.stats().submit_bodies[0].webhook_url.clone().unwrap();
    assert!(
        callback.starts_with(&format!("{public}/v1/upstream/callbacks/")),
        "{callback}"
    );
    // The shopper waits on the third replica.
    let waiting = {
        let (http, token) = (http.clone(), token.clone());
        let url = format!(
            "{}/api/v1/status/{id}?wait=20&since=starting",
            others[1].base
        );
        tokio::spawn(async move {
            let (code, status) = get_on(&http, &url, &token).await;
            (code, status, Instant::now())
        })
    };
    // Once the job ends at FASHN (0.45 s), the envelope FASHN would post, posted to
    // the first.
    let mut own_reads = 0;
    let envelope = loop {
        let envelope: Value = http
            .get(format!("{}/v1/status/{upstream_id}", fake.url()))
            .bearer_auth(tryon_fakes::DEFAULT_API_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        own_reads += 1;
        if envelope["status"] == "completed" {
            break envelope;
        }
        assert!(own_reads < 50, "{envelope}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The test's own reads of the envelope are the only ones so far.
    let read_before = fake.stats().status_reads_per_job[&upstream_id];
    assert_eq!(
        read_before, own_reads,
        "no replica read the job before its callback"
    );
    let delivered = Instant::now();
    let r = http.post(&callback).json(&envelope).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (code, status, answered) = waiting.await.unwrap();
    assert_eq!(code, 200);
    assert_eq!(status["status"], "completed", "{status}");
    // Woken by the delivery on another replica: without that, the answer would come
    // only when the long-poll's 20 s ran out (the fallback read is 60 s away). The
    // bound is far from both and far above the milliseconds it takes, so a busy
    // machine cannot fail it (the time itself is a benchmark's, not a test's).
    let late = answered.saturating_duration_since(delivered);
    assert!(
        late < Duration::from_secs(3),
        "the shopper saw it {late:?} after the delivery"
    );
    // Three replicas, one reader, one read: the callback's confirmation.
    assert_eq!(
        fake.stats().status_reads_per_job[&upstream_id],
        read_before + 1
    );
    drop(first);
}

#[tokio::test]
async fn a_sandbox_job_whose_replica_dies_is_finished_by_another() {
    let redis = RedisServer::start();
    // Jobs of about 9 s (the contract's time for `balanced`).
    let mut all = replicas(
        2,
        &redis,
        &["--engine", "sandbox", "--sandbox-latency-scale", "1"],
    );
    let http = client();
    let token = token_on(&http, &all[0].base).await;
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;
    let status_on_other = format!("{}/api/v1/status/{id}", all[1].base);
    let (code, status) = get_on(&http, &status_on_other, &token).await;
    assert_eq!(code, 200);
    assert!(
        !status["status"].as_str().unwrap().ends_with("ed"),
        "{status}"
    );
    all[0].kill();
    // Once the alive key (10 s) is gone, the replica the shopper's long-poll reaches
    // takes the job over and renders it again, from the request stored with it.
    let mut seen = vec![];
    let status = loop {
        let (code, status) = get_on(&http, &format!("{status_on_other}?wait=25"), &token).await;
        assert_eq!(code, 200, "{status}");
        seen.push(status["status"].as_str().unwrap().to_owned());
        if status["status"].as_str().unwrap().ends_with("ed") {
            break status;
        }
        assert!(seen.len() < 20, "{seen:?}");
    };
    assert_eq!(status["status"], "completed", "{status} after {seen:?}");
    // Its picture is there on the replica that finished it.
    let picture = status["output"][0].as_str().unwrap();
    let r = http.get(picture).send().await.unwrap();
    assert_eq!(r.status(), 200, "{picture}");
    assert!(image::load_from_memory(&r.bytes().await.unwrap()).is_ok());
}

/// Redis as merchants rent it: TLS only, with a CA of its own, and an ACL user (the
/// `default` user off, as managed offerings do).
#[tokio::test]
async fn replicas_share_a_tls_redis_with_its_own_ca_and_an_acl_user() {
    let redis = RedisServer::start_with(|dir, port| {
        let mut settings = tls_only(dir, port);
        settings.extend(
            [
                "--user",
                "default",
                "off",
                "--user",
                "tryon",
                "on",
                ">s3cret-pw",
                "~*",
                "&*",
                "+@all",
            ]
            .map(String::from),
        );
        settings
    });
    let ca = redis.dir().join("ca.crt").display().to_string();
    let url = |auth: &str| format!("rediss://{auth}@localhost:{}/0", redis.port);
    let good = url("tryon:s3cret-pw");
    let args = [
        "--redis-url",
        &good,
        "--redis-ca-file",
        &ca,
        "--engine",
        "sandbox",
        "--sandbox-latency-scale",
        "0.05",
    ];
    let all = [Replica::start(0, &args), Replica::start(0, &args)];
    let http = client();
    // A mint asks Redis for the mint limit (and fails closed without it).
    let token = token_on(&http, &all[0].base).await;
    let id = submit_on(&http, &all[0].base, &token, &job(json!({}))).await;
    let (done, _) = follow(&http, &token, &id, 10, |_| all[1].base.clone()).await;
    assert_eq!(
        done["status"], "completed",
        "followed on the other replica: {done}"
    );
    let health = get_json(&http, &format!("{}/healthz", all[1].base)).await;
    assert_eq!(health["redis"]["up"], true, "{health}");

    // What a wrong setting looks like: the replica starts, says Redis cannot be
    // reached, and refuses to mint (fail closed) with the shared-store error.
    let wrong = url("tryon:not-the-password");
    for (what, args) in [
        (
            "authentication failed",
            vec!["--redis-url", &wrong, "--redis-ca-file", &ca],
        ),
        // The system's roots do not know the test CA: TLS is really checked.
        ("certificate: UnknownIssuer", vec!["--redis-url", &good]),
    ] {
        let replica = Replica::start(0, &args);
        let (code, answer) = mint_on(&http, &replica.base).await;
        assert_eq!(code, 503, "{what}: {answer}");
        assert_eq!(answer["error"]["name"], "SharedStateUnavailable", "{what}");
        // The reason is the operator's (the log has it), not the browser's.
        let message = answer["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(!message.contains(&what.to_lowercase()), "{message}");
        assert!(message.contains("retry in a moment"), "{message}");
    }
}

#[tokio::test]
async fn a_redis_with_requirepass_takes_the_password_from_the_url() {
    let redis = RedisServer::start_with(|_, _| vec!["--requirepass".into(), "pw-only".into()]);
    let http = client();
    let with = format!("redis://:pw-only@127.0.0.1:{}/0", redis.port);
    let replica = Replica::start(0, &["--redis-url", &with]);
    token_on(&http, &replica.base).await;
    let without = Replica::start(0, &["--redis-url", &redis.url()]);
    let (code, answer) = mint_on(&http, &without.base).await;
    assert_eq!(
        (code, answer["error"]["name"].as_str()),
        (503, Some("SharedStateUnavailable")),
        "{answer}"
    );
}

/// Sends `request` from `address` (behind one trusted proxy): status, answer and
/// Retry-After.
async fn from_address(request: reqwest::RequestBuilder, address: &str) -> (u16, Value, f64) {
    let r = request
        .header("origin", PAGE)
        .header("x-forwarded-for", address)
        .send()
        .await
        .unwrap();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(1.0);
    let code = r.status().as_u16();
    (code, r.json().await.unwrap_or(Value::Null), retry_after)
}

#[tokio::test]
async fn across_three_replicas_an_honest_shopper_goes_before_a_script_on_ten_addresses() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let redis = RedisServer::start();
    let fake = fashn(0.05, tryon_fakes::FakeConfig::fashn()).await;
    let extra = ["--trusted-proxies", "1", "--mint-rate-per-minute", "0"];
    let all = replicas(3, &redis, &refs(&upstream_args(&fake, 0.05, &extra)));
    let bases: Arc<Vec<String>> = Arc::new(all.iter().map(|r| r.base.clone()).collect());
    let http = client();
    // Each request to the next replica, as a round-robin load balancer sends them.
    let next = Arc::new(AtomicUsize::new(0));
    let base = {
        let (bases, next) = (bases.clone(), next.clone());
        move || bases[next.fetch_add(1, Ordering::SeqCst) % bases.len()].clone()
    };
    let mint = |address: String| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let request = http.post(format!("{}/v1/sessions", base()));
            let (code, session, _) = from_address(request, &address).await;
            assert_eq!(code, 200, "{session}");
            session["token"].as_str().unwrap().to_owned()
        }
    };
    let submit = {
        let (http, base) = (http.clone(), base.clone());
        move |token: String, address: String, body: Value| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let request = http
                    .post(format!("{}/api/v1/tryon/clothes", base()))
                    .bearer_auth(token)
                    .json(&body);
                from_address(request, &address).await
            }
        }
    };
    // Ten tokens from ten addresses, each firing 20 one-image submits at once, and
    // again at once after every busy 429.
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut script = Vec::new();
    for i in 0..10 {
        let address = format!("198.19.0.{i}");
        let token = mint(address.clone()).await;
        for n in 0..20 {
            let (submit, accepted, token, address) = (
                submit.clone(),
                accepted.clone(),
                token.clone(),
                address.clone(),
            );
            script.push(tokio::spawn(async move {
                let body = hosted_job("tee", json!({ "seed": i * 100 + n }));
                loop {
                    let (code, answer, _) =
                        submit(token.clone(), address.clone(), body.clone()).await;
                    match code {
                        200 => return accepted.fetch_add(1, Ordering::SeqCst),
                        429 => tokio::time::sleep(Duration::from_millis(20)).await,
                        _ => panic!("the script got {code} {answer}"),
                    };
                }
            }));
        }
    }
    // Once the script has had a window's worth, an honest shopper arrives and waits
    // out each busy answer for its Retry-After, as the widget does.
    while accepted.load(Ordering::SeqCst) < 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let token = mint("192.0.2.77".into()).await;
    let reached = fake.stats().jobs as usize;
    let arrived = Instant::now();
    loop {
        let body = hosted_job("dress", json!({}));
        let (code, answer, retry_after) = submit(token.clone(), "192.0.2.77".into(), body).await;
        match code {
            200 => break,
            429 => tokio::time::sleep(Duration::from_secs_f64(retry_after)).await,
            _ => panic!("{code} {answer}"),
        }
    }
    let waited = arrived.elapsed();
    for s in script {
        s.await.unwrap();
    }
    let stats = fake.stats();
    assert_eq!(stats.jobs, 201);
    let before_honest = common::hosted::jobs_before(&fake, "dress");
    // Each replica's turn holder competes for the shared permits; a contested one goes
    // to the address with the fewest turns on all of them, so the shopper is next but
    // for those already on their way, and, if it arrives as a clump of permits comes
    // back, the clump (at most half the window goes at once: 25; it then has no wait
    // to speak of). First come, first served, it would wait behind the script's other
    // 150; with replicas racing for permits, behind about a third of them.
    eprintln!(
        "{reached} script jobs had reached the provider when the shopper arrived, {before_honest} went first; it waited {waited:?}"
    );
    assert!(
        before_honest <= reached + 25,
        "{before_honest} script jobs went first, {reached} when the shopper arrived"
    );
    assert_eq!(stats.too_many_requests.submit, 0, "within FASHN's limit");
}
