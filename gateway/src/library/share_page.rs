//! The HTML page of a share link: the shared pictures as a grid of
//! thumbnails, names and (when allowed) download links. Every value from a
//! user is escaped; the page runs no script and loads only its own images
//! (see `PAGE_CSP` in `public.rs`).

use axum::response::Html;
use kiln_proto::api::SharedPage;

/// Text safe inside HTML elements and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page.
pub fn render(token: &str, page: &SharedPage) -> Html<String> {
    let title = escape(page.title.as_deref().unwrap_or("Shared with you"));
    let mut body = format!("<h1>{title}</h1>");
    if let Some(d) = &page.description {
        body += &format!("<p class=\"d\">{}</p>", escape(d));
    }
    if let Some(t) = page.expires_at {
        body += &format!(
            "<p class=\"m\">This link works until {}.</p>",
            t.format("%Y-%m-%d %H:%M UTC")
        );
    }
    body += "<ul>";
    for f in &page.files {
        let name = escape(f.filename.as_deref().unwrap_or("untitled"));
        // The largest thumbnail up to 1024 px, else the smallest there is.
        let thumb = f
            .thumbnails
            .iter()
            .rfind(|t| t.width.unwrap_or(0) <= 1024)
            .or(f.thumbnails.first());
        body += "<li>";
        match thumb {
            Some(t) => {
                body += &format!(
                    "<img src=\"{}\" alt=\"{name}\" loading=\"lazy\">",
                    escape(&t.url)
                )
            }
            None => body += &format!("<div class=\"n\">{}</div>", escape(&f.kind)),
        }
        body += &format!("<span>{name}</span>");
        if let Some(u) = &f.url {
            body += &format!("<a href=\"{}\" download>Download</a>", escape(u));
        }
        body += "</li>";
    }
    body += "</ul>";
    if let Some(c) = &page.next_cursor {
        body += &format!(
            "<p><a href=\"/s/{}?cursor={}\">More</a></p>",
            escape(token),
            escape(c)
        );
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{title} · Kiln</title>\
         <style>body{{font:16px system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}}\
         ul{{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}}\
         li{{display:flex;flex-direction:column;gap:.3rem}}img{{width:100%;height:14rem;object-fit:cover;border-radius:.4rem;background:#eee}}\
         .n{{height:14rem;display:flex;align-items:center;justify-content:center;background:#eee;border-radius:.4rem}}\
         span{{overflow-wrap:anywhere}}.m,.d{{color:#555}}</style></head><body>{body}</body></html>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_become_markup() {
        let page: SharedPage = serde_json::from_value(serde_json::json!({
            "type": "album", "title": "<script>alert(1)</script>",
            "description": "\"><img src=x onerror=alert(2)>", "download": true,
            "expires_at": null, "next_cursor": null,
            "files": [{"id": "f", "filename": "a'<b>.jpg", "content_type": "image/jpeg",
                       "type": "image", "bytes": 1, "width": null, "height": null,
                       "taken_at": null, "thumbnails": [], "url": "/s/t/files/f"}]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let html = render("t", &page).0;
        assert!(!html.contains("<script>") && !html.contains("<img src=x"));
        assert!(html.contains("&lt;script&gt;") && html.contains("a&#39;&lt;b&gt;.jpg"));
    }
}
