//! Every `KILN_*` variable the repository's scripts set is known to the
//! loader: a variable it does not know stops the process.

#![allow(clippy::unwrap_used)]

use super::*;
use std::path::Path;

/// The scripts, manifests and tests of the repository set `KILN_*`
/// variables for many tools; each must be a setting (its first segment a
/// top-level key), an old name, or one of `NOT_CONFIG`, or a process started
/// with it would refuse to run.
#[test]
fn every_kiln_variable_in_the_repository_is_known() {
    let all = Config {
        redis: Some(RedisConfig {
            url: "redis://r".into(),
        }),
        auth: Some(Switch(true)),
        jwt_secret: Some(Secret("s".into())),
        ..Config::default()
    };
    let top: toml::Table = all.to_toml().unwrap().parse().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for p in [
        ".ci",
        "testing",
        "deploy",
        "benches",
        "cli/tests",
        "adapters/src",
    ] {
        collect(&root.join(p), &mut files);
    }
    files.push(root.join("compose.yaml"));
    files.push(root.join("Dockerfile"));
    let mut unknown = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for (i, _) in text.match_indices("KILN_") {
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let key = name["KILN_".len()..].to_ascii_lowercase();
            // Prefixes in prose or format strings (`KILN_KAFKA__PROPERTIES__`).
            if key.is_empty() || key.ends_with('_') {
                continue;
            }
            let first = key.split("__").next().unwrap_or_default();
            let known =
                !load::is_config(&key) || renamed::is_old_name(&key) || top.contains_key(first);
            if !known {
                unknown.push(format!("{name} in {}", f.display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "not settings, not in NOT_CONFIG: {unknown:?}"
    );
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        out.push(dir.to_path_buf());
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
