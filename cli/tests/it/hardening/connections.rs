//! Slow and greedy clients are cut off; others keep being served.

#![allow(clippy::unwrap_used)]

use crate::common::TestApp;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A connection from `from` (any 127.x address reaches the server).
async fn connect(from: IpAddr, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(from, 0)).unwrap();
    s.connect(to).await.unwrap()
}

/// Reads until the server closes (or answers); `None` if it did neither
/// within `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    tokio::time::timeout(within, s.read_to_end(&mut got))
        .await
        .ok()
        .map(|_| got)
}

#[tokio::test]
async fn slow_header_senders_are_cut_off_and_a_greedy_address_is_capped() {
    let t = TestApp::spawn_with(|c| {
        c.gateway.connections.header_read_timeout_secs = 1;
        c.gateway.connections.max_connections_per_client = 10;
    })
    .await;
    let greedy: IpAddr = [127, 0, 0, 1].into();
    let mut slow = Vec::new();
    for _ in 0..10 {
        let mut s = connect(greedy, t.app.addr).await;
        s.write_all(b"GET /healthz HT").await.unwrap();
        slow.push(s);
    }
    // Over the per-address cap: closed at once, with no answer.
    let mut extra = connect(greedy, t.app.addr).await;
    let got = closed_within(&mut extra, Duration::from_secs(5)).await;
    assert_eq!(
        got.as_deref(),
        Some(&b""[..]),
        "the 11th connection was kept"
    );

    // Another client is served while the slow ones hold their slots.
    let other = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let r = other
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The slow ones are dropped once the header deadline passes.
    for s in &mut slow {
        let got = closed_within(s, Duration::from_secs(10)).await;
        assert!(
            got.is_some(),
            "a slow client kept its connection past the deadline"
        );
    }
    // Their slots are free again.
    let again = reqwest::Client::builder()
        .local_address(greedy)
        .build()
        .unwrap();
    let r = again
        .get(format!("{}/healthz", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn an_upload_that_stalls_is_cut_off_with_a_json_error_and_leaves_nothing() {
    let t = TestApp::spawn_with(|c| c.gateway.connections.body_idle_timeout_secs = 1).await;
    let mut s = connect([127, 0, 0, 1].into(), t.app.addr).await;
    s.write_all(
        b"POST /v1/uploads HTTP/1.1\r\nhost: kiln\r\ncontent-type: application/octet-stream\r\ncontent-length: 100000\r\n\r\n\xff\xd8\xff\xe0",
    )
    .await
    .unwrap();
    let answer = closed_within(&mut s, Duration::from_secs(10))
        .await
        .expect("the server never gave up on the stalled body");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"upload_interrupted\""), "{text}");
    assert!(
        t.blob_files("originals").is_empty(),
        "a partial upload was kept"
    );
}
