//! What an outside probe of `serve` broke or bent (issue 34), each kept fixed: slow
//! clients, hostile workbooks, logins at once, and the smaller findings.

mod common;

use std::time::{Duration, Instant};

use common::web::*;
use common::{TestDb, runtime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; what it said, or None if it
/// kept the connection open past `deadline`.
async fn until_closed(stream: &mut TcpStream, deadline: Instant) -> Option<String> {
    let mut heard = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&heard).into()),
            Ok(Ok(n)) => heard.extend_from_slice(&buffer[..n]),
        }
    }
}

/// 200 requests that stop half-way (100 with half their headers, 100 with
/// nothing at all) hold nothing: a page still answers meanwhile, and the server
/// closes every one of them within 60 s (the header timeout is 10 s). A body
/// that stops arriving is answered 408; a connection over the cap, 503.
#[test]
fn slow_clients_cannot_hold_the_server() {
    let db = TestDb::sqlite();
    district(&db);
    let mut settings = settings_for(&db);
    settings.web.body_timeout_seconds = 3;
    runtime().block_on(async {
        let server = Server::start(&settings).await;
        let address = server.base.trim_start_matches("http://").to_string();
        let started = Instant::now();
        let mut stuck = Vec::new();
        for n in 0..200 {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            if n % 2 == 0 {
                stream
                    .write_all(b"GET /login HTTP/1.1\r\nHost: songjiao\r\nUser-Agent: sl")
                    .await
                    .unwrap();
            }
            stuck.push(stream);
        }
        let page = client()
            .get(format!("{}/login", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "a page answers beside 200 stuck requests");

        let deadline = started + Duration::from_secs(60);
        for (n, stream) in stuck.iter_mut().enumerate() {
            assert!(
                until_closed(stream, deadline).await.is_some(),
                "stuck request {n} still open after 60 s"
            );
        }
        println!(
            "200 half-sent requests closed by the server {:.1} s after they began",
            started.elapsed().as_secs_f64()
        );

        let mut trickle = TcpStream::connect(&address).await.unwrap();
        trickle
            .write_all(
                b"POST /login HTTP/1.1\r\nHost: songjiao\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\n\
                  Content-Length: 100\r\n\r\nusername=",
            )
            .await
            .unwrap();
        let answer = until_closed(&mut trickle, Instant::now() + Duration::from_secs(30))
            .await
            .expect("a body that stops arriving is answered");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        server.stop().await;
    });

    settings.web.max_connections = 3;
    runtime().block_on(async {
        let server = Server::start_again(&settings).await;
        let address = server.base.trim_start_matches("http://").to_string();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(TcpStream::connect(&address).await.unwrap());
        }
        // The accept loop takes connections in order: once a fourth is refused the
        // three are counted.
        let mut over = TcpStream::connect(&address).await.unwrap();
        let answer = until_closed(&mut over, Instant::now() + Duration::from_secs(10))
            .await
            .expect("the connection over the cap is answered at once");
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("Retry-After"), "{answer}");
        drop(held);
        server.stop().await;
    });
}
