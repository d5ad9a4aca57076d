//! The distributed recipe of docs/operations.md, run as written: the shell
//! block is read from the document, so the two cannot drift. Only what is
//! this machine's is changed: the binary (the one `cargo test` built), the
//! servers' addresses, free ports, and a fresh database, namespace and
//! config directory (given as variables the recipe does not set).

#![allow(clippy::unwrap_used)]

use kiln_adapters::test_servers;

/// The first ```sh block after the section heading.
fn recipe() -> String {
    let doc = include_str!("../../../docs/operations.md");
    let section = doc
        .split_once("## Running the distributed mode locally\n")
        .expect("the section")
        .1;
    let block = section.split_once("```sh\n").expect("a sh block").1;
    block.split_once("```").expect("its end").0.to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_distributed_recipe_works_as_written() {
    let recipe = recipe();
    // What it promises to run: every role, a sign-in, an upload.
    for role in ["thumbnail", "metadata", "convert", "notify"] {
        assert!(
            recipe.contains(&format!("--role {role}")),
            "no {role} worker"
        );
    }
    assert!(recipe.contains("kiln login") && recipe.contains("upload photo.jpg --wait"));

    let mut script = recipe.replace("cargo build --release\n", "");
    script = script.replace("target/release/kiln", env!("CARGO_BIN_EXE_kiln"));
    script = script.replace(
        "mongodb://127.0.0.1:27017/?directConnection=true",
        &test_servers::mongodb_uri(),
    );
    script = script.replace(
        "amqp://guest:guest@127.0.0.1:5672/%2f",
        &test_servers::amqp_url(),
    );
    script = script.replace("redis://127.0.0.1:6379", &test_servers::redis_url());
    for port in ["8080", "9091", "9092", "9093", "9094"] {
        script = script.replace(
            &format!("127.0.0.1:{port}"),
            &format!("127.0.0.1:{}", free_port()),
        );
    }

    let id = kiln_adapters::new_id().replace('-', "");
    let database = format!("t{id}");
    test_servers::prepare_mongo_database(&test_servers::mongodb_uri(), &database)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("photo.jpg"),
        crate::common::plain_jpeg(640, 480),
    )
    .unwrap();
    let whole = format!(
        "set -euo pipefail\n\
         trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n\
         export KILN_MONGODB_DATABASE={database} KILN_MONGODB_CREATE_INDEXES=false \
         KILN_NAMESPACE=t{id} XDG_CONFIG_HOME='{cfg}' RUST_LOG=warn\n\
         {script}",
        cfg = dir.path().join("config").display(),
    );
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(180),
        tokio::process::Command::new("bash")
            .arg("-c")
            .arg(&whole)
            .current_dir(dir.path())
            .env_remove("KILN_SERVER")
            .env_remove("KILN_TOKEN")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the recipe finished within 3 minutes")
    .unwrap();
    let said = format!(
        "{whole}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Signed in to"), "{said}");
    assert!(stdout.contains("succeeded"), "{said}");
    crate::common::brokers::delete_queues(&kiln_proto::Names::new(format!("t{id}"))).await;
}
