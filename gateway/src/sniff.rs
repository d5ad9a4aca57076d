//! Content types from magic bytes; the client's name and header are not trusted.

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// Bytes enough for every signature `infer` knows.
pub const HEAD_LEN: usize = 8 * 1024;

/// The MIME type of content starting with `head`.
pub fn content_type(head: &[u8]) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_owned();
    }
    if !head.is_empty() && std::str::from_utf8(head).is_ok_and(|s| !s.contains('\0')) {
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

/// Reads up to [`HEAD_LEN`] bytes from `stream`, returning them and a stream
/// that yields the whole content again (head first), so sniffing costs no copy
/// of the body.
pub async fn peek<S>(
    mut stream: S,
) -> std::io::Result<(Bytes, impl Stream<Item = std::io::Result<Bytes>>)>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    let mut head = BytesMut::new();
    while head.len() < HEAD_LEN {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    let head = head.freeze();
    let replay = futures::stream::once(futures::future::ready(Ok(head.clone()))).chain(stream);
    Ok((head, replay))
}
