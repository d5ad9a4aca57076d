//! The notifier against real SMTP servers: sign up, sign in, upload with
//! `notify=email`, and exactly one email arrives with a working link, even
//! when the event comes twice; a 451 is retried until the server accepts;
//! a 550 is dead-lettered with the reason.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestApp;
use common::smtp::Smtp;
use kiln::auth_config::{Secret, Switch};
use kiln_proto::{JobMessage, Role};
use kiln_workers::Outcome;
use serde_json::{Value, json};

/// Where users reach the gateway (a proxy in front of the test's port).
const PUBLIC: &str = "https://kiln.example.test";

async fn app(smtp: &Smtp) -> TestApp {
    let url = smtp.url.clone();
    TestApp::spawn_with(move |c| {
        c.auth = Some(Switch(true));
        c.jwt_secret = Some(Secret("notify-test-secret-notify-test-secret".into()));
        c.gateway.sign_in_rate_limit.burst = 1000;
        c.workers.notify.smtp_url = Some(Secret(url));
        c.workers.notify.mail_from = "Kiln <kiln@example.com>".into();
        c.public_url = PUBLIC.into();
    })
    .await
}

/// Signs up and in; returns the access token.
async fn account(t: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "correct horse battery", "name": "Ada Lovelace"});
    let r = t
        .http
        .post(format!("{}/v1/auth/signup", t.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = t
        .http
        .post(format!("{}/v1/auth/login", t.base))
        .basic_auth(email, Some("correct horse battery"))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

async fn upload(t: &TestApp, token: &str, bytes: Vec<u8>, query: &str) -> Value {
    let r = t
        .http
        .post(format!("{}/v1/uploads?{query}", t.base))
        .bearer_auth(token)
        .header("x-filename", "holiday.jpg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    r.json().await.unwrap()
}

/// The text and HTML parts of a raw message, decoded.
fn parts(raw: &str) -> (mailparse::ParsedMail<'_>, String, String) {
    let m = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let (mut text, mut html) = (String::new(), String::new());
    for p in &m.subparts {
        match p.ctype.mimetype.as_str() {
            "text/plain" => text = p.get_body().unwrap(),
            "text/html" => html = p.get_body().unwrap(),
            _ => {}
        }
    }
    (m, text, html)
}

fn header(m: &mailparse::ParsedMail<'_>, name: &str) -> String {
    use mailparse::MailHeaderMap;
    m.headers.get_first_value(name).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_email_per_finished_job_with_a_working_link_even_when_delivered_twice() {
    let smtp = Smtp::start();
    let t = app(&smtp).await;
    let token = account(&t, "ada@example.com").await;
    let up = upload(
        &t,
        &token,
        common::plain_jpeg(320, 240),
        "thumbnails=64&metadata=false&notify=email",
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Succeeded { .. }
    ));
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let (m, text, html) = parts(&mails[0]);
    assert!(
        header(&m, "To").contains("ada@example.com"),
        "{}",
        header(&m, "To")
    );
    assert!(header(&m, "From").contains("kiln@example.com"));
    let subject = header(&m, "Subject");
    assert!(
        subject.contains("holiday.jpg")
            && subject.contains("thumbnails")
            && subject.contains("ready"),
        "{subject}"
    );
    assert!(
        html.contains("holiday.jpg") && html.contains("<a href="),
        "{html}"
    );
    // The link is signed: a browser or mail client opens it without
    // signing in, although accounts are on.
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/d/"))
        .unwrap_or_else(|| panic!("no signed link in {text}"));
    let path = link
        .strip_prefix(PUBLIC)
        .expect("links use the public address");
    assert!(html.contains(&link.replace('&', "&amp;")), "{html}");
    let r = t
        .http
        .get(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{link}");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    // Changed by one character, it opens nothing.
    let forged = path.replacen("sig=", "sig=0", 1);
    let r = t
        .http
        .get(format!("{}{forged}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{forged}");

    // The same event again (a redelivery), and a second notify job for the
    // same ending (a duplicate from elsewhere): still one email.
    let (_, jobs) = t.get_json_auth("/v1/jobs?kind=notify", &token).await;
    let notify = &jobs["jobs"][0];
    assert_eq!(notify["status"], "succeeded");
    let again = JobMessage::new(
        notify["id"].as_str().unwrap().into(),
        kiln_proto::JobKind::Notify,
        notify["file_id"].as_str().unwrap().into(),
        json!({"job_id": up["jobs"][0]["id"], "status": "succeeded"}),
    );
    t.app
        .backends
        .broker
        .publish(Role::Notify, "k", again.to_bytes().into())
        .await
        .unwrap();
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Skipped { .. }
    ));
    let mut twin = kiln_adapters::JobRecord::queued(
        notify_owner(&t, &token).await,
        kiln_proto::JobKind::Notify,
        notify["file_id"].as_str().unwrap(),
        json!({"job_id": up["jobs"][0]["id"], "status": "succeeded"}),
    );
    twin.id = kiln_adapters::new_id();
    assert!(t.app.backends.store.insert_job(&twin).await.unwrap());
    kiln_core::publish_jobs(
        t.app.backends.store.as_ref(),
        t.app.backends.broker.as_ref(),
        &[twin],
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Succeeded { .. }
    ));
    assert_eq!(smtp.messages().len(), 1, "no second email");
}

async fn notify_owner(t: &TestApp, token: &str) -> Option<String> {
    let r = t
        .http
        .get(format!("{}/v1/me", t.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_job_is_told_with_its_reason_and_preferences_ask_for_email() {
    let smtp = Smtp::start();
    let t = app(&smtp).await;
    let token = account(&t, "ada@example.com").await;
    // The preference instead of notify=email on the upload.
    let r = t
        .http
        .patch(format!("{}/v1/me", t.base))
        .bearer_auth(&token)
        .json(&json!({"notify_email": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let jpeg = common::plain_jpeg(320, 240);
    upload(
        &t,
        &token,
        jpeg[..jpeg.len() / 2].to_vec(),
        "thumbnails=64&metadata=false",
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Dead { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Succeeded { .. }
    ));
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    let (m, text, _) = parts(&mails[0]);
    assert!(
        header(&m, "Subject").contains("failed"),
        "{}",
        header(&m, "Subject")
    );
    assert!(text.contains("truncated"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_451_is_retried_until_the_server_accepts() {
    let smtp = Smtp::flaky(451, 1);
    let t = app(&smtp).await;
    let token = account(&t, "ada@example.com").await;
    upload(
        &t,
        &token,
        common::plain_jpeg(64, 48),
        "thumbnails=32&metadata=false&notify=email",
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    match t.run_one(Role::Notify).await {
        Outcome::Retrying { error, .. } => assert!(error.contains("451"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(smtp.messages().is_empty());
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Succeeded { .. }
    ));
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_550_is_dead_lettered_and_visible() {
    let smtp = Smtp::flaky(550, 100);
    let t = app(&smtp).await;
    let token = account(&t, "ada@example.com").await;
    upload(
        &t,
        &token,
        common::plain_jpeg(64, 48),
        "thumbnails=32&metadata=false&notify=email",
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Dead { .. }
    ));
    let (_, jobs) = t.get_json_auth("/v1/jobs?kind=notify", &token).await;
    let job = &jobs["jobs"][0];
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("dead"), Some(1)),
        "{job}"
    );
    assert!(job["error"].as_str().unwrap().contains("refused"), "{job}");
    assert!(smtp.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_and_mongodb_deliver_the_email() {
    on_production(common::brokers::TestBroker::RabbitMq).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_and_mongodb_deliver_the_email() {
    on_production(common::brokers::TestBroker::Kafka).await;
}

/// Accounts in MongoDB, the notify job through a production broker.
async fn on_production(broker: common::brokers::TestBroker) {
    let smtp = Smtp::start();
    let production = common::cluster::production_on(broker).await;
    let url = smtp.url.clone();
    let t = TestApp::spawn_with(move |c| {
        production(c);
        c.auth = Some(Switch(true));
        c.jwt_secret = Some(Secret("notify-test-secret-notify-test-secret".into()));
        c.gateway.sign_in_rate_limit.burst = 1000;
        c.workers.notify.smtp_url = Some(Secret(url));
    })
    .await;
    let token = account(&t, "ada@example.com").await;
    upload(
        &t,
        &token,
        common::plain_jpeg(64, 48),
        "thumbnails=32&metadata=false&notify=email",
    )
    .await;
    assert!(matches!(
        t.run_one(Role::Thumbnail).await,
        Outcome::Succeeded { .. }
    ));
    assert!(matches!(
        t.run_one(Role::Notify).await,
        Outcome::Succeeded { .. }
    ));
    assert_eq!(smtp.messages().len(), 1);
    let (_, history) = t.get_json_auth("/v1/history", &token).await;
    let actions: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["email_sent", "job_succeeded", "upload", "sign_in"],
        "{history}"
    );
    t.app.backends.broker.close().await;
    broker
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}
