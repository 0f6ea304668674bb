//! `jiuzhu bench residents`: the residents' site under load on loopback — `residents` people at
//! once, each from its own address (127.0.x.y: the per-address limits apply to each as to a
//! real phone), reading the start page, the policy guide, the notice board, doing the
//! self-assessment and looking up a report. Then the limits: one address that keeps asking is
//! refused after its 20 a minute while the others go on, and one code tried from six addresses
//! is refused the sixth time. Last, the audit trail: every read of the notice board and every
//! lookup has its `(群众)` entry. A plain HTTP/1.1 client over `tokio::net` (no client crate).

use crate::Failure;
use jiuzhu_domain::RegionCode;
use jiuzhu_store::Store;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One answer: the status and the form-token cookie, if set.
struct Answer {
    status: u16,
    token: Option<String>,
}

/// Sends one request from `from` to `server` over a fresh connection (as a phone does).
async fn send(server: SocketAddr, from: Ipv4Addr, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<Answer> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    let mut stream = socket.connect(server).await?;
    let cookie = if token.is_empty() { String::new() } else { format!("Cookie: jiuzhu_form={token}\r\n") };
    let form = if method == "POST" { format!("csrf_token={token}&{body}") } else { String::new() };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: jiuzhu-bench\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(head.as_bytes()).await?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await?;
    let text = String::from_utf8_lossy(&reply);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let token = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("set-cookie: jiuzhu_form=").or_else(|| l.strip_prefix("Set-Cookie: jiuzhu_form=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    Ok(Answer { status, token })
}

/// The address of resident `i` (127.0.x.y, never 127.0.0.1, which the server listens on).
fn address(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8)
}

/// The requests of one visit: (method, path, form) — `{town}` is the town's code.
fn visit(town: &str, i: usize) -> Vec<(&'static str, String, String)> {
    vec![
        ("GET", "/m/".into(), String::new()),
        ("GET", format!("/m/guide?region={town}"), String::new()),
        ("GET", format!("/m/notices?region={town}"), String::new()),
        (
            "POST",
            "/m/check".into(),
            format!(
                "region={town}&area=rural&m1_age={}&m1_care=partial&income_pension=100&savings=2000&homes=1&supporters=none",
                60 + i % 30
            ),
        ),
        ("POST", "/m/report/check".into(), format!("code=JB20261201-{:06}&pin={:08}", i, i * 7919)),
    ]
}

#[allow(clippy::expect_used, reason = "constant dates and codes")]
pub async fn residents_bench(
    store: Arc<dyn Store>,
    households: usize,
    residents: usize,
    visits: usize,
) -> Result<serde_json::Value, Failure> {
    let today = jiuzhu_domain::clock::beijing_date(chrono::Utc::now());
    let county = RegionCode::parse(jiuzhu_synth::Config::DEFAULT_COUNTY).expect("valid");
    eprintln!("loading {households} households, demo accounts, cases and complaints…");
    crate::population::load_population(store.as_ref(), &county, households, 1, today).await?;
    crate::population::create_demo_accounts(store.as_ref(), &county).await?;
    crate::demo::seed_demo_cases(store.clone(), today, 20).await?;
    crate::demo::seed_demo_complaints(&store).await?;
    let town = store.region_children(Some(&county)).await?.first().map(|d| d.code.to_string()).unwrap_or_default();
    let uploads = tempfile::tempdir()?;
    let state = jiuzhu_web::AppState::new(store.clone(), crate::measure::bench_keys(), jiuzhu_web::Settings::new(uploads.path()))?;
    let app = jiuzhu_web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server = listener.local_addr()?;
    let serving = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
    });
    let resident_entries = |store: Arc<dyn Store>| async move {
        let all = store.audit_after(0, i64::MAX).await.unwrap_or_default();
        all.iter().filter(|e| e.record.username == jiuzhu_web::audit::RESIDENT).count()
    };
    let before = resident_entries(store.clone()).await;

    eprintln!("{residents} residents at once, {visits} visit(s) each, on {server}…");
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..residents {
        let town = town.clone();
        tasks.push(tokio::spawn(async move {
            let from = address(i);
            let mut lat = Vec::new();
            let (mut failed, mut audited) = (0usize, 0usize);
            let mut token = String::new();
            for v in 0..visits {
                for (method, path, form) in visit(&town, i * visits + v) {
                    let s = Instant::now();
                    match send(server, from, method, &path, &token, &form).await {
                        Ok(a) => {
                            lat.push(s.elapsed());
                            if let Some(t) = a.token {
                                token = t;
                            }
                            if !(200..400).contains(&a.status) {
                                failed += 1;
                            } else if path.starts_with("/m/notices") || path.starts_with("/m/report/check") {
                                audited += 1;
                            }
                        }
                        Err(_) => failed += 1,
                    }
                }
            }
            (lat, failed, audited)
        }));
    }
    let (mut lat, mut failed, mut audited): (Vec<Duration>, usize, usize) = (Vec::new(), 0, 0);
    for t in tasks {
        let (l, f, a) = t.await?;
        lat.extend(l);
        failed += f;
        audited += a;
    }
    let wall = started.elapsed();
    lat.sort();
    let p = |q: f64| crate::measure::percentile(&lat, q);
    eprintln!("p95 {:.1} ms, {failed} failed", p(0.95));

    // The limits: one address asking 25 times in a row, and one code from six addresses.
    let pushy = Ipv4Addr::new(127, 0, 200, 1);
    let token = send(server, pushy, "GET", "/m/report/check", "", "").await?.token.unwrap_or_default();
    let mut per_address = Vec::new();
    for k in 0..25 {
        // A new code and PIN each time, so that only the per-address limit can refuse.
        let form = format!("code=JB20261202-{k:06}&pin={:08}", 30_000_000 + k);
        per_address.push(send(server, pushy, "POST", "/m/report/check", &token, &form).await?.status);
    }
    let mut per_code = Vec::new();
    for k in 0..6 {
        let from = Ipv4Addr::new(127, 0, 201, 1 + k);
        let token = send(server, from, "GET", "/m/report/check", "", "").await?.token.unwrap_or_default();
        per_code.push(send(server, from, "POST", "/m/report/check", &token, &format!("code=JB20261203-000001&pin={:08}", k)).await?.status);
    }
    let refused_per_address = per_address.iter().filter(|s| **s == 429).count();
    let refused_per_code = per_code.iter().filter(|s| **s == 429).count();
    let answered_before_limit = per_address.iter().take_while(|s| **s == 200).count();
    let after = resident_entries(store.clone()).await;
    // Every resident read that was answered has its entry (the limit checks' answers included).
    let expected = audited + per_address.iter().chain(&per_code).filter(|s| **s == 200).count();
    serving.abort();
    Ok(json!({
        "backend": store.backend(),
        "households": households,
        "residents": residents,
        "requests": lat.len(),
        "failed": failed,
        "p50_ms": p(0.50),
        "p95_ms": p(0.95),
        "p99_ms": p(0.99),
        "max_ms": lat.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
        "requests_per_s": lat.len() as f64 / wall.as_secs_f64(),
        "limits": {
            "one_address_answered_before_refusal": answered_before_limit,
            "one_address_refused_of_25": refused_per_address,
            "one_code_from_six_addresses_refused": refused_per_code,
        },
        "audit": {"resident_entries_written": after - before, "resident_reads_answered": expected, "complete": after - before >= expected},
        "measured_at": "loopback TCP, one connection per request, each resident its own 127.0.x.y address; pages: start, guide, notice board, self-assessment, report lookup",
    }))
}
