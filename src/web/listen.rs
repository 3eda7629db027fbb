//! Serving connections so that slow or stuck clients cannot hold the server: a
//! request's headers must arrive within `web.header_timeout_seconds` (else the
//! connection is closed) and its body within `web.body_timeout_seconds` (else
//! 408 Request Timeout); at most `web.max_connections` are open at once, and one
//! more is answered 503 at once and closed, so the process never runs out of file
//! descriptors and a normal page still answers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

use crate::config::WebSettings;

/// How long a refused connection may take to hear its 503.
const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// How long open connections may take to finish once the server stops.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// What a refused request is told, in the district's language.
#[derive(Clone, Copy)]
pub struct Refusals {
    pub busy: &'static str,
    pub too_slow: &'static str,
}

impl Refusals {
    pub fn of(locale: crate::config::Locale) -> Self {
        match locale {
            crate::config::Locale::ZhCn => Refusals {
                busy: "服务繁忙，请稍后再试。\n",
                too_slow: "请求内容在限定时间内没有传完，请重试。",
            },
            crate::config::Locale::En => Refusals {
                busy: "The server is busy: please try again in a moment.\n",
                too_slow: "The request's body did not arrive in time: please try again.",
            },
        }
    }
}

/// Serves `router` on `listener` until `stop` completes, then lets open requests
/// finish (at most 30 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    web: &WebSettings,
    refusals: Refusals,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = Duration::from_secs(web.header_timeout_seconds);
    let router = router.layer(axum::middleware::from_fn_with_state(
        (
            Duration::from_secs(web.body_timeout_seconds),
            refusals.too_slow,
        ),
        body_deadline,
    ));
    let proxies: Arc<[ipnet::IpNet]> = web.proxies().unwrap_or_default().into();
    let open = Arc::new(tokio::sync::Semaphore::new(web.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of descriptors or a connection reset before it was
                    // taken: wait a moment rather than spin, and go on.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, refusals.busy));
            continue;
        };
        let proxies = proxies.clone();
        let service =
            router
                .clone()
                .map_request(move |mut request: Request<hyper::body::Incoming>| {
                    // Everything downstream (logins, the access log, rate limits)
                    // reads the client's address from ConnectInfo.
                    let client = client_address(peer.ip(), request.headers(), &proxies);
                    let client = std::net::SocketAddr::new(client, peer.port());
                    request.extensions_mut().insert(ConnectInfo(client));
                    request
                });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(STOP_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open when the server stopped");
    }
    Ok(())
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then
/// the last address in `X-Forwarded-For` that is not one (each proxy appends the
/// address it heard from, so the ones before a stranger's are whatever it wrote).
fn client_address(
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
    proxies: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let trusted = |ip: &std::net::IpAddr| proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        match hop.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    client
}

/// Answers a connection over the cap with 503 and closes it.
async fn refuse_busy(mut stream: tokio::net::TcpStream, words: &'static str) {
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{words}",
        words.len()
    );
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
    tracing::warn!("a connection over web.max_connections was answered 503");
}

/// Gives every request's body until its deadline to arrive; a request whose body
/// did not is answered 408, whatever its handler made of the cut-off body.
async fn body_deadline(
    axum::extract::State((limit, too_slow)): axum::extract::State<(Duration, &'static str)>,
    request: Request,
    next: Next,
) -> Response {
    let expired = Arc::new(AtomicBool::new(false));
    let (parts, body) = request.into_parts();
    let body = Body::new(DeadlineBody {
        inner: body,
        deadline: Box::pin(tokio::time::sleep(limit)),
        expired: expired.clone(),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    if expired.load(Ordering::SeqCst) {
        return (
            StatusCode::REQUEST_TIMEOUT,
            [(axum::http::header::CONNECTION, "close")],
            too_slow,
        )
            .into_response();
    }
    response
}

/// A request body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request's body did not arrive in time")]
struct BodyTooSlow;

impl http_body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::SeqCst);
            return Poll::Ready(Some(Err(BodyTooSlow.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        let headers = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            headers
        };
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        // A stranger's header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.7"), &headers("192.0.2.1"), &proxies),
            ip("198.51.100.7")
        );
        // Through the proxy: the address it heard from, not what the client wrote
        // before it.
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers("1.2.3.4, 203.0.113.9"), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers("203.0.113.9, 10.0.0.5"), &proxies),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers("garbage"), &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &axum::http::HeaderMap::new(), &proxies),
            ip("10.0.0.2")
        );
    }
}
