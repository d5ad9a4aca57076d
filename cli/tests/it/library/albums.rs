//! Albums: the owner's order, covers, limits, and files that outlive them.

use super::{As, ids_of, run};
use crate::common::{self, TestApp};
use kiln_proto::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn albums_keep_the_owners_order(t: &TestApp) {
    let me = As { t, token: None };
    let mut ids = Vec::new();
    for i in 0..4 {
        let up = me
            .upload(
                common::plain_jpeg(30 + i, 20),
                &format!("p{i}.jpg"),
                "thumbnails=16&metadata=false",
            )
            .await;
        ids.push(up["file_id"].as_str().unwrap().to_owned());
    }
    run(t, Role::Thumbnail, 4).await;
    let (code, album) = me
        .call(
            Method::POST,
            "/v1/albums",
            Some(json!({"name": "2024/05 Trip", "description": "Lisbon"})),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{album}");
    assert_eq!(album["name"], "2024/05 Trip");
    assert_eq!(album["file_count"], 0);
    let aid = album["id"].as_str().unwrap().to_owned();
    let files = format!("/v1/albums/{aid}/files");
    // Added in this order (a repeat is skipped).
    let (code, added) = me
        .call(
            Method::POST,
            &files,
            Some(json!({"file_ids": [&ids[2], &ids[0], &ids[3], &ids[0]]})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{added}");
    assert_eq!(added["added"], 3);
    assert_eq!(added["album"]["file_count"], 3);
    assert_eq!(
        added["album"]["cover_file_id"],
        ids[2].as_str(),
        "the first file is the cover"
    );
    assert!(
        added["album"]["cover_url"]
            .as_str()
            .unwrap()
            .starts_with("/v1/files/")
    );
    let listed = me.ids(&format!("album={aid}")).await;
    assert_eq!(listed, vec![ids[2].clone(), ids[0].clone(), ids[3].clone()]);
    // By date instead, and paged in album order.
    assert_eq!(
        me.ids(&format!("album={aid}&sort=newest")).await,
        vec![ids[3].clone(), ids[2].clone(), ids[0].clone()]
    );
    let (_, page) = me.get(&format!("/v1/files?album={aid}&limit=2")).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    assert_eq!(
        me.ids(&format!("album={aid}&limit=2&cursor={cursor}"))
            .await,
        vec![ids[3].clone()]
    );
    // The owner reorders and picks a cover.
    let (code, a) = me
        .call(
            Method::PATCH,
            &format!("/v1/albums/{aid}"),
            Some(json!({"file_order": [&ids[3]], "cover_file_id": &ids[0], "name": "Lisbon"})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{a}");
    assert_eq!(
        (a["name"].clone(), a["cover_file_id"].clone()),
        (json!("Lisbon"), json!(ids[0]))
    );
    assert_eq!(
        me.ids(&format!("album={aid}")).await,
        vec![ids[3].clone(), ids[2].clone(), ids[0].clone()]
    );
    // A file in several albums; filters combine with the album.
    let (_, b) = me
        .call(Method::POST, "/v1/albums", Some(json!({"name": "Best"})))
        .await;
    let bid = b["id"].as_str().unwrap();
    me.call(
        Method::POST,
        &format!("/v1/albums/{bid}/files"),
        Some(json!({"file_ids": [&ids[3]]})),
    )
    .await;
    assert_eq!(
        me.ids(&format!("album={bid}&q=p3")).await,
        vec![ids[3].clone()]
    );
    assert_eq!(
        me.ids(&format!("album={bid}&q=p2")).await,
        Vec::<String>::new()
    );
    let (_, list) = me.get("/v1/albums").await;
    assert_eq!(ids_of(&list["albums"]), vec![bid.to_owned(), aid.clone()]);
    // Mistakes are named; a file not in the album cannot be its cover.
    for (method, path, body, field) in [
        (
            Method::POST,
            "/v1/albums".to_owned(),
            json!({"name": ""}),
            "name",
        ),
        (
            Method::POST,
            "/v1/albums".to_owned(),
            json!({"name": "x", "description": "d".repeat(2001)}),
            "description",
        ),
        (
            Method::PATCH,
            format!("/v1/albums/{aid}"),
            json!({"cover_file_id": &ids[1]}),
            "cover_file_id",
        ),
        (
            Method::PATCH,
            format!("/v1/albums/{aid}"),
            json!({"file_order": [&ids[1]]}),
            "file_order",
        ),
        (
            Method::POST,
            files.clone(),
            json!({"file_ids": []}),
            "file_ids",
        ),
    ] {
        let (code, e) = me.call(method, &path, Some(body)).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    let (code, _) = me
        .call(
            Method::POST,
            &files,
            Some(json!({"file_ids": ["no-such-file"]})),
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    // Removing a file from the album keeps the file; the cover falls back.
    let (code, _) = me
        .call(Method::DELETE, &format!("{files}/{}", ids[0]), None)
        .await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    let (_, a) = me.get(&format!("/v1/albums/{aid}")).await;
    assert_eq!(
        (a["file_count"].clone(), a["cover_file_id"].clone()),
        (json!(2), json!(ids[3]))
    );
    assert_eq!(
        me.get(&format!("/v1/files/{}", ids[0])).await.0,
        StatusCode::OK
    );
    // Deleting a file takes it out of every album.
    me.call(Method::DELETE, &format!("/v1/files/{}", ids[3]), None)
        .await;
    assert_eq!(me.ids(&format!("album={aid}")).await, vec![ids[2].clone()]);
    let (_, b) = me.get(&format!("/v1/albums/{bid}")).await;
    assert_eq!(b["file_count"], 0);
    // Deleting an album never deletes its files.
    let (code, _) = me
        .call(Method::DELETE, &format!("/v1/albums/{aid}"), None)
        .await;
    assert_eq!(code, StatusCode::NO_CONTENT);
    assert_eq!(
        me.get(&format!("/v1/albums/{aid}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        me.get(&format!("/v1/files?album={aid}")).await.0,
        StatusCode::NOT_FOUND
    );
    let remaining = me.ids("").await;
    assert_eq!(
        remaining,
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn albums_keep_the_owners_order_on_sqlite() {
    let t = TestApp::spawn().await;
    albums_keep_the_owners_order(&t).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn albums_keep_the_owners_order_on_mongodb() {
    let production = common::cluster::production().await;
    let t = TestApp::spawn_with(production).await;
    albums_keep_the_owners_order(&t).await;
    t.app.backends.broker.close().await;
    common::brokers::TestBroker::RabbitMq
        .cleanup(&kiln_proto::Names::new(t.config.namespace.clone()))
        .await;
}
