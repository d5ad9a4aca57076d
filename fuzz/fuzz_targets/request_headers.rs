//! Hostile `Cookie`, `X-CSRF-Token` and `X-Request-Id` headers: finding the
//! session cookie, checking the CSRF token and taking a request id must
//! never panic, and what they accept must be what they promise.
#![no_main]

use http::{HeaderMap, HeaderValue, Method, header};
use kiln_gateway::access_log::acceptable;
use kiln_gateway::auth::session::{cookie_token, csrf_ok, csrf_token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<&[u8]>, &[u8], &[u8])| {
    let (cookies, csrf, request_id) = input;
    let mut h = HeaderMap::new();
    for c in &cookies {
        if let Ok(v) = HeaderValue::from_bytes(c) {
            h.append(header::COOKIE, v);
        }
    }
    if let Ok(v) = HeaderValue::from_bytes(csrf) {
        h.insert("x-csrf-token", v);
    }
    if let Some(token) = cookie_token(&h) {
        // A cookie value: non-empty, no separator, from one of the headers.
        assert!(!token.is_empty() && !token.contains(';'), "{token:?}");
        assert!(cookies.iter().any(|c| c.windows(token.len()).any(|w| w == token.as_bytes())));
        // Reads always pass; a change passes exactly with the session's token.
        assert!(csrf_ok(&Method::GET, &h, token));
        let given = h.get("x-csrf-token").map(|v| v.as_bytes().to_vec());
        let expected = csrf_token(token).into_bytes();
        assert_eq!(csrf_ok(&Method::POST, &h, token), given.as_deref() == Some(&expected[..]));
    }
    if let Ok(v) = HeaderValue::from_bytes(request_id)
        && let Some(id) = acceptable(&v)
    {
        assert!(!id.is_empty() && id.len() <= 128, "{id:?}");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)), "{id:?}");
    }
});
