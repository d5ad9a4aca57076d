//! Reading the configuration: defaults, then a TOML file, then `KILN_*`
//! variables; and, when something is wrong, saying which key of which file
//! or which variable it is.

use super::Config;
use super::renamed::{Kinds, is_old_name, moved_hint, new_key, old_variable};
use figment::error::{Kind, OneOf};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use std::path::Path;

/// `KILN_*` variables that are not configuration: the client's
/// (`KILN_SERVER`, `KILN_TOKEN`), the file's name (`KILN_CONFIG`), logging
/// traces and metrics (`KILN_LOG_FORMAT`, `KILN_OTLP_ENDPOINT`,
/// `KILN_METRICS`, read before the configuration), the test servers'
/// launchers (`KILN_TEST_*`, `KILN_SMTP_VENV`, `KILN_MONGO_WIRE_VENV`, and
/// `KILN_SHARED_DIR` of older set-ups) and the benchmarks' (`KILN_NEED`).
/// Every other `KILN_*` variable must name a setting; a test checks that
/// the repository's scripts use no other.
pub(super) const NOT_CONFIG: &[&str] = &[
    "config",
    "server",
    "token",
    "log_format",
    "otlp_endpoint",
    "metrics",
    "smtp_venv",
    "mongo_wire_venv",
    "shared_dir",
    "need",
];
pub(super) const NOT_CONFIG_PREFIXES: &[&str] = &["test_"];

pub(super) fn is_config(key: &str) -> bool {
    !NOT_CONFIG.contains(&key) && !NOT_CONFIG_PREFIXES.iter().any(|p| key.starts_with(p))
}

const ENVIRONMENT: &str = "environment";

/// An [`Env`] whose values are reported by their variable's name.
struct Variables {
    env: Env,
    metadata: Metadata,
}

impl Provider for Variables {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        self.env.data()
    }
}

/// `KILN_SECTION__KEY` variables, named after the keys they set.
fn nested_variables() -> Variables {
    let env = Env::prefixed("KILN_")
        .filter(|k| {
            let k = k.as_str().to_ascii_lowercase();
            is_config(&k) && !is_old_name(&k)
        })
        .split("__");
    let metadata = Metadata::named(ENVIRONMENT).interpolater(|_: &Profile, path: &[&str]| {
        format!("KILN_{}", path.join("__").to_ascii_uppercase())
    });
    Variables { env, metadata }
}

/// The variables of the flat layout (`KILN_AMQP_URL`, `KILN_KAFKA__*`, ...),
/// moved to their sections.
fn old_variables(kinds: Kinds) -> Variables {
    let k = kinds.clone();
    let env = Env::prefixed("KILN_")
        .filter_map(move |key| new_key(&key.as_str().to_ascii_lowercase(), &k).map(Into::into));
    let metadata = Metadata::named(ENVIRONMENT)
        .interpolater(move |_: &Profile, path: &[&str]| old_variable(path, &kinds));
    Variables { env, metadata }
}

fn layers(file: Option<&Path>, kinds: Kinds) -> Figment {
    let fig = Figment::from(Serialized::defaults(Config::default()));
    let fig = match file {
        Some(f) => fig.merge(Toml::file_exact(f)),
        None => fig.merge(Toml::file("kiln.toml")),
    };
    // The new names win over the old ones.
    fig.merge(old_variables(kinds)).merge(nested_variables())
}

/// Why the configuration could not be read: every error, each naming its key
/// and the file or variable it came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .messages.join("; "))]
pub struct ConfigError {
    messages: Vec<String>,
    #[source]
    source: Box<figment::Error>,
}

impl ConfigError {
    fn new(fig: &Figment, e: figment::Error) -> Self {
        let messages = e.clone().into_iter().map(|e| describe(fig, &e)).collect();
        ConfigError {
            messages,
            source: Box::new(e),
        }
    }

    /// One line per error.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }
}

fn describe(fig: &Figment, e: &figment::Error) -> String {
    let mut path = e.path.clone();
    // Errors from inside a `kind`-tagged section carry only the section's
    // path (serde reads the section whole before it knows its kind).
    match &e.kind {
        Kind::UnknownField(name, _) if path.last() != Some(name) => path.push(name.clone()),
        Kind::UnknownVariant(..) if fig.find_value(&format!("{}.kind", path.join("."))).is_ok() => {
            path.push("kind".into())
        }
        _ => {}
    }
    let key = path.join(".");
    let what = match &e.kind {
        Kind::UnknownField(name, expected) => {
            let hint = (path.len() == 1)
                .then(|| moved_hint(name))
                .flatten()
                .unwrap_or_else(|| format!("expected {}", OneOf(expected)));
            format!("unknown key `{name}` ({hint})")
        }
        Kind::UnknownVariant(name, expected) => {
            format!("unknown value `{name}` (expected {})", OneOf(expected))
        }
        Kind::InvalidType(_, expected)
            if path.len() == 1
                && expected.contains("enum")
                && matches!(key.as_str(), "store" | "broker") =>
        {
            format!(
                "{} (`{key}` is a section now: [{key}] kind = \"...\"; see docs/configuration.md)",
                e.kind
            )
        }
        other => other.to_string(),
    };
    match place(fig, e, &path) {
        Some(place) => format!("{place}: {what}"),
        None => what,
    }
}

/// Where the value at `path` came from: its variable, or its key and file.
/// For a whole section, every file and variable that set something in it.
fn place(fig: &Figment, e: &figment::Error, path: &[String]) -> Option<String> {
    let key = path.join(".");
    match fig.find_value(&key) {
        Ok(Value::Dict(_, dict)) if !key.is_empty() => {
            let mut inputs = Vec::new();
            inputs_of(fig, path, &dict, &mut inputs);
            Some(if inputs.is_empty() {
                format!("[{key}]")
            } else {
                format!("[{key}] (from {})", inputs.join(", "))
            })
        }
        Ok(v) if !key.is_empty() => {
            Some(origin(fig.get_metadata(v.tag()), path).unwrap_or_else(|| format!("`{key}`")))
        }
        _ => origin(e.metadata.as_ref(), path),
    }
}

fn origin(md: Option<&Metadata>, path: &[String]) -> Option<String> {
    let md = md?;
    if md.name == ENVIRONMENT {
        return Some(md.interpolate(&Profile::Default, path));
    }
    let Some(Source::File(file)) = &md.source else {
        return None;
    };
    Some(match path.join(".") {
        key if key.is_empty() => file.display().to_string(),
        key => format!("`{key}` in {}", file.display()),
    })
}

/// The files and variables that set values under `path`.
fn inputs_of(fig: &Figment, path: &[String], dict: &Dict, out: &mut Vec<String>) {
    for (k, v) in dict {
        let mut p = path.to_vec();
        p.push(k.clone());
        if let Value::Dict(_, d) = v {
            inputs_of(fig, &p, d, out);
            continue;
        }
        let Some(md) = fig.get_metadata(v.tag()) else {
            continue;
        };
        let input = match &md.source {
            _ if md.name == ENVIRONMENT => md.interpolate(&Profile::Default, &p),
            Some(Source::File(f)) => f.display().to_string(),
            _ => continue,
        };
        if !out.contains(&input) {
            out.push(input);
        }
    }
}

impl Config {
    /// Loads defaults, then `file` (or `./kiln.toml` if present), then the
    /// environment. Unknown keys and variables are errors.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        // Which backends are configured decides where the old flat variables
        // go (`KILN_AMQP_URL` only means something with RabbitMQ), so look
        // at the kinds first.
        let first = layers(file, Kinds::default());
        let kinds = Kinds {
            store: first.extract_inner("store.kind").ok(),
            broker: first.extract_inner("broker.kind").ok(),
        };
        let fig = layers(file, kinds);
        fig.extract().map_err(|e| ConfigError::new(&fig, e))
    }
}
